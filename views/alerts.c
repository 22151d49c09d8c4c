/* The alerts view: every alert of the team's Alertmanagers with its state
 * (firing, pending, silenced, inhibited, muted), the silences, Prometheus'
 * alerting rules and the alert groups; filter takes matchers, a pane shows
 * the selected alert's labels, annotations and links, silence and expire go
 * through the action layer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/alertmgr.h"
#include "warroom/config.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/text.h"
#include "warroom/view.h"

enum mode { M_ALERTS, M_SILENCES, M_RULES, M_GROUPS, M_COUNT };

static const char *const mode_names[M_COUNT] = { "alerts", "silences", "rules", "groups" };

struct alerts_state {
	enum mode mode;
	struct table tbl[M_COUNT];
	char filter[512];
	struct alertmgr_matchers ms;
	bool has_filter;
	size_t idx[MODEL_AM_ALERTS];    /* the alerts the filter lets through */
	size_t nidx;
	const struct model *m;
	/* the silence being written: matchers, then duration, then comment */
	char sil_matchers[512], sil_duration[32];
};

static void refilter(struct alerts_state *st, const struct model *m)
{
	st->m = m;
	st->nidx = 0;
	for (size_t i = 0; m->am && i < m->am->n; i++)
		if (!st->has_filter || alertmgr_matchers_match(&st->ms, &m->am->a[i]))
			st->idx[st->nidx++] = i;
}

static size_t rows_of(const struct alerts_state *st, const struct model *m)
{
	if (!m->am)
		return 0;
	switch (st->mode) {
	case M_ALERTS: return st->nidx;
	case M_SILENCES: return m->am->nsilences;
	case M_RULES: return m->am->nrules;
	case M_GROUPS: return m->am->ngroups;
	default: return 0;
	}
}

static const struct model_am_alert *selected_alert(const struct alerts_state *st, const struct model *m)
{
	const struct table *t = &st->tbl[M_ALERTS];

	return m->am && t->selected < st->nidx ? &m->am->a[st->idx[t->selected]] : NULL;
}

static enum tui_role sev_role(int rank)
{
	return rank == 0 ? ROLE_CRIT : rank == 1 ? ROLE_WARN : ROLE_NORMAL;
}

static const char *sev_short(const struct model_am_alert *a)
{
	return a->sev_rank == 0 ? "crit" : a->sev_rank == 1 ? "warn" : a->sev_rank == 2 ? "info" : a->severity;
}

/* What holds a suppressed alert back, in a word. */
static const char *state_word(const struct model_am_alert *a)
{
	if (a->state != AM_SUPPRESSED)
		return alertmgr_state_name(a->state);
	return a->nsilenced ? "silenced" : a->ninhibited ? "inhibited" : a->nmuted ? "muted" : "suppressed";
}

static void age_of(int64_t since, char *buf, size_t len)
{
	if (since > 0)
		text_age(loop_wall_ms() - since, buf, len);
	else
		snprintf(buf, len, "-");
}

static const struct table_col alert_cols[] = {
	{ "sev", 5, false }, { "state", 10, false }, { "alert", 26, false }, { "age", 5, true }, { "summary", 0, false },
};
static const struct table_col alert_cols_narrow[] = {
	{ "sev", 5, false }, { "state", 9, false }, { "alert", 20, false }, { "age", 4, true }, { "summary", 0, false },
};
static const struct table_col silence_cols[] = {
	{ "id", 9, false }, { "state", 8, false }, { "ends", 6, true }, { "by", 10, false }, { "matchers", 0, false },
};
static const struct table_col rule_cols[] = {
	{ "health", 7, false }, { "state", 9, false }, { "rule", 26, false }, { "group", 24, false },
	{ "error", 0, false },
};
static const struct table_col group_cols[] = {
	{ "alerts", 7, true }, { "firing", 7, true }, { "receiver", 16, false }, { "group", 0, false },
};

static enum tui_role alert_cell(const void *data, size_t row, size_t col, char *buf, size_t len)
{
	const struct alerts_state *st = data;
	const struct model_am_alert *a = &st->m->am->a[st->idx[row]];

	switch (col) {
	case 0:
		snprintf(buf, len, "%s", sev_short(a));
		return a->state == AM_ACTIVE ? sev_role(a->sev_rank) : ROLE_STALE;
	case 1:
		snprintf(buf, len, "%s", state_word(a));
		return a->state == AM_ACTIVE ? ROLE_NORMAL : a->state == AM_PENDING ? ROLE_WARN : ROLE_STALE;
	case 2:
		snprintf(buf, len, "%s", a->name);
		return a->state == AM_ACTIVE ? ROLE_NORMAL : ROLE_STALE;
	case 3:
		age_of(a->since_wall_ms, buf, len);
		return ROLE_NORMAL;
	default:
		snprintf(buf, len, "%s", a->summary);
		return ROLE_NORMAL;
	}
}

static enum tui_role silence_cell(const void *data, size_t row, size_t col, char *buf, size_t len)
{
	const struct alerts_state *st = data;
	const struct model_silence *s = &st->m->am->silences[row];
	static const char *const states[] = { "active", "pending", "expired" };

	switch (col) {
	case 0:
		snprintf(buf, len, "%.8s", s->id);
		return ROLE_NORMAL;
	case 1:
		snprintf(buf, len, "%s", states[s->state]);
		return s->state == SIL_ACTIVE ? ROLE_OK : ROLE_STALE;
	case 2:
		if (s->state == SIL_EXPIRED)
			snprintf(buf, len, "-");
		else
			text_age(s->ends_wall_ms - loop_wall_ms(), buf, len);
		return ROLE_NORMAL;
	case 3:
		snprintf(buf, len, "%s", s->created_by);
		return ROLE_NORMAL;
	default: {
		char ms[400];

		alertmgr_matchers_format(s->m, s->nm, ms, sizeof ms);
		snprintf(buf, len, "%s  %s", ms, s->comment);
		return ROLE_NORMAL;
	}
	}
}

static enum tui_role rule_cell(const void *data, size_t row, size_t col, char *buf, size_t len)
{
	const struct alerts_state *st = data;
	const struct model_rule *r = &st->m->am->rules[row];
	bool err = strcmp(r->health, "err") == 0;

	switch (col) {
	case 0:
		snprintf(buf, len, "%s", err ? "ERROR" : r->health);
		return err ? ROLE_CRIT : strcmp(r->health, "ok") == 0 ? ROLE_OK : ROLE_STALE;
	case 1:
		snprintf(buf, len, "%s", r->state);
		return strcmp(r->state, "firing") == 0 ? ROLE_CRIT : strcmp(r->state, "pending") == 0 ? ROLE_WARN :
		       ROLE_NORMAL;
	case 2:
		snprintf(buf, len, "%s", r->name);
		return ROLE_NORMAL;
	case 3:
		snprintf(buf, len, "%s", r->group);
		return ROLE_NORMAL;
	default:
		snprintf(buf, len, "%s", r->last_error);
		return err ? ROLE_CRIT : ROLE_NORMAL;
	}
}

static enum tui_role group_cell(const void *data, size_t row, size_t col, char *buf, size_t len)
{
	const struct alerts_state *st = data;
	const struct model_am_group *g = &st->m->am->groups[row];

	switch (col) {
	case 0: snprintf(buf, len, "%d", g->nalerts); return ROLE_NORMAL;
	case 1: snprintf(buf, len, "%d", g->nactive); return g->nactive ? ROLE_WARN : ROLE_NORMAL;
	case 2: snprintf(buf, len, "%s", g->receiver); return ROLE_NORMAL;
	default: snprintf(buf, len, "%s", g->labels[0] ? g->labels : "(all)"); return ROLE_NORMAL;
	}
}

/* The selected alert in full, as many rows as the pane has. */
static void draw_detail(WINDOW *w, int y, int x, int h, int width, const struct model_am_alert *a,
                        const struct model *m)
{
	int row = y, end = y + h;
	char line[1400];

	tui_box(w, y, x, h, width, a ? a->name : "Detail", ROLE_TITLE);
	row++, end--, x++, width -= 2;
	if (!a) {
		tui_put(w, row, x + 1, width - 1, ROLE_STALE, "no alert selected");
		return;
	}
	if (a->state == AM_SUPPRESSED) {
		const struct model_silence *s = a->nsilenced ? alertmgr_find_silence(m->am, a->silenced_by[0]) : NULL;

		if (s)
			snprintf(line, sizeof line, "silenced by %.8s (%s: %s)", s->id, s->created_by, s->comment);
		else if (a->nsilenced)
			snprintf(line, sizeof line, "silenced by %s", a->silenced_by[0]);
		else if (a->ninhibited)
			snprintf(line, sizeof line, "inhibited by %s", a->inhibited_by[0]);
		else
			snprintf(line, sizeof line, "muted by %s", a->nmuted ? a->muted_by[0] : "?");
		row += tui_wrap_put(w, row, x + 1, end - row, width - 1, 2, ROLE_STALE, line);
	} else if (row < end) {
		tui_putf(w, row++, x + 1, width - 1, a->state == AM_ACTIVE ? sev_role(a->sev_rank) : ROLE_WARN,
		         "%s %s%s%s", state_word(a), a->severity, a->group[0] ? "  group " : "", a->group);
	}
	if (a->runbook_url[0] && row < end)
		row += tui_wrap_put(w, row, x + 1, end - row, width - 1, 2, ROLE_ACCENT,
		                    (snprintf(line, sizeof line, "runbook: %s", a->runbook_url), line));
	for (size_t i = 0; i < a->nannotations && row < end; i++) {
		if (strcmp(a->annotations[i].name, "runbook_url") == 0)
			continue;
		snprintf(line, sizeof line, "%s: %s%s", a->annotations[i].name, a->annotations[i].value,
		         a->annotations[i].cut ? tui_glyph(G_ELLIPSIS) : "");
		row += tui_wrap_put(w, row, x + 1, end - row, width - 1, 2, ROLE_NORMAL, line);
	}
	for (size_t i = 0; i < a->nlabels && row < end; i++) {
		snprintf(line, sizeof line, "%s=%s", a->labels[i].name, a->labels[i].value);
		row += tui_wrap_put(w, row, x + 1, end - row, width - 1, 2, ROLE_STALE, line);
	}
	if (a->generator_url[0] && row < end)
		tui_wrap_put(w, row, x + 1, end - row, width - 1, 2, ROLE_STALE,
		             (snprintf(line, sizeof line, "source: %s", a->generator_url), line));
}

static void title_of(const struct alerts_state *st, const struct model *m, char *buf, size_t len)
{
	const struct model_am *am = m->am;
	size_t firing = 0, pending = 0, held = 0, o;

	for (size_t i = 0; am && i < am->n; i++) {
		firing += am->a[i].state == AM_ACTIVE;
		pending += am->a[i].state == AM_PENDING || am->a[i].state == AM_UNPROCESSED;
		held += am->a[i].state == AM_SUPPRESSED;
	}
	o = (size_t)snprintf(buf, len, "Alerts %s %zu firing, %zu pending, %zu suppressed", tui_glyph(G_DOT), firing,
	                     pending, held);
	if (st->mode != M_ALERTS && o < len)
		o += (size_t)snprintf(buf + o, len - o, " %s %s", tui_glyph(G_DOT), mode_names[st->mode]);
}

static void draw(void *state, WINDOW *w, int h, int width, const struct model *m)
{
	struct alerts_state *st = state;
	const struct model_am *am = m->am;
	struct table *t = &st->tbl[st->mode];
	char title[160], line[600];
	int list_h = h, list_w = width, y = 1;
	bool side = width >= 120, below = !side && h >= 16 && st->mode == M_ALERTS;

	refilter(st, m);
	title_of(st, m, title, sizeof title);
	if (side && st->mode == M_ALERTS)
		list_w = width * 3 / 5;
	if (below)
		list_h = h - h * 2 / 5;
	tui_box(w, 0, 0, list_h, list_w, title, ROLE_TITLE);
	if (!am) {
		tui_put(w, 2, 2, list_w - 4, m->cfg && m->cfg->alertmanager.url[0] ? ROLE_STALE : ROLE_WARN,
		        m->cfg && m->cfg->alertmanager.url[0] ? "no answer from Alertmanager yet" :
		        "no Alertmanager configured (alertmanager.url in the config)");
		return;
	}
	/* the sources' health, then the filter, each on a row of its own */
	{
		size_t o = 0;

		line[0] = '\0';
		for (size_t i = 0; i < am->nsources && o < sizeof line; i++)
			if (am->error[i][0])
				o += (size_t)snprintf(line + o, sizeof line - o, "%s%s", o ? "; " : "", am->error[i]);
		if (line[0])
			tui_put(w, y++, 2, list_w - 4, am->answered ? ROLE_WARN : ROLE_CRIT, line);
		if (am->rules_error[0])
			tui_put(w, y++, 2, list_w - 4, ROLE_WARN, am->rules_error);
		else if (am->rules_in_error)
			tui_putf(w, y++, 2, list_w - 4, ROLE_CRIT, "%zu of %zu alerting rules fail to evaluate "
			         "(%s: rules)", am->rules_in_error, am->rules_total, keymap_key_for(ACTION_ALERTS_LIST));
		if (st->has_filter && st->mode == M_ALERTS)
			tui_putf(w, y++, 2, list_w - 4, ROLE_ACCENT, "filter %s (%zu of %zu; %s changes it)", st->filter,
			         st->nidx, am->n, keymap_key_for(ACTION_FILTER));
	}
	t->nrows = rows_of(st, m);
	t->data = st;
	t->show_selection = true;
	switch (st->mode) {
	case M_ALERTS:
		t->cols = list_w >= 90 ? alert_cols : alert_cols_narrow;
		t->ncols = 5;
		t->cell = alert_cell;
		break;
	case M_SILENCES:
		t->cols = silence_cols;
		t->ncols = 5;
		t->cell = silence_cell;
		break;
	case M_RULES:
		t->cols = rule_cols;
		t->ncols = 5;
		t->cell = rule_cell;
		break;
	default:
		t->cols = group_cols;
		t->ncols = 4;
		t->cell = group_cell;
	}
	if (t->selected >= t->nrows && t->nrows)
		t->selected = t->nrows - 1;
	if (!t->nrows) {
		snprintf(line, sizeof line, "%s", st->mode == M_ALERTS ? (st->has_filter ? "no alert matches the filter" :
		         "no alerts: all quiet") : st->mode == M_SILENCES ? "no silences" : st->mode == M_RULES ?
		         (am->rules_wanted ? "no alerting rules" : "no Prometheus configured: no rules") :
		         "no alert groups");
		tui_put(w, y + 1, 2, list_w - 4, ROLE_STALE, line);
	} else {
		table_draw(w, y, 1, list_h - y - 1, list_w - 2, t);
	}
	if (st->mode != M_ALERTS)
		return;
	if (side)
		draw_detail(w, 0, list_w, h, width - list_w, selected_alert(st, m), m);
	else if (below)
		draw_detail(w, list_h, 0, h - list_h, width, selected_alert(st, m), m);
}

/* ---- keys ---- */

static void show_alert(const struct model_am_alert *a, const struct model *m)
{
	struct dialog d;

	dialog_info(&d, a->name);
	dialog_add_line(&d, a->state == AM_ACTIVE ? sev_role(a->sev_rank) : ROLE_STALE, "%s, severity %s, fingerprint %s",
	                state_word(a), a->severity, a->fingerprint);
	for (size_t i = 0; i < a->nsilenced; i++)
		dialog_add_line(&d, ROLE_STALE, "silenced by %s", a->silenced_by[i]);
	for (size_t i = 0; i < a->ninhibited; i++)
		dialog_add_line(&d, ROLE_STALE, "inhibited by %s", a->inhibited_by[i]);
	for (size_t i = 0; i < a->nmuted; i++)
		dialog_add_line(&d, ROLE_STALE, "muted by %s", a->muted_by[i]);
	if (a->group[0])
		dialog_add_line(&d, ROLE_NORMAL, "group %s (receiver %s)", a->group, a->receiver);
	if (a->runbook_url[0])
		dialog_add_line(&d, ROLE_ACCENT, "runbook: %s", a->runbook_url);
	if (a->generator_url[0])
		dialog_add_line(&d, ROLE_NORMAL, "source: %s", a->generator_url);
	for (size_t i = 0; i < a->nannotations; i++)
		dialog_add_line(&d, ROLE_NORMAL, "%s: %s", a->annotations[i].name, a->annotations[i].value);
	for (size_t i = 0; i < a->nlabels; i++)
		dialog_add_line(&d, ROLE_STALE, "%s=%s", a->labels[i].name, a->labels[i].value);
	(void)m;
	ui_dialog(&d);
}

static void on_filter(const struct dialog *d, enum dialog_result r, void *arg)
{
	struct alerts_state *st = arg;
	struct alertmgr_matchers ms;
	char err[300];

	if (r != DIALOG_YES)
		return;
	if (!d->input[0]) {
		alertmgr_matchers_free(&st->ms);
		st->has_filter = false;
		st->filter[0] = '\0';
		ui_message(ROLE_NORMAL, "filter cleared");
		return;
	}
	if (alertmgr_matchers_parse(d->input, &ms, err, sizeof err) != 0) {
		ui_message(ROLE_CRIT, "filter not applied: %s", err);
		return;
	}
	alertmgr_matchers_free(&st->ms);
	st->ms = ms;
	st->has_filter = ms.n > 0;
	snprintf(st->filter, sizeof st->filter, "%s", d->input);
	st->tbl[M_ALERTS].selected = st->tbl[M_ALERTS].top = 0;
}

static void on_comment(const struct dialog *d, enum dialog_result r, void *arg)
{
	struct alerts_state *st = arg;
	char text[1200];

	if (r != DIALOG_YES)
		return;
	if (!d->input[0]) {
		ui_message(ROLE_WARN, "a silence needs a comment (who is on it, why): nothing silenced");
		return;
	}
	snprintf(text, sizeof text, "{%s} %s %s", st->sil_matchers, st->sil_duration, d->input);
	ui_run_action(ACTION_SILENCE, text);
}

static void on_duration(const struct dialog *d, enum dialog_result r, void *arg)
{
	struct alerts_state *st = arg;
	struct dialog next;

	if (r != DIALOG_YES)
		return;
	if (alertmgr_parse_duration(d->input[0] ? d->input : "1h") <= 0) {
		ui_message(ROLE_CRIT, "\"%s\" is not a duration (1h, 30m, 2h30m, 1d): nothing silenced", d->input);
		return;
	}
	snprintf(st->sil_duration, sizeof st->sil_duration, "%s", d->input[0] ? d->input : "1h");
	dialog_input(&next, "Silence", "Comment (required):", "", on_comment, st);
	ui_dialog(&next);
}

static void on_matchers(const struct dialog *d, enum dialog_result r, void *arg)
{
	struct alerts_state *st = arg;
	struct alertmgr_matchers ms;
	struct dialog next;
	char err[300];

	if (r != DIALOG_YES)
		return;
	if (alertmgr_matchers_parse(d->input, &ms, err, sizeof err) != 0 || !ms.n) {
		ui_message(ROLE_CRIT, "nothing silenced: %s", ms.n ? err : "a silence needs a matcher");
		alertmgr_matchers_free(&ms);
		return;
	}
	alertmgr_matchers_free(&ms);
	snprintf(st->sil_matchers, sizeof st->sil_matchers, "%s", d->input);
	dialog_input(&next, "Silence", "Duration:", "1h", on_duration, st);
	ui_dialog(&next);
}

static void start_silence(struct alerts_state *st, const struct model *m)
{
	const struct model_am_alert *a = selected_alert(st, m);
	struct model_am_matcher mm[ALERTMGR_MATCHERS];
	struct dialog d;
	char text[512] = "";

	if (st->mode == M_ALERTS && a)
		alertmgr_matchers_format(mm, alertmgr_alert_matchers(a, mm, ALERTMGR_MATCHERS), text, sizeof text);
	else if (st->has_filter)
		snprintf(text, sizeof text, "%s", st->filter);
	dialog_input(&d, "Silence", "Matchers:", text, on_matchers, st);
	ui_dialog(&d);
}

static int key(void *state, struct model *m, enum action_id action, int k, int page)
{
	struct alerts_state *st = state;
	struct table *t = &st->tbl[st->mode];
	struct dialog d;

	refilter(st, m);
	t->nrows = rows_of(st, m);
	switch (action) {
	case ACTION_ALERTS_LIST:
		st->mode = (enum mode)((st->mode + 1) % M_COUNT);
		return VIEW_REDRAW;
	case ACTION_FILTER:
		dialog_input(&d, "Filter alerts", "Matchers:", st->filter, on_filter, st);
		ui_dialog(&d);
		return VIEW_REDRAW;
	case ACTION_SILENCE:
		if (m->readonly)
			return VIEW_IGNORED;   /* the action layer refuses, in its words */
		start_silence(st, m);
		return VIEW_REDRAW;
	case ACTION_EXPIRE:
		if (m->readonly)
			return VIEW_IGNORED;
		if (st->mode == M_SILENCES && m->am && t->selected < m->am->nsilences) {
			ui_run_action(ACTION_EXPIRE, m->am->silences[t->selected].id);
		} else if (st->mode == M_ALERTS && selected_alert(st, m) && selected_alert(st, m)->nsilenced) {
			ui_run_action(ACTION_EXPIRE, selected_alert(st, m)->silenced_by[0]);
		} else {
			ui_message(ROLE_WARN, "select a silence (%s lists them) or a silenced alert to expire",
			           keymap_key_for(ACTION_ALERTS_LIST));
		}
		return VIEW_HANDLED;
	case ACTION_SELECT:
		if (st->mode == M_ALERTS && selected_alert(st, m))
			show_alert(selected_alert(st, m), m);
		return VIEW_HANDLED;
	default:
		break;
	}
	return table_move(t, action, page) ? VIEW_REDRAW : (action >= ACTION_UP && action <= ACTION_BOTTOM ?
	                                                    VIEW_HANDLED : VIEW_IGNORED);
}

const struct view_ops alerts_view = {
	.name = "alerts",
	.title = "Alerts",
	.about = "every alert, silence and rule",
	.key = '5',
	.state_size = sizeof(struct alerts_state),
	.redraw_on = DIRTY_ALERTS,
	.draw = draw,
	.on_key = key,
};
