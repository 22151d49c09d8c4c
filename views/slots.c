/* Slots: both slots side by side (which one serves traffic, replicas, image
 * tag, revision), where traffic really goes, the lifecycle phase, the loud
 * warnings, and every pod with its readiness, restarts and waiting reason.
 * Drawn from the slot model only; stale data is marked as such. */
#include <stdio.h>
#include <string.h>

#include "warroom/config.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/slots.h"
#include "warroom/text.h"
#include "warroom/view.h"

#include "slot_lines.h"

/* Columns by meaning; a layout picks which fit the width. */
enum { SC_SLOT, SC_ROLE, SC_READY, SC_AVAIL, SC_UPD, SC_TAG, SC_REV, SC_RESTARTS, SC_EP, SC_ROLLOUT };
enum { PC_POD, PC_SLOT, PC_READY, PC_RESTARTS, PC_STATUS, PC_AGE, PC_IP };

struct layout {
	struct table_col cols[10];
	int map[10];
	size_t n;
};

static const struct layout slot_wide = {
	{ { "SLOT", 7, false }, { "ROLE", 8, false }, { "READY", 6, true }, { "AVAIL", 5, true }, { "UPD", 4, true },
	  { "TAG", 14, false }, { "REV", 5, true }, { "RESTARTS", 8, true }, { "ENDPOINTS", 9, true },
	  { "ROLLOUT", 0, false } },
	{ SC_SLOT, SC_ROLE, SC_READY, SC_AVAIL, SC_UPD, SC_TAG, SC_REV, SC_RESTARTS, SC_EP, SC_ROLLOUT }, 10,
};
static const struct layout slot_narrow = {
	{ { "SLOT", 6, false }, { "ROLE", 7, false }, { "READY", 5, true }, { "AVAIL", 5, true }, { "TAG", 0, false },
	  { "REV", 4, true }, { "RESTARTS", 8, true }, { "EP", 3, true } },
	{ SC_SLOT, SC_ROLE, SC_READY, SC_AVAIL, SC_TAG, SC_REV, SC_RESTARTS, SC_EP }, 8,
};
/* Below 70 columns (a split pane, a phone): what tells the slots apart. */
static const struct layout slot_tiny = {
	{ { "SLOT", 6, false }, { "ROLE", 7, false }, { "READY", 5, true }, { "TAG", 0, false }, { "REV", 4, true },
	  { "RST", 3, true } },
	{ SC_SLOT, SC_ROLE, SC_READY, SC_TAG, SC_REV, SC_RESTARTS }, 6,
};
static const struct layout pod_tiny = {
	{ { "POD", 0, false }, { "SLOT", 5, false }, { "READY", 5, false }, { "RST", 3, true }, { "STATUS", 11, false } },
	{ PC_POD, PC_SLOT, PC_READY, PC_RESTARTS, PC_STATUS }, 5,
};
static const struct layout pod_wide = {
	{ { "POD", 0, false }, { "SLOT", 7, false }, { "READY", 5, false }, { "RESTARTS", 8, true },
	  { "STATUS", 20, false }, { "AGE", 6, true }, { "IP", 15, false } },
	{ PC_POD, PC_SLOT, PC_READY, PC_RESTARTS, PC_STATUS, PC_AGE, PC_IP }, 7,
};
static const struct layout pod_narrow = {
	{ { "POD", 0, false }, { "SLOT", 6, false }, { "READY", 5, false }, { "RST", 3, true },
	  { "STATUS", 16, false }, { "AGE", 4, true } },
	{ PC_POD, PC_SLOT, PC_READY, PC_RESTARTS, PC_STATUS, PC_AGE }, 6,
};

/* Rows of the slot table are drawn stale when the data is. */
struct ctx {
	const struct slots_state *st;
	bool stale;
	const int *slot_map, *pod_map;
	int pod_name_w;       /* columns of the pod name (the flexible column) */
};

/* The tables' data points at ctx: both live as long as the view. */
struct slots_view_state {
	struct table slot_tbl, pod_tbl;
	struct ctx ctx;
};

static enum tui_role slot_cell(const void *data, size_t row, size_t col, char *buf, size_t len)
{
	const struct ctx *c = data;
	const struct slots_state *st = c->st;
	const struct slots_slot *s = &st->slot[row];
	bool active = (int)row == st->active;
	enum tui_role dim = c->stale ? ROLE_STALE : ROLE_NORMAL;

	switch (c->slot_map[col]) {
	case SC_SLOT:
		slot_lines_name(buf, len, s);
		return c->stale ? ROLE_STALE : slot_lines_role(s->name);
	case SC_ROLE:
		if (s->found && !active && st->rollout.canary) {   /* the canary's share of the traffic */
			snprintf(buf, len, "%d %%", st->rollout.weight);
			return ROLE_ACCENT;
		}
		snprintf(buf, len, "%s", !s->found ? "missing" : active ? "ACTIVE" : st->both ? "both" : "standby");
		return !s->found ? ROLE_WARN : active ? ROLE_TITLE : ROLE_STALE;
	case SC_READY:
		snprintf(buf, len, "%d/%d", s->ready, s->desired);
		if (c->stale || s->desired == 0)
			return ROLE_STALE;
		return s->ready >= s->desired ? ROLE_OK : active ? ROLE_CRIT : ROLE_WARN;
	case SC_AVAIL:
		snprintf(buf, len, "%d", s->available);
		return dim;
	case SC_UPD:
		snprintf(buf, len, "%d", s->updated);
		return dim;
	case SC_TAG:
		snprintf(buf, len, "%s", s->tag[0] ? s->tag : "-");
		return dim;
	case SC_REV:
		if (s->revision)
			snprintf(buf, len, "r%ld", s->revision);
		return dim;
	case SC_RESTARTS:
		snprintf(buf, len, "%d", s->restarts);
		return s->restarts && !c->stale ? ROLE_WARN : dim;
	case SC_EP:
		snprintf(buf, len, "%d", s->endpoints_ready);
		return dim;
	default:
		if (!s->found)
			snprintf(buf, len, "deployment %s not found", s->deployment);
		else if (s->progress_deadline_exceeded)
			snprintf(buf, len, "STUCK: ProgressDeadlineExceeded");
		else if (s->paused)
			snprintf(buf, len, "paused");
		else if (s->rollout_complete)
			snprintf(buf, len, "complete");
		else
			snprintf(buf, len, "rolling out (%d/%d updated)", s->updated, s->desired);
		return s->progress_deadline_exceeded ? ROLE_CRIT : dim;
	}
}

static enum tui_role pod_cell(const void *data, size_t row, size_t col, char *buf, size_t len)
{
	const struct ctx *c = data;
	const struct slots_state *st = c->st;
	const struct slots_pod *p = &st->pods[row];
	enum tui_role dim = c->stale ? ROLE_STALE : ROLE_NORMAL;

	switch (c->pod_map[col]) {
	case PC_POD: {
		int n = (int)strlen(p->name), w = c->pod_name_w;
		/* too narrow: the end tells pods apart (the SLOT column says whose) */
		if (w > 8 && n > w)
			snprintf(buf, len, "%s%s", tui_glyph(G_ELLIPSIS), p->name + n - (w - tui_text_width(tui_glyph(G_ELLIPSIS))));
		else
			snprintf(buf, len, "%s", p->name);
		return dim;
	}
	case PC_SLOT:
		if (p->slot >= 0 && st->slot[p->slot].role[0])
			slot_lines_name(buf, len, &st->slot[p->slot]);
		else
			snprintf(buf, len, "%s", p->slot >= 0 ? st->slot[p->slot].name : "-");
		return c->stale || p->slot < 0 ? ROLE_STALE : slot_lines_role(st->slot[p->slot].name);
	case PC_READY:
		snprintf(buf, len, "%s", p->ready ? "yes" : "NO");
		return c->stale ? ROLE_STALE : p->ready ? ROLE_OK : ROLE_CRIT;
	case PC_RESTARTS:
		snprintf(buf, len, "%d", p->restarts);
		return p->restarts && !c->stale ? ROLE_WARN : dim;
	case PC_STATUS:
		snprintf(buf, len, "%s", p->terminating ? "Terminating" : p->waiting[0] ? p->waiting : p->phase);
		if (c->stale)
			return ROLE_STALE;
		return p->waiting[0] ? ROLE_CRIT : p->terminating ? ROLE_STALE : ROLE_NORMAL;
	case PC_AGE:
		text_age(p->created_wall_ms ? loop_wall_ms() - p->created_wall_ms : 0, buf, len);
		return ROLE_STALE;
	default:
		snprintf(buf, len, "%s", p->ip);
		return ROLE_STALE;
	}
}

static void draw(void *state, WINDOW *w, int h, int width, const struct model *m)
{
	struct slots_view_state *vs = state;
	struct table *slot_tbl = &vs->slot_tbl, *pod_tbl = &vs->pod_tbl;
	const struct slots_state *st = m->slots;
	struct ctx *C = &vs->ctx;
	struct slot_lines in;
	char title[256];

	if (!st || !st->updated_ms) {
		tui_box(w, 0, 0, h, width, "Slots", ROLE_TITLE);
		if (m->src[SRC_KUBE].state == SRC_DOWN)
			tui_putf(w, 2, 2, width - 4, ROLE_CRIT, "no data: Kubernetes unreachable: %s", m->src[SRC_KUBE].error);
		else if (m->src[SRC_KUBE].state == SRC_UNCONFIGURED)
			tui_put(w, 2, 2, width - 4, ROLE_STALE, "no data: kubernetes.service and deployments are not configured");
		else
			tui_putf(w, 2, 2, width - 4, ROLE_STALE, "no data yet from Kubernetes (%s)", m->cfg->kube.service);
		return;
	}
	bool stale = slot_lines_stale(m, st);
	C->st = st;
	C->stale = stale;
	snprintf(title, sizeof title, "Slots %s %s %s %s %s %s", tui_glyph(G_DOT), st->service, tui_glyph(G_DOT),
	         st->namespace_, tui_glyph(G_DOT), slots_health_name(st->health));
	if (tui_text_width(title) + 6 > width)   /* narrow: the status bar names the service */
		snprintf(title, sizeof title, "Slots %s %s", tui_glyph(G_DOT), slots_health_name(st->health));
	tui_box(w, 0, 0, h, width, title, stale ? ROLE_STALE : slot_lines_health_role(st->health));

	int y = 1, x = 2, iw = width - 4, bottom = h - 1;
	const struct layout *sl = iw >= 100 ? &slot_wide : iw >= 66 ? &slot_narrow : &slot_tiny;
	const struct layout *pl = iw >= 100 ? &pod_wide : iw >= 66 ? &pod_narrow : &pod_tiny;
	C->slot_map = sl->map;
	C->pod_map = pl->map;
	/* as table_draw shares out the flexible column */
	C->pod_name_w = iw - 1;
	for (size_t i = 0; i < pl->n; i++)
		C->pod_name_w -= pl->cols[i].width ? pl->cols[i].width + 1 : 0;
	slot_tbl->cols = sl->cols;
	slot_tbl->ncols = sl->n;
	slot_tbl->nrows = (size_t)st->nslots;
	slot_tbl->cell = slot_cell;
	slot_tbl->data = C;
	slot_tbl->show_selection = false;
	table_draw(w, y, x, 1 + st->nslots, iw, slot_tbl);
	y += 1 + st->nslots;

	/* Keep room for the pod table: these take at most what is left above 5 rows. */
	slot_lines_build(&in, m, st, true);
	y = slot_lines_draw(w, &in, y, bottom - 5 > y + 2 ? bottom - 5 : bottom, x, iw,
	                    " (a taller terminal shows them)");
	if (y >= bottom - 1)
		return;
	/* a slot with more pods than its page: say the table holds part of them */
	int total = 0;
	bool cut = false;
	for (int i = 0; i < st->nslots; i++) {
		cut = cut || st->slot[i].pods_more;
		total += st->slot[i].pods_more ? st->slot[i].pods : st->slot[i].pods_listed;
	}
	if (cut)
		snprintf(title, sizeof title, "Pods (the first %zu of %d; counts from the Deployments)", st->npods, total);
	else
		snprintf(title, sizeof title, "Pods (%zu)", st->npods);
	tui_put(w, y++, x, iw, ROLE_TITLE, title);
	if (st->npods == 0) {
		tui_put(w, y, x, iw, ROLE_STALE, "no pods match the service's selector");
		return;
	}
	pod_tbl->cols = pl->cols;
	pod_tbl->ncols = pl->n;
	pod_tbl->nrows = st->npods;
	pod_tbl->cell = pod_cell;
	pod_tbl->data = C;
	pod_tbl->show_selection = true;
	table_draw(w, y, x, bottom - y, iw, pod_tbl);
}

/* Enter on a pod: everything known about it, its endpoint included. */
static void pod_detail(const struct slots_state *st, const struct slots_pod *p)
{
	struct dialog d;
	char a[16];

	dialog_info(&d, p->name);
	dialog_add_line(&d, ROLE_NORMAL, "slot      %s", p->slot >= 0 ? st->slot[p->slot].name : "(none of ours)");
	dialog_add_line(&d, p->ready ? ROLE_OK : ROLE_CRIT, "ready     %s", p->ready ? "yes" : "NO");
	dialog_add_line(&d, ROLE_NORMAL, "phase     %s%s", p->phase, p->terminating ? " (terminating)" : "");
	if (p->waiting[0])
		dialog_add_line(&d, ROLE_CRIT, "waiting   %s", p->waiting);
	dialog_add_line(&d, p->restarts ? ROLE_WARN : ROLE_NORMAL, "restarts  %d", p->restarts);
	text_age(p->created_wall_ms ? loop_wall_ms() - p->created_wall_ms : 0, a, sizeof a);
	dialog_add_line(&d, ROLE_NORMAL, "age       %s", a);
	dialog_add_line(&d, ROLE_NORMAL, "ip        %s", p->ip[0] ? p->ip : "-");
	bool listed = false;
	for (size_t i = 0; i < st->nendpoints; i++) {
		const struct slots_endpoint *e = &st->endpoints[i];
		if (strcmp(e->pod, p->name) != 0)
			continue;
		listed = true;
		dialog_add_line(&d, e->ready ? ROLE_OK : ROLE_WARN, "endpoint  %s %s%s", e->address,
		                e->ready ? "receives traffic" : "listed but NOT ready", e->terminating ? ", terminating" : "");
	}
	if (!listed)
		dialog_add_line(&d, ROLE_STALE, "endpoint  none: receives no traffic");
	ui_dialog(&d);
}

static int key(void *state, struct model *m, enum action_id action, int k, int page)
{
	struct table *pod_tbl = &((struct slots_view_state *)state)->pod_tbl;
	const struct slots_state *st = m->slots;
	(void)k;
	if (!st || !st->updated_ms)
		return VIEW_IGNORED;
	pod_tbl->nrows = st->npods;
	if (action == ACTION_SELECT && pod_tbl->selected < st->npods) {
		pod_detail(st, &st->pods[pod_tbl->selected]);
		return VIEW_HANDLED;
	}
	if (table_move(pod_tbl, action, page))
		return VIEW_REDRAW;
	return action >= ACTION_UP && action <= ACTION_BOTTOM ? VIEW_HANDLED : VIEW_IGNORED;
}

static void open_view(void *state, struct model *m)
{
	struct table *pod_tbl = &((struct slots_view_state *)state)->pod_tbl;
	(void)m;
	pod_tbl->selected = 0;
	pod_tbl->top = 0;
}

const struct view_ops slots_view = {
	.name = "slots",
	.title = "Slots",
	.about = "both slots, traffic, every pod",
	.key = '2',
	.state_size = sizeof(struct slots_view_state),
	.redraw_on = DIRTY_SLOTS | DIRTY_STATUS,
	.open = open_view,
	.draw = draw,
	.on_key = key,
};
