/* `warroom check [--slot S] [--json]`: the verification matrix headless, for
 * a pipeline's smoke-test stage; exit 0 only when every check passed. */
#include "warroom/cli.h"
#include "warroom/actions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/config.h"
#include "warroom/loop.h"
#include "warroom/sources.h"
#include "warroom/ssh.h"
#include "warroom/timeline.h"
#include "warroom/matrix.h"

static const char check_usage[] =
	"usage: warroom check [--slot SLOT] [--json]\n"
	"       the post-deployment verification matrix against SLOT's pods (default: the new\n"
	"       slot while it awaits its smoke test, else the one serving traffic);\n"
	"       exit 0 all passed, 1 a check failed, 3 the cluster is unreachable\n";

struct check_run {
	bool done;
	struct matrix_report rep;
};

static void on_done(const struct matrix_report *rep, void *arg)
{
	struct check_run *c = arg;

	c->rep = *rep;
	c->done = true;
}

int cli_check(int argc, char **argv, const struct config *cfg)
{
	const char *slot = NULL;
	bool json = false;
	struct check_run c = { 0 };
	struct sources src;
	struct loop *loop;
	struct matrix *v;
	char err[1024], tl_err[512];
	struct timeline *tl;
	int passed = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--slot") == 0 && i + 1 < argc)
			slot = argv[++i];
		else if (strncmp(argv[i], "--slot=", 7) == 0)
			slot = argv[i] + 7;
		else {
			fprintf(stderr, "%s", check_usage);
			return EXIT_USAGE;
		}
	}
	loop = loop_new();
	if (!loop) {
		fprintf(stderr, "warroom check: cannot start the event loop\n");
		return EXIT_FAILED;
	}
	memset(&src, 0, sizeof src);
	if (sources_open(&src, loop, cfg, err, sizeof err) != 0 || !src.kube) {
		fprintf(stderr, "warroom check: %s\n", src.kube ? err : src.kube_error);
		sources_close(&src);
		loop_free(loop);
		return EXIT_UNREACHABLE;
	}
	cli_ssh_ui(src.ssh);
	v = matrix_start(loop, src.kube, src.ssh, cfg, slot, on_done, &c);
	if (!v) {
		fprintf(stderr, "warroom check: out of memory\n");
		sources_close(&src);
		loop_free(loop);
		return EXIT_FAILED;
	}
	loop_run_until(loop, &c.done, -1);
	cli_ssh_report("check", src.ssh);
	matrix_free(v);
	sources_close(&src);
	loop_free(loop);
	for (int i = 0; i < MATRIX_COUNT; i++)
		passed += c.rep.row[i].pass;
	if (json) {
		char *s = matrix_report_json(&c.rep);

		printf("%s\n", s ? s : "{}");
		free(s);
	} else {
		printf("Verification of %s\n", c.rep.slot[0] ? c.rep.slot : "?");
		for (int i = 0; i < MATRIX_COUNT; i++) {
			const struct matrix_row *r = &c.rep.row[i];

			printf("  %s  %-16s %-34s expected %-24s %5lld ms\n", r->pass ? "PASS" : "FAIL", r->check,
			       r->measured, r->expected, (long long)r->took_ms);
		}
		if (c.rep.error[0])
			printf("  %s\n", c.rep.error);
		printf("%d/%d passed in %.1f s\n", passed, MATRIX_COUNT, c.rep.took_ms / 1000.0);
	}
	tl = timeline_open(cfg->db_path, cfg->operator_name, tl_err, sizeof tl_err);
	if (tl) {
		char summary[200], *detail = matrix_report_json(&c.rep);

		snprintf(summary, sizeof summary, "verification of %s: %d/%d passed (warroom check)%s", c.rep.slot, passed,
		         MATRIX_COUNT, c.rep.pass ? "" : " - FAILED");
		timeline_log(tl, "verify", summary, detail);
		free(detail);
		timeline_close(tl);
	}
	if (c.rep.error[0] && passed == 0)
		return EXIT_UNREACHABLE;
	return c.rep.pass ? EXIT_OK : EXIT_FAILED;
}

/* `warroom tick N`: an item of the pre-deployment checklist, from a shell. */
int cli_tick(int argc, char **argv, const struct config *cfg)
{
	struct action_args args = { .text = argc == 2 ? argv[1] : NULL };

	if (argc != 2) {
		fprintf(stderr, "usage: warroom tick N    tick item N of the pre-deployment checklist\n");
		return EXIT_USAGE;
	}
	return cli_run_action(ACTION_TICK, &args, false, cfg, "tick");
}
