/* `warroom logs` and `warroom events`: the pod logs of a slot, of both or of
 * one pod, merged by time and prefixed by slot and pod, from the traffic
 * switch, a time or a tail, read to the end or followed (resumed across
 * breaks without a line twice); what is new in the live slot (--new); and
 * the namespace's Events grouped by reason per slot. Through the bastion
 * when the Kubernetes API is reached that way. */
#include "warroom/cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/actions.h"
#include "warroom/config.h"
#include "warroom/logs.h"
#include "warroom/loop.h"
#include "warroom/sources.h"
#include "warroom/ssh.h"

static const char logs_usage[] =
	"usage: warroom logs [--slot S|--pod P] [--container C] [--since switch|10m|TIME] [--tail N]\n"
	"                    [--follow] [--grep RE] [--new] [--json]\n"
	"       the pod logs of one slot, of both (the default) or of one pod, merged by time, each line\n"
	"       prefixed by slot and pod; from the traffic switch unless --since or --tail says otherwise;\n"
	"       --follow goes on (resuming a broken stream from its last line), --new prints the templates\n"
	"       the live slot logs and the other does not, ranked; exit 0, 3 when the API cannot be read\n";

static const char events_usage[] =
	"usage: warroom events [--slot S] [--json]\n"
	"       the namespace's Events grouped by reason and object, warnings first, per slot\n";

struct cli_logs {
	struct loop *loop;
	const struct logs_args *a;
	struct logs_filter grep;
	bool done, broken;
	unsigned long printed;
};

static void on_line(const struct logs_state *st, const struct logs_rec *rec, void *arg)
{
	struct cli_logs *c = arg;
	char line[8192];

	if (c->a->new_only || (c->grep.on[LOGS_INCLUDE] && !logs_filter_match(&c->grep, rec->text)))
		return;
	/* --slot without --new follows that slot alone; --pod that pod */
	logs_line_text(st, rec, c->a->json, line, sizeof line);
	if (puts(line) == EOF) {
		c->broken = true;   /* the reader went away (| head): stop */
		loop_stop(c->loop);
		return;
	}
	c->printed++;
	if (c->a->follow)
		fflush(stdout);
}

static void on_done(struct logs_run *r, void *arg)
{
	struct cli_logs *c = arg;

	c->done = true;
	loop_stop(c->loop);
}

static void on_signal(struct loop *loop, int signo, void *arg)
{
	if (signo == SIGINT || signo == SIGTERM || signo == SIGHUP)
		loop_stop(loop);
}

static void out(enum logs_out_role role, const char *line, void *arg)
{
	FILE *f = arg;

	fprintf(f, "%s\n", line);
}

static int run(int argc, char **argv, const struct config *cfg, bool events)
{
	const char *cmd = events ? "events" : "logs";
	struct logs_args a;
	struct cli_logs c = { .a = &a };
	struct sources src;
	struct logs_run *r;
	char err[1024];
	int rc;

	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(events ? events_usage : logs_usage, stdout);
		return EXIT_OK;
	}
	if (logs_args_parse(argc, argv, events, &a, err, sizeof err) != 0) {
		fprintf(stderr, "warroom %s: %s\n%s", cmd, err, events ? events_usage : logs_usage);
		return EXIT_USAGE;
	}
	logs_filter_init(&c.grep);
	if (a.grep[0] && logs_filter_set(&c.grep, LOGS_INCLUDE, a.grep, err, sizeof err) != 0) {
		fprintf(stderr, "warroom %s: --grep %s: %s\n", cmd, a.grep, err);
		return EXIT_USAGE;
	}
	c.loop = loop_new();
	if (!c.loop) {
		fprintf(stderr, "warroom %s: cannot start the event loop\n", cmd);
		logs_filter_free(&c.grep);
		return EXIT_FAILED;
	}
	memset(&src, 0, sizeof src);
	if (sources_open(&src, c.loop, cfg, err, sizeof err) != 0 || !src.kube) {
		fprintf(stderr, "warroom %s: %s\n", cmd, src.kube ? err : src.kube_error);
		sources_close(&src);
		loop_free(c.loop);
		logs_filter_free(&c.grep);
		return EXIT_UNREACHABLE;
	}
	cli_ssh_ui(src.ssh);
	r = logs_run_start(c.loop, src.kube, cfg, &a, on_line, &c, on_done, &c, err, sizeof err);
	if (!r) {
		fprintf(stderr, "warroom %s: %s\n", cmd, err);
		sources_close(&src);
		loop_free(c.loop);
		logs_filter_free(&c.grep);
		return EXIT_USAGE;
	}
	loop_signals_watch(c.loop, on_signal, &c);
	loop_run(c.loop);
	cli_ssh_report(cmd, src.ssh);
	if (!c.broken) {
		/* what it found: on stdout when asked for (--new, events), else the troubles on stderr */
		struct logs_args shown = a;

		shown.json = a.json && (a.new_only || events);   /* a JSON document of its own; lines were objects */
		logs_report(logs_run_state(r), &shown, loop_wall_ms(), out, a.new_only || events ? stdout : stderr);
	}
	fflush(stdout);
	rc = logs_run_failed(r) ? EXIT_UNREACHABLE : !c.done && !a.follow ? EXIT_INTERRUPTED : EXIT_OK;
	logs_run_free(r);
	sources_close(&src);
	loop_free(c.loop);
	logs_filter_free(&c.grep);
	return rc;
}

int cli_logs(int argc, char **argv, const struct config *cfg)
{
	return run(argc, argv, cfg, false);
}

int cli_events(int argc, char **argv, const struct config *cfg)
{
	return run(argc, argv, cfg, true);
}
