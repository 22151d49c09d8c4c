/* remote — a command run on the bastion through an exec channel of its SSH
 * session, in the shape of proc.h (the local runner), so a runbook step can
 * choose either: output streamed line by line and kept up to a bound, exit
 * status and duration, a timeout and a cancel that signals the remote
 * process group (SIGTERM, then SIGKILL after a grace), never leaving it
 * running. The command is shell text run by sh on the bastion.
 * Implemented in core/ssh/remote.c. */
#ifndef WARROOM_REMOTE_H
#define WARROOM_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/proc.h"   /* enum proc_stream, struct proc_result */

struct remote;
struct ssh;

typedef void (*remote_line_fn)(struct remote *r, enum proc_stream stream, const char *line, size_t len,
                               void *arg);
typedef void (*remote_done_fn)(struct remote *r, const struct proc_result *res, void *arg);

struct remote_spec {
	const char *command;       /* shell text for sh -c on the bastion */
	int64_t timeout_ms;        /* 0: none */
	size_t max_output;         /* kept bytes per stream; 0: PROC_MAX_OUTPUT */
	/* "NAME=value" entries, NULL-terminated (NULL: none), exported to the
	 * command by the shell on the bastion from the first line on its stdin
	 * (not its command line, which the bastion's process list shows): sshd
	 * accepts few variables over the channel itself (AcceptEnv). Names that
	 * are not shell names are left out. */
	const char *const *env;
	remote_line_fn on_line;
	remote_done_fn on_done;
	void *arg;
};

/* Starts the run; while the session is still connecting it waits for it.
 * on_done runs exactly once, from the loop, never inside this call, unless
 * remote_free comes first; a bastion that is down, or lost during the run,
 * is reported there with words. NULL with words only for a bad spec. */
struct remote *remote_start(struct ssh *ssh, const struct remote_spec *spec, char *err, size_t errlen);
/* Signals the remote group (SIGTERM, SIGKILL after PROC_GRACE_MS); on_done
 * still runs, with cancelled set. Nothing once the run has finished. */
void remote_cancel(struct remote *r);
/* Releases the run; safe at any time, from its callbacks too. A run still
 * going is cancelled first (its group is signalled as the channel closes). */
void remote_free(struct remote *r);

/* The exports of env (as in remote_spec) as one shell line, ending in its
 * only newline: what the wrapper reads first. malloc'd. */
char *remote_env_line(const char *const *env);
/* The wrapper text that reads and evaluates the exports line from stdin,
 * runs command in its own group on the bastion and ends that group when a
 * further line or EOF arrives on stdin. malloc'd. */
char *remote_wrap(const char *command);

#endif
