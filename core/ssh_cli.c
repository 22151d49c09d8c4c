/* warroom remote — a command run on the bastion from the shell, through the
 * same session, host key check and exec channels the console uses. */
#include "warroom/config.h"
#include "warroom/loop.h"
#include "warroom/remote.h"
#include "warroom/ssh.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct run {
	struct remote *r;
	volatile bool done;
	int rc;
};

static void on_line(struct remote *r, enum proc_stream stream, const char *line, size_t len, void *arg)
{
	FILE *f = stream == PROC_STDERR ? stderr : stdout;

	fwrite(line, 1, len, f);
	fputc('\n', f);
	fflush(f);
}

static void on_done(struct remote *r, const struct proc_result *res, void *arg)
{
	struct run *run = arg;

	if (!res->started)
		fprintf(stderr, "warroom remote: %s\n", res->error);
	else if (res->exited)
		fprintf(stderr, "warroom remote: exit %d after %.2f s\n", res->exit_code, res->duration_ms / 1000.0);
	else
		fprintf(stderr, "warroom remote: %s after %.2f s%s%s\n", res->timed_out ? "timed out" :
		        res->cancelled ? "cancelled" : "ended", res->duration_ms / 1000.0,
		        res->error[0] ? ": " : "", res->error);
	run->rc = !res->started ? 255 : res->exited ? res->exit_code : res->signal > 0 ? 128 + res->signal : 255;
	run->done = true;
}

static void on_signal(struct loop *loop, int signo, void *arg)
{
	struct run *run = arg;

	if (signo == SIGINT || signo == SIGTERM || signo == SIGHUP)
		remote_cancel(run->r);
}

int ssh_cli_remote(int argc, char **argv, const struct config *cfg)
{
	struct run run = { .rc = 255 };
	struct loop *loop;
	struct ssh *ssh;
	char err[600], *cmd;
	size_t n = 0;
	long timeout_s = 0;
	int i = 1;

	if (i < argc && strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
		timeout_s = strtol(argv[i + 1], NULL, 10);
		i += 2;
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc) {
		fprintf(stderr, "usage: warroom remote [--timeout SECONDS] [--] COMMAND...\n");
		return 2;
	}
	for (int k = i; k < argc; k++)
		n += strlen(argv[k]) + 1;
	cmd = calloc(1, n + 1);
	if (!cmd)
		return 1;
	for (int k = i; k < argc; k++) {
		strcat(cmd, argv[k]);
		if (k + 1 < argc)
			strcat(cmd, " ");
	}
	loop = loop_new();
	ssh = loop ? ssh_new(loop, &cfg->ssh, err, sizeof err) : NULL;
	if (!ssh) {
		fprintf(stderr, "warroom remote: %s\n", loop ? err : "cannot create the event loop");
		free(cmd);
		loop_free(loop);
		return 255;
	}
	ssh_start(ssh);
	{
		struct remote_spec spec = { .command = cmd, .timeout_ms = timeout_s * 1000, .on_line = on_line,
		                            .on_done = on_done, .arg = &run };

		run.r = remote_start(ssh, &spec, err, sizeof err);
	}
	if (!run.r) {
		fprintf(stderr, "warroom remote: %s\n", err);
	} else {
		loop_signals_watch(loop, on_signal, &run);
		loop_run_until(loop, &run.done, -1);
		remote_free(run.r);
	}
	ssh_free(ssh);
	loop_free(loop);
	free(cmd);
	return run.rc;
}
