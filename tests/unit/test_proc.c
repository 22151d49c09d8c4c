/* proc: child processes on the loop — lines as they arrive, output bounds,
 * exit status and signals, stdin, an explicit environment, and timeouts and
 * cancels that leave no process of the group behind. */
#include "testutil.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "warroom/loop.h"
#include "warroom/proc.h"

#define MAX_LINES 128

struct run {
	bool done;
	int ndone;
	struct proc_result res;      /* out/err point into the run: freed at the end */
	char line[MAX_LINES][160];
	size_t line_len[MAX_LINES];
	int stream[MAX_LINES];
	int64_t line_at[MAX_LINES];
	int nlines;
	int64_t done_at;
	bool cancel_on_line;          /* proc_cancel from the first line */
	bool free_on_line;            /* proc_free from the first line */
	bool free_on_done;
};

static char dir[256];
static struct loop *loop;

static int setup(void **state)
{
	(void)state;
	testutil_tmpdir(dir, sizeof dir);
	loop = loop_new();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	loop_free(loop);
	testutil_rmtree(dir);
	return 0;
}

static void on_line(struct proc *p, enum proc_stream stream, const char *line, size_t len, void *arg)
{
	struct run *r = arg;
	if (r->nlines < MAX_LINES) {
		snprintf(r->line[r->nlines], sizeof r->line[0], "%s", line);
		r->line_len[r->nlines] = len;
		r->stream[r->nlines] = stream;
		r->line_at[r->nlines] = loop_now_ms();
		r->nlines++;
	}
	if (r->cancel_on_line)
		proc_cancel(p);
	if (r->free_on_line) {
		r->free_on_line = false;
		proc_free(p);
	}
}

static void on_done(struct proc *p, const struct proc_result *res, void *arg)
{
	struct run *r = arg;
	r->ndone++;
	r->done = true;
	r->res = *res;
	r->done_at = loop_now_ms();
	if (r->free_on_done)
		proc_free(p);
}

static struct proc *start(struct proc_spec *spec, struct run *r)
{
	spec->on_line = on_line;
	spec->on_done = on_done;
	spec->arg = r;
	char err[256];
	struct proc *p = proc_start(loop, spec, err, sizeof err);
	if (!p)
		fail_msg("proc_start: %s", err);
	assert_false(r->done);   /* never from inside the call */
	return p;
}

static void wait_done(struct run *r, int64_t ms)
{
	assert_int_equal(loop_run_until(loop, &r->done, ms), 0);
}

static void spin(int64_t ms)
{
	volatile bool never = false;
	loop_run_until(loop, &never, ms);
}

/* Runs sh -c script to the end; the caller frees the returned run. */
static struct proc *sh(const char *script, struct run *r, int64_t timeout_ms)
{
	char *argv[] = { "sh", "-c", (char *)script, NULL };
	char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	struct proc_spec spec = { .argv = argv, .envp = envp, .timeout_ms = timeout_ms };
	struct proc *p = start(&spec, r);
	wait_done(r, 5000);
	return p;
}

/* True once pid (or with -pgid, every process of a group) is gone: the loop
 * reaps what was reparented to us. */
static bool gone_within(pid_t pid, int64_t ms)
{
	int64_t end = loop_now_ms() + ms;
	while (loop_now_ms() < end) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return true;
		spin(20);
	}
	return kill(pid, 0) < 0 && errno == ESRCH;
}

static pid_t read_pid(const char *path, int64_t wait_ms)
{
	int64_t end = loop_now_ms() + wait_ms;
	for (;;) {
		FILE *f = fopen(path, "r");
		int pid = 0;
		if (f) {
			if (fscanf(f, "%d", &pid) != 1)
				pid = 0;
			fclose(f);
		}
		if (pid > 0)
			return pid;
		if (loop_now_ms() >= end)
			fail_msg("no pid in %s", path);
		spin(10);
	}
}

/* ---------- lines, bounds ---------- */

static void test_lines_stream_in_order_as_they_arrive(void **state)
{
	(void)state;
	struct run r = { 0 };
	struct proc *p = sh("echo out1; echo out2; sleep 0.1; echo err1 >&2; sleep 0.1; echo out3; sleep 0.3; "
	                    "printf 'no newline'", &r, 0);
	assert_int_equal(r.nlines, 5);
	const char *want[] = { "out1", "out2", "err1", "out3", "no newline" };
	int wstream[] = { PROC_STDOUT, PROC_STDOUT, PROC_STDERR, PROC_STDOUT, PROC_STDOUT };
	for (int i = 0; i < 5; i++) {
		assert_string_equal(r.line[i], want[i]);
		assert_int_equal(r.stream[i], wstream[i]);
	}
	assert_int_equal(r.line_len[4], 10);
	/* out3 came while the child still ran, not at its end. */
	assert_true(r.done_at - r.line_at[3] >= 150);
	assert_string_equal(r.res.out.data, "out1\nout2\nout3\nno newline");
	assert_string_equal(r.res.err.data, "err1\n");
	assert_false(r.res.out.truncated);
	assert_false(r.res.err.truncated);
	assert_int_equal(r.ndone, 1);
	proc_free(p);
}

static void test_output_kept_up_to_the_bound(void **state)
{
	(void)state;
	struct run r = { 0 };
	char *argv[] = { "sh", "-c", "i=0; while [ $i -lt 50 ]; do echo line-$i; i=$((i+1)); done; echo e >&2", NULL };
	char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	struct proc_spec spec = { .argv = argv, .envp = envp, .max_output = 100 };
	struct proc *p = start(&spec, &r);
	wait_done(&r, 5000);
	assert_int_equal(r.res.out.len, 100);
	assert_true(r.res.out.truncated);
	assert_int_equal(strlen(r.res.out.data), 100);
	assert_int_equal(strncmp(r.res.out.data, "line-0\nline-1\n", 14), 0);
	assert_false(r.res.err.truncated);
	assert_string_equal(r.res.err.data, "e\n");
	/* The callback still saw every line. */
	assert_int_equal(r.nlines, 51);
	assert_string_equal(r.line[49], "line-49");
	proc_free(p);

	/* A line longer than PROC_MAX_LINE comes in pieces; nothing is lost. */
	struct run r2 = { 0 };
	p = sh("head -c 20000 /dev/zero | tr '\\0' x", &r2, 0);
	assert_int_equal(r2.nlines, 3);
	assert_int_equal(r2.line_len[0], PROC_MAX_LINE);
	assert_int_equal(r2.line_len[1], PROC_MAX_LINE);
	assert_int_equal(r2.line_len[2], 20000 - 2 * PROC_MAX_LINE);
	assert_int_equal(r2.res.out.len, 20000);
	proc_free(p);
}

/* ---------- how it ended ---------- */

static void test_exit_status_signal_and_duration(void **state)
{
	(void)state;
	struct run r = { 0 };
	struct proc *p = sh("exit 7", &r, 0);
	assert_true(r.res.started);
	assert_true(r.res.exited);
	assert_int_equal(r.res.exit_code, 7);
	assert_int_equal(r.res.signal, 0);
	assert_string_equal(r.res.error, "");
	assert_non_null(proc_result(p));
	assert_int_equal(proc_result(p)->exit_code, 7);
	proc_free(p);

	memset(&r, 0, sizeof r);
	p = sh("kill -9 $$", &r, 0);
	assert_true(r.res.started);
	assert_false(r.res.exited);
	assert_int_equal(r.res.signal, SIGKILL);
	assert_false(r.res.timed_out);
	proc_free(p);

	memset(&r, 0, sizeof r);
	p = sh("sleep 0.2", &r, 0);
	assert_int_equal(r.res.exit_code, 0);
	assert_true(r.res.duration_ms >= 200);
	assert_true(r.res.duration_ms < 1500);
	print_message("sleep 0.2 took %lld ms\n", (long long)r.res.duration_ms);
	proc_free(p);
}

static void expect_cannot_run(struct proc_spec *spec, const char *words)
{
	struct run r = { 0 };
	struct proc *p = start(spec, &r);
	wait_done(&r, 3000);
	assert_false(r.res.started);
	assert_false(r.res.exited);
	if (!strstr(r.res.error, words))
		fail_msg("\"%s\" does not say \"%s\"", r.res.error, words);
	assert_int_equal(r.ndone, 1);
	proc_free(p);
}

static void test_a_program_that_cannot_run_gives_words(void **state)
{
	(void)state;
	char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	char *missing[] = { "kubectl-no-such-plugin", NULL };
	struct proc_spec spec = { .argv = missing, .envp = envp };
	expect_cannot_run(&spec, "cannot run kubectl-no-such-plugin: No such file or directory");

	/* Not executable, by path. */
	char path[512];
	snprintf(path, sizeof path, "%s/noexec", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\necho hi\n", f);
	fclose(f);
	chmod(path, 0600);
	char *noexec[] = { path, NULL };
	spec.argv = noexec;
	expect_cannot_run(&spec, "Permission denied");

	/* execve itself fails in the child (not a program): words from there. */
	snprintf(path, sizeof path, "%s/garbage", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("\x7f" "ELF not really\n", f);
	fclose(f);
	chmod(path, 0700);
	char *garbage[] = { "garbage", NULL };
	spec.argv = garbage;
	spec.file = path;
	expect_cannot_run(&spec, "cannot run garbage: Exec format error");

	/* A folder that is not there. */
	char *ok[] = { "true", NULL };
	spec = (struct proc_spec){ .argv = ok, .envp = envp, .cwd = "/nonexistent-folder" };
	expect_cannot_run(&spec, "cannot run true in /nonexistent-folder: No such file or directory");
}

static void test_runs_in_the_given_folder(void **state)
{
	(void)state;
	char path[512];
	snprintf(path, sizeof path, "%s/here.sh", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\npwd\n", f);
	fclose(f);
	chmod(path, 0700);
	/* A relative path is found from the folder it runs in. */
	char *argv[] = { "./here.sh", NULL };
	char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	struct run r = { 0 };
	struct proc_spec spec = { .argv = argv, .envp = envp, .cwd = dir };
	struct proc *p = start(&spec, &r);
	wait_done(&r, 3000);
	assert_true(r.res.started);
	assert_int_equal(r.nlines, 1);
	char real[PATH_MAX];
	assert_non_null(realpath(dir, real));
	assert_string_equal(r.line[0], real);
	proc_free(p);
}

/* ---------- stdin ---------- */

static void test_stdin_fed_or_closed(void **state)
{
	(void)state;
	char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	char *cat[] = { "cat", NULL };
	struct run r = { 0 };
	struct proc_spec spec = { .argv = cat, .envp = envp, .stdin_data = "alpha\nbeta\n", .stdin_len = 11 };
	struct proc *p = start(&spec, &r);
	wait_done(&r, 3000);
	assert_string_equal(r.res.out.data, "alpha\nbeta\n");
	proc_free(p);

	/* More than a pipe holds: written as the child reads, the loop never blocks. */
	size_t big = 256 * 1024;
	char *buf = malloc(big);
	memset(buf, 'z', big);
	char *wc[] = { "wc", "-c", NULL };
	memset(&r, 0, sizeof r);
	spec = (struct proc_spec){ .argv = wc, .envp = envp, .stdin_data = buf, .stdin_len = big };
	p = start(&spec, &r);
	free(buf);   /* the run has its own copy */
	wait_done(&r, 3000);
	assert_int_equal(atol(r.res.out.data), (long)big);
	proc_free(p);

	/* No stdin: /dev/null, so a reader ends at once instead of hanging. */
	memset(&r, 0, sizeof r);
	p = sh("read x; echo \"got[$x] $?\"", &r, 2000);
	assert_false(r.res.timed_out);
	assert_string_equal(r.res.out.data, "got[] 1\n");
	proc_free(p);
}

/* ---------- environment ---------- */

static void test_explicit_environment(void **state)
{
	(void)state;
	setenv("WARROOM_PARENT_ONLY", "should-not-leak", 1);
	struct proc_env *env = proc_env_new();
	assert_int_equal(proc_env_inherit(env, NULL), 0);
	assert_int_equal(proc_env_set(env, "WARROOM_GIVEN", "hello world"), 0);
	assert_int_equal(proc_env_put(env, "WARROOM_PUT=as one entry"), 0);
	assert_int_equal(proc_env_set(env, "BAD=NAME", "x"), -1);
	assert_string_equal(proc_env_get(env, "PATH"), getenv("PATH"));
	assert_null(proc_env_get(env, "WARROOM_PARENT_ONLY"));

	char *argv[] = { "sh", "-c", "echo \"given=$WARROOM_GIVEN\"; echo \"parent=${WARROOM_PARENT_ONLY-unset}\"; "
	                 "echo \"put=$WARROOM_PUT\"", NULL };
	struct run r = { 0 };
	struct proc_spec spec = { .argv = argv, .envp = proc_env_envp(env) };
	struct proc *p = start(&spec, &r);
	wait_done(&r, 3000);
	assert_string_equal(r.res.out.data, "given=hello world\nparent=unset\nput=as one entry\n");
	proc_free(p);
	proc_env_free(env);

	/* envp NULL: nothing at all. */
	char *envcmd[] = { "env", NULL };
	memset(&r, 0, sizeof r);
	spec = (struct proc_spec){ .argv = envcmd };
	p = start(&spec, &r);
	wait_done(&r, 3000);
	assert_true(r.res.started);
	assert_int_equal(r.res.out.len, 0);
	proc_free(p);
	unsetenv("WARROOM_PARENT_ONLY");
}

static void test_a_value_is_never_command_text(void **state)
{
	(void)state;
	char pwned[128], pwned2[128], value[512];
	snprintf(pwned, sizeof pwned, "/tmp/pwned-%d", (int)getpid());
	snprintf(pwned2, sizeof pwned2, "/tmp/pwned2-%d", (int)getpid());
	unlink(pwned);
	unlink(pwned2);
	snprintf(value, sizeof value, "x;touch %s $(touch %s) `touch %s`", pwned, pwned2, pwned2);
	struct proc_env *env = proc_env_new();
	proc_env_inherit(env, NULL);
	proc_env_set(env, "REPLICAS", value);
	char *argv[] = { "sh", "-c", "printf '%s\\n' \"$REPLICAS\"", NULL };
	struct run r = { 0 };
	struct proc_spec spec = { .argv = argv, .envp = proc_env_envp(env) };
	struct proc *p = start(&spec, &r);
	wait_done(&r, 3000);
	assert_int_equal(r.res.exit_code, 0);
	assert_int_equal(strncmp(r.res.out.data, value, strlen(value)), 0);
	proc_free(p);

	/* And as an argument without a shell, it is one argument. */
	char *echo[] = { "echo", value, NULL };
	memset(&r, 0, sizeof r);
	spec = (struct proc_spec){ .argv = echo, .envp = proc_env_envp(env) };
	p = start(&spec, &r);
	wait_done(&r, 3000);
	assert_int_equal(r.nlines, 1);
	assert_string_equal(r.line[0], value);
	proc_free(p);
	proc_env_free(env);
	assert_int_equal(access(pwned, F_OK), -1);
	assert_int_equal(access(pwned2, F_OK), -1);
}

/* ---------- ending the whole group ---------- */

static void test_timeout_ends_the_whole_group(void **state)
{
	(void)state;
	char file[512], script[1024];
	snprintf(file, sizeof file, "%s/sleeper", dir);
	snprintf(script, sizeof script, "sleep 30 & echo $! > %s; sleep 30", file);
	struct run r = { 0 };
	int64_t t0 = loop_now_ms();
	struct proc *p = sh(script, &r, 300);
	int64_t took = loop_now_ms() - t0;
	pid_t leader = proc_pid(p);
	assert_true(r.res.timed_out);
	assert_false(r.res.cancelled);
	assert_int_equal(r.res.signal, SIGTERM);
	assert_true(took >= 300);
	assert_true(took < 1500);
	pid_t sleeper = read_pid(file, 0);
	assert_true(gone_within(sleeper, 1000));
	assert_true(gone_within(-leader, 1000));   /* the whole group */
	print_message("timeout 300 ms: run ended after %lld ms\n", (long long)took);
	proc_free(p);

	/* A group that ignores SIGTERM gets SIGKILL after the grace. */
	snprintf(file, sizeof file, "%s/stubborn", dir);
	snprintf(script, sizeof script, "trap '' TERM; sleep 30 & echo $! > %s; while :; do sleep 0.05; done", file);
	char *argv[] = { "sh", "-c", script, NULL };
	char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	memset(&r, 0, sizeof r);
	struct proc_spec spec = { .argv = argv, .envp = envp, .timeout_ms = 200, .grace_ms = 200 };
	t0 = loop_now_ms();
	p = start(&spec, &r);
	wait_done(&r, 3000);
	took = loop_now_ms() - t0;
	assert_true(r.res.timed_out);
	assert_int_equal(r.res.signal, SIGKILL);
	assert_true(took >= 400);
	assert_true(took < 1500);
	sleeper = read_pid(file, 0);
	assert_true(gone_within(sleeper, 1000));
	assert_true(gone_within(-proc_pid(p), 1000));
	proc_free(p);
}

static void test_cancel_ends_the_whole_group(void **state)
{
	(void)state;
	char file[512], script[1024];
	snprintf(file, sizeof file, "%s/sleeper", dir);
	snprintf(script, sizeof script, "sleep 30 & echo $! > %s; sleep 30", file);
	char *argv[] = { "sh", "-c", script, NULL };
	char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	struct run r = { 0 };
	struct proc_spec spec = { .argv = argv, .envp = envp };
	struct proc *p = start(&spec, &r);
	pid_t sleeper = read_pid(file, 2000);
	int64_t t0 = loop_now_ms();
	proc_cancel(p);
	assert_false(r.done);   /* from the loop, not from inside the call */
	wait_done(&r, 2000);
	assert_true(loop_now_ms() - t0 < 1000);
	assert_true(r.res.cancelled);
	assert_false(r.res.timed_out);
	assert_true(gone_within(sleeper, 1000));
	assert_true(gone_within(-proc_pid(p), 1000));
	proc_cancel(p);   /* after the end: nothing */
	spin(50);
	assert_int_equal(r.ndone, 1);
	proc_free(p);

	/* Cancel from inside its own line callback. */
	memset(&r, 0, sizeof r);
	r.cancel_on_line = true;
	p = sh("echo ready; sleep 30", &r, 0);
	assert_true(r.res.cancelled);
	assert_int_equal(r.ndone, 1);
	proc_free(p);
}

static void test_free_from_callbacks_and_while_running(void **state)
{
	(void)state;
	char file[512], script[1024];
	snprintf(file, sizeof file, "%s/sleeper", dir);
	snprintf(script, sizeof script, "sleep 30 & echo $! > %s; echo ready; echo more; sleep 30", file);
	char *argv[] = { "sh", "-c", script, NULL };
	char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	/* Freed from its first line: no more lines, no done, and the group ends. */
	struct run r = { .free_on_line = true };
	struct proc_spec spec = { .argv = argv, .envp = envp };
	struct proc *p = start(&spec, &r);
	pid_t leader = proc_pid(p);
	pid_t sleeper = read_pid(file, 2000);
	int64_t end = loop_now_ms() + 1000;
	while (r.nlines == 0 && loop_now_ms() < end)
		spin(10);
	assert_int_equal(r.nlines, 1);
	assert_true(gone_within(sleeper, 1500));
	assert_true(gone_within(leader, 500));
	assert_int_equal(r.nlines, 1);
	assert_int_equal(r.ndone, 0);

	/* Freed from its done callback. */
	memset(&r, 0, sizeof r);
	r.free_on_done = true;
	sh("echo bye", &r, 0);
	assert_int_equal(r.ndone, 1);
	spin(20);

	/* Freed while running, from outside. */
	memset(&r, 0, sizeof r);
	char *sleep30[] = { "sleep", "30", NULL };
	spec = (struct proc_spec){ .argv = sleep30, .envp = envp };
	p = start(&spec, &r);
	leader = proc_pid(p);
	spin(30);
	proc_free(p);
	assert_true(gone_within(leader, 1500));
	assert_int_equal(r.ndone, 0);
	spin(20);
}

/* Something that keeps the pipes after the leader is gone does not keep
 * the run going: a background child of a finished run, or one that left
 * the group before a timeout. */
static void test_a_leftover_holding_the_pipes_does_not_keep_the_run(void **state)
{
	(void)state;
	char file[512], script[1024];
	snprintf(file, sizeof file, "%s/bg", dir);
	snprintf(script, sizeof script, "sleep 30 & echo $! > %s; echo done", file);
	struct run r = { 0 };
	int64_t t0 = loop_now_ms();
	struct proc *p = sh(script, &r, 0);
	int64_t took = loop_now_ms() - t0;
	assert_true(r.res.exited);
	assert_int_equal(r.res.exit_code, 0);
	assert_string_equal(r.res.out.data, "done\n");
	assert_true(took < 1000);
	assert_true(gone_within(read_pid(file, 0), 1500));   /* it was part of the run */
	proc_free(p);

	snprintf(file, sizeof file, "%s/escaped", dir);
	snprintf(script, sizeof script, "setsid sleep 5 & echo $! > %s; sleep 30", file);
	memset(&r, 0, sizeof r);
	t0 = loop_now_ms();
	p = sh(script, &r, 200);
	took = loop_now_ms() - t0;
	assert_true(r.res.timed_out);
	assert_true(took < 1500);
	print_message("escaped holder: run ended after %lld ms\n", (long long)took);
	pid_t escaped = read_pid(file, 0);
	kill(escaped, SIGKILL);   /* outside the group: ours to clean up */
	assert_true(gone_within(escaped, 1000));
	proc_free(p);
}

static void test_find_program(void **state)
{
	(void)state;
	char out[512];
	assert_int_equal(proc_find_program("sh", "/nonexistent:/bin:/usr/bin", out, sizeof out), 0);
	assert_string_equal(out, "/bin/sh");
	assert_int_equal(proc_find_program("warroom-nope", "/bin", out, sizeof out), ENOENT);
	assert_int_equal(proc_find_program("/bin/sh", NULL, out, sizeof out), 0);
	assert_string_equal(out, "/bin/sh");
}

int main(void)
{
	/* Orphaned grandchildren come to us, so the loop reaps them and a test
	 * can tell "gone" from "a zombie nobody waits for". */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lines_stream_in_order_as_they_arrive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_kept_up_to_the_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_status_signal_and_duration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_program_that_cannot_run_gives_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runs_in_the_given_folder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stdin_fed_or_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_explicit_environment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_value_is_never_command_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_ends_the_whole_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_ends_the_whole_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_from_callbacks_and_while_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_leftover_holding_the_pipes_does_not_keep_the_run, setup, teardown),
		cmocka_unit_test(test_find_program),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
