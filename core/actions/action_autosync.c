/* autosync: the Argo CD follow-up of a rollback, done safely. Re-enabling
 * auto-sync while Git still holds the bad revision syncs it straight back, so
 * the action reads the application first and proposes it only once the
 * revision Argo CD resolves the tracked branch to (status.sync.revision) is no
 * longer the one the rollback undid (the newest history entry then), or after
 * an explicit override that the audit record keeps. A follow-up recorded
 * without that revision falls back to "Synced with what runs". It restores
 * the prune and self-heal settings the rollback recorded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/actions.h"
#include "warroom/argocd.h"
#include "warroom/config.h"
#include "warroom/timeline.h"

#define FOLLOWUP_PREFIX "follow-up: re-enable auto-sync"
#define CLOSED_PREFIX "follow-up closed: auto-sync"

struct autosync {
	char automated[400];     /* the settings the rollback turned off */
	char bad[64];            /* the revision the rollback undid, "" when not recorded */
	char app[128];
	bool override;
	bool git_fixed;
	char revision[64], status[24];
	char freeze[32];
	uint64_t req;
};

/* The newest open follow-up's settings and bad revision: 1 found, 0 none,
 * -1 store error. */
static int open_followup(struct timeline *tl, struct autosync *s)
{
	struct timeline_event *evs;
	size_t n;
	int found = 0;

	if (timeline_list(tl, -1, 0, 200, &evs, &n) != 0)
		return -1;
	for (size_t i = 0; i < n && !found; i++) {   /* newest first */
		if (strcmp(evs[i].kind, "action") != 0)
			continue;
		if (strncmp(evs[i].summary, CLOSED_PREFIX, strlen(CLOSED_PREFIX)) == 0)
			break;   /* the latest follow-up is done */
		if (strncmp(evs[i].summary, FOLLOWUP_PREFIX, strlen(FOLLOWUP_PREFIX)) == 0) {
			cJSON *d = evs[i].detail_json ? cJSON_Parse(evs[i].detail_json) : NULL;
			const cJSON *a = cJSON_GetObjectItemCaseSensitive(d, "automated");
			const cJSON *b = cJSON_GetObjectItemCaseSensitive(d, "bad_revision");

			snprintf(s->automated, sizeof s->automated, "%s",
			         cJSON_IsString(a) && a->valuestring[0] ? a->valuestring : "{}");
			snprintf(s->bad, sizeof s->bad, "%s", cJSON_IsString(b) ? b->valuestring : "");
			cJSON_Delete(d);
			found = 1;
		}
	}
	timeline_events_free(evs, n);
	return found;
}

static void got_app(const struct argocd_result *res, void *arg)
{
	struct action_run *run = arg;
	struct autosync *s = actions_run_state(run);
	struct argocd_app app;
	struct action_question q = { 0 };
	enum argocd_git_state git;
	char err[256];

	s->req = 0;
	if (!res->ok) {
		actions_finish_line(run, ACTION_FAILED, EXIT_UNREACHABLE, "Argo CD %s: %s", s->app, res->error);
		return;
	}
	memset(&app, 0, sizeof app);
	if (argocd_parse_app(res->body, res->len, &app, err, sizeof err) != 0) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "Argo CD %s: %s", s->app, err);
		return;
	}
	snprintf(s->revision, sizeof s->revision, "%s", app.sync_revision);
	snprintf(s->status, sizeof s->status, "%s", app.sync_status);
	git = s->bad[0] ? argocd_git_state(&app, s->bad) : ARGOCD_GIT_UNKNOWN;
	s->git_fixed = s->bad[0] ? git == ARGOCD_GIT_FIXED : strcmp(app.sync_status, "Synced") == 0;
	if (app.automated) {
		argocd_app_free(&app);
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "auto-sync is already on for %s", s->app);
		return;
	}
	argocd_app_free(&app);
	if (!s->git_fixed && !s->override) {
		if (git == ARGOCD_GIT_BAD)
			actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED,
			                    "Git still deploys the bad version: %s tracks %.12s, the revision the rollback "
			                    "undid; revert the bad commit in Git first, or override (:autosync override, "
			                    "warroom autosync --override)", s->app, s->revision);
		else if (s->bad[0])
			actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED,
			                    "Git's revision for %s is unknown (Argo CD reports none): nothing shows Git moved "
			                    "off %.12s; override if you know it did (warroom autosync --override)", s->app,
			                    s->bad);
		else
			actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED,
			                    "Git still deploys the bad version: %s is %s (Git differs from what runs after "
			                    "the rollback); revert the bad commit in Git first, or override (:autosync "
			                    "override, warroom autosync --override)", s->app,
			                    s->status[0] ? s->status : "unknown");
		return;
	}
	snprintf(q.title, sizeof q.title, "Re-enable Argo CD auto-sync");
	snprintf(q.question, sizeof q.question, "Re-enable auto-sync on %.60s?", s->app);
	actions_question_line(&q, AROLE_NORMAL, "application %s: %s, Git at %.12s", s->app, s->status, s->revision);
	if (s->bad[0])
		actions_question_line(&q, AROLE_NORMAL, "the rollback undid %.12s", s->bad);
	actions_question_line(&q, AROLE_NORMAL, "settings restored: %s", s->automated);
	if (s->git_fixed && strcmp(s->status, "Synced") != 0) {
		actions_question_line(&q, AROLE_WARN, "Git moved off the bad revision but differs from what runs: "
		                      "auto-sync deploys %.12s", s->revision);
	} else if (s->git_fixed) {
		actions_question_line(&q, AROLE_OK, "Git deploys what runs now: the rollback stays");
	} else {
		q.danger = true;
		actions_question_line(&q, AROLE_CRIT, "OVERRIDE: Git still differs from what runs; Argo CD will sync it "
		                      "straight back (the bad version, if Git still holds it)");
		actions_question_line(&q, AROLE_WARN, "the override is recorded with your name");
	}
	actions_propose(run, &q);
}

static void autosync_prepare(struct action_run *run)
{
	const struct action_ctx *c = actions_run_ctx(run);
	const struct action_args *a = actions_run_args(run);
	struct autosync *s;
	int r;

	if (!c->argocd) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED,
		                    "Argo CD is not configured (argocd.url and argocd.application)");
		return;
	}
	if (!c->tl) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "timeline unavailable: %s",
		                    c->tl_error && *c->tl_error ? c->tl_error : "not opened");
		return;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "out of memory");
		return;
	}
	s->override = a->text && strcmp(a->text, "override") == 0;
	snprintf(s->app, sizeof s->app, "%s", argocd_app_name(c->argocd));
	actions_run_set_state(run, s);
	r = open_followup(c->tl, s);
	if (r <= 0) {
		if (r < 0)
			actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "%s", timeline_errmsg(c->tl));
		else
			actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED,
			                    "no open auto-sync follow-up: no rollback turned auto-sync off");
		return;
	}
	s->req = argocd_get(c->argocd, got_app, run);
	if (!s->req)
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "cannot ask Argo CD for %s", s->app);
}

static void set_done(const struct argocd_result *res, void *arg)
{
	struct action_run *run = arg;
	struct autosync *s = actions_run_state(run);
	const struct action_ctx *c = actions_run_ctx(run);
	char summary[700], why[120];

	s->req = 0;
	if (!res->ok) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "re-enabling auto-sync on %s failed: %s; it is still "
		                    "off", s->app, res->error);
		return;
	}
	if (s->git_fixed && s->bad[0])
		snprintf(why, sizeof why, "; Git at %.12s, off the bad %.12s", s->revision, s->bad);
	else if (s->git_fixed)
		snprintf(why, sizeof why, "; Git synced with what runs");
	else if (s->bad[0])
		snprintf(why, sizeof why, " (OVERRIDE: Git at %.12s, the bad %.12s not reverted)",
		         s->revision[0] ? s->revision : "?", s->bad);
	else
		snprintf(why, sizeof why, " (OVERRIDE: Git still differed from what runs)");
	snprintf(summary, sizeof summary, CLOSED_PREFIX " re-enabled on %s with %s%s", s->app, s->automated, why);
	if (c->tl)
		timeline_log(c->tl, "action", summary, NULL);
	actions_finish_line(run, ACTION_OK, EXIT_OK, "auto-sync re-enabled on %s with %s%s", s->app, s->automated,
	                    s->git_fixed ? "" : " (override)");
}

static void send_autosync(struct action_run *run)
{
	struct autosync *s = actions_run_state(run);
	const struct action_ctx *c = actions_run_ctx(run);

	s->req = argocd_set_autosync(c->argocd, s->automated, set_done, run);
	if (!s->req)
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "cannot send the auto-sync change to Argo CD");
}

static void freeze_answer(struct action_run *run, bool yes)
{
	struct autosync *s = actions_run_state(run);
	const struct action_ctx *c = actions_run_ctx(run);
	char line[300];

	if (!yes) {
		actions_finish_line(run, ACTION_DECLINED, EXIT_REFUSED, "not deployed during the freeze %s: auto-sync "
		                    "stays off", s->freeze);
		return;
	}
	snprintf(line, sizeof line, "deployment during the freeze %s confirmed by %s: auto-sync on %s", s->freeze,
	         c->actor ? c->actor : "?", s->app);
	if (c->tl)
		timeline_log(c->tl, "action", line, NULL);
	send_autosync(run);
}

/* Re-enabling auto-sync deploys whatever Git holds: in a freeze it takes a
 * second answer, from an operator (--yes does not give it). */
static void autosync_exec(struct action_run *run)
{
	struct autosync *s = actions_run_state(run);
	struct action_question q = { 0 };

	if (!config_in_freeze(actions_run_ctx(run)->cfg, config_now(), s->freeze, sizeof s->freeze)) {
		send_autosync(run);
		return;
	}
	snprintf(q.title, sizeof q.title, "Freeze period %s", s->freeze);
	snprintf(q.question, sizeof q.question, "Deploy during the freeze anyway?");
	q.danger = true;
	q.operator_only = true;
	actions_question_line(&q, AROLE_WARN, "FREEZE %s (UTC): no deployments except approved SEV-1 hotfixes",
	                      s->freeze);
	actions_question_line(&q, AROLE_NORMAL, "re-enabling auto-sync on %s deploys what Git holds", s->app);
	actions_question_line(&q, AROLE_NORMAL, "your answer is recorded in the timeline");
	actions_ask(run, &q, freeze_answer);
}

static void autosync_cancel(struct action_run *run)
{
	struct autosync *s = actions_run_state(run);
	const struct action_ctx *c = actions_run_ctx(run);

	if (!s)
		return;
	if (s->req && c->argocd)
		argocd_cancel(c->argocd, s->req);
	free(s);
	actions_run_set_state(run, NULL);
}

const struct action_exec actions_exec_autosync = {
	.prepare = autosync_prepare, .exec = autosync_exec, .cancel = autosync_cancel,
};
