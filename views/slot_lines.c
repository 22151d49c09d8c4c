/* The slot model in lines, shared by the Slots view and the overview's
 * Slots panel: the slots' colours, the lines under the slot rows, and the
 * overview's summary (every line whole, or a count and the key to read them). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "warroom/deploy.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/slots.h"
#include "warroom/view.h"

#include "slot_lines.h"

enum tui_role slot_lines_role(const char *name)
{
	if (strcmp(name, "blue") == 0)
		return ROLE_BLUE;
	if (strcmp(name, "green") == 0)
		return ROLE_GREEN;
	return ROLE_ACCENT;
}

void slot_lines_upper(char *dst, size_t len, const char *src)
{
	size_t i = 0;
	for (; src[i] && i + 1 < len; i++)
		dst[i] = (char)(src[i] >= 'a' && src[i] <= 'z' ? src[i] - 32 : src[i]);
	dst[i] = '\0';
}

void slot_lines_name(char *dst, size_t len, const struct slots_slot *s)
{
	static const char *const shown[][2] = {
		{ "stable", "STABLE" }, { "canary", "CANARY" }, { "active", "LIVE" }, { "preview", "NEW" },
		{ "previous", "OLD" },
	};
	for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++)
		if (strcmp(s->role, shown[i][0]) == 0) {
			snprintf(dst, len, "%s", shown[i][1]);
			return;
		}
	slot_lines_upper(dst, len, s->name);
}

static void shown_name(char *dst, size_t len, const struct slots_slot *s)
{
	slot_lines_name(dst, len, s);
}

/* with_selector: the Slots view names the selector; the summary leaves it
 * to that view unless it is what is wrong. */
static void traffic_line(char *buf, size_t len, const struct slots_state *st, bool with_selector)
{
	if (!st->service_found)
		snprintf(buf, len, "traffic %s nowhere: service %s not found", tui_glyph(G_ARROW), st->service);
	else if (st->active >= 0)
		snprintf(buf, len, "traffic %s %s: %zu endpoint%s, %d ready%s%s%s", tui_glyph(G_ARROW),
		         st->slot[st->active].name, st->nendpoints, st->nendpoints == 1 ? "" : "s",
		         st->endpoints_ready, slots_traffic_only_on(st, st->active) ? ", all on it" : "",
		         with_selector ? "; selector " : "", with_selector ? st->selector : "");
	else if (st->both)
		snprintf(buf, len, "traffic %s BOTH slots: %d ready endpoints; selector %s", tui_glyph(G_ARROW),
		         st->endpoints_ready, st->selector);
	else
		snprintf(buf, len, "traffic %s no configured slot; selector %s", tui_glyph(G_ARROW), st->selector);
}

static void info_add(struct slot_lines *in, enum tui_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void info_add(struct slot_lines *in, enum tui_role role, const char *fmt, ...)
{
	va_list ap;

	if (in->n >= SLOT_LINES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(in->text[in->n], sizeof in->text[0], fmt, ap);
	va_end(ap);
	in->role[in->n++] = role;
}

void slot_lines_build(struct slot_lines *in, const struct model *m, const struct slots_state *st, bool full)
{
	const struct deploy *d = deploy_of(m);
	char line[320];
	bool stale = slot_lines_stale(m, st);

	in->n = 0;
	traffic_line(line, sizeof line, st, full);
	info_add(in, stale ? ROLE_STALE : slot_lines_health_role(st->health), "%s", line);
	if (st->rollout.name[0]) {
		rollout_summary_line(&st->rollout, loop_wall_ms(), line, sizeof line);
		info_add(in, stale ? ROLE_STALE : st->rollout.abort || st->rollout.progress_deadline_exceeded ? ROLE_WARN
		         : ROLE_ACCENT, "%s", line);
		if (full && st->rollout.canary) {
			rollout_steps_line(&st->rollout, line, sizeof line);
			info_add(in, stale ? ROLE_STALE : ROLE_NORMAL, "%s", line);
		}
	}
	/* where the deployment stands: the deployment model's word, not a guess here */
	if (d && d->rebuilt) {
		deploy_stage_line(d, loop_wall_ms(), line, sizeof line);
		info_add(in, d->stage == DEPLOY_ROLLED_BACK ? ROLE_WARN : ROLE_ACCENT, "%s", line);
	} else if (d) {
		info_add(in, ROLE_STALE, "deployment: reading its history %s", tui_glyph(G_ELLIPSIS));
	}
	if (stale) {
		int64_t a = (loop_now_ms() - st->updated_ms) / 1000;
		info_add(in, ROLE_CRIT, "STALE: data %llds old; last refresh failed: %s", (long long)a,
		         st->last_error[0] ? st->last_error : m->src[SRC_KUBE].error);
	}
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < st->nwarnings; i++)
			if (st->warnings[i].critical == (pass == 0))
				info_add(in, st->warnings[i].critical ? ROLE_CRIT : ROLE_WARN, "%s %s", tui_glyph(G_WARN),
				         st->warnings[i].text);
}

int slot_lines_draw(WINDOW *w, const struct slot_lines *in, int y, int last, int x, int width,
                    const char *where)
{
	for (size_t i = 0; i < in->n && y < last; i++) {
		int rows = tui_wrap_rows(in->text[i], width, 2);

		if (y + rows > last) {
			/* the rest in one row: how many, and where to read them */
			tui_putf(w, y++, x, width, in->role[i], "+%zu more%s", in->n - i, where);
			break;
		}
		y += tui_wrap_put(w, y, x, rows, width, 2, in->role[i], in->text[i]);
	}
	return y;
}

enum tui_role slot_lines_health_role(enum slots_health h)
{
	return h == SLOTS_OUTAGE ? ROLE_CRIT : h == SLOTS_DEGRADED ? ROLE_WARN : h == SLOTS_HEALTHY ? ROLE_OK :
	       ROLE_STALE;
}

bool slot_lines_stale(const struct model *m, const struct slots_state *st)
{
	return st->last_error[0] || m->src[SRC_KUBE].state == SRC_DOWN;
}

/* Where the lines that did not fit are read: the Slots view, by its key. */
static const char *more_where(char *buf, size_t len)
{
	snprintf(buf, len, ": %s opens Slots", keymap_view_key("slots"));
	return buf;
}

/* The overview's Slots panel in a few lines: a line per slot, then
 * traffic, phase and warnings wrapped, as many as fit. */
void slot_lines_summary(WINDOW *w, int y, int x, int h, int width, const struct model *m)
{
	const struct slots_state *st = m->slots;
	struct slot_lines in;
	char line[512], more[64];
	int last = y + h;

	if (!st || !st->updated_ms || h < 1)
		return;
	bool stale = slot_lines_stale(m, st);
	int nw = 7;
	for (int i = 0; i < st->nslots && y < last; i++, y++) {
		const struct slots_slot *s = &st->slot[i];
		char name[40];
		if (st->rollout.name[0] && !s->name[0]) {
			y--;   /* no canary (preview) now: no row */
			continue;
		}
		shown_name(name, sizeof name, s);
		tui_put(w, y, x, nw, stale ? ROLE_STALE : slot_lines_role(s->name), name);
		if (!s->found) {
			tui_put(w, y, x + nw, width - nw, ROLE_WARN, "no deployment");
			continue;
		}
		char share[16];
		/* a canary beside the stable set takes its weight of the traffic */
		snprintf(share, sizeof share, "%d %%", st->rollout.weight);
		tui_put(w, y, x + nw, 8, i == st->active ? ROLE_TITLE : ROLE_STALE,
		        i == st->active ? "ACTIVE" : st->rollout.canary ? share : st->both ? "both" : "standby");
		snprintf(line, sizeof line, "%d/%d", s->ready, s->desired);
		tui_put(w, y, x + nw + 8, 6, stale || s->desired == 0 ? ROLE_STALE : s->ready >= s->desired ? ROLE_OK :
		        i == st->active ? ROLE_CRIT : ROLE_WARN, line);
		snprintf(line, sizeof line, "%s%s", s->tag[0] ? s->tag : "?", "");
		if (s->revision)
			snprintf(line + strlen(line), sizeof line - strlen(line), " r%ld", s->revision);
		tui_put(w, y, x + nw + 15, width - nw - 15, stale ? ROLE_STALE : ROLE_NORMAL, line);
	}
	slot_lines_build(&in, m, st, false);
	slot_lines_draw(w, &in, y, last, x, width, more_where(more, sizeof more));
}

int slot_lines_summary_rows(int width, const struct model *m)
{
	const struct slots_state *st = m->slots;
	struct slot_lines in;
	int rows;

	if (!st || !st->updated_ms)
		return 2;
	rows = 0;
	for (int i = 0; i < st->nslots; i++)
		rows += st->slot[i].name[0] || !st->rollout.name[0];
	slot_lines_build(&in, m, st, false);
	for (size_t i = 0; i < in.n; i++)
		rows += tui_wrap_rows(in.text[i], width, 2);
	return rows;
}

/* The rollback target in one row, however small the screen: where R
 * would send the traffic, and whether it can take it. */
static int standby_row(WINDOW *w, int y, int last, int x, int width, const struct slots_state *st, bool stale)
{
	int sb = slots_standby(st), nw;
	const struct slots_slot *s;
	char name[40], line[160];

	if (sb < 0 || y >= last)
		return y;
	s = &st->slot[sb];
	if (!s->name[0] && st->rollout.name[0])
		return y;
	shown_name(name, sizeof name, s);
	nw = tui_text_width(name) + 1;
	tui_put(w, y, x, nw, stale ? ROLE_STALE : slot_lines_role(s->name), name);
	if (!s->found) {
		tui_put(w, y, x + nw, width - nw, ROLE_WARN, "standby: no deployment");
		return y + 1;
	}
	snprintf(line, sizeof line, "standby %d/%d %s", s->ready, s->desired, s->tag[0] ? s->tag : "?");
	if (s->revision)
		snprintf(line + strlen(line), sizeof line - strlen(line), " r%ld", s->revision);
	tui_put(w, y, x + nw, width - nw, stale || s->desired == 0 ? ROLE_STALE : s->ready >= s->desired ? ROLE_OK :
	        ROLE_WARN, line);
	return y + 1;
}

/* The compact overview's slots: the slot that serves traffic in one line
 * ("GREEN ACTIVE 3/3 1.5.0 r2 · degraded"), the standby in one ("BLUE
 * standby 3/3 1.4.2 r4"), then traffic, phase, warnings. */
int slot_lines_compact(WINDOW *w, int y, int x, int h, int width, const struct model *m)
{
	const struct slots_state *st = m->slots;
	char line[256], name[40], more[64];
	struct slot_lines in;

	if (!st || !st->updated_ms || h < 1)
		return y;
	slot_lines_build(&in, m, st, false);
	bool stale = slot_lines_stale(m, st);
	if (st->active < 0) {
		tui_putf(w, y, x, width, stale ? ROLE_STALE : ROLE_CRIT, "no slot serves traffic %s %s",
		         tui_glyph(G_DOT), slots_health_name(st->health));
		return slot_lines_draw(w, &in, y + 1, y + h, x, width, more_where(more, sizeof more));
	}
	const struct slots_slot *s = &st->slot[st->active];
	shown_name(name, sizeof name, s);
	int nw = tui_text_width(name) + 1;
	tui_put(w, y, x, nw, stale ? ROLE_STALE : slot_lines_role(s->name), name);
	snprintf(line, sizeof line, "ACTIVE %d/%d %s", s->ready, s->desired, s->tag[0] ? s->tag : "?");
	if (s->revision)
		snprintf(line + strlen(line), sizeof line - strlen(line), " r%ld", s->revision);
	tui_put(w, y, x + nw, width - nw, stale ? ROLE_STALE : ROLE_TITLE, line);
	int lw = tui_text_width(line) + nw;
	snprintf(line, sizeof line, " %s %s", tui_glyph(G_DOT), stale ? "stale" : slots_health_name(st->health));
	tui_put(w, y, x + lw, width - lw, stale ? ROLE_STALE : slot_lines_health_role(st->health), line);
	return slot_lines_draw(w, &in, standby_row(w, y + 1, y + h, x, width, st, stale), y + h, x, width,
	                       more_where(more, sizeof more));
}
