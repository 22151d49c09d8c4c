/* warroom remote — a command run on the bastion from the shell, through the
 * same session, host key check and exec channels the console uses. */
#include "warroom/actions.h"
#include "warroom/cli.h"
#include "warroom/config.h"
#include "warroom/loop.h"
#include "warroom/remote.h"
#include "warroom/ssh.h"
#include "warroom/text.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* ---- the terminal's answers ---- */

/* An encrypted key's passphrase, read from the controlling terminal with
 * echo off, as ssh asks it. It is read inside the call: a headless command
 * has nothing else to do until it is authenticated, and sshd's login grace
 * is far longer than anyone types. Without a terminal the key is skipped,
 * with words that say how to use it instead. */
static volatile sig_atomic_t prompt_signal;

static void on_prompt_signal(int signo)
{
	prompt_signal = signo;
}

static void ask_passphrase(struct ssh *s, const char *key_file, void *arg)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_prompt_signal }, old[3];
	struct termios old_tio, quiet;
	char pass[1024];
	size_t n = 0;
	bool restore = false;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "warroom: %s is encrypted and there is no terminal to ask its passphrase on: add it to "
		        "the ssh agent (ssh-add %s) or run from a terminal\n", key_file, key_file);
		ssh_passphrase_answer(s, NULL);
		return;
	}
	/* C-c at the prompt ends it (the read is not restarted), echo comes back,
	 * and the signal then goes where it would have gone */
	prompt_signal = 0;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	if (tcgetattr(fd, &old_tio) == 0) {
		quiet = old_tio;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	dprintf(fd, "Passphrase for %s (empty: skip this key): ", key_file);
	while (!prompt_signal) {
		char c;
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n' || c == '\r')
			break;
		if (n < sizeof pass - 1)
			pass[n++] = c;
	}
	pass[n] = '\0';
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &old_tio);
	dprintf(fd, "\n");
	close(fd);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	ssh_passphrase_answer(s, n && !prompt_signal ? pass : NULL);
	explicit_bzero(pass, sizeof pass);
	if (prompt_signal)
		raise(prompt_signal);
}

void cli_ssh_ui(struct ssh *s)
{
	/* no host key question: an unknown host is refused with its fingerprint */
	const struct ssh_ui ui = { .passphrase = ask_passphrase };

	ssh_set_ui(s, &ui);
}

void cli_ssh_report(const char *cmd, const struct ssh *s)
{
	if (s && ssh_cause(s) != SSH_CAUSE_NONE && ssh_error(s)[0])
		fprintf(stderr, "warroom %s: %s\n", cmd, ssh_error(s));
}

int cli_ssh_route(struct loop *loop, const struct config *cfg, bool via, const char *url, struct ssh **s,
                  char *route, size_t len, char *err, size_t errlen)
{
	route[0] = '\0';
	if (!via)
		return 0;
	if (!*s) {
		*s = ssh_new(loop, &cfg->ssh, err, errlen);
		if (!*s)
			return -1;
		cli_ssh_ui(*s);
		ssh_start(*s);
	}
	return ssh_route_url(*s, url, NULL, 0, route, len, err, errlen);
}

/* ---- warroom remote ---- */

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
	run->rc = !res->started ? EXIT_NOT_RUN : res->exited ? res->exit_code :
	          res->signal > 0 ? EXIT_SIGNALLED + res->signal : EXIT_NOT_RUN;
	run->done = true;
}

static void on_signal(struct loop *loop, int signo, void *arg)
{
	struct run *run = arg;

	if (signo == SIGINT || signo == SIGTERM || signo == SIGHUP)
		remote_cancel(run->r);
}

int cli_remote(int argc, char **argv, const struct config *cfg)
{
	struct run run = { .rc = EXIT_NOT_RUN };
	struct loop *loop;
	struct ssh *ssh;
	char err[600], *cmd;
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
		return EXIT_USAGE;
	}
	cmd = text_join(argc, argv, i);
	if (!cmd) {
		fprintf(stderr, "warroom remote: out of memory\n");
		return EXIT_FAILED;
	}
	loop = loop_new();
	ssh = loop ? ssh_new(loop, &cfg->ssh, err, sizeof err) : NULL;
	if (!ssh) {
		fprintf(stderr, "warroom remote: %s\n", loop ? err : "cannot create the event loop");
		free(cmd);
		loop_free(loop);
		return EXIT_NOT_RUN;
	}
	cli_ssh_ui(ssh);
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
