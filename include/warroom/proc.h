/* proc — child processes on the loop. An argv runs without a shell (pass
 * "sh", "-c", ... for one) in its own process group with an explicit
 * environment; stdin is /dev/null or a buffer; stdout and stderr stream line
 * by line to a callback and are kept up to a bound. A timeout or a cancel
 * ends the whole group: SIGTERM, then SIGKILL after a grace. Nothing blocks.
 * Implemented in core/proc.c, environments core/proc_env.c. */
#ifndef WARROOM_PROC_H
#define WARROOM_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct loop;
struct proc;

#define PROC_GRACE_MS 500            /* SIGTERM to SIGKILL */
#define PROC_DRAIN_MS 200            /* pipes still open after the leader's exit */
#define PROC_MAX_OUTPUT (1u << 20)   /* kept bytes per stream */
#define PROC_MAX_LINE 8192           /* a longer line arrives in pieces */

enum proc_stream { PROC_STDOUT = 1, PROC_STDERR = 2 };

/* What a stream printed, up to the bound. data is NUL-terminated. */
struct proc_output {
	const char *data;
	size_t len;
	bool truncated;            /* more was printed than was kept */
};

struct proc_result {
	bool started;              /* the program was exec'd; else error says why not */
	bool exited;               /* exited by itself: exit_code is valid */
	int exit_code;
	int signal;                /* the signal that ended it, 0 if none */
	bool timed_out;
	bool cancelled;
	int64_t duration_ms;       /* start to the end of its output */
	struct proc_output out, err;
	/* Words when it could not be started ("cannot run kubectl-oidc: No such
	 * file or directory") or, rarely, not be stopped; "" otherwise. */
	char error[400];
};

/* line is NUL-terminated without its '\n'; a final line without one comes
 * too. Both callbacks run from the loop and may call proc_cancel or
 * proc_free on their own run. */
typedef void (*proc_line_fn)(struct proc *p, enum proc_stream stream, const char *line, size_t len,
                             void *arg);
typedef void (*proc_done_fn)(struct proc *p, const struct proc_result *res, void *arg);

struct proc_spec {
	char *const *argv;         /* argv[0]: a path, or a name looked up in envp's PATH
	                            * (none there: /usr/local/bin:/usr/bin:/bin) */
	const char *file;          /* program to run instead of argv[0]'s lookup; NULL: none */
	char *const *envp;         /* the child's whole environment (see proc_env); NULL: empty */
	const char *cwd;           /* NULL: ours */
	const char *stdin_data;    /* copied; NULL: stdin is /dev/null */
	size_t stdin_len;
	int64_t timeout_ms;        /* 0: none */
	int64_t grace_ms;          /* 0: PROC_GRACE_MS */
	size_t max_output;         /* kept bytes per stream; 0: PROC_MAX_OUTPUT */
	proc_line_fn on_line;      /* NULL: lines are only kept */
	proc_done_fn on_done;
	void *arg;
};

/* Starts the run. It is done when the leader has exited and both pipes are
 * closed; a leftover of the group still holding them PROC_DRAIN_MS after the
 * leader's exit is ended (SIGTERM, SIGKILL) and no longer waited for.
 * on_done runs exactly once, from the loop, never inside this call, unless
 * proc_free comes first. A program that cannot be run (missing, not
 * executable, bad cwd) is reported there with words. NULL with words in err
 * only when the run cannot be set up at all (no argv, out of pipes). */
struct proc *proc_start(struct loop *loop, const struct proc_spec *spec, char *err, size_t errlen);
/* Ends the whole group (SIGTERM, SIGKILL after the grace); on_done still runs,
 * with cancelled set. Does nothing once the run has finished. */
void proc_cancel(struct proc *p);
/* Releases the run; safe at any time, from its callbacks too. No callback
 * runs afterwards; kept output is wiped. A run still going is ended as by
 * proc_cancel and its memory goes once the loop has reaped the leader (keep
 * the loop running that long); what is left of its group then gets SIGKILL. */
void proc_free(struct proc *p);
/* After on_done: the result, valid until proc_free. NULL before. */
const struct proc_result *proc_result(const struct proc *p);
/* The leader's pid, which is also the group's id; 0 if none was started. */
pid_t proc_pid(const struct proc *p);

/* Finds name in a ':'-separated PATH (NULL or "": /usr/local/bin:/usr/bin:/bin)
 * as execvp does; a name with '/' is taken as it is. 0, or an errno value. */
int proc_find_program(const char *name, const char *path, char *out, size_t len);

/* ---- building an environment ----
 * Values are only ever environment entries, never command text. */
struct proc_env;
struct proc_env *proc_env_new(void);                    /* empty */
/* Copies these of our own variables that are set; names NULL: PATH, HOME,
 * USER, LOGNAME, LANG, LC_ALL, TERM, TZ, TMPDIR. */
int proc_env_inherit(struct proc_env *env, const char *const *names);
int proc_env_inherit_all(struct proc_env *env);         /* every variable we have */
int proc_env_set(struct proc_env *env, const char *name, const char *value);
int proc_env_put(struct proc_env *env, const char *entry);   /* "NAME=value" */
const char *proc_env_get(const struct proc_env *env, const char *name);
/* NULL-terminated "NAME=value" list for proc_spec.envp; valid until the next
 * change or proc_env_free. */
char *const *proc_env_envp(const struct proc_env *env);
void proc_env_free(struct proc_env *env);               /* wipes the values */

#endif
