/* The logs' actions: `logs` and `events` read to the end on a session of
 * their own (a runbook's native step, `:logs --slot green --new`) and write
 * what they found to the timeline; `pin` puts the log lines the operator
 * chose into the timeline, redacted and bounded, where the postmortem
 * quotes them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/actions.h"
#include "warroom/logs.h"
#include "warroom/loop.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

#define PIN_LINES 50                 /* lines one pin keeps */
#define PIN_LINE 400                 /* bytes of each */
#define KEEP_LINES 30                /* the last lines a read without --new reports */

/* ---- logs and events: one read, its report ---- */

struct read_state {
	struct action_run *run;
	struct logs_run *r;
	struct logs_args a;
	char last[KEEP_LINES][ACTION_LINE];
	size_t nlast, at;
	unsigned long lines;
	struct action_result res;
	cJSON *report;
};

static void keep_line(const struct logs_state *st, const struct logs_rec *rec, void *arg)
{
	struct read_state *rs = arg;
	char line[ACTION_LINE * 2];

	rs->lines++;
	if (rs->a.new_only)
		return;
	logs_line_text(st, rec, false, line, sizeof line);
	/* the clock and the slot/pod, not the date: a report line is short */
	text_copy(rs->last[rs->at], sizeof rs->last[0], line + 11);
	rs->at = (rs->at + 1) % KEEP_LINES;
	if (rs->nlast < KEEP_LINES)
		rs->nlast++;
}

static enum action_role role_of(enum logs_out_role r)
{
	switch (r) {
	case LOGS_OUT_ACCENT: return AROLE_ACCENT;
	case LOGS_OUT_WARN: return AROLE_WARN;
	case LOGS_OUT_CRIT: return AROLE_CRIT;
	case LOGS_OUT_STALE: return AROLE_STALE;
	default: return AROLE_NORMAL;
	}
}

static void report_line(enum logs_out_role role, const char *line, void *arg)
{
	struct read_state *rs = arg;

	if (rs->res.nlines < ACTION_LINES - 1)
		actions_result_line(&rs->res, role_of(role), "%s", line);
	cJSON_AddItemToArray(rs->report, cJSON_CreateString(line));
}

static void read_done(struct logs_run *r, void *arg)
{
	struct read_state *rs = arg;
	struct action_run *run = rs->run;
	const struct logs_state *st = logs_run_state(r);
	const struct action_ctx *c = actions_run_ctx(run);
	const char *what = rs->a.events ? "events" : "logs";
	cJSON *d = cJSON_CreateObject();
	char *detail;
	struct logs_new nw[1];
	size_t warnings = logs_events_recent_warnings(&st->events, loop_wall_ms(), INT64_MAX / 2);

	rs->report = cJSON_AddArrayToObject(d, "report");
	snprintf(rs->res.title, sizeof rs->res.title, "warroom %s %s", what, actions_run_args(run)->text ?
	         actions_run_args(run)->text : "");
	logs_report(st, &rs->a, loop_wall_ms(), report_line, rs);
	if (!rs->a.events && !rs->a.new_only) {
		cJSON *lines = cJSON_AddArrayToObject(d, "last_lines");

		for (size_t i = 0; i < rs->nlast; i++) {
			const char *l = rs->last[(rs->at + KEEP_LINES - rs->nlast + i) % KEEP_LINES];

			if (rs->res.nlines < ACTION_LINES - 1)
				actions_result_line(&rs->res, AROLE_NORMAL, "%s", l);
			cJSON_AddItemToArray(lines, cJSON_CreateString(l));
		}
	}
	cJSON_AddStringToObject(d, "args", actions_run_args(run)->text ? actions_run_args(run)->text : "");
	cJSON_AddNumberToObject(d, "lines", (double)rs->lines);
	if (rs->a.events)
		snprintf(rs->res.summary, sizeof rs->res.summary, "events: %zu in %zu groups, %zu warning group%s",
		         st->events.events, st->events.n, warnings, warnings == 1 ? "" : "s");
	else if (rs->a.new_only && logs_new_in_live(st, nw, 1) == 1)
		snprintf(rs->res.summary, sizeof rs->res.summary, "logs: %lu lines; new in %s: %u\xc3\x97 %s", rs->lines,
		         st->slot_names[st->live], nw[0].live, nw[0].t->text);
	else
		snprintf(rs->res.summary, sizeof rs->res.summary, "logs: %lu lines%s", rs->lines,
		         rs->a.new_only ? ", nothing new in the live slot" : "");
	detail = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	if (c->tl)
		timeline_log(c->tl, "logs", rs->res.summary, detail);
	cJSON_free(detail);
	rs->res.outcome = logs_run_failed(r) ? ACTION_FAILED : ACTION_OK;
	rs->res.exit_code = logs_run_failed(r) ? EXIT_UNREACHABLE : EXIT_OK;
	actions_run_set_state(run, NULL);
	logs_run_free(rs->r);
	{
		struct action_result res = rs->res;

		free(rs);
		actions_finish(run, &res);
	}
}

static void read_exec(struct action_run *run, bool events)
{
	const struct action_ctx *c = actions_run_ctx(run);
	struct read_state *rs;
	char err[300];

	if (!c->kube) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_UNREACHABLE, "no cluster: %s", c->kube_error && *c->kube_error ?
		                    c->kube_error : "kubernetes is not configured");
		return;
	}
	rs = calloc(1, sizeof *rs);
	if (!rs) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "out of memory");
		return;
	}
	rs->run = run;
	if (logs_args_from_text(actions_run_args(run)->text, events, &rs->a, err, sizeof err) != 0 ||
	    (rs->a.follow && snprintf(err, sizeof err, "a step reads to the end: --follow is for `warroom logs`"))) {
		free(rs);
		actions_finish_line(run, ACTION_REFUSED, EXIT_USAGE, "%s", err);
		return;
	}
	rs->r = logs_run_start(c->loop, c->kube, c->cfg, &rs->a, keep_line, rs, read_done, rs, err, sizeof err);
	if (!rs->r) {
		free(rs);
		actions_finish_line(run, ACTION_REFUSED, EXIT_USAGE, "%s", err);
		return;
	}
	actions_run_set_state(run, rs);
}

static void logs_exec(struct action_run *run)
{
	read_exec(run, false);
}

static void events_exec(struct action_run *run)
{
	read_exec(run, true);
}

static void read_cancel(struct action_run *run)
{
	struct read_state *rs = actions_run_state(run);

	if (!rs)
		return;
	actions_run_set_state(run, NULL);
	logs_run_free(rs->r);
	free(rs);
}

/* ---- pin: the lines the operator chose, into the timeline ---- */

static void pin_exec(struct action_run *run)
{
	const char *text = actions_run_args(run)->text;
	struct timeline *tl;
	cJSON *d, *arr;
	char *detail, line[PIN_LINE], first[120] = "";
	size_t n = 0, left = 0;

	if (!text || !*text_skip_blanks(text)) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_USAGE, "nothing to pin: mark lines in the diagnose view "
		                    "({select}), or :pin TEXT");
		return;
	}
	tl = actions_need_timeline(run);
	if (!tl)
		return;
	d = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(d, "pinned");
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		char raw[PIN_LINE * 4];

		if (len) {
			if (n < PIN_LINES) {
				snprintf(raw, sizeof raw, "%.*s", (int)(len < sizeof raw - 1 ? len : sizeof raw - 1), p);
				text_one_line(line, sizeof line, raw);
				cJSON_AddItemToArray(arr, cJSON_CreateString(line));
				if (!n)
					text_copy(first, sizeof first, line);
				n++;
			} else {
				left++;
			}
		}
		p += len + (p[len] == '\n');
	}
	if (left)
		cJSON_AddNumberToObject(d, "left_out", (double)left);
	detail = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	{
		char summary[300];

		snprintf(summary, sizeof summary, "pinned %zu log line%s: %s%s", n, n == 1 ? "" : "s", first,
		         n > 1 ? " ..." : "");
		if (timeline_log(tl, "logs", summary, detail) != 0) {
			cJSON_free(detail);
			actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "%s", timeline_errmsg(tl));
			return;
		}
	}
	cJSON_free(detail);
	actions_finish_line(run, ACTION_OK, EXIT_OK, "pinned %zu line%s to the timeline%s", n, n == 1 ? "" : "s",
	                    left ? " (the rest left out: 50 at most)" : "");
}

const struct action_exec actions_exec_logs = { .exec = logs_exec, .cancel = read_cancel };
const struct action_exec actions_exec_events = { .exec = events_exec, .cancel = read_cancel };
const struct action_exec actions_exec_pin = { .exec = pin_exec };
