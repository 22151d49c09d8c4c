/* `warroom watch`: the deployment window headless, for a CI/CD pipeline. The
 * same watcher as the console's follows the slots and the golden signals;
 * the exit code says how the window ended, and with --auto-rollback a breach
 * runs the rollback action through the action layer, its question answered
 * "--auto-rollback" (never an operator-only question). */
#include "warroom/cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/actions.h"
#include "warroom/config.h"
#include "warroom/deploywatch.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/sources.h"
#include "warroom/ssh.h"
#include "warroom/timeline.h"
#include "warroom/incident.h"

static const char watch_usage[] =
	"usage: warroom watch [--window DUR] [--auto-rollback]\n"
	"       follows the next traffic switch (or the one in progress) through its monitoring window\n"
	"       DUR: 300, 300s, 5m; exit 0 passed, 4 rolled back, 5 breached without rollback,\n"
	"       1 the rollback failed, 3 a source is unreachable, 130 interrupted\n";

struct watch_run {
	struct loop *loop;
	struct model *m;
	struct actions *q;
	bool auto_rollback;
	bool stop, rolling, announced;
	enum deploy_stage printed;
	char matrix_printed[DMATRIX_COUNT][240];
	bool cap_printed[DCAP_COUNT];     /* the capacity warnings said to stand */
	int rc;
	struct action_result res;
};

/* "300", "300s", "5m", "1h": seconds, or -1. */
static long parse_dur(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v <= 0)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		return v;
	if (strcmp(end, "m") == 0)
		return v * 60;
	if (strcmp(end, "h") == 0)
		return v * 3600;
	return -1;
}

static void on_ask(uint64_t run, const struct action_question *q, void *arg)
{
	struct watch_run *w = arg;

	for (size_t i = 0; i < q->nlines; i++)
		printf("  %s\n", q->lines[i].text);
	/* a changed plan or a switch back waits for a person: the pipeline says no */
	actions_answer(w->q, run, !q->operator_only, q->operator_only ? "no operator (--auto-rollback)" : "--auto-rollback");
}

static void on_progress(uint64_t run, enum action_role role, const char *text, void *arg)
{
	(void)run;
	(void)role;
	(void)arg;
	printf("  %s\n", text);
	fflush(stdout);
}

static void on_done(const struct action_result *res, void *arg)
{
	struct watch_run *w = arg;

	w->res = *res;
	printf("%s\n", res->summary);
	if (res->followup[0])
		printf("FOLLOW-UP: %s\n", res->followup);
	w->rc = res->outcome == ACTION_OK ? EXIT_ROLLED_BACK : EXIT_FAILED;
	w->stop = true;
	loop_stop(w->loop);
}

static void on_model(struct model *m, unsigned changed, void *arg)
{
	struct watch_run *w = arg;
	const struct deploywatch *d = deploywatch_of(m);
	static const struct action_ui ui = { on_ask, on_progress, on_done, NULL };

	(void)changed;
	if (!d || w->stop || w->rolling)
		return;
	if (d->stage != w->printed) {
		w->printed = d->stage;
		printf("stage: %s", deploywatch_stage_title(d->stage));
		/* a rollback recalled from the timeline names its slots too */
		if (d->switch_ms || (d->stage == DEPLOY_ROLLED_BACK && d->to_slot[0]))
			printf(" (%s -> %s, %s -> %s)", d->from_slot, d->to_slot, d->from_version, d->to_version);
		printf("\n");
		fflush(stdout);
	}
	for (int i = 0; i < DMATRIX_COUNT; i++) {
		const struct deploy_matrix *mx = &d->matrix[i];

		if (mx->running || !mx->summary[0] || strcmp(mx->summary, w->matrix_printed[i]) == 0)
			continue;
		snprintf(w->matrix_printed[i], sizeof w->matrix_printed[i], "%s", mx->summary);
		printf("matrix %s the switch: %s%s%s\n", i == DMATRIX_AFTER ? "after" : mx->at_switch ? "at" : "before",
		       mx->summary,
		       mx->failed[0] ? ": " : "", mx->failed);
		fflush(stdout);
	}
	for (int i = 0; i < DCAP_COUNT; i++) {
		char text[200];

		if (d->cap[i].over == w->cap_printed[i])
			continue;
		w->cap_printed[i] = d->cap[i].over;
		deploywatch_capacity_text(d, (enum deploy_capacity)i, text, sizeof text);
		if (d->cap[i].over)
			printf("capacity warning: %s\n", text);
		else
			printf("capacity back under its line: %s\n", deploywatch_capacity_name((enum deploy_capacity)i));
		fflush(stdout);
	}
	if (d->recommend && !w->announced) {
		w->announced = true;
		printf("Rollback recommended: %s\n", d->reason);
		fflush(stdout);
		if (!w->auto_rollback) {
			w->rc = EXIT_BREACHED;
			w->stop = true;
			loop_stop(w->loop);
			return;
		}
		struct action_ui u = ui;

		u.arg = w;
		w->rolling = true;
		actions_run(w->q, ACTION_ROLLBACK, &(struct action_args){ .text = "auto", .unattended = true }, &u);
		return;
	}
	if (d->switch_ms && (d->stage == DEPLOY_PASSED || d->stage == DEPLOY_FINALIZED)) {
		printf("monitoring window passed: %s on %s\n", d->to_version, d->to_slot);
		w->rc = EXIT_OK;
		w->stop = true;
		loop_stop(w->loop);
	} else if (d->switch_ms && d->stage == DEPLOY_ROLLED_BACK) {
		printf("traffic went back to %s during the window\n", d->from_slot);
		w->rc = EXIT_ROLLED_BACK;
		w->stop = true;
		loop_stop(w->loop);
	}
}

static void on_signal(struct loop *loop, int signo, void *arg)
{
	struct watch_run *w = arg;

	if (signo == SIGINT || signo == SIGTERM || signo == SIGHUP) {
		w->rc = EXIT_INTERRUPTED;
		w->stop = true;
		loop_stop(loop);
	}
}

int cli_watch(int argc, char **argv, const struct config *cfg_in)
{
	static struct config cfg;   /* big: not on the stack */
	struct watch_run w = { .rc = EXIT_INTERRUPTED };
	struct sources src;
	struct model m;
	struct deploywatch_core *dw;
	struct incident_watch *core;
	struct timeline *tl;
	char err[1024], tl_err[1024] = "";

	cfg = *cfg_in;
	for (int i = 1; i < argc; i++) {
		const char *dur = NULL;

		if (strcmp(argv[i], "--auto-rollback") == 0)
			w.auto_rollback = true;
		else if (strcmp(argv[i], "--window") == 0 && i + 1 < argc)
			dur = argv[++i];
		else if (strncmp(argv[i], "--window=", 9) == 0)
			dur = argv[i] + 9;
		else {
			fprintf(stderr, "%s", watch_usage);
			return EXIT_USAGE;
		}
		if (dur) {
			long s = parse_dur(dur);

			if (s < 1 || s > 86400) {
				fprintf(stderr, "warroom watch: --window %s: a duration from 1s to 24h (300, 300s, 5m)\n", dur);
				return EXIT_USAGE;
			}
			cfg.deploy.window_s = (int)s;
		}
	}
	if (w.auto_rollback && cfg.readonly) {
		fprintf(stderr, "warroom watch: --auto-rollback changes the cluster and the console is read-only\n");
		return EXIT_USAGE;
	}
	w.loop = loop_new();
	if (!w.loop) {
		fprintf(stderr, "warroom watch: cannot start the event loop\n");
		return EXIT_FAILED;
	}
	memset(&src, 0, sizeof src);
	if (sources_open(&src, w.loop, &cfg, err, sizeof err) != 0) {
		fprintf(stderr, "warroom watch: %s\n", err);
		loop_free(w.loop);
		return EXIT_UNREACHABLE;
	}
	cli_ssh_ui(src.ssh);
	if (!src.kube || !src.prom) {
		fprintf(stderr, "warroom watch: %s\n", !src.kube ? src.kube_error : src.prom_error[0] ? src.prom_error :
		        "prometheus.url is not configured: the window cannot be watched");
		sources_close(&src);
		loop_free(w.loop);
		return EXIT_UNREACHABLE;
	}
	tl = cli_timeline_writer(&cfg, tl_err, sizeof tl_err);
	if (tl_err[0])
		fprintf(stderr, "warroom watch: WARNING: no timeline (%s); what it records is kept in a file\n", tl_err);
	model_init(&m, &cfg, tl);
	w.m = &m;
	core = incident_watch_install(&m);
	dw = deploywatch_install(&m, w.loop, src.prom);
	deploywatch_core_adopt(dw);
	model_watch_add(&m, on_model, &w);
	{
		struct action_ctx ctx = {
			.loop = w.loop, .cfg = &cfg, .tl = tl, .tl_error = tl_err, .kube = src.kube,
			.kube_error = src.kube_error, .argocd = src.argocd, .ssh = src.ssh, .actor = cfg.operator_name,
			.via = "cli", .readonly = cfg.readonly,
		};

		w.q = actions_new(&ctx);
		deploywatch_core_set_actions(dw, w.q);
	}
	if (!dw || !w.q) {
		fprintf(stderr, "warroom watch: out of memory\n");
		w.rc = EXIT_FAILED;
	} else {
		loop_signals_watch(w.loop, on_signal, &w);
		sources_attach(&src, &m);
		printf("watching %s/%s: %d s window after the traffic switch%s\n", cfg.kube.namespace_, cfg.kube.service,
		       cfg.deploy.window_s, w.auto_rollback ? ", rollback on a breach" : "");
		fflush(stdout);
		loop_run(w.loop);
	}
	actions_free(w.q);
	sources_close(&src);
	deploywatch_core_free(dw);
	model_free(&m);
	incident_watch_free(core);
	cli_timeline_done(tl, "watch");   /* says where what was not saved is; the window's verdict stands */
	loop_free(w.loop);
	return w.rc;
}
