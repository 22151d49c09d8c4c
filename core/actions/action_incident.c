/* The incident's actions: declare, SEV, ack, status, roles, resolve, and the
 * postmortem export. Each writes the incident row and one timeline event
 * that says what changed, who changed it and why; the action layer does the
 * preconditions, the confirmation and the audit record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "warroom/actions.h"
#include "warroom/config.h"
#include "warroom/export.h"
#include "warroom/incident.h"
#include "warroom/loop.h"
#include "warroom/policy.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

/* The open incident, or a refusal that says there is none. */
/* The first word of arg into word (cut to fit); how many bytes it took. */
static size_t first_word(const char *arg, char *word, size_t len)
{
	size_t n = 0;

	while (arg && arg[n] && arg[n] != ' ' && n + 1 < len) {
		word[n] = arg[n];
		n++;
	}
	word[n] = '\0';
	return n;
}

static bool need_open(struct action_run *run, struct timeline *tl, struct timeline_incident *inc)
{
	int rc = timeline_incident_current(tl, inc);

	if (rc == 1)
		return true;
	if (rc < 0)
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "%s", timeline_errmsg(tl));
	else
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "no open incident");
	return false;
}

/* An event of the incident with a small detail object (consumed). */
static void log_event(struct timeline *tl, const char *kind, const char *summary, cJSON *detail)
{
	char *d = detail ? cJSON_PrintUnformatted(detail) : NULL;

	timeline_log(tl, kind, summary, d);
	cJSON_free(d);
	cJSON_Delete(detail);
}

static void incident_exec(struct action_run *run)
{
	const struct action_args *a = actions_run_args(run);
	const char *title = text_skip_blanks(a->text);
	const struct action_ctx *c = actions_run_ctx(run);
	struct timeline *tl = actions_need_timeline(run);
	struct timeline_incident inc;
	char summary[400];
	cJSON *d;
	int64_t id;

	if (!tl)
		return;
	if (timeline_incident_current(tl, &inc) == 1) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "incident INC-%lld is already open (SEV-%d): "
		                    "change its SEV with {sev}, or resolve it first", (long long)inc.id, inc.sev);
		return;
	}
	if (a->sev < 1 || a->sev > 4) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "SEV must be 1 to 4");
		return;
	}
	if (!title || !*title) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "an incident needs a title: nothing declared");
		return;
	}
	id = timeline_incident_open(tl, title, a->sev);
	if (id <= 0) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "could not open the incident: %s", timeline_errmsg(tl));
		return;
	}
	snprintf(summary, sizeof summary, "SEV-%d declared: %s", a->sev, title);
	d = cJSON_CreateObject();
	cJSON_AddNumberToObject(d, "sev", a->sev);
	cJSON_AddStringToObject(d, "title", title);
	cJSON_AddStringToObject(d, "commander", c->actor ? c->actor : "");
	cJSON_AddNumberToObject(d, "respond_within_min", policy_sev_response_min(c->cfg, a->sev));
	/* where it happens, with the incident: its export says so from any shell */
	if (c->cfg) {
		cJSON_AddStringToObject(d, "environment", c->cfg->environment);
		cJSON_AddStringToObject(d, "service", c->cfg->kube.service);
		cJSON_AddStringToObject(d, "namespace", c->cfg->kube.namespace_);
	}
	log_event(tl, "sev", summary, d);
	actions_finish_line(run, ACTION_OK, EXIT_OK, "INC-%lld declared, SEV-%d", (long long)id, a->sev);
}

static void sev_exec(struct action_run *run)
{
	const struct action_args *a = actions_run_args(run);
	const char *reason = text_skip_blanks(a->text);
	struct timeline *tl = actions_need_timeline(run);
	struct timeline_incident inc;
	char summary[300];
	cJSON *d;

	if (!tl || !need_open(run, tl, &inc))
		return;
	if (a->sev < 1 || a->sev > 4) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "SEV must be 1 to 4");
		return;
	}
	if (inc.sev == a->sev) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "already SEV-%d", a->sev);
		return;
	}
	if (timeline_incident_set_sev(tl, inc.id, a->sev) != 0) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "could not change the SEV: %s", timeline_errmsg(tl));
		return;
	}
	snprintf(summary, sizeof summary, "SEV-%d -> SEV-%d%s%s", inc.sev, a->sev, reason && *reason ? ": " : "",
	         reason ? reason : "");
	d = cJSON_CreateObject();
	cJSON_AddNumberToObject(d, "from", inc.sev);
	cJSON_AddNumberToObject(d, "sev", a->sev);
	cJSON_AddStringToObject(d, "reason", reason ? reason : "");
	log_event(tl, "sev", summary, d);
	actions_finish_line(run, ACTION_OK, EXIT_OK, "SEV changed: SEV-%d -> SEV-%d%s", inc.sev, a->sev,
	                    a->sev < inc.sev ? " (escalated)" : "");
}

static void ack_exec(struct action_run *run)
{
	const struct action_ctx *c = actions_run_ctx(run);
	struct timeline *tl = actions_need_timeline(run);
	struct timeline_incident inc;
	struct incident_clock clk;
	char summary[300], took[32];
	int64_t now = loop_wall_ms();
	int rc;
	cJSON *d;

	if (!tl || !need_open(run, tl, &inc))
		return;
	rc = timeline_incident_ack(tl, inc.id, now);
	if (rc == 1) {
		text_age(inc.acked_ms ? now - inc.acked_ms : 0, took, sizeof took);
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "INC-%lld was acknowledged %s ago", (long long)inc.id,
		                    took);
		return;
	}
	if (rc != 0) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "could not acknowledge: %s", timeline_errmsg(tl));
		return;
	}
	inc.acked_ms = now;
	incident_clock(c->cfg, &inc, now, &clk);
	text_age(clk.elapsed_s * 1000, took, sizeof took);
	if (clk.target_min)
		snprintf(summary, sizeof summary, "INC-%lld acknowledged by %s %s after declaration (SEV-%d target %d min%s)",
		         (long long)inc.id, c->actor ? c->actor : "?", took, inc.sev, clk.target_min,
		         clk.left_s < 0 ? ", missed" : ", met");
	else
		snprintf(summary, sizeof summary, "INC-%lld acknowledged by %s %s after declaration", (long long)inc.id,
		         c->actor ? c->actor : "?", took);
	d = cJSON_CreateObject();
	cJSON_AddNumberToObject(d, "response_s", (double)clk.elapsed_s);
	cJSON_AddNumberToObject(d, "target_min", clk.target_min);
	log_event(tl, "incident", summary, d);
	actions_finish_line(run, ACTION_OK, EXIT_OK, "INC-%lld acknowledged after %s", (long long)inc.id, took);
}

/* "contained the selector points at blue" -> status and the rest as a note */
static void status_exec(struct action_run *run)
{
	const char *arg = text_skip_blanks(actions_run_args(run)->text);
	struct timeline *tl = actions_need_timeline(run);
	struct timeline_incident inc;
	char word[32] = "", summary[400];
	const char *why;
	size_t n;
	int st;
	cJSON *d;

	if (!tl || !need_open(run, tl, &inc))
		return;
	n = first_word(arg, word, sizeof word);
	why = text_skip_blanks(arg ? arg + n : NULL);
	st = incident_status_parse(word);
	if (st < 0) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "status \"%s\"? say investigating, contained or "
		                    "recovered (resolve closes the incident)", word);
		return;
	}
	if (st == INCIDENT_RESOLVED) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "resolved closes the incident: use {resolve}");
		return;
	}
	if (strcmp(inc.status, incident_status_name((enum incident_status)st)) == 0) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "INC-%lld is %s already", (long long)inc.id, inc.status);
		return;
	}
	if (incident_set_status(tl, inc.id, (enum incident_status)st, loop_wall_ms()) != 0) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "could not set the status: %s", timeline_errmsg(tl));
		return;
	}
	snprintf(summary, sizeof summary, "INC-%lld status: %s -> %s%s%s", (long long)inc.id, inc.status,
	         incident_status_name((enum incident_status)st), why && *why ? ": " : "", why ? why : "");
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "from", inc.status);
	cJSON_AddStringToObject(d, "status", incident_status_name((enum incident_status)st));
	if (why && *why)
		cJSON_AddStringToObject(d, "reason", why);
	log_event(tl, "incident", summary, d);
	actions_finish_line(run, ACTION_OK, EXIT_OK, "INC-%lld is %s", (long long)inc.id,
	                    incident_status_name((enum incident_status)st));
}

/* "scribe carol", "ic bob"; a role without a name is the operator's own */
static void role_exec(struct action_run *run)
{
	const struct action_ctx *c = actions_run_ctx(run);
	const char *arg = text_skip_blanks(actions_run_args(run)->text);
	struct timeline *tl = actions_need_timeline(run);
	struct timeline_incident inc;
	char word[32] = "", name[64], summary[300];
	const char *who, *was;
	size_t n;
	int role;
	cJSON *d;

	if (!tl || !need_open(run, tl, &inc))
		return;
	n = first_word(arg, word, sizeof word);
	role = incident_role_parse(word);
	if (role < 0) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "role \"%s\"? say ic NAME or scribe NAME", word);
		return;
	}
	who = text_skip_blanks(arg + n);
	text_one_line(name, sizeof name, who && *who ? who : c->actor ? c->actor : "");
	was = role == INCIDENT_SCRIBE ? inc.scribe : inc.commander;
	if (strcmp(was, name) == 0) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "%s is the %s already", name,
		                    incident_role_name((enum incident_role)role));
		return;
	}
	if (timeline_incident_set_role(tl, inc.id, role == INCIDENT_SCRIBE, name) != 0) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "could not set the role: %s", timeline_errmsg(tl));
		return;
	}
	snprintf(summary, sizeof summary, "INC-%lld %s: %s (was %s)", (long long)inc.id,
	         incident_role_name((enum incident_role)role), name, was[0] ? was : "nobody");
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "role", role == INCIDENT_SCRIBE ? "scribe" : "commander");
	cJSON_AddStringToObject(d, "name", name);
	cJSON_AddStringToObject(d, "was", was);
	log_event(tl, "incident", summary, d);
	actions_finish_line(run, ACTION_OK, EXIT_OK, "%s is the %s of INC-%lld", name,
	                    incident_role_name((enum incident_role)role), (long long)inc.id);
}

static void resolve_prepare(struct action_run *run)
{
	struct timeline *tl = actions_need_timeline(run);
	struct action_question q = { 0 };
	struct timeline_incident inc;
	struct incident_followup f[8];
	size_t nf;

	if (!tl || !need_open(run, tl, &inc))
		return;
	snprintf(q.title, sizeof q.title, "Resolve incident");
	snprintf(q.question, sizeof q.question, "Close the open incident?");
	actions_question_line(&q, AROLE_NORMAL, "INC-%lld  SEV-%d  %s", (long long)inc.id, inc.sev, inc.title);
	actions_question_line(&q, AROLE_STALE, "status now: %s", inc.status);
	/* resolving does not end them: say so before, not after */
	nf = incident_followups(tl, loop_wall_ms(), f, sizeof f / sizeof f[0]);
	for (size_t i = 0; i < nf; i++)
		actions_question_line(&q, AROLE_WARN, "still open: %s", f[i].text);
	actions_propose(run, &q);
}

static void resolve_exec(struct action_run *run)
{
	struct timeline *tl = actions_need_timeline(run);
	struct timeline_incident inc;
	char summary[320];

	if (!tl)
		return;
	if (timeline_incident_current(tl, &inc) != 1) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "no open incident: someone resolved it meanwhile");
		return;
	}
	snprintf(summary, sizeof summary, "INC-%lld resolved: %s", (long long)inc.id, inc.title);
	if (incident_set_status(tl, inc.id, INCIDENT_RESOLVED, loop_wall_ms()) != 0 ||
	    timeline_log(tl, "sev", summary, NULL) != 0 || timeline_incident_close(tl, inc.id) != 0) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "could not close INC-%lld: %s", (long long)inc.id,
		                    timeline_errmsg(tl));
		return;
	}
	actions_finish_line(run, ACTION_OK, EXIT_OK, "INC-%lld resolved", (long long)inc.id);
}

/* The postmortem draft of the open incident (or the last one, or :export N). */
static void export_exec(struct action_run *run)
{
	const char *arg = text_skip_blanks(actions_run_args(run)->text);
	struct timeline *tl = actions_need_timeline(run);
	char path[1200], err[512];
	int64_t id = 0;

	if (!tl)
		return;
	if (arg && *arg) {
		id = strtoll(arg + (strncmp(arg, "INC-", 4) == 0 ? 4 : 0), NULL, 10);
		if (id <= 0) {
			actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "export which incident? \"%s\" is not INC-N",
			                    arg);
			return;
		}
	}
	if (export_incident_files(tl, actions_run_ctx(run)->cfg, id, path, sizeof path, err, sizeof err) != 0) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "no postmortem draft: %s", err);
		return;
	}
	actions_finish_line(run, ACTION_OK, EXIT_OK, "postmortem draft written: %s (and .json)", path);
}

const struct action_exec actions_exec_incident = { .exec = incident_exec };
const struct action_exec actions_exec_sev = { .exec = sev_exec };
const struct action_exec actions_exec_ack = { .exec = ack_exec };
const struct action_exec actions_exec_status = { .exec = status_exec };
const struct action_exec actions_exec_role = { .exec = role_exec };
const struct action_exec actions_exec_resolve = { .prepare = resolve_prepare, .exec = resolve_exec };
const struct action_exec actions_exec_export = { .exec = export_exec };
