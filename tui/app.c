/* The console: one loop, three windows (status, body, hints), the current
 * view, one modal dialog. Signals only set flags; drawing happens once per
 * loop pass and only for what is dirty. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "warroom/actions.h"
#include "app.h"
#include "warroom/config.h"
#include "warroom/deploy.h"
#include "warroom/export.h"
#include "warroom/incident.h"
#include "warroom/keymap.h"
#include "warroom/logs.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/runbook.h"
#include "warroom/rollback.h"
#include "warroom/slots.h"
#include "warroom/sources.h"
#include "warroom/timeline.h"
#include "warroom/tui.h"
#include "warroom/ui.h"
#include "warroom/views.h"
#include "warroom/widgets.h"

#include "app_priv.h"

/* The console's state (tui/app_priv.h), lent to app_actions.c. */
static struct app A;

/* ---- layout ---- */

static void make_windows(void)
{
	if (A.w_status) {
		delwin(A.w_status);
		delwin(A.w_body);
		delwin(A.w_foot);
		A.w_status = A.w_body = A.w_foot = NULL;
	}
	/* Keys are read with wgetch(stdscr), which refreshes stdscr when it is
	 * touched: keep it untouched so it never blanks the windows above it. */
	wnoutrefresh(stdscr);
	if (LINES < 3 || COLS < 1)
		return;
	A.w_status = newwin(1, COLS, 0, 0);
	A.w_body = newwin(LINES - 2, COLS, 1, 0);
	A.w_foot = newwin(1, COLS, LINES - 1, 0);
	A.paint = PAINT_ALL;
}

static int body_rows(void)
{
	return A.w_body ? getmaxy(A.w_body) : 0;
}

/* ---- painting ---- */

/* The action that carries the deployment model's recommendation out. */
static enum action_id target_action(const struct deploy *d)
{
	const struct action *a = actions_by_name(deploy_target_action(d));

	return a ? a->id : ACTION_ROLLBACK;
}

static void paint_status(void)
{
	const struct config *c = A.cfg;
	struct statusbar sb = { 0 };
	char left[256], inc[192], inc_short[80], conn[128], conn_short[128], refreshed[48], clk[16], clk_short[16];
	char alert[96];
	int64_t now = loop_now_ms(), wall = loop_wall_ms();
	time_t t = (time_t)(wall / 1000);
	struct tm tm;
	size_t used = 0, used_short = 0;
	bool any_down = false, any = false;

	if (c->kube.service[0])
		snprintf(left, sizeof left, " %s %s %s %s %s", c->environment, tui_glyph(G_DOT),
		         c->kube.service, tui_glyph(G_DOT), c->kube.namespace_);
	else
		snprintf(left, sizeof left, " %s %s no service configured", c->environment, tui_glyph(G_DOT));
	sb.left = left;

	if (A.model.has_incident) {
		int64_t el = (wall - A.model.incident.opened_ms) / 1000;
		struct incident_clock rclk;
		char resp[64];

		if (el < 0)
			el = 0;
		/* the response clock: red once the SEV's target passed unacknowledged */
		incident_clock(c, &A.model.incident, wall, &rclk);
		incident_clock_text(&rclk, resp, sizeof resp);
		snprintf(inc, sizeof inc, "SEV-%d INC-%lld %02lld:%02lld:%02lld (%s)", A.model.incident.sev,
		         (long long)A.model.incident.id, (long long)(el / 3600), (long long)(el / 60 % 60),
		         (long long)(el % 60), resp);
		sb.incident = inc;
		snprintf(inc_short, sizeof inc_short, "SEV-%d INC-%lld %02lld:%02lld:%02lld%s", A.model.incident.sev,
		         (long long)A.model.incident.id, (long long)(el / 3600), (long long)(el / 60 % 60),
		         (long long)(el % 60), rclk.overdue ? " ACK OVERDUE" : "");
		sb.incident_short = inc_short;
		sb.incident_role = rclk.overdue ? ROLE_CRIT : tui_sev_role(A.model.incident.sev);
		if (sb.incident_role == ROLE_NORMAL)
			sb.incident_role = ROLE_BAR;   /* the bar's own normal */
	}
	conn[0] = conn_short[0] = '\0';
	for (int s = 0; s < SRC_COUNT; s++) {
		const char *g;

		switch (A.model.src[s].state) {
		case SRC_UNCONFIGURED: case SRC_IDLE: continue;
		case SRC_CONNECTING: g = tui_glyph(G_ELLIPSIS); break;
		case SRC_UP: g = tui_glyph(G_CHECK); break;
		default: g = tui_glyph(G_CROSS); any_down = true; break;
		}
		any = true;
		used += (size_t)snprintf(conn + used, used < sizeof conn ? sizeof conn - used : 0, "%s%s %s",
		                         used ? " " : "", model_source_name((enum source_id)s), g);
		if (s == SRC_BASTION && A.model.src[s].state == SRC_UP && A.model.bastion_rtt_ms >= 0)
			used += (size_t)snprintf(conn + used, used < sizeof conn ? sizeof conn - used : 0, " %lldms",
			                         (long long)A.model.bastion_rtt_ms);
		else if (s == SRC_BASTION && A.model.src[s].state == SRC_DOWN && A.model.bastion_cause[0])
			used += (size_t)snprintf(conn + used, used < sizeof conn ? sizeof conn - used : 0, " %s",
			                         A.model.bastion_cause);
		if (A.model.src[s].state != SRC_UP)
			used_short += (size_t)snprintf(conn_short + used_short, used_short < sizeof conn_short ?
			                               sizeof conn_short - used_short : 0, "%s%s %s", used_short ? " " : "",
			                               model_source_name((enum source_id)s), g);
	}
	if (any) {
		sb.conn = conn;
		sb.conn_short = used_short ? conn_short : tui_glyph(G_CHECK);
		sb.conn_role = any_down ? ROLE_CRIT : ROLE_BAR;
	}
	/* a credential that may not watch: said once, then the age as with polling */
	if (A.model.slots && !A.said_nowatch && strstr(A.model.slots->watch_note, "may not watch")) {
		A.said_nowatch = true;
		ui_message(ROLE_WARN, "%s", A.model.slots->watch_note);
	}
	if (A.model.slots && A.model.slots->live && A.model.src[SRC_KUBE].state == SRC_UP)
		snprintf(refreshed, sizeof refreshed, "%s live", model_source_name(SRC_KUBE));   /* watched */
	else if (A.model.last_refresh_ms)
		snprintf(refreshed, sizeof refreshed, "refreshed %llds ago",
		         (long long)((now - A.model.last_refresh_ms) / 1000));
	else
		snprintf(refreshed, sizeof refreshed, any ? "waiting for data" : "no sources");
	sb.refreshed = refreshed;
	gmtime_r(&t, &tm);
	strftime(clk, sizeof clk, "%H:%M:%SZ ", &tm);
	strftime(clk_short, sizeof clk_short, "%H:%MZ ", &tm);
	sb.clock = clk;
	sb.clock_short = clk_short;
	/* a standing recommendation on every view, whatever the message row says */
	deploy_banner_short(deploy_of(&A.model), keymap_key_for(target_action(deploy_of(&A.model))), alert,
	                    sizeof alert);
	sb.alert = alert[0] ? alert : NULL;
	statusbar_draw(A.w_status, 0, COLS, &sb);
	wnoutrefresh(A.w_status);
}

static void timeline_banner(char *buf, size_t len)
{
	const char *why = timeline_unsaved(A.model.tl);
	size_t n = timeline_unsaved_events(A.model.tl);

	if (why[0])
		snprintf(buf, len, "timeline not saved: %s — %zu event%s kept in memory, retrying", why, n,
		         n == 1 ? "" : "s");
	else
		buf[0] = '\0';
}

/* The deployment model's recommendation, its key named as bound. */
static void rollback_banner(char *buf, size_t len)
{
	char raw[sizeof A.banner];

	char word[32];

	snprintf(word, sizeof word, "{%s}", deploy_target_action(deploy_of(&A.model)));
	deploy_banner(deploy_of(&A.model), word, tui_glyph(G_DASH), raw, sizeof raw);
	keymap_expand(raw, buf, len);
}

static void paint_foot(void)
{
	char buf[512], keys[32];
	size_t used = 1;
	int ow;
	enum tui_role role;
	const char *msg = ui_message_at(loop_now_ms(), &role);

	werase(A.w_foot);
	A.msg_shown = msg != NULL;
	if (msg) {
		tui_put(A.w_foot, 0, 0, COLS, role, msg);
		wnoutrefresh(A.w_foot);
		return;
	}
	/* a rollback recommendation outranks the key hints until it is settled */
	rollback_banner(A.banner, sizeof A.banner);
	if (A.banner[0]) {
		const struct deploy *d = deploy_of(&A.model);

		if (tui_text_width(A.banner) > COLS && d->recommend)   /* narrow: the key first, the reason after it */
			snprintf(buf, sizeof buf, "%s %s to %s: %s", keymap_key_for(target_action(d)),
			         d->target.action[0] ? d->target.action : "rolls back", d->target.slot,
			         d->reason);
		else
			snprintf(buf, sizeof buf, "%s", A.banner);
		tui_put(A.w_foot, 0, 0, COLS, ROLE_CRIT, buf);
		wnoutrefresh(A.w_foot);
		return;
	}
	/* then what the timeline could not save: the operator must know it is at risk */
	timeline_banner(A.tl_banner, sizeof A.tl_banner);
	if (A.tl_banner[0]) {
		tui_put(A.w_foot, 0, 0, COLS, ROLE_CRIT, A.tl_banner);
		wnoutrefresh(A.w_foot);
		return;
	}
	buf[0] = ' ';
	buf[1] = '\0';
	for (size_t i = 1; i <= actions_count(); i++) {
		const struct action *a = actions_get((enum action_id)i);

		/* an action the config left without a key has no hint */
		if (!(a->flags & ACT_HINT) || !keymap_keys(a->id, keys, sizeof keys)[0])
			continue;
		used += (size_t)snprintf(buf + used, used < sizeof buf ? sizeof buf - used : 0, "%s %s  ",
		                         keymap_key_for(a->id), a->name);
	}
	ow = tui_text_width(A.cfg->operator_name) + 1;
	if (tui_text_width(buf) + ow > COLS)
		ow = 0;   /* a narrow terminal keeps the keys, not the name */
	tui_put(A.w_foot, 0, 0, COLS - ow, ROLE_STALE, buf);
	tui_put_right(A.w_foot, 0, COLS - ow, ow, ROLE_ACCENT, A.cfg->operator_name);
	wnoutrefresh(A.w_foot);
}

static void paint_too_small(void)
{
	char need[96], now[64];

	erase();
	snprintf(need, sizeof need, "terminal too small: need %dx%d (every panel: %dx%d)", TUI_MIN_COLS, TUI_MIN_ROWS,
	         TUI_FULL_COLS, TUI_FULL_ROWS);
	snprintf(now, sizeof now, "now %dx%d  (%s quits)", COLS, LINES, keymap_key_for(ACTION_QUIT));
	/* wrap the message onto as many lines as the width allows */
	for (int row = LINES / 2 - 1, off = 0, len = (int)strlen(need); off < len && row < LINES; row++) {
		int n = len - off < COLS ? len - off : COLS;
		mvaddnstr(row < 0 ? 0 : row, 0, need + off, n);
		off += n;
		if (off >= len && row + 1 < LINES)
			mvaddnstr(row + 1, 0, now, COLS);
	}
	wnoutrefresh(stdscr);
}

static void on_out_ready(struct loop *loop, int fd, short revents, void *arg);

/* The pass's one doupdate; a terminal that stops reading holds the next
 * frame back, never the loop. */
static void update(void)
{
	bool waiting = tui_update() != 0;

	if (waiting != A.out_waiting && tui_out_fd() >= 0) {
		if (waiting)
			loop_fd_add(A.loop, tui_out_fd(), POLLOUT, on_out_ready, NULL);
		else
			loop_fd_del(A.loop, tui_out_fd());
	}
	A.out_waiting = waiting;
}

static void on_out_ready(struct loop *loop, int fd, short revents, void *arg)
{
	if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
		app_quit(EXIT_OK);   /* the terminal went away */
		return;
	}
	if (tui_out_flush() == 0)
		update();   /* drained: one frame with everything that changed meanwhile */
}

/* Whether the recommendation's banner is not the one on the foot: it
 * changes with the model, and goes on the foot in the same frame as the
 * body's recommendation line. */
static bool banner_changed(void)
{
	char banner[sizeof A.banner];

	rollback_banner(banner, sizeof banner);
	return strcmp(banner, A.banner) != 0;
}

static void paint(void)
{
	size_t nviews, cur = views_current();
	const struct view_ops *v = views_all(&nviews)[cur];
	unsigned dirty = A.model.dirty, ui = ui_changes();

	A.model.dirty = 0;
	if (ui & UI_FOOT)
		A.paint |= PAINT_FOOT;
	if (dirty && banner_changed())
		A.paint |= PAINT_FOOT | PAINT_STATUS;
	if ((ui & UI_BODY) || cur != A.shown)
		A.paint |= PAINT_BODY;
	A.shown = cur;
	if (A.resized) {
		A.resized = false;
		tui_resize();
		make_windows();
		erase();
		wnoutrefresh(stdscr);
		A.paint = PAINT_ALL;
	}
	if (tui_too_small() || !A.w_body) {
		if (A.paint || dirty)
			paint_too_small();
		A.paint = 0;
		update();
		return;
	}
	if (dirty & v->redraw_on)
		A.paint |= PAINT_BODY;
	if (dirty & (DIRTY_STATUS | DIRTY_INCIDENT))
		A.paint |= PAINT_STATUS;
	if (!A.paint)
		return;
	if (A.paint & PAINT_STATUS)
		paint_status();
	if (A.paint & PAINT_BODY) {
		werase(A.w_body);
		v->draw(views_state(cur), A.w_body, body_rows(), COLS, &A.model);
		ui_dialog_draw(A.w_body);
		wnoutrefresh(A.w_body);
	}
	if (A.paint & PAINT_FOOT)
		paint_foot();
	A.paint = 0;
	update();
}

static void on_pass(struct loop *loop, void *arg)
{
	paint();
}

/* ---- keys ---- */

static void on_key(int key)
{
	size_t nviews, cur = views_current();
	const struct view_ops *v = views_all(&nviews)[cur];
	enum action_id id;
	int r;

	if (ui_dialog_key(key))
		return;
	if (tui_too_small()) {
		/* keep the keys alive: quitting must work at 20x6 */
		id = keymap_lookup(key);
		if (id == ACTION_QUIT || id == ACTION_QUIT_NOW)
			app_quit(EXIT_OK);
		return;
	}
	id = keymap_lookup(key);
	r = v->on_key ? v->on_key(views_state(cur), &A.model, id, key, body_rows() > 4 ? body_rows() - 3 : 1) :
	    VIEW_IGNORED;
	if (r & VIEW_REDRAW)
		A.paint |= PAINT_BODY;
	if (r & (VIEW_HANDLED | VIEW_REDRAW))
		return;
	if (id != ACTION_NONE)
		app_key_action(id, NULL);
	else if (keymap_view(key) >= 0)   /* a view's number key, unless the config gave it an action */
		views_show((size_t)keymap_view(key), &A.model);
}

static void on_stdin(struct loop *loop, int fd, short revents, void *arg)
{
	int key;

	if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		app_quit(EXIT_OK);   /* the terminal went away (dropped SSH): leave cleanly */
		return;
	}
	while ((key = wgetch(stdscr)) != ERR) {
		if (key == KEY_RESIZE) {
			A.resized = true;
			continue;
		}
		on_key(key);
		if (A.quit)
			break;
	}
	/* the key's answer is on screen before any write it started reaches the disk */
	if (!A.quit)
		paint();
}

static void on_signal(struct loop *loop, int signo, void *arg)
{
	switch (signo) {
	case SIGWINCH:
		A.resized = true;
		break;
	case SIGINT: case SIGTERM: case SIGHUP:
		app_quit(signo == SIGINT ? EXIT_INTERRUPTED : EXIT_OK);
		break;
	default:
		break;
	}
}

static void on_tick(struct loop *loop, void *arg)
{
	int64_t s = loop_wall_ms() / 1000;

	if (s != A.last_clock_s) {
		/* the incident panel counts minutes */
		if (A.model.has_incident && s / 60 != A.last_clock_s / 60)
			model_mark(&A.model, DIRTY_INCIDENT);
		A.last_clock_s = s;
		A.paint |= PAINT_STATUS;
	}
	if (A.msg_shown && !ui_message_at(loop_now_ms(), NULL))
		A.paint |= PAINT_FOOT;
	if (banner_changed())
		A.paint |= PAINT_FOOT | PAINT_STATUS;
	/* what waited for another process' lock, the disk or the database's
	 * opening goes in now, in order (the store paces its own retries) */
	if (timeline_pending(A.model.tl) || (A.model.tl && !timeline_is_open(A.model.tl)))
		timeline_flush(A.model.tl);
	{
		char banner[sizeof A.tl_banner];

		timeline_banner(banner, sizeof banner);
		if (strcmp(banner, A.tl_banner) != 0)
			A.paint |= PAINT_FOOT;
	}
	/* notes written from another shell appear without a key press */
	model_sync_timeline(&A.model);
}

/* The golden signals as they are now, for the audit record of an action. */
static void signals_now(char *json, size_t len, void *arg)
{
	export_signals_json(arg, json, len);
}

int app_run(const struct config *cfg, struct timeline *tl, const char *tl_error)
{
	char err[256];
	size_t nviews;
	const struct view_ops *const *views = views_all(&nviews);

	memset(&A, 0, sizeof A);
	A.cfg = cfg;
	if (keymap_init(cfg, views, nviews, err, sizeof err)) {
		fprintf(stderr, "warroom: %s%s%s\n", cfg->path[0] ? cfg->path : "", cfg->path[0] ? ": " : "", err);
		return EXIT_FAILED;
	}
	if (views_init() != 0) {
		fprintf(stderr, "warroom: out of memory for the views\n");
		return EXIT_FAILED;
	}
	A.loop = loop_new();
	if (!A.loop) {
		fprintf(stderr, "warroom: cannot create the event loop\n");
		views_free();
		return EXIT_FAILED;
	}
	/* the loop never waits on another console's write lock: writes queue */
	timeline_set_nonblocking(tl, true);
	model_init(&A.model, cfg, tl);
	A.watchers = incident_watch_install(&A.model);
	if (tl_error && *tl_error)
		snprintf(A.model.tl_error, sizeof A.model.tl_error, "%s", tl_error);
	if (tui_init() != 0) {
		model_free(&A.model);
		incident_watch_free(A.watchers);
		loop_free(A.loop);
		views_free();
		return EXIT_FAILED;
	}
	tui_set_frame_tail(tui_links_take);   /* the runbook's links, hyperlinked after each frame */
	/* after tui_init: our SIGWINCH handler replaces the one curses set */
	loop_signals_watch(A.loop, on_signal, NULL);
	loop_fd_add(A.loop, STDIN_FILENO, POLLIN, on_stdin, NULL);
	loop_timer_add(A.loop, 250, 250, on_tick, NULL);
	loop_on_pass(A.loop, on_pass, NULL);
	if (sources_open(&A.sources, A.loop, cfg, err, sizeof err) == 0) {
		app_bastion_ui(A.sources.ssh);
		sources_attach(&A.sources, &A.model);
	}
	else
		ui_message(ROLE_CRIT, "%s", err);
	A.deploy = deploy_install(&A.model, &(struct deploy_io){ .loop = A.loop, .prom = A.sources.prom,
	                                                         .kube = A.sources.kube });
	/* pod logs follow while the diagnose view is open; the Events always (the overview sums them up) */
	A.logs = A.sources.kube ? logs_new(A.loop, A.sources.kube, cfg, &A.model) : NULL;
	A.model.logs = A.logs;
	if (A.logs)
		logs_watch_events(A.logs, 5000);
	A.runbook = runbook_session_new(A.loop, cfg, tl, &A.model, runbook_lib_load(cfg), actions_by_name);
	runbook_session_set_bastion(A.runbook, A.sources.ssh);
	{
		struct action_ctx ctx = {
			.loop = A.loop, .cfg = cfg, .tl = tl, .tl_error = A.model.tl_error,
			.kube = A.sources.kube, .kube_error = A.sources.kube_error, .argocd = A.sources.argocd,
			.ssh = A.sources.ssh, .runbook = A.runbook,
			.actor = cfg->operator_name, .via = "console", .readonly = A.model.readonly,
			.signals = signals_now, .signals_arg = &A.model,
		};

		A.actions = actions_new(&ctx);
		deploy_core_set_actions(A.deploy, A.actions);
	}
	runbook_session_resume(A.runbook);
	app_actions_attach(&A);
	make_windows();
	if (views[0]->open)
		views[0]->open(views_state(0), &A.model);
	app_bastion_unused(cfg, runbook_session_lib(A.runbook));
	if (!tl)
		ui_message(ROLE_CRIT, "timeline unavailable: %s", tl_error && *tl_error ? tl_error : "not opened");
	else if (!timeline_is_open(tl))
		ui_message(ROLE_CRIT, "%s; what is recorded is kept in memory until it opens",   /* the cause first */
		           tl_error && *tl_error ? tl_error : "timeline: not open");
	else {
		char words[640];
		if (rollback_unfinished_check(tl, words, sizeof words) == 1)
			ui_message(ROLE_CRIT, "%s", words);
	}
	paint();
	loop_run(A.loop);

	if (A.w_status) {
		delwin(A.w_status);
		delwin(A.w_body);
		delwin(A.w_foot);
	}
	tui_end();
	actions_free(A.actions);   /* what is in flight stops and is audited as cancelled */
	runbook_session_free(A.runbook);
	deploy_core_stop(A.deploy);
	A.model.logs = NULL;
	logs_free(A.logs);         /* its requests go before the client they use */
	sources_close(&A.sources);
	deploy_core_free(A.deploy);   /* after the HTTP engine delivered its cancellations */
	model_free(&A.model);
	incident_watch_free(A.watchers);
	loop_free(A.loop);
	views_free();
	return A.exit_code;
}
