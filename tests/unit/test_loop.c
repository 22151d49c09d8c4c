/* The event loop: timers on time and in order, cancellation from callbacks,
 * descriptor readiness, signals through the self-pipe, child reaping. */
#include "testutil.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include "warroom/loop.h"

#define SLACK_MS 40

/* ---- timers in order and on time ---- */

struct fired {
	int order[16];
	int64_t at[16];
	int n;
	int64_t t0;
};

struct tag {
	struct fired *f;
	int name;
};

static void record_cb(struct loop *loop, void *arg)
{
	struct tag *t = arg;
	t->f->order[t->f->n] = t->name;
	t->f->at[t->f->n] = loop_now_ms() - t->f->t0;
	t->f->n++;
}

static void test_timers_fire_in_order_and_on_time(void **state)
{
	struct loop *loop = loop_new();
	assert_non_null(loop);
	struct fired f = { .t0 = loop_now_ms() };
	struct tag a = { &f, 150 }, b = { &f, 50 }, c = { &f, 100 }, d = { &f, 51 };
	assert_int_not_equal(loop_timer_add(loop, 150, 0, record_cb, &a), 0);
	assert_int_not_equal(loop_timer_add(loop, 50, 0, record_cb, &b), 0);
	assert_int_not_equal(loop_timer_add(loop, 100, 0, record_cb, &c), 0);
	/* same due time as b, added later: fires after b */
	assert_int_not_equal(loop_timer_add(loop, 50, 0, record_cb, &d), 0);

	volatile bool never = false;
	assert_int_equal(loop_run_until(loop, &never, 250), -1);
	assert_int_equal(f.n, 4);
	assert_int_equal(f.order[0], 50);
	assert_int_equal(f.order[1], 51);
	assert_int_equal(f.order[2], 100);
	assert_int_equal(f.order[3], 150);
	int64_t want[4] = { 50, 50, 100, 150 };
	int64_t worst = 0;
	for (int i = 0; i < 4; i++) {
		assert_true(f.at[i] >= want[i]);
		assert_true(f.at[i] <= want[i] + SLACK_MS);
		if (f.at[i] - want[i] > worst)
			worst = f.at[i] - want[i];
	}
	print_message("one-shot lateness: worst %lld ms\n", (long long)worst);
	loop_free(loop);
}

/* ---- one-shot versus interval, and jitter ---- */

struct ticks {
	int64_t at[64];
	int n;
};

static void tick_cb(struct loop *loop, void *arg)
{
	struct ticks *t = arg;
	if (t->n < 64)
		t->at[t->n++] = loop_now_ms();
}

static void test_interval_and_one_shot(void **state)
{
	struct loop *loop = loop_new();
	struct ticks iv = { 0 }, one = { 0 };
	int64_t t0 = loop_now_ms();
	uint64_t a = loop_timer_add(loop, 30, 30, tick_cb, &iv);
	uint64_t b = loop_timer_add(loop, 30, 0, tick_cb, &one);
	assert_int_not_equal(a, 0);
	assert_int_not_equal(b, 0);
	assert_int_not_equal(a, b);

	volatile bool never = false;
	loop_run_until(loop, &never, 315);
	assert_int_equal(one.n, 1);
	assert_true(iv.n >= 9 && iv.n <= 11);
	int64_t jitter = 0;
	for (int i = 0; i < iv.n; i++) {
		int64_t d = iv.at[i] - (t0 + 30 * (i + 1));
		if (d < 0)
			d = -d;
		if (d > jitter)
			jitter = d;
	}
	print_message("interval 30 ms: %d ticks, max jitter %lld ms\n", iv.n, (long long)jitter);
	assert_true(jitter <= SLACK_MS);

	/* The one-shot is gone: cancelling it now is harmless. */
	loop_timer_cancel(loop, b);
	loop_timer_cancel(loop, a);
	int before = iv.n;
	loop_run_until(loop, &never, 80);
	assert_int_equal(iv.n, before);
	loop_free(loop);
}

/* ---- cancel and add from inside callbacks ---- */

struct cancel_ctx {
	uint64_t self, victim, added;
	int self_runs, victim_runs, added_runs, oneshot_runs;
	uint64_t oneshot;
};

static void victim_cb(struct loop *loop, void *arg)
{
	struct cancel_ctx *c = arg;
	c->victim_runs++;
}

static void added_cb(struct loop *loop, void *arg)
{
	struct cancel_ctx *c = arg;
	c->added_runs++;
}

static void self_cancel_cb(struct loop *loop, void *arg)
{
	struct cancel_ctx *c = arg;
	c->self_runs++;
	if (c->self_runs == 1) {
		loop_timer_cancel(loop, c->victim);   /* due later in the same pass */
		c->added = loop_timer_add(loop, 0, 0, added_cb, c);
	}
	if (c->self_runs == 3)
		loop_timer_cancel(loop, c->self);
}

static void oneshot_self_cb(struct loop *loop, void *arg)
{
	struct cancel_ctx *c = arg;
	c->oneshot_runs++;
	loop_timer_cancel(loop, c->oneshot);   /* already firing: a no-op */
}

static void test_cancel_from_callbacks(void **state)
{
	struct loop *loop = loop_new();
	struct cancel_ctx c = { 0 };
	c.self = loop_timer_add(loop, 20, 20, self_cancel_cb, &c);
	c.victim = loop_timer_add(loop, 25, 0, victim_cb, &c);
	c.oneshot = loop_timer_add(loop, 10, 0, oneshot_self_cb, &c);
	/* let the interval timer and the victim fall due together */
	usleep(40 * 1000);
	volatile bool never = false;
	loop_run_until(loop, &never, 200);
	assert_int_equal(c.self_runs, 3);
	assert_int_equal(c.victim_runs, 0);
	assert_int_equal(c.added_runs, 1);
	assert_int_equal(c.oneshot_runs, 1);
	loop_free(loop);
}

/* A callback re-adding a zero-delay timer must not starve the descriptors. */
struct spin_ctx {
	int runs;
	bool fd_seen;
};

static void spin_cb(struct loop *loop, void *arg)
{
	struct spin_ctx *s = arg;
	if (++s->runs < 1000000)
		loop_timer_add(loop, 0, 0, spin_cb, s);
}

static void spin_fd_cb(struct loop *loop, int fd, short revents, void *arg)
{
	struct spin_ctx *s = arg;
	char b[4];
	assert_true(read(fd, b, sizeof b) > 0);
	s->fd_seen = true;
}

static void test_zero_delay_timer_does_not_starve_fds(void **state)
{
	struct loop *loop = loop_new();
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct spin_ctx s = { 0 };
	loop_fd_add(loop, p[0], POLLIN, spin_fd_cb, &s);
	loop_timer_add(loop, 0, 0, spin_cb, &s);
	/* one run per pass: each pass returns to poll() */
	for (int i = 0; i < 3; i++)
		assert_int_equal(loop_run_once(loop, 0), 0);
	assert_int_equal(s.runs, 3);
	assert_false(s.fd_seen);
	assert_int_equal(write(p[1], "x", 1), 1);
	loop_run_once(loop, 0);
	assert_true(s.fd_seen);
	assert_int_equal(s.runs, 4);
	loop_free(loop);
	close(p[0]);
	close(p[1]);
}

/* ---- descriptors ---- */

struct pipe_ctx {
	int fds[2][2];
	int calls[2];
	char got[16];
	int64_t written_at, read_at;
	int other_deleted;
};

static void pipe_read_cb(struct loop *loop, int fd, short revents, void *arg)
{
	struct pipe_ctx *p = arg;
	assert_true(revents & POLLIN);
	ssize_t n = read(fd, p->got, sizeof p->got - 1);
	assert_true(n > 0);
	p->got[n] = 0;
	p->read_at = loop_now_ms();
	p->calls[0]++;
	loop_fd_del(loop, fd);
}

static void pipe_write_cb(struct loop *loop, void *arg)
{
	struct pipe_ctx *p = arg;
	p->written_at = loop_now_ms();
	assert_int_equal(write(p->fds[0][1], "ping", 4), 4);
}

static void test_fd_readiness_on_a_pipe(void **state)
{
	struct loop *loop = loop_new();
	struct pipe_ctx p = { 0 };
	assert_int_equal(pipe(p.fds[0]), 0);
	assert_int_equal(loop_fd_add(loop, p.fds[0][0], POLLIN, pipe_read_cb, &p), 0);
	loop_timer_add(loop, 80, 0, pipe_write_cb, &p);

	volatile bool never = false;
	loop_run_until(loop, &never, 50);
	assert_int_equal(p.calls[0], 0);   /* nothing to read before the write */
	loop_run_until(loop, &never, 80);
	assert_int_equal(p.calls[0], 1);
	assert_string_equal(p.got, "ping");
	assert_true(p.read_at - p.written_at <= SLACK_MS);

	/* removed by its own callback: more data does not call it again */
	assert_int_equal(write(p.fds[0][1], "more", 4), 4);
	loop_run_until(loop, &never, 30);
	assert_int_equal(p.calls[0], 1);
	loop_free(loop);
	close(p.fds[0][0]);
	close(p.fds[0][1]);
}

/* Two ready descriptors: whichever runs first removes the other, which then
 * must not be called in that pass; a descriptor added from a callback works. */
static struct pipe_ctx *mutual;

static void mutual_cb(struct loop *loop, int fd, short revents, void *arg)
{
	int me = (int)(intptr_t)arg;
	char b[8];
	assert_true(read(fd, b, sizeof b) > 0);
	mutual->calls[me]++;
	loop_fd_del(loop, mutual->fds[1 - me][0]);
	mutual->other_deleted = 1;
}

static void late_cb(struct loop *loop, int fd, short revents, void *arg)
{
	int *seen = arg;
	char b[8];
	assert_true(read(fd, b, sizeof b) > 0);
	(*seen)++;
}

static void test_fd_removed_by_an_earlier_callback(void **state)
{
	struct loop *loop = loop_new();
	struct pipe_ctx p = { 0 };
	mutual = &p;
	assert_int_equal(pipe(p.fds[0]), 0);
	assert_int_equal(pipe(p.fds[1]), 0);
	loop_fd_add(loop, p.fds[0][0], POLLIN, mutual_cb, (void *)(intptr_t)0);
	loop_fd_add(loop, p.fds[1][0], POLLIN, mutual_cb, (void *)(intptr_t)1);
	assert_int_equal(write(p.fds[0][1], "a", 1), 1);
	assert_int_equal(write(p.fds[1][1], "b", 1), 1);
	assert_int_equal(loop_run_once(loop, 100), 0);
	assert_int_equal(p.calls[0] + p.calls[1], 1);

	/* the survivor keeps working; a replaced callback takes over */
	int winner = p.calls[0] ? 0 : 1;
	int seen = 0;
	assert_int_equal(loop_fd_add(loop, p.fds[winner][0], POLLIN, late_cb, &seen), 0);
	assert_int_equal(write(p.fds[winner][1], "c", 1), 1);
	loop_run_once(loop, 100);
	assert_int_equal(seen, 1);
	assert_int_equal(p.calls[winner], 1);

	/* events can be switched off and on */
	assert_int_equal(loop_fd_set_events(loop, p.fds[winner][0], 0), 0);
	assert_int_equal(write(p.fds[winner][1], "d", 1), 1);
	loop_run_once(loop, 30);
	assert_int_equal(seen, 1);
	assert_int_equal(loop_fd_set_events(loop, p.fds[winner][0], POLLIN), 0);
	loop_run_once(loop, 100);
	assert_int_equal(seen, 2);
	assert_int_equal(loop_fd_set_events(loop, 12345, POLLIN), -1);

	loop_free(loop);
	for (int i = 0; i < 2; i++) {
		close(p.fds[i][0]);
		close(p.fds[i][1]);
	}
}

/* A descriptor closed without loop_fd_del is reported once, then dropped
 * instead of spinning the loop. */
static void nval_cb(struct loop *loop, int fd, short revents, void *arg)
{
	int *calls = arg;
	assert_true(revents & POLLNVAL);
	(*calls)++;
}

static void test_closed_fd_is_dropped(void **state)
{
	struct loop *loop = loop_new();
	int p[2];
	assert_int_equal(pipe(p), 0);
	int calls = 0;
	loop_fd_add(loop, p[0], POLLIN, nval_cb, &calls);
	close(p[0]);
	loop_run_once(loop, 50);
	loop_run_once(loop, 50);
	assert_int_equal(calls, 1);
	assert_int_equal(loop_fd_set_events(loop, p[0], POLLIN), -1);
	close(p[1]);
	loop_free(loop);
}

/* ---- signals ---- */

struct sig_ctx {
	int seen[65];
	int total;
};

static void sig_cb(struct loop *loop, int signo, void *arg)
{
	struct sig_ctx *s = arg;
	if (signo > 0 && signo < 65)
		s->seen[signo]++;
	s->total++;
}

static void set_true_cb(struct loop *loop, void *arg)
{
	*(volatile bool *)arg = true;
}

static void test_signal_through_self_pipe(void **state)
{
	struct loop *loop = loop_new();
	struct sig_ctx s = { { 0 }, 0 };
	assert_int_equal(loop_signals_watch(loop, sig_cb, &s), 0);
	assert_int_equal(raise(SIGHUP), 0);
	assert_int_equal(raise(SIGWINCH), 0);
	/* the handler only wrote a byte: nothing is called before the loop runs */
	assert_int_equal(s.total, 0);
	volatile bool done = false;
	loop_timer_add(loop, 100, 0, set_true_cb, (void *)&done);
	loop_run_until(loop, &done, 1000);
	assert_int_equal(s.seen[SIGHUP], 1);
	assert_int_equal(s.seen[SIGWINCH], 1);

	/* SIGPIPE is ignored: writing to a closed pipe is an error, not death */
	int p[2];
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	assert_int_equal(write(p[1], "x", 1), -1);
	close(p[1]);

	/* a second loop cannot take the signals over while the first owns them */
	struct loop *other = loop_new();
	assert_int_equal(loop_signals_watch(other, sig_cb, &s), -1);
	loop_free(other);
	loop_free(loop);

	/* freed: the handlers are restored and the next loop may watch */
	struct sigaction sa;
	sigaction(SIGHUP, NULL, &sa);
	assert_ptr_equal(sa.sa_handler, SIG_DFL);
	loop = loop_new();
	assert_int_equal(loop_signals_watch(loop, sig_cb, &s), 0);
	loop_free(loop);
}

/* ---- children ---- */

struct child_ctx {
	pid_t pid;
	int status;
	int calls;
	bool done;
};

static void child_cb(struct loop *loop, pid_t pid, int status, void *arg)
{
	struct child_ctx *c = arg;
	assert_int_equal(pid, c->pid);
	c->status = status;
	c->calls++;
	c->done = true;
}

static pid_t spawn_exit(int code, int delay_ms)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (delay_ms)
			usleep((useconds_t)delay_ms * 1000);
		_exit(code);
	}
	return pid;
}

static void test_sigchld_reaps_children(void **state)
{
	struct loop *loop = loop_new();
	struct sig_ctx s = { { 0 }, 0 };
	assert_int_equal(loop_signals_watch(loop, sig_cb, &s), 0);

	struct child_ctx c = { 0 };
	c.pid = spawn_exit(7, 20);
	assert_int_equal(loop_child_watch(loop, c.pid, child_cb, &c), 0);
	assert_int_equal(loop_run_until(loop, (volatile bool *)&c.done, 2000), 0);
	assert_int_equal(c.calls, 1);
	assert_true(WIFEXITED(c.status));
	assert_int_equal(WEXITSTATUS(c.status), 7);
	assert_true(s.seen[SIGCHLD] >= 1);   /* the signal callback sees it too */
	/* reaped: nothing is left for waitpid */
	assert_int_equal(waitpid(c.pid, NULL, WNOHANG), -1);

	/* killed by a signal (SIGKILL: a child inherits the loop's handlers
	 * for the others until it execs) */
	struct child_ctx k = { 0 };
	k.pid = fork();
	assert_true(k.pid >= 0);
	if (k.pid == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(loop_child_watch(loop, k.pid, child_cb, &k), 0);
	kill(k.pid, SIGKILL);
	assert_int_equal(loop_run_until(loop, (volatile bool *)&k.done, 2000), 0);
	assert_true(WIFSIGNALED(k.status));
	assert_int_equal(WTERMSIG(k.status), SIGKILL);
	loop_free(loop);
}

/* A child about to exec gets default signal dispositions back. */
static void test_child_reset_signals(void **state)
{
	struct loop *loop = loop_new();
	struct sig_ctx s = { { 0 }, 0 };
	assert_int_equal(loop_signals_watch(loop, sig_cb, &s), 0);
	struct child_ctx c = { 0 };
	c.pid = fork();
	assert_true(c.pid >= 0);
	if (c.pid == 0) {
		loop_child_reset_signals();
		struct sigaction pipe_sa, hup_sa, chld_sa;
		sigaction(SIGPIPE, NULL, &pipe_sa);
		sigaction(SIGHUP, NULL, &hup_sa);
		sigaction(SIGCHLD, NULL, &chld_sa);
		_exit(pipe_sa.sa_handler == SIG_DFL && hup_sa.sa_handler == SIG_DFL &&
		      chld_sa.sa_handler == SIG_DFL ? 0 : 1);
	}
	assert_int_equal(loop_child_watch(loop, c.pid, child_cb, &c), 0);
	assert_int_equal(loop_run_until(loop, (volatile bool *)&c.done, 2000), 0);
	assert_true(WIFEXITED(c.status));
	assert_int_equal(WEXITSTATUS(c.status), 0);
	/* the parent keeps its own */
	struct sigaction sa;
	sigaction(SIGPIPE, NULL, &sa);
	assert_ptr_equal(sa.sa_handler, SIG_IGN);
	loop_free(loop);
}

/* A child that exits (and is reaped) before anyone watches it is still
 * reported to a later watcher, from the loop. */
static void test_child_watched_after_it_was_reaped(void **state)
{
	struct loop *loop = loop_new();
	struct child_ctx early = { 0 }, late = { 0 };
	early.pid = spawn_exit(3, 0);
	late.pid = spawn_exit(4, 100);
	assert_int_equal(loop_child_watch(loop, late.pid, child_cb, &late), 0);
	assert_int_equal(loop_run_until(loop, (volatile bool *)&late.done, 2000), 0);
	assert_int_equal(WEXITSTATUS(late.status), 4);

	assert_int_equal(loop_child_watch(loop, early.pid, child_cb, &early), 0);
	assert_int_equal(early.calls, 0);   /* never from inside the watch call */
	assert_int_equal(loop_run_until(loop, (volatile bool *)&early.done, 1000), 0);
	assert_int_equal(early.calls, 1);
	assert_true(WIFEXITED(early.status));
	assert_int_equal(WEXITSTATUS(early.status), 3);
	loop_free(loop);
}

/* ---- run_until, stop, the pass hook ---- */

static void stop_cb(struct loop *loop, void *arg)
{
	loop_stop(loop);
}

struct pass_ctx {
	int passes;
	bool timer_ran;
	bool seen_after_timer;
};

static void pass_timer_cb(struct loop *loop, void *arg)
{
	struct pass_ctx *p = arg;
	p->timer_ran = true;
}

static void pass_cb(struct loop *loop, void *arg)
{
	struct pass_ctx *p = arg;
	p->passes++;
	if (p->timer_ran)
		p->seen_after_timer = true;
}

static void test_run_until_timeout_done_and_stop(void **state)
{
	struct loop *loop = loop_new();
	volatile bool done = false;

	int64_t t0 = loop_now_ms();
	assert_int_equal(loop_run_until(loop, &done, 100), -1);
	int64_t took = loop_now_ms() - t0;
	print_message("run_until(100 ms) returned after %lld ms\n", (long long)took);
	assert_true(took >= 100 && took <= 100 + SLACK_MS);

	loop_timer_add(loop, 30, 0, set_true_cb, (void *)&done);
	t0 = loop_now_ms();
	assert_int_equal(loop_run_until(loop, &done, 1000), 0);
	assert_true(loop_now_ms() - t0 <= 30 + SLACK_MS);

	struct pass_ctx p = { 0 };
	loop_on_pass(loop, pass_cb, &p);
	loop_timer_add(loop, 10, 0, pass_timer_cb, &p);
	loop_timer_add(loop, 40, 0, stop_cb, NULL);
	assert_false(loop_stopped(loop));
	assert_int_equal(loop_run(loop), 0);
	assert_true(loop_stopped(loop));
	assert_true(p.passes >= 2);
	assert_true(p.seen_after_timer);

	/* stopped: run_until gives up at once */
	done = false;
	assert_int_equal(loop_run_until(loop, &done, 1000), -1);
	loop_free(loop);
}

static void test_clocks(void **state)
{
	int64_t a = loop_now_ms();
	usleep(20 * 1000);
	int64_t b = loop_now_ms();
	assert_true(b - a >= 20 && b - a < 20 + SLACK_MS);
	/* wall clock: after 2024-01-01 and in milliseconds */
	assert_true(loop_wall_ms() > 1704067200000LL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_fire_in_order_and_on_time),
		cmocka_unit_test(test_interval_and_one_shot),
		cmocka_unit_test(test_cancel_from_callbacks),
		cmocka_unit_test(test_zero_delay_timer_does_not_starve_fds),
		cmocka_unit_test(test_fd_readiness_on_a_pipe),
		cmocka_unit_test(test_fd_removed_by_an_earlier_callback),
		cmocka_unit_test(test_closed_fd_is_dropped),
		cmocka_unit_test(test_signal_through_self_pipe),
		cmocka_unit_test(test_sigchld_reaps_children),
		cmocka_unit_test(test_child_reset_signals),
		cmocka_unit_test(test_child_watched_after_it_was_reaped),
		cmocka_unit_test(test_run_until_timeout_done_and_stop),
		cmocka_unit_test(test_clocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
