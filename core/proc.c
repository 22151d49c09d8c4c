/* proc — the one fork/exec in core/: a child in its own process group, its
 * pipes on the loop, reaped by loop_child_watch, its group ended on timeout
 * or cancel. Exec failures come back through a close-on-exec pipe so they
 * are words, not a bare 127. */
#include "warroom/proc.h"
#include "warroom/loop.h"
#include "warroom/text.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"
#define READS_PER_PASS 16          /* a chatty child cannot starve the loop */

struct pstream {
	int fd;                    /* -1 once closed */
	enum proc_stream which;
	char *kept;
	size_t kept_len, kept_cap;
	bool truncated;
	char line[PROC_MAX_LINE + 1];
	size_t line_len;
};

struct proc {
	struct loop *loop;
	pid_t pid;                 /* also the group's id; 0 when never forked */
	struct pstream s[2];
	int in_fd;
	char *in_buf;
	size_t in_len, in_off;
	int status_fd;             /* the child's {stage, errno} when exec fails */
	int exec_stage, exec_errno;
	bool reaped, finished, detached, killing, killed_hard;
	int kill_errno;
	int status;
	int in_cb;                 /* depth of user callbacks running now */
	uint64_t t_timeout, t_kill, t_drain, t_start;
	int64_t start_ms, grace_ms;
	size_t max_output;
	char name[256];            /* argv[0], for the words */
	char dir[256];             /* cwd, for the words */
	struct proc_result res;
	proc_line_fn on_line;
	proc_done_fn on_done;
	void *arg;
};

enum { STAGE_CHDIR = 1, STAGE_EXEC = 2 };

/* ---------- small helpers ---------- */

static void wipe_free(char *p, size_t len)
{
	if (p) {
		memset(p, 0, len);
		free(p);
	}
}

static void fd_close(struct proc *p, int *fd)
{
	if (*fd >= 0) {
		loop_fd_del(p->loop, *fd);
		close(*fd);
		*fd = -1;
	}
}

static void timer_off(struct proc *p, uint64_t *t)
{
	if (*t) {
		loop_timer_cancel(p->loop, *t);
		*t = 0;
	}
}

/* A pipe whose ends are close-on-exec and above stdio, so the child's
 * dup2() onto 0, 1 and 2 can never clobber one of them. */
static int pipe_cloexec(int fds[2])
{
	if (pipe(fds) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		if (fds[i] < 3) {
			int nfd = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
			if (nfd < 0) {
				close(fds[0]);
				close(fds[1]);
				return -1;
			}
			close(fds[i]);
			fds[i] = nfd;
		} else {
			fcntl(fds[i], F_SETFD, FD_CLOEXEC);
		}
	}
	return 0;
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static const char *envp_get(char *const *envp, const char *name)
{
	size_t nl = strlen(name);
	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], name, nl) == 0 && envp[i][nl] == '=')
			return envp[i] + nl + 1;
	return NULL;
}

int proc_find_program(const char *name, const char *path, char *out, size_t len)
{
	if (!name || !*name)
		return ENOENT;
	if (strchr(name, '/')) {
		if (strlen(name) >= len)
			return ENAMETOOLONG;
		text_copy(out, len, name);
		return access(out, X_OK) == 0 ? 0 : errno;
	}
	if (!path || !*path)
		path = DEFAULT_PATH;
	int found = ENOENT;
	size_t nl = strlen(name);
	for (const char *p = path; ; ) {
		const char *e = strchr(p, ':');
		size_t dl = e ? (size_t)(e - p) : strlen(p);
		const char *d = dl ? p : ".";   /* an empty entry is the current folder */
		size_t use = dl ? dl : 1;
		if (use + nl + 2 <= len) {
			memcpy(out, d, use);
			out[use] = '/';
			memcpy(out + use + 1, name, nl + 1);
			struct stat st;
			if (stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
				if (access(out, X_OK) == 0)
					return 0;
				found = EACCES;
			}
		}
		if (!e)
			break;
		p = e + 1;
	}
	return found;
}

/* ---------- the end of a run ---------- */

static bool idle(const struct proc *p)
{
	return (!p->pid || p->reaped) && p->s[0].fd < 0 && p->s[1].fd < 0 && p->status_fd < 0 &&
	       p->in_fd < 0 && !p->t_timeout && !p->t_kill && !p->t_drain && !p->t_start;
}

static void destroy(struct proc *p)
{
	for (int i = 0; i < 2; i++)
		wipe_free(p->s[i].kept, p->s[i].kept_cap);
	memset(p->s, 0, sizeof p->s);
	wipe_free(p->in_buf, p->in_len);
	free(p);
}

/* Frees a released run once nothing of it is left on the loop. Leftovers of
 * its group already had their SIGTERM; once the leader is gone they get the
 * SIGKILL now rather than keep a released run waiting out the grace. */
static void maybe_free(struct proc *p)
{
	if (!p->detached || p->in_cb > 0)
		return;
	if (p->finished && p->reaped && p->t_kill) {
		timer_off(p, &p->t_kill);
		kill(-p->pid, SIGKILL);
	}
	if (idle(p))
		destroy(p);
}

static void stream_close(struct proc *p, struct pstream *st);
static void finish(struct proc *p);

/* First the SIGKILL after the grace; then, should even that not end the
 * leader (a group we may not signal, a process stuck in the kernel), the run
 * is given up one grace later so on_done still comes. */
static void kill_cb(struct loop *loop, void *arg)
{
	struct proc *p = arg;
	(void)loop;
	p->t_kill = 0;
	if (!p->killed_hard) {
		p->killed_hard = true;
		if (kill(-p->pid, SIGKILL) < 0)
			p->kill_errno = errno;
		if (!p->reaped && !p->finished)
			p->t_kill = loop_timer_add(p->loop, p->grace_ms, 0, kill_cb, p);
	} else if (!p->reaped && !p->finished) {
		if (p->kill_errno && p->kill_errno != ESRCH)
			snprintf(p->res.error, sizeof p->res.error, "cannot stop %s: %s; it may still be running",
			         p->name, strerror(p->kill_errno));
		else
			snprintf(p->res.error, sizeof p->res.error, "%s did not end after SIGKILL; it may still be running",
			         p->name);
		stream_close(p, &p->s[0]);
		stream_close(p, &p->s[1]);
		fd_close(p, &p->status_fd);
		finish(p);   /* the memory stays until the loop reaps it */
	}
	maybe_free(p);
}

/* SIGTERM to the whole group now, SIGKILL after the grace. */
static void start_kill(struct proc *p)
{
	if (p->killing || !p->pid)
		return;
	p->killing = true;
	if (kill(-p->pid, SIGTERM) < 0 && errno == ESRCH)
		return;   /* nobody left */
	kill(-p->pid, SIGCONT);   /* a stopped member must see the TERM */
	p->t_kill = loop_timer_add(p->loop, p->grace_ms, 0, kill_cb, p);
}

static void call_line(struct proc *p, struct pstream *st)
{
	st->line[st->line_len] = '\0';
	size_t n = st->line_len;
	st->line_len = 0;
	if (!p->on_line || p->detached)
		return;
	p->in_cb++;
	p->on_line(p, st->which, st->line, n, p->arg);
	p->in_cb--;
}

static void stream_close(struct proc *p, struct pstream *st)
{
	if (st->fd < 0)
		return;
	fd_close(p, &st->fd);
	if (st->line_len > 0)
		call_line(p, st);   /* the final line without '\n' */
}

static void fill_output(struct proc_output *o, const struct pstream *st)
{
	o->data = st->kept ? st->kept : "";
	o->len = st->kept_len;
	o->truncated = st->truncated;
}

static void finish(struct proc *p)
{
	if (p->finished)
		return;
	p->finished = true;
	timer_off(p, &p->t_timeout);
	timer_off(p, &p->t_drain);
	fd_close(p, &p->in_fd);
	struct proc_result *r = &p->res;
	r->duration_ms = loop_now_ms() - p->start_ms;
	fill_output(&r->out, &p->s[0]);
	fill_output(&r->err, &p->s[1]);
	r->exit_code = -1;
	if (p->pid && p->reaped) {
		if (WIFEXITED(p->status)) {
			r->exited = true;
			r->exit_code = WEXITSTATUS(p->status);
		} else if (WIFSIGNALED(p->status)) {
			r->signal = WTERMSIG(p->status);
		}
	}
	if (p->exec_errno) {
		r->started = false;
		r->exited = false;
		if (p->exec_stage == STAGE_CHDIR)
			snprintf(r->error, sizeof r->error, "cannot run %s in %s: %s", p->name, p->dir,
			         strerror(p->exec_errno));
		else
			snprintf(r->error, sizeof r->error, "cannot run %s: %s", p->name, strerror(p->exec_errno));
	} else if (p->pid) {
		r->started = true;
	}
	if (p->on_done && !p->detached) {
		p->in_cb++;
		p->on_done(p, r, p->arg);
		p->in_cb--;
	}
}

/* Done once the leader is reaped and its output has ended. */
static void check_finish(struct proc *p)
{
	if (!p->finished && p->reaped && p->s[0].fd < 0 && p->s[1].fd < 0 && p->status_fd < 0)
		finish(p);
	maybe_free(p);
}

/* ---------- loop callbacks ---------- */

static void keep(struct proc *p, struct pstream *st, const char *buf, size_t n)
{
	size_t room = p->max_output - st->kept_len;
	size_t take = n < room ? n : room;
	if (take < n)
		st->truncated = true;
	if (!take)
		return;
	if (st->kept_len + take + 1 > st->kept_cap) {
		size_t cap = st->kept_cap ? st->kept_cap : 4096;
		while (cap < st->kept_len + take + 1)
			cap *= 2;
		if (cap > p->max_output + 1)
			cap = p->max_output + 1;
		char *nb = malloc(cap);
		if (!nb) {
			st->truncated = true;
			return;
		}
		/* Copied, not realloc'd, so the old block can be wiped (secrets). */
		if (st->kept)
			memcpy(nb, st->kept, st->kept_len);
		wipe_free(st->kept, st->kept_cap);
		st->kept = nb;
		st->kept_cap = cap;
	}
	memcpy(st->kept + st->kept_len, buf, take);
	st->kept_len += take;
	st->kept[st->kept_len] = '\0';
}

static void stream_cb(struct loop *loop, int fd, short revents, void *arg)
{
	struct proc *p = arg;
	struct pstream *st = fd == p->s[0].fd ? &p->s[0] : &p->s[1];
	char buf[4096];
	(void)loop;
	(void)revents;
	for (int reads = 0; reads < READS_PER_PASS && st->fd >= 0 && !p->detached; reads++) {
		ssize_t n = read(st->fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			stream_close(p, st);
			break;
		}
		keep(p, st, buf, (size_t)n);
		for (ssize_t i = 0; i < n && st->fd >= 0 && !p->detached; i++) {
			if (buf[i] == '\n') {
				call_line(p, st);
			} else {
				st->line[st->line_len++] = buf[i];
				if (st->line_len == PROC_MAX_LINE)
					call_line(p, st);
			}
		}
	}
	check_finish(p);
}

static void status_cb(struct loop *loop, int fd, short revents, void *arg)
{
	struct proc *p = arg;
	int msg[2];
	(void)loop;
	(void)revents;
	ssize_t n = read(fd, msg, sizeof msg);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == (ssize_t)sizeof msg) {
		p->exec_stage = msg[0];
		p->exec_errno = msg[1] ? msg[1] : ENOEXEC;
	}
	fd_close(p, &p->status_fd);
	check_finish(p);
}

static void stdin_cb(struct loop *loop, int fd, short revents, void *arg)
{
	struct proc *p = arg;
	(void)loop;
	(void)revents;
	while (p->in_off < p->in_len) {
		ssize_t n = write(fd, p->in_buf + p->in_off, p->in_len - p->in_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0)
			break;   /* EPIPE: it stopped reading; that is its business */
		p->in_off += (size_t)n;
	}
	fd_close(p, &p->in_fd);
	maybe_free(p);
}

/* The leader is gone but something still holds its pipes: a background
 * process of the group, or one that left it. Stop waiting for it. */
static void drain_cb(struct loop *loop, void *arg)
{
	struct proc *p = arg;
	(void)loop;
	p->t_drain = 0;
	if (kill(-p->pid, 0) == 0)
		start_kill(p);
	stream_close(p, &p->s[0]);
	stream_close(p, &p->s[1]);
	fd_close(p, &p->status_fd);
	check_finish(p);
}

static void child_cb(struct loop *loop, pid_t pid, int status, void *arg)
{
	struct proc *p = arg;
	(void)pid;
	p->reaped = true;
	p->status = status;
	/* Nothing left of the group: the SIGKILL is not needed. */
	if (p->t_kill && kill(-p->pid, 0) < 0 && errno == ESRCH)
		timer_off(p, &p->t_kill);
	if (p->s[0].fd >= 0 || p->s[1].fd >= 0 || p->status_fd >= 0)
		p->t_drain = loop_timer_add(loop, PROC_DRAIN_MS, 0, drain_cb, p);
	check_finish(p);
}

static void timeout_cb(struct loop *loop, void *arg)
{
	struct proc *p = arg;
	(void)loop;
	p->t_timeout = 0;
	if (p->finished)
		return;
	p->res.timed_out = true;
	start_kill(p);
}

/* A program that was never forked (not found) reports from the loop. */
static void start_fail_cb(struct loop *loop, void *arg)
{
	struct proc *p = arg;
	(void)loop;
	p->t_start = 0;
	finish(p);
	maybe_free(p);
}

/* ---------- starting ---------- */

/* In the child: only async-signal-safe calls from here to execve. */
static void child_report(int fd, int stage)
{
	int msg[2] = { stage, errno };
	ssize_t w = write(fd, msg, sizeof msg);
	(void)w;
	_exit(127);
}

static void child_close_from(int lo, int keep_fd, int maxfd)
{
#ifdef SYS_close_range
	if (keep_fd > lo && syscall(SYS_close_range, (unsigned)lo, (unsigned)keep_fd - 1, 0) < 0)
		goto slow;
	if (syscall(SYS_close_range, (unsigned)keep_fd + 1, ~0U, 0) < 0)
		goto slow;
	return;
slow:
#endif
	for (int fd = lo; fd < maxfd; fd++)
		if (fd != keep_fd)
			close(fd);
}

static void child_main(const struct proc_spec *spec, const char *file, int in_fd, int out_fd,
                       int err_fd, int status_fd, int maxfd)
{
	setpgid(0, 0);
	loop_child_reset_signals();
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (in_fd < 0)
		in_fd = open("/dev/null", O_RDONLY);
	if (in_fd < 0 || dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		child_report(status_fd, STAGE_EXEC);
	child_close_from(3, status_fd, maxfd);
	if (spec->cwd && chdir(spec->cwd) < 0)
		child_report(status_fd, STAGE_CHDIR);
	static char *const empty[] = { NULL };
	execve(file, spec->argv, spec->envp ? spec->envp : empty);
	child_report(status_fd, STAGE_EXEC);
}

static void close_pair(int fds[2])
{
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

struct proc *proc_start(struct loop *loop, const struct proc_spec *spec, char *err, size_t errlen)
{
	if (!loop || !spec || !spec->argv || !spec->argv[0]) {
		text_copy(err, errlen, "nothing to run");
		return NULL;
	}
	struct proc *p = calloc(1, sizeof *p);
	if (!p) {
		text_copy(err, errlen, "out of memory");
		return NULL;
	}
	p->loop = loop;
	p->s[0] = (struct pstream){ .fd = -1, .which = PROC_STDOUT };
	p->s[1] = (struct pstream){ .fd = -1, .which = PROC_STDERR };
	p->in_fd = p->status_fd = -1;
	p->start_ms = loop_now_ms();
	p->grace_ms = spec->grace_ms > 0 ? spec->grace_ms : PROC_GRACE_MS;
	p->max_output = spec->max_output ? spec->max_output : PROC_MAX_OUTPUT;
	p->on_line = spec->on_line;
	p->on_done = spec->on_done;
	p->arg = spec->arg;
	text_copy(p->name, sizeof p->name, spec->argv[0]);
	text_copy(p->dir, sizeof p->dir, spec->cwd ? spec->cwd : "");

	char file[4096];
	int ferr = 0;
	/* A path is left to execve in the child: relative to cwd when one is given. */
	const char *direct = spec->file ? spec->file : strchr(spec->argv[0], '/') ? spec->argv[0] : NULL;
	if (direct)
		text_copy(file, sizeof file, direct);
	else
		ferr = proc_find_program(spec->argv[0], envp_get(spec->envp, "PATH"), file, sizeof file);
	if (ferr) {
		p->exec_stage = STAGE_EXEC;
		p->exec_errno = ferr;
		p->t_start = loop_timer_add(loop, 0, 0, start_fail_cb, p);
		if (!p->t_start) {
			free(p);
			text_copy(err, errlen, "out of memory");
			return NULL;
		}
		return p;
	}
	if (spec->stdin_data) {
		p->in_buf = malloc(spec->stdin_len ? spec->stdin_len : 1);
		if (!p->in_buf) {
			free(p);
			text_copy(err, errlen, "out of memory");
			return NULL;
		}
		memcpy(p->in_buf, spec->stdin_data, spec->stdin_len);
		p->in_len = spec->stdin_len;
	}

	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, stp[2] = { -1, -1 }, inp[2] = { -1, -1 };
	if (pipe_cloexec(outp) < 0 || pipe_cloexec(errp) < 0 || pipe_cloexec(stp) < 0 ||
	    (spec->stdin_data && pipe_cloexec(inp) < 0)) {
		snprintf(err, errlen, "cannot run %s: pipe: %s", p->name, strerror(errno));
		goto fail;
	}
	struct rlimit rl;
	int maxfd = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	            rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;

	pid_t pid = fork();
	if (pid == 0)
		child_main(spec, file, inp[0], outp[1], errp[1], stp[1], maxfd);
	if (pid < 0) {
		snprintf(err, errlen, "cannot run %s: fork: %s", p->name, strerror(errno));
		goto fail;
	}
	/* Both sides set the group, so a kill right after fork already reaches it. */
	setpgid(pid, pid);
	p->pid = pid;
	close(outp[1]);
	close(errp[1]);
	close(stp[1]);
	if (inp[0] >= 0)
		close(inp[0]);
	p->s[0].fd = outp[0];
	p->s[1].fd = errp[0];
	p->status_fd = stp[0];
	p->in_fd = inp[1];
	set_nonblock(p->s[0].fd);
	set_nonblock(p->s[1].fd);
	set_nonblock(p->status_fd);
	/* The child watch last: it cannot be taken back once added. */
	if (loop_fd_add(loop, p->s[0].fd, POLLIN, stream_cb, p) < 0 ||
	    loop_fd_add(loop, p->s[1].fd, POLLIN, stream_cb, p) < 0 ||
	    loop_fd_add(loop, p->status_fd, POLLIN, status_cb, p) < 0 ||
	    loop_child_watch(loop, pid, child_cb, p) < 0) {
		/* Cannot watch it: end it now and wait for it, it has no output yet. */
		kill(-pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		snprintf(err, errlen, "cannot run %s: the loop cannot watch it", p->name);
		fd_close(p, &p->s[0].fd);
		fd_close(p, &p->s[1].fd);
		fd_close(p, &p->status_fd);
		if (p->in_fd >= 0)
			close(p->in_fd);
		wipe_free(p->in_buf, p->in_len);
		free(p);
		return NULL;
	}
	if (p->in_fd >= 0) {
		set_nonblock(p->in_fd);
		if (loop_fd_add(loop, p->in_fd, POLLOUT, stdin_cb, p) < 0) {
			close(p->in_fd);   /* an early EOF rather than a reader waiting forever */
			p->in_fd = -1;
		}
	}
	if (spec->timeout_ms > 0)
		p->t_timeout = loop_timer_add(loop, spec->timeout_ms, 0, timeout_cb, p);
	return p;

fail:
	close_pair(outp);
	close_pair(errp);
	close_pair(stp);
	close_pair(inp);
	wipe_free(p->in_buf, p->in_len);
	free(p);
	return NULL;
}

void proc_cancel(struct proc *p)
{
	if (!p || p->finished)
		return;
	p->res.cancelled = true;
	start_kill(p);
}

void proc_free(struct proc *p)
{
	if (!p || p->detached)
		return;
	p->detached = true;
	if (!p->finished)
		start_kill(p);
	/* No more callbacks: what is still open only has to be closed. */
	fd_close(p, &p->s[0].fd);
	fd_close(p, &p->s[1].fd);
	fd_close(p, &p->status_fd);
	fd_close(p, &p->in_fd);
	timer_off(p, &p->t_timeout);
	timer_off(p, &p->t_drain);
	timer_off(p, &p->t_start);
	maybe_free(p);
}

const struct proc_result *proc_result(const struct proc *p)
{
	return p && p->finished ? &p->res : NULL;
}

pid_t proc_pid(const struct proc *p)
{
	return p ? p->pid : 0;
}
