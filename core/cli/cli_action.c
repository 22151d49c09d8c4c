/* cli_action — the headless front-end of the action layer: `warroom
 * rollback`, `note`, `incident`, `sev`, `resolve` and the others run the same
 * actions as the console's keys through cli_run_action(). The confirmation
 * question is answered by --yes or on the terminal; without either it is
 * answered no. And `warroom actions`, the table itself. */
#include "warroom/cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "warroom/actions.h"
#include "warroom/config.h"
#include "warroom/loop.h"
#include "warroom/secret.h"
#include "warroom/sources.h"
#include "warroom/ssh.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

struct cli_run {
	struct actions *q;
	const char *cmd;
	const char *typed;           /* --confirm WORD */
	bool yes, done, interrupted;
	struct action_result res;
};

/* What another process wrote may hold escapes: print text only. Keys the
 * text names are the commands that do the same here. */
static void print_line(FILE *f, const char *prefix, const char *text)
{
	char buf[ACTION_LINE * 2], words[ACTION_LINE * 2];

	actions_text_expand(text, words, sizeof words, NULL, NULL);
	text_clean(buf, sizeof buf, words, (size_t)-1, 0);
	secret_scrub_buf(buf, sizeof buf);
	fprintf(f, "%s%s\n", prefix, buf);
}

/* Roles as plain prefixes: the plan's reason, its lines, its warnings. */
static void print_lines(const char *name, const struct action_line *l, size_t n, bool refused)
{
	char prefix[64];

	for (size_t i = 0; i < n; i++) {
		switch (l[i].role) {
		case AROLE_ACCENT:
			snprintf(prefix, sizeof prefix, "%s plan: ", name);
			print_line(stdout, prefix, l[i].text);
			break;
		case AROLE_WARN:
			print_line(stdout, "WARNING: ", l[i].text);
			break;
		case AROLE_CRIT:
			print_line(stdout, refused ? "REFUSED: " : "WARNING: ", l[i].text);
			break;
		case AROLE_OK:
			print_line(stdout, "", l[i].text);
			break;
		default:
			print_line(stdout, "  ", l[i].text);
		}
	}
	fflush(stdout);
}

static bool ask_terminal(const char *question)
{
	char line[64];

	printf("%s [y/N] ", question);
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

/* A question that wants its word typed: --confirm gives it, a terminal asks
 * for it; --yes alone never does. */
static void ask_typed(struct cli_run *c, uint64_t id, const struct action_question *q)
{
	char line[128];
	size_t n;

	if (c->typed) {
		actions_answer_typed(c->q, id, c->typed, "--confirm");
		return;
	}
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "warroom %s: refused: %s; type %s at a terminal, or pass --confirm %s\n", c->cmd,
		        q->typed_why, q->typed, q->typed);
		actions_answer(c->q, id, false, "no terminal");
		return;
	}
	printf("%s Type %s to confirm: ", q->question, q->typed);
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		line[0] = '\0';
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	actions_answer_typed(c->q, id, line, "terminal");
}

static void on_ask(uint64_t id, const struct action_question *q, void *arg)
{
	struct cli_run *c = arg;
	const struct action *a = actions_get(c->res.id);

	print_lines(a ? a->name : c->cmd, q->lines, q->nlines, false);
	if (q->typed[0]) {
		ask_typed(c, id, q);
	} else if (c->yes && !q->operator_only) {
		actions_answer(c->q, id, true, "--yes");
	} else if (!isatty(STDIN_FILENO)) {
		if (!q->operator_only)
			fprintf(stderr, "warroom %s: refused: no terminal to confirm on; pass --yes to run it unattended\n",
			        c->cmd);
		actions_answer(c->q, id, false, "no terminal");
	} else {
		actions_answer(c->q, id, ask_terminal(q->question), "terminal");
	}
}

static void on_progress(uint64_t id, enum action_role role, const char *text, void *arg)
{
	static const char *const prefix[] = {
		[AROLE_NORMAL] = "  ok ", [AROLE_ACCENT] = "  -- ", [AROLE_OK] = "  ok ",
		[AROLE_WARN] = "  <> ", [AROLE_CRIT] = "  !! ", [AROLE_STALE] = "  .. ",
	};

	print_line(stdout, prefix[role], text);
	fflush(stdout);
}

static void on_done(const struct action_result *res, void *arg)
{
	struct cli_run *c = arg;

	c->res = *res;
	c->done = true;
}

static void on_signal(struct loop *loop, int signo, void *arg)
{
	struct cli_run *c = arg;

	if (signo == SIGINT || signo == SIGTERM || signo == SIGHUP) {
		c->interrupted = true;
		loop_stop(loop);
	}
}

struct timeline *cli_timeline_writer(const struct config *cfg, char *err, size_t errlen)
{
	char dir[1024];
	struct timeline *tl = timeline_open_keeping(cfg->db_path, cfg->operator_name, err, errlen);

	config_state_dir(dir, sizeof dir);
	timeline_set_fallback_dir(tl, dir);
	return tl;
}

size_t cli_timeline_done(struct timeline *tl, const char *cmd)
{
	size_t n = timeline_finish(tl);

	if (n && timeline_fallback_path(tl)[0])
		fprintf(stderr, "warroom %s: %zu timeline record%s could not be saved to %s; %s kept in %s: "
		        "warroom timeline import %s brings %s back\n", cmd, n, n == 1 ? "" : "s", timeline_path(tl),
		        n == 1 ? "it is" : "they are", timeline_fallback_path(tl), timeline_fallback_path(tl),
		        n == 1 ? "it" : "them");
	else if (n)
		fprintf(stderr, "warroom %s: %zu timeline record%s could not be saved to %s, nor to a file: %s\n", cmd,
		        n, n == 1 ? "" : "s", timeline_path(tl), timeline_errmsg(tl));
	timeline_close(tl);
	return n;
}

int cli_run_action(enum action_id id, const struct action_args *args, bool yes, const struct config *cfg,
                   const char *cmd)
{
	const struct action *a = actions_get(id);
	struct sources src;
	struct cli_run c = { .cmd = cmd, .yes = yes, .typed = args ? args->typed : NULL };
	struct loop *loop = loop_new();
	struct action_ctx ctx = { 0 };
	struct action_ui ui = { .ask = on_ask, .progress = on_progress, .done = on_done, .arg = &c };
	char err[1024], tl_err[1024] = "";
	bool cluster = a && (a->flags & ACT_MUTATES) && (!cfg->readonly || (args && args->dry_run));
	struct timeline *tl;
	int rc;

	if (!loop) {
		fprintf(stderr, "warroom %s: cannot start the event loop\n", cmd);
		return EXIT_FAILED;
	}
	memset(&src, 0, sizeof src);
	/* a refused action reads nothing: the clients open only when they may be used */
	if (cluster && sources_open(&src, loop, cfg, err, sizeof err) != 0) {
		fprintf(stderr, "warroom %s: %s\n", cmd, err);
		loop_free(loop);
		return EXIT_UNREACHABLE;
	}
	cli_ssh_ui(src.ssh);
	tl = cli_timeline_writer(cfg, tl_err, sizeof tl_err);
	if (tl_err[0] && cluster)
		fprintf(stderr, "warroom %s: WARNING: no timeline (%s); the steps are printed, and kept in a file for "
		        "warroom timeline import\n", cmd, tl_err);
	if (cluster && cfg->argocd.url[0] && !src.argocd)
		fprintf(stderr, "warroom %s: WARNING: Argo CD: %s\n", cmd, src.argocd_error);
	ctx.loop = loop;
	ctx.cfg = cfg;
	ctx.tl = tl;
	ctx.tl_error = tl_err;
	ctx.kube = src.kube;
	ctx.kube_error = src.kube_error;
	ctx.argocd = src.argocd;
	ctx.ssh = src.ssh;
	ctx.actor = cfg->operator_name;
	ctx.via = "cli";
	ctx.readonly = cfg->readonly;
	c.q = actions_new(&ctx);
	c.res.id = id;
	loop_signals_watch(loop, on_signal, &c);
	if (!c.q || !actions_run(c.q, id, args, &ui)) {
		fprintf(stderr, "warroom %s: out of memory\n", cmd);
		rc = EXIT_FAILED;
		goto out;
	}
	loop_run_until(loop, &c.done, -1);
	if (!c.done) {
		actions_free(c.q);   /* cancels what is in flight, audited as such */
		c.q = NULL;
		fprintf(stderr, "warroom %s: interrupted\n", cmd);
		rc = EXIT_INTERRUPTED;
		goto out;
	}
	cli_ssh_report(cmd, src.ssh);   /* the bastion's state, and what to do about it, before what it caused */
	print_lines(a->name, c.res.lines, c.res.nlines, c.res.outcome == ACTION_REFUSED);
	if (c.res.outcome == ACTION_OK || c.res.outcome == ACTION_DECLINED || c.res.nlines) {
		if (!(c.res.outcome == ACTION_OK && id == ACTION_NOTE))   /* a note is quiet on success */
			print_line(stdout, "", c.res.summary);
	} else {
		char prefix[64];

		snprintf(prefix, sizeof prefix, "warroom %s: ", cmd);
		print_line(stderr, prefix, c.res.summary);
	}
	if (c.res.followup[0])
		print_line(stdout, "FOLLOW-UP: ", c.res.followup);
	rc = c.res.exit_code;
out:
	actions_free(c.q);
	if (cluster)
		sources_close(&src);
	/* what it did is in the database, or the exit says otherwise */
	if (cli_timeline_done(tl, cmd) && rc == EXIT_OK)
		rc = EXIT_FAILED;
	loop_free(loop);
	if (fflush(stdout) != 0 && rc == EXIT_OK) {
		fprintf(stderr, "warroom %s: cannot write the output: %s\n", cmd, strerror(errno));
		rc = EXIT_FAILED;
	}
	return rc;
}

/* ---- the table itself, for scripts and tests ---- */

int cli_actions(int argc, char **argv, const struct config *cfg)
{
	bool json = argc > 1 && strcmp(argv[1], "--json") == 0;
	cJSON *arr = json ? cJSON_CreateArray() : NULL;
	char *s;

	for (size_t i = 1; i <= actions_count(); i++) {
		const struct action *a = actions_get((enum action_id)i);

		if (!json) {
			printf("%-12s %-16s %s%s%s%s\n", a->name, a->keys, a->help,
			       a->flags & ACT_MUTATES ? " [changes the cluster]" : "",
			       a->flags & ACT_CONFIRM ? " [confirm]" : "", a->flags & ACT_NEEDS_INC ? " [needs an incident]" : "");
			continue;
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", a->name);
		cJSON_AddStringToObject(o, "keys", a->keys);
		cJSON_AddStringToObject(o, "help", a->help);
		cJSON_AddBoolToObject(o, "mutates", a->flags & ACT_MUTATES);
		cJSON_AddBoolToObject(o, "confirm", a->flags & ACT_CONFIRM);
		cJSON_AddBoolToObject(o, "needs_incident", a->flags & ACT_NEEDS_INC);
		cJSON_AddBoolToObject(o, "takes_arg", a->flags & ACT_TAKES_ARG);
		cJSON_AddBoolToObject(o, "cli", a->flags & ACT_CLI);
		cJSON_AddItemToArray(arr, o);
	}
	if (json) {
		s = cJSON_PrintUnformatted(arr);
		puts(s ? s : "[]");
		cJSON_free(s);
		cJSON_Delete(arr);
	}
	return EXIT_OK;
}
