/* loop — one poll() over every descriptor, monotonic timers in a binary
 * heap, signals through a self-pipe, child reaping on SIGCHLD. */
#include "warroom/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct fd_entry {
	int fd;
	short events;
	uint64_t gen;          /* tells a re-added fd number from the old one */
	loop_fd_fn fn;
	void *arg;
};

struct timer {
	int64_t due;
	uint64_t seq;          /* ties on due fire in the order they were added */
	uint64_t id;
	int64_t interval;
	loop_timer_fn fn;
	void *arg;
};

struct child {
	pid_t pid;
	loop_child_fn fn;
	void *arg;
};

/* Children reaped before anyone watched them, kept for a late watcher. */
struct reaped {
	pid_t pid;
	int status;
};
#define LOOP_MAX_REAPED 64

struct loop {
	struct fd_entry *fds;
	size_t nfds, capfds;
	uint64_t next_gen;

	struct pollfd *pfds;    /* per-pass snapshot handed to poll() */
	uint64_t *pgens;
	size_t cappfds;

	struct timer *heap;
	size_t ntimers, captimers;
	uint64_t next_seq, next_id;

	struct child *children;
	size_t nchildren, capchildren;
	struct reaped reaped[LOOP_MAX_REAPED];
	size_t nreaped;
	uint64_t late_child_timer;

	loop_signal_fn sig_fn;
	void *sig_arg;
	loop_pass_fn pass_fn;
	void *pass_arg;

	bool stopped;
};

/* ---- clocks ---- */

int64_t loop_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t loop_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- growth helper ---- */

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap * 2 : 16;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * elem);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

/* ---- signals: process-wide self-pipe, owned by one loop at a time ---- */

static const int watched_signals[] = { SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGCHLD };
#define NSIGNALS (sizeof watched_signals / sizeof watched_signals[0])

static int sig_pipe[2] = { -1, -1 };
static struct loop *sig_owner;
static bool sig_installed[NSIGNALS];
static struct sigaction sig_saved[NSIGNALS];

static void sig_handler(int signo)
{
	int saved = errno;
	unsigned char b = (unsigned char)signo;
	/* A full pipe drops the byte; SIGCHLD reaping collects every child anyway. */
	ssize_t r = write(sig_pipe[1], &b, 1);
	(void)r;
	errno = saved;
}

static void reap_children(struct loop *loop);
static void sig_pipe_cb(struct loop *loop, int fd, short revents, void *arg);

static int set_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	int fdfl = fcntl(fd, F_GETFD);
	if (fdfl < 0 || fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC) < 0)
		return -1;
	return 0;
}

static int sig_pipe_open(struct loop *loop)
{
	if (sig_owner && sig_owner != loop) {
		errno = EBUSY;
		return -1;
	}
	if (sig_owner == loop)
		return 0;
	if (pipe(sig_pipe) < 0)
		return -1;
	if (set_flags(sig_pipe[0]) < 0 || set_flags(sig_pipe[1]) < 0 ||
	    loop_fd_add(loop, sig_pipe[0], POLLIN, sig_pipe_cb, NULL) < 0) {
		close(sig_pipe[0]);
		close(sig_pipe[1]);
		sig_pipe[0] = sig_pipe[1] = -1;
		return -1;
	}
	sig_owner = loop;
	return 0;
}

static int sig_install(int signo)
{
	for (size_t i = 0; i < NSIGNALS; i++) {
		if (watched_signals[i] != signo)
			continue;
		if (sig_installed[i])
			return 0;
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = sig_handler;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		if (signo == SIGCHLD)
			sa.sa_flags |= SA_NOCLDSTOP;
		if (sigaction(signo, &sa, &sig_saved[i]) < 0)
			return -1;
		sig_installed[i] = true;
		return 0;
	}
	errno = EINVAL;
	return -1;
}

static void sig_release(struct loop *loop)
{
	if (sig_owner != loop)
		return;
	for (size_t i = 0; i < NSIGNALS; i++) {
		if (sig_installed[i]) {
			sigaction(watched_signals[i], &sig_saved[i], NULL);
			sig_installed[i] = false;
		}
	}
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
	sig_owner = NULL;
}

int loop_signals_watch(struct loop *loop, loop_signal_fn fn, void *arg)
{
	if (sig_pipe_open(loop) < 0)
		return -1;
	for (size_t i = 0; i < NSIGNALS; i++)
		if (sig_install(watched_signals[i]) < 0)
			return -1;
	loop->sig_fn = fn;
	loop->sig_arg = arg;
	return 0;
}

static void sig_pipe_cb(struct loop *loop, int fd, short revents, void *arg)
{
	unsigned char buf[64];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		bool chld = false;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == SIGCHLD)
				chld = true;
		if (chld)
			reap_children(loop);
		for (ssize_t i = 0; i < n; i++)
			if (loop->sig_fn)
				loop->sig_fn(loop, buf[i], loop->sig_arg);
	}
}

/* ---- children ---- */

static bool child_take(struct loop *loop, pid_t pid, struct child *out)
{
	for (size_t i = 0; i < loop->nchildren; i++) {
		if (loop->children[i].pid == pid) {
			*out = loop->children[i];
			loop->children[i] = loop->children[--loop->nchildren];
			return true;
		}
	}
	return false;
}

static void reap_children(struct loop *loop)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct child c;
		if (child_take(loop, pid, &c)) {
			c.fn(loop, pid, status, c.arg);
		} else if (loop->nreaped < LOOP_MAX_REAPED) {
			loop->reaped[loop->nreaped].pid = pid;
			loop->reaped[loop->nreaped].status = status;
			loop->nreaped++;
		}
	}
}

/* A watcher added after its child was reaped still hears of it, from the loop. */
static void late_child_cb(struct loop *loop, void *arg)
{
	loop->late_child_timer = 0;
	for (size_t i = 0; i < loop->nreaped;) {
		struct child c;
		struct reaped r = loop->reaped[i];
		if (child_take(loop, r.pid, &c)) {
			loop->reaped[i] = loop->reaped[--loop->nreaped];
			c.fn(loop, r.pid, r.status, c.arg);
			i = 0;  /* the callback may have changed both lists */
		} else {
			i++;
		}
	}
}

int loop_child_watch(struct loop *loop, pid_t pid, loop_child_fn fn, void *arg)
{
	if (pid <= 0 || !fn)
		return -1;
	if (sig_pipe_open(loop) < 0 || sig_install(SIGCHLD) < 0)
		return -1;
	if (grow((void **)&loop->children, &loop->capchildren, loop->nchildren + 1,
	         sizeof *loop->children) < 0)
		return -1;
	loop->children[loop->nchildren++] = (struct child){ pid, fn, arg };

	bool already = false;
	for (size_t i = 0; i < loop->nreaped; i++)
		if (loop->reaped[i].pid == pid)
			already = true;
	if (already && !loop->late_child_timer)
		loop->late_child_timer = loop_timer_add(loop, 0, 0, late_child_cb, NULL);
	/* The child may have exited before the handler existed: look once more. */
	sig_handler(SIGCHLD);
	return 0;
}

void loop_child_reset_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NSIGNALS; i++)
		sigaction(watched_signals[i], &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
}

/* ---- descriptors ---- */

static struct fd_entry *fd_find(struct loop *loop, int fd)
{
	for (size_t i = 0; i < loop->nfds; i++)
		if (loop->fds[i].fd == fd)
			return &loop->fds[i];
	return NULL;
}

int loop_fd_add(struct loop *loop, int fd, short events, loop_fd_fn fn, void *arg)
{
	if (fd < 0 || !fn)
		return -1;
	struct fd_entry *e = fd_find(loop, fd);
	if (e) {
		e->events = events;
		e->fn = fn;
		e->arg = arg;
		return 0;
	}
	if (grow((void **)&loop->fds, &loop->capfds, loop->nfds + 1, sizeof *loop->fds) < 0)
		return -1;
	loop->fds[loop->nfds++] = (struct fd_entry){ fd, events, ++loop->next_gen, fn, arg };
	return 0;
}

int loop_fd_set_events(struct loop *loop, int fd, short events)
{
	struct fd_entry *e = fd_find(loop, fd);
	if (!e)
		return -1;
	e->events = events;
	return 0;
}

void loop_fd_del(struct loop *loop, int fd)
{
	for (size_t i = 0; i < loop->nfds; i++) {
		if (loop->fds[i].fd == fd) {
			loop->fds[i] = loop->fds[--loop->nfds];
			return;
		}
	}
}

/* ---- timers: min-heap on (due, seq) ---- */

static bool timer_before(const struct timer *a, const struct timer *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_swap(struct loop *loop, size_t a, size_t b)
{
	struct timer t = loop->heap[a];
	loop->heap[a] = loop->heap[b];
	loop->heap[b] = t;
}

static void heap_up(struct loop *loop, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!timer_before(&loop->heap[i], &loop->heap[p]))
			break;
		heap_swap(loop, i, p);
		i = p;
	}
}

static void heap_down(struct loop *loop, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < loop->ntimers && timer_before(&loop->heap[l], &loop->heap[m]))
			m = l;
		if (r < loop->ntimers && timer_before(&loop->heap[r], &loop->heap[m]))
			m = r;
		if (m == i)
			return;
		heap_swap(loop, i, m);
		i = m;
	}
}

static int heap_push(struct loop *loop, struct timer t)
{
	if (grow((void **)&loop->heap, &loop->captimers, loop->ntimers + 1, sizeof *loop->heap) < 0)
		return -1;
	t.seq = loop->next_seq++;
	loop->heap[loop->ntimers] = t;
	heap_up(loop, loop->ntimers++);
	return 0;
}

static void heap_remove(struct loop *loop, size_t i)
{
	loop->heap[i] = loop->heap[--loop->ntimers];
	if (i < loop->ntimers) {
		heap_up(loop, i);
		heap_down(loop, i);
	}
}

uint64_t loop_timer_add(struct loop *loop, int64_t delay_ms, int64_t interval_ms,
                        loop_timer_fn fn, void *arg)
{
	if (!fn)
		return 0;
	if (delay_ms < 0)
		delay_ms = 0;
	if (interval_ms < 0)
		interval_ms = 0;
	struct timer t = {
		.due = loop_now_ms() + delay_ms,
		.id = ++loop->next_id,
		.interval = interval_ms,
		.fn = fn,
		.arg = arg,
	};
	if (heap_push(loop, t) < 0)
		return 0;
	return t.id;
}

void loop_timer_cancel(struct loop *loop, uint64_t id)
{
	if (!id)
		return;
	for (size_t i = 0; i < loop->ntimers; i++) {
		if (loop->heap[i].id == id) {
			heap_remove(loop, i);
			return;
		}
	}
}

/* Fires every timer due by now that existed when the pass began; timers
 * added by callbacks wait for the next pass, so a callback re-adding a
 * zero-delay timer cannot starve the descriptors. */
static void fire_timers(struct loop *loop)
{
	int64_t now = loop_now_ms();
	uint64_t limit = loop->next_seq;
	while (loop->ntimers > 0) {
		struct timer t = loop->heap[0];
		if (t.due > now || t.seq >= limit)
			break;
		heap_remove(loop, 0);
		if (t.interval > 0) {
			/* Keep the phase; after a long stall skip the missed ticks. */
			t.due += t.interval;
			if (t.due <= now)
				t.due = now + t.interval;
			if (heap_push(loop, t) < 0)
				continue;
		}
		t.fn(loop, t.arg);
	}
}

/* ---- lifecycle and the pass ---- */

struct loop *loop_new(void)
{
	struct loop *loop = calloc(1, sizeof *loop);
	if (!loop)
		return NULL;
	/* A peer closing a socket must be an error return, never a kill. */
	signal(SIGPIPE, SIG_IGN);
	return loop;
}

void loop_free(struct loop *loop)
{
	if (!loop)
		return;
	sig_release(loop);
	free(loop->fds);
	free(loop->pfds);
	free(loop->pgens);
	free(loop->heap);
	free(loop->children);
	free(loop);
}

void loop_on_pass(struct loop *loop, loop_pass_fn fn, void *arg)
{
	loop->pass_fn = fn;
	loop->pass_arg = arg;
}

static void dispatch_fds(struct loop *loop, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		short rev = loop->pfds[i].revents;
		if (!rev)
			continue;
		/* Look the fd up again: an earlier callback may have removed it or
		 * replaced it with a new descriptor of the same number. */
		struct fd_entry *e = fd_find(loop, loop->pfds[i].fd);
		if (!e || e->gen != loop->pgens[i])
			continue;
		int fd = e->fd;
		e->fn(loop, fd, rev, e->arg);
		if (rev & POLLNVAL) {
			/* Closed without loop_fd_del: drop it rather than spin. */
			e = fd_find(loop, fd);
			if (e && e->gen == loop->pgens[i])
				loop_fd_del(loop, fd);
		}
	}
}

int loop_run_once(struct loop *loop, int max_wait_ms)
{
	int64_t timeout = max_wait_ms < 0 ? -1 : max_wait_ms;
	if (loop->ntimers > 0) {
		int64_t until = loop->heap[0].due - loop_now_ms();
		if (until < 0)
			until = 0;
		if (timeout < 0 || until < timeout)
			timeout = until;
	}
	if (timeout > 24 * 3600 * 1000)
		timeout = 24 * 3600 * 1000;

	size_t n = loop->nfds;
	if (grow((void **)&loop->pfds, &loop->cappfds, n ? n : 1, sizeof *loop->pfds) < 0)
		return -1;
	uint64_t *g = realloc(loop->pgens, loop->cappfds * sizeof *g);
	if (!g)
		return -1;
	loop->pgens = g;
	for (size_t i = 0; i < n; i++) {
		loop->pfds[i].fd = loop->fds[i].fd;
		loop->pfds[i].events = loop->fds[i].events;
		loop->pfds[i].revents = 0;
		loop->pgens[i] = loop->fds[i].gen;
	}

	int r = poll(loop->pfds, (nfds_t)n, (int)timeout);
	if (r < 0 && errno != EINTR)
		return -1;
	if (r > 0)
		dispatch_fds(loop, n);
	fire_timers(loop);
	if (loop->pass_fn)
		loop->pass_fn(loop, loop->pass_arg);
	return 0;
}

int loop_run(struct loop *loop)
{
	while (!loop->stopped)
		if (loop_run_once(loop, -1) < 0)
			return -1;
	return 0;
}

int loop_run_until(struct loop *loop, const volatile bool *done, int64_t timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : loop_now_ms() + timeout_ms;
	while (!*done) {
		if (loop->stopped)
			return -1;
		int wait = -1;
		if (deadline >= 0) {
			int64_t left = deadline - loop_now_ms();
			if (left <= 0)
				return -1;
			wait = left > 1000000 ? 1000000 : (int)left;
		}
		if (loop_run_once(loop, wait) < 0)
			return -1;
	}
	return 0;
}

void loop_stop(struct loop *loop)
{
	loop->stopped = true;
}

bool loop_stopped(const struct loop *loop)
{
	return loop->stopped;
}
