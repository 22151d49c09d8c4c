/* The Runbook view's lines: what each phase, step and item of the runbook
 * being walked looks like, at a width. Sections stay folded until opened;
 * a choice says which option was taken; a template says what it still
 * needs; each step ends with its numbered references. */
#include "runbook_lines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/keymap.h"
#include "warroom/widgets.h"

static struct rb_line *add(struct rb_lines *l, long item, enum tui_role role, int x, const char *text,
                           size_t n)
{
	struct rb_line *d;

	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 256;
		struct rb_line *nv = realloc(l->v, nc * sizeof *nv);

		if (!nv)
			return NULL;
		l->v = nv;
		l->cap = nc;
	}
	d = &l->v[l->n];
	memset(d, 0, sizeof *d);
	d->item = item;
	d->role = role;
	d->x = x;
	d->text = strndup(text, n);
	if (!d->text)
		return NULL;
	l->n++;
	return d;
}

/* text wrapped at width, after a lead ("$ ", "[x] ") on the first row; base
 * is the item's text when text is it, so each row knows which of its bytes it shows */
static void add_wrapped(struct rb_lines *l, long item, enum tui_role role, int x, int width, const char *lead,
                        const char *text, const char *base)
{
	char row[600];
	int lw = tui_text_width(lead), first = 1;

	if (width - lw < 8)
		width = lw + 8;
	while (*text || first) {
		size_t n = *text ? tui_wrap_next(text, width - lw, sizeof row - 64) : 0;
		struct rb_line *d;

		snprintf(row, sizeof row, "%s%.*s", first ? lead : "", (int)n, text);
		d = add(l, item, role, first ? x : x + lw, row, strlen(row));
		if (d && base) {
			d->from = (size_t)(text - base);
			d->to = d->from + n;
			d->tx = x + lw;
		}
		text += n;
		while (*text == ' ')
			text++;
		first = 0;
	}
}

/* a block's lines as they are, at most max of them */
static void add_block(struct rb_lines *l, long item, enum tui_role role, int x, const char *lead,
                      const char *text, int max)
{
	int n = 0;
	char row[600];

	for (const char *p = text; *p && n < max; n++) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		snprintf(row, sizeof row, "%s%.*s", n == 0 ? lead : "  ", len, p);
		for (char *c = row; *c; c++)
			if (*c == '\t')
				*c = ' ';
		add(l, item, role, x, row, strlen(row));
		p = nl ? nl + 1 : p + len;
		if (n + 1 == max && *p) {
			snprintf(row, sizeof row, "  %s more lines (warroom runbook show)", tui_glyph(G_ELLIPSIS));
			add(l, item, ROLE_STALE, x, row, strlen(row));
		}
	}
}

static const char *state_glyph(enum runbook_state st)
{
	switch (st) {
	case RBS_DONE: return tui_glyph(G_CHECK);
	case RBS_RUNNING: return tui_glyph(G_PLAY);
	case RBS_FAILED: case RBS_CANCELLED: return tui_glyph(G_CROSS);
	case RBS_INTERRUPTED: return tui_glyph(G_WARN);
	case RBS_SKIPPED: return "-";
	default: return " ";
	}
}

static enum tui_role state_role(enum runbook_state st)
{
	switch (st) {
	case RBS_DONE: return ROLE_OK;
	case RBS_RUNNING: return ROLE_ACCENT;
	case RBS_FAILED: case RBS_CANCELLED: case RBS_INTERRUPTED: return ROLE_CRIT;
	case RBS_SKIPPED: return ROLE_STALE;
	default: return ROLE_NORMAL;
	}
}

struct ctx {
	struct rb_lines *l;
	const struct runbook_session *s;
	const struct runbook *rb;
	int width;
	rb_open_fn open;
	void *arg;
};

static bool folded(size_t section, void *arg)
{
	const struct ctx *c = arg;

	return !c->open(section, c->arg);
}

/* An option written as a heading: its step's first item, the step's title. */
static bool heading_option(const struct runbook *rb, size_t i)
{
	const struct runbook_item *it = &rb->items[i];

	return it->kind == RB_OPTION && i == rb->steps[it->step].first &&
	       !strcmp(it->text, rb->steps[it->step].title);
}

static void choice_head(struct ctx *c, const struct runbook_item *it, int x)
{
	int chosen = runbook_session_chosen(c->s, it->choice - 1), n = c->rb->choices[it->choice - 1].nopts;
	char row[300], name[160];

	if (chosen) {
		runbook_option_name(c->rb, it->choice - 1, chosen, name, sizeof name);
		snprintf(row, sizeof row, "one of %d, chosen: %s", n, name);
		add_wrapped(c->l, -1, ROLE_STALE, x, c->width - x, "", row, NULL);
	} else {
		snprintf(row, sizeof row, "one of %d: %s picks the option under the cursor, the others are skipped", n,
		         keymap_key_for(ACTION_RUNBOOK_PICK));
		add_wrapped(c->l, -1, ROLE_WARN, x, c->width - x, "", row, NULL);
	}
}

static void option_line(struct ctx *c, size_t i, int x)
{
	const struct runbook_item *it = &c->rb->items[i];
	int chosen = runbook_session_chosen(c->s, it->choice - 1);
	const char *lead = !chosen ? "( ) " : chosen == it->alt ? "(*) " : "(-) ";
	enum tui_role role = !chosen ? ROLE_ACCENT : chosen == it->alt ? ROLE_OK : ROLE_STALE;
	char row[64];

	/* an option that is a whole phase: its title is right above, the line says which option it is */
	if (!strcmp(it->text, c->rb->phases[c->rb->steps[it->step].phase].title)) {
		snprintf(row, sizeof row, "option %d of %d", it->alt, c->rb->choices[it->choice - 1].nopts);
		add_wrapped(c->l, (long)i, role, x, c->width - x, lead, row, NULL);
		return;
	}
	add_wrapped(c->l, (long)i, role, x, c->width - x, lead, it->text, it->text);
}

/* What a template still needs, or the values it runs with. */
static void placeholders_line(struct ctx *c, size_t i, int x)
{
	const struct runbook_item *it = &c->rb->items[i];
	const struct runbook_placeholder *miss[16];
	size_t n = runbook_session_missing(c->s, i, miss, 16), o = 0;
	char row[600], v[200];

	if (n) {
		o = (size_t)snprintf(row, sizeof row, "needs");
		for (size_t k = 0; k < n && k < 16 && o < sizeof row; k++)
			o += (size_t)snprintf(row + o, sizeof row - o, "%s %s", k ? "," : "", miss[k]->text);
		if (o < sizeof row)
			snprintf(row + o, sizeof row - o, " (%s gives %s)", keymap_key_for(ACTION_RUNBOOK_FILL),
			         n > 1 ? "them" : "it");
		add_wrapped(c->l, (long)i, ROLE_WARN, x + 2, c->width - x - 2, "", row, NULL);
		return;
	}
	for (size_t k = it->first_ph; k < it->first_ph + it->nph && o < sizeof row; k++) {
		const struct runbook_placeholder *p = &c->rb->placeholders[k];

		runbook_session_value(c->s, p, v, sizeof v);
		if (!v[0])
			continue;   /* the console gives it */
		o += (size_t)snprintf(row + o, sizeof row - o, "%s%s=%s", o ? ", " : "with ", p->text,
		                      runbook_placeholder_secret(p) ? "(hidden)" : v);
	}
	if (o)
		add_wrapped(c->l, (long)i, ROLE_STALE, x + 2, c->width - x - 2, "", row, NULL);
}

static void item_lines(struct ctx *c, size_t i)
{
	const struct runbook *rb = c->rb;
	const struct runbook_item *it = &rb->items[i];
	const struct runbook_item_state *st = runbook_session_item(c->s, i);
	int depth = it->depth > 3 ? 3 : it->depth, folds = 0, x, w;
	bool away = it->choice && runbook_session_chosen(c->s, it->choice - 1) &&
	            runbook_session_chosen(c->s, it->choice - 1) != it->alt;
	char lead[64], row[300];

	for (size_t f = it->fold; f && folds < 2; f = rb->items[f - 1].fold)
		folds++;
	x = 4 + 2 * depth + 2 * folds;
	w = c->width - x;
	if (it->choice && i == rb->choices[it->choice - 1].first)
		choice_head(c, it, heading_option(rb, i) ? 2 : x);
	switch (it->kind) {
	case RB_COMMAND:
		snprintf(lead, sizeof lead, "%s %s ", state_glyph(st->state), it->remote ? "bastion$" : "$");
		add_block(c->l, (long)i, away ? ROLE_STALE : st->state == RBS_PENDING ? ROLE_ACCENT : state_role(st->state),
		          x - 2, lead, it->text, 6);
		if (it->nph && !away)
			placeholders_line(c, i, x);
		break;
	case RB_ACTION:
		snprintf(lead, sizeof lead, "%s warroom ", state_glyph(st->state));
		add_block(c->l, (long)i, away ? ROLE_STALE : st->state == RBS_PENDING ? ROLE_ACCENT : state_role(st->state),
		          x - 2, lead, it->text, 1);
		break;
	case RB_CHECK:
		snprintf(lead, sizeof lead, "[%s] ", st->state == RBS_DONE ? "x" : st->state == RBS_SKIPPED ? "-" : " ");
		add_wrapped(c->l, (long)i, away ? ROLE_STALE : st->state == RBS_DONE ? ROLE_OK : ROLE_NORMAL, x, w, lead,
		            it->text, it->text);
		break;
	case RB_CODE: case RB_OUTPUT:
		add_block(c->l, (long)i, ROLE_STALE, x, "  ", it->text, 4);
		break;
	case RB_DETAILS:
		if (c->open(i, c->arg)) {
			add_wrapped(c->l, (long)i, ROLE_TITLE, x, w, "[-] ", it->text, it->text);
		} else {
			snprintf(row, sizeof row, "%s  (%s opens it)", it->text, keymap_key_for(ACTION_SELECT));
			add_wrapped(c->l, (long)i, ROLE_TITLE, x, w, "[+] ", row, NULL);
		}
		break;
	case RB_OPTION:
		if (!it->choice) {
			if (!heading_option(rb, i))
				add_wrapped(c->l, (long)i, ROLE_NORMAL, x, w, "", it->text, it->text);
		} else {
			option_line(c, i, heading_option(rb, i) ? 2 : x);
		}
		break;
	default:
		add_wrapped(c->l, (long)i, away ? ROLE_STALE : ROLE_NORMAL, x, w, "", it->text, it->text);
	}
	if (runbook_item_actionable(it) && st->reason[0] && st->state != RBS_DONE && !away) {
		bool stopped = st->state == RBS_FAILED || st->state == RBS_INTERRUPTED || st->state == RBS_CANCELLED;

		if (stopped)
			snprintf(row, sizeof row, "%s: %s retries, %s skips, %s marks it done", st->reason,
			         keymap_key_for(ACTION_RUNBOOK_STEP), keymap_key_for(ACTION_RUNBOOK_SKIP),
			         keymap_key_for(ACTION_RUNBOOK_DONE));
		else
			snprintf(row, sizeof row, "%s", st->reason);
		add_wrapped(c->l, (long)i, st->state == RBS_SKIPPED ? ROLE_STALE : ROLE_CRIT, x + 2, w - 2, "", row, NULL);
	}
}

/* The step's references: "[2] https://...", the address wrapped whole. */
static void references(struct ctx *c, size_t k)
{
	const struct runbook_link **refs = c->rb->nlinks ? calloc(c->rb->nlinks, sizeof *refs) : NULL;
	size_t n = refs ? runbook_step_refs(c->rb, k, refs, c->rb->nlinks) : 0;
	char lead[16];

	for (size_t r = 0; r < n; r++) {
		size_t from = c->l->n;

		snprintf(lead, sizeof lead, "[%d] ", refs[r]->n);
		add_wrapped(c->l, -1, ROLE_STALE, 4, c->width - 4, lead, refs[r]->url, refs[r]->url);
		for (size_t j = from; j < c->l->n; j++)
			c->l->v[j].url = refs[r]->url;
	}
	free(refs);
}

void runbook_lines_build(struct rb_lines *l, const struct runbook_session *s, const struct runbook *rb,
                         int width, rb_open_fn open, void *arg)
{
	struct ctx c = { .l = l, .s = s, .rb = rb, .width = width, .open = open, .arg = arg };
	size_t cur = runbook_session_current_step(s);

	for (size_t p = 0; p < rb->nphases; p++) {
		const struct runbook_phase *ph = &rb->phases[p];
		size_t done, all;
		char row[300];
		bool here = cur < rb->nsteps && rb->steps[cur].phase == p;

		runbook_session_phase_progress(s, p, &done, &all);
		snprintf(row, sizeof row, "%s %zu %s", all && done == all ? tui_glyph(G_CHECK) : here ?
		         tui_glyph(G_PLAY) : " ", p + 1, ph->title);
		if (all)
			snprintf(row + strlen(row), sizeof row - strlen(row), "  %zu/%zu", done, all);
		add(l, -1, all && done == all ? ROLE_OK : here ? ROLE_ACCENT : ROLE_TITLE, 0, row, strlen(row));
		for (size_t k = ph->first; k < ph->first + ph->n; k++) {
			const struct runbook_step *sp = &rb->steps[k];
			size_t stop;

			/* an option's heading is drawn as the option, with its mark */
			if ((ph->n > 1 || strcmp(sp->title, ph->title) != 0) &&
			    !(sp->n && heading_option(rb, sp->first) && rb->items[sp->first].choice)) {
				runbook_session_step_progress(s, k, &done, &all);
				snprintf(row, sizeof row, "%s%s", sp->title, runbook_session_step_stopped(s, k, &stop) ?
				         "  stopped" : "");
				if (all)
					snprintf(row + strlen(row), sizeof row - strlen(row), "  %zu/%zu", done, all);
				add(l, -1, k == cur ? ROLE_ACCENT : ROLE_NORMAL, 2, row, strlen(row));
			}
			for (size_t i = sp->first; i < sp->first + sp->n; i++)
				if (!runbook_item_folded(rb, i, folded, &c))
					item_lines(&c, i);
			references(&c, k);
		}
	}
}

void runbook_lines_free(struct rb_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
	memset(l, 0, sizeof *l);
}
