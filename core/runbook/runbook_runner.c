/* Where a runbook command runs: `sh -c` here through proc.c, or on the
 * bastion through remote.c's exec channels when its block says
 * {runner=bastion} (or the front matter does). One shape for the session
 * either way: lines as they come, one result, a cancel that ends the
 * command's whole process group wherever it runs. */
#include <stdio.h>
#include <stdlib.h>

#include "warroom/proc.h"
#include "warroom/remote.h"

#include "runbook_session.h"

#define OUTPUT_KEEP (64u * 1024)   /* per stream, for the timeline */

struct runbook_runner {
	struct proc *proc;
	struct remote *remote;
	runbook_runner_line_fn on_line;
	runbook_runner_done_fn on_done;
	void *arg;
};

static void proc_line(struct proc *p, enum proc_stream stream, const char *line, size_t len, void *arg)
{
	struct runbook_runner *r = arg;

	r->on_line(r->arg, line);
}

static void proc_done(struct proc *p, const struct proc_result *res, void *arg)
{
	struct runbook_runner *r = arg;

	r->on_done(r->arg, res);
}

static void remote_line(struct remote *rm, enum proc_stream stream, const char *line, size_t len, void *arg)
{
	struct runbook_runner *r = arg;

	r->on_line(r->arg, line);
}

static void remote_done(struct remote *rm, const struct proc_result *res, void *arg)
{
	struct runbook_runner *r = arg;

	r->on_done(r->arg, res);
}

static int start_local(struct runbook_runner *r, struct runbook_session *s, const struct runbook_item *it,
                       const char *command, char *err, size_t errlen)
{
	char *argv[] = { "sh", "-c", (char *)command, NULL };   /* values come from the environment only */
	struct proc_env *env = runbook_env_command(s);
	struct proc_spec spec = { .argv = argv, .max_output = OUTPUT_KEEP, .on_line = proc_line,
	                          .on_done = proc_done, .arg = r };

	if (!env) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	spec.envp = proc_env_envp(env);
	r->proc = proc_start(s->loop, &spec, err, errlen);
	proc_env_free(env);
	return r->proc ? 0 : -1;
}

static int start_remote(struct runbook_runner *r, struct runbook_session *s, const struct runbook_item *it,
                        const char *command, char *err, size_t errlen)
{
	char **env;
	struct remote_spec spec = { .command = command, .max_output = OUTPUT_KEEP, .on_line = remote_line,
	                            .on_done = remote_done, .arg = r };

	if (!s->ssh) {
		snprintf(err, errlen, "line %d runs on the bastion, and no bastion is configured (ssh.host or "
		         "--bastion user@host)", it->line);
		return -1;
	}
	env = runbook_env_remote(s);
	if (!env) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	spec.env = (const char *const *)env;
	r->remote = remote_start(s->ssh, &spec, err, errlen);
	runbook_env_remote_free(env);
	return r->remote ? 0 : -1;
}

struct runbook_runner *runbook_runner_start(struct runbook_session *s, const struct runbook_item *it,
                                            const char *command, runbook_runner_line_fn on_line,
                                            runbook_runner_done_fn on_done, void *arg, char *err,
                                            size_t errlen)
{
	struct runbook_runner *r = calloc(1, sizeof *r);

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->on_line = on_line;
	r->on_done = on_done;
	r->arg = arg;
	if ((it->remote ? start_remote : start_local)(r, s, it, command, err, errlen) != 0) {
		free(r);
		return NULL;
	}
	return r;
}

void runbook_runner_cancel(struct runbook_runner *r)
{
	if (!r)
		return;
	if (r->proc)
		proc_cancel(r->proc);
	else
		remote_cancel(r->remote);
}

void runbook_runner_free(struct runbook_runner *r)
{
	if (!r)
		return;
	proc_free(r->proc);
	remote_free(r->remote);
	free(r);
}
