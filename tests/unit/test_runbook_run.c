/* Walking a runbook on a real loop, store and shell: values reach commands
 * only through the environment, a failed command stops its step, and a
 * console killed mid-command resumes at its step with the command marked
 * interrupted. */
#include "testutil.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "warroom/actions.h"
#include "warroom/config.h"
#include "warroom/export.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/runbook.h"
#include "warroom/timeline.h"

struct fx {
	char dir[256], db[300];
	struct config cfg;
	struct loop *loop;
	struct timeline *tl;
	struct model m;
	struct runbook_session *s;
	struct actions *q;
	bool done;
	struct action_result res;
};

static void ask(uint64_t run, const struct action_question *q, void *arg)
{
	struct fx *fx = arg;

	actions_answer(fx->q, run, true, "test");
}

static void done(const struct action_result *res, void *arg)
{
	struct fx *fx = arg;

	fx->res = *res;
	fx->done = true;
}

static struct action_ui ui = { .ask = ask, .done = done };

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void open_console(struct fx *fx)
{
	char err[300];

	fx->loop = loop_new();
	fx->tl = timeline_open(fx->db, "tester", err, sizeof err);
	assert_non_null(fx->tl);
	model_init(&fx->m, &fx->cfg, fx->tl);
	fx->s = runbook_session_new(fx->loop, &fx->cfg, fx->tl, &fx->m, runbook_lib_load(&fx->cfg), actions_by_name);
	assert_non_null(fx->s);
	struct action_ctx ctx = { .loop = fx->loop, .cfg = &fx->cfg, .tl = fx->tl, .actor = "tester", .via = "test",
	                          .runbook = fx->s };
	fx->q = actions_new(&ctx);
	ui.arg = fx;
}

static void close_console(struct fx *fx)
{
	actions_free(fx->q);
	runbook_session_free(fx->s);
	model_free(&fx->m);
	timeline_close(fx->tl);
	loop_free(fx->loop);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	char rb[300];

	testutil_tmpdir(fx->dir, sizeof fx->dir);
	snprintf(fx->db, sizeof fx->db, "%s/timeline.db", fx->dir);
	snprintf(rb, sizeof rb, "%s/runbooks", fx->dir);
	assert_int_equal(mkdir(rb, 0700), 0);
	config_defaults(&fx->cfg);
	snprintf(fx->cfg.runbook_dir, sizeof fx->cfg.runbook_dir, "%s", rb);
	snprintf(fx->cfg.kube.namespace_, sizeof fx->cfg.kube.namespace_, "$(touch %s/pwned-ns)", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	testutil_rmtree(fx->dir);
	free(fx);
	return 0;
}

static void book(struct fx *fx, const char *name, const char *text)
{
	char path[400];

	snprintf(path, sizeof path, "%s/runbooks/%s.md", fx->dir, name);
	write_file(path, text);
}

static size_t item_of(const struct runbook *rb, const char *text)
{
	for (size_t i = 0; i < rb->nitems; i++)
		if (strstr(rb->items[i].text, text))
			return i;
	fail_msg("no item \"%s\"", text);
	return 0;
}

static void run(struct fx *fx, enum action_id id, const char *arg)
{
	struct action_args args = { .text = arg };

	fx->done = false;
	ui.arg = fx;
	assert_true(actions_run(fx->q, id, &args, &ui) != 0);
	assert_int_equal(loop_run_until(fx->loop, &fx->done, 10000), 0);
}

static bool timeline_has(struct fx *fx, const char *text, bool in_detail)
{
	struct timeline_event *evs;
	size_t n;
	bool found = false;

	assert_int_equal(timeline_list(fx->tl, -1, 0, 0, &evs, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strstr(evs[i].summary, text) || (in_detail && evs[i].detail_json && strstr(evs[i].detail_json, text)))
			found = true;
	timeline_events_free(evs, n);
	return found;
}

static bool exists(struct fx *fx, const char *name)
{
	char path[400];

	snprintf(path, sizeof path, "%s/%s", fx->dir, name);
	return access(path, F_OK) == 0;
}

/* A pod label of "x;touch pwned" and a namespace of "$(touch ...)" reach the
 * command as values: nothing of them runs. */
static void values_are_environment_never_command_text(void **state)
{
	struct fx *fx = *state;
	char md[1200], num[16], want[300], got[600] = "";
	const struct runbook *rb;
	FILE *f;

	snprintf(md, sizeof md, "---\nalerts: [PodDown]\n---\n# Pod down\n## Assess\n"
	         "```sh\nprintf '%%s\\n' \"$ALERT_POD\" \"$NAMESPACE\" $ALERT_POD > %s/out\n```\n", fx->dir);
	book(fx, "pod-down", md);
	open_console(fx);
	fx->m.alerts.n = fx->m.alerts.total = 1;
	snprintf(fx->m.alerts.a[0].name, sizeof fx->m.alerts.a[0].name, "PodDown");
	snprintf(fx->m.alerts.a[0].runbook_url, sizeof fx->m.alerts.a[0].runbook_url, "https://wiki/PodDown");
	snprintf(fx->m.alerts.a[0].labels, sizeof fx->m.alerts.a[0].labels,
	         "alertname=PodDown\npod=x;touch %s/pwned-label\n", fx->dir);
	model_mark(&fx->m, DIRTY_ALERTS);
	assert_string_equal(runbook_session_offer(fx->s, NULL), "pod-down");

	run(fx, ACTION_RUNBOOK, NULL);   /* the offered one, with the alert's labels */
	assert_int_equal(fx->res.outcome, ACTION_OK);
	rb = runbook_session_runbook(fx->s);
	assert_non_null(rb);
	snprintf(num, sizeof num, "#%zu", item_of(rb, "printf") + 1);
	run(fx, ACTION_RUNBOOK_STEP, num);
	assert_int_equal(fx->res.outcome, ACTION_OK);
	assert_false(exists(fx, "pwned-label"));
	assert_false(exists(fx, "pwned-ns"));
	f = fopen(strcat(strcpy(got, fx->dir), "/out"), "r");
	assert_non_null(f);
	memset(got, 0, sizeof got);
	assert_true(fread(got, 1, sizeof got - 1, f) > 0);
	fclose(f);
	/* the values, as they are; unquoted, a word is split but never run */
	snprintf(want, sizeof want, "x;touch %s/pwned-label\n$(touch %s/pwned-ns)\nx;touch\n%s/pwned-label\n",
	         fx->dir,
	         fx->dir, fx->dir);
	assert_string_equal(got, want);
	/* the run, its exit and its time are in the timeline, its output in the detail */
	assert_true(timeline_has(fx, "exit 0 in", false));
	assert_true(timeline_has(fx, "runbook started: Pod down (pod-down.md) for PodDown", false));
	close_console(fx);
}

static void a_failed_command_stops_its_step_until_skipped(void **state)
{
	struct fx *fx = *state;
	const struct runbook *rb;
	const struct runbook_item_state *st;
	char num[16], reason[64];
	size_t first, second, scale, check;

	book(fx, "flaky", "# Flaky\n## Assess\n```sh\necho boom token=s3cr3t; exit 3\n```\n```sh\necho second\n```\n"
	     "- [ ] looked at it\n```warroom\nscale green 3\n```\n## Recover\n```sh\necho later\n```\n");
	open_console(fx);
	run(fx, ACTION_RUNBOOK, "flaky");
	rb = runbook_session_runbook(fx->s);
	first = item_of(rb, "boom");
	second = item_of(rb, "echo second");
	scale = item_of(rb, "scale green");
	check = item_of(rb, "looked at it");
	/* an action this version lacks is skipped with words, never an error */
	st = runbook_session_item(fx->s, scale);
	assert_int_equal(st->state, RBS_SKIPPED);
	assert_string_equal(st->reason, "scale is not available in this version");

	run(fx, ACTION_RUNBOOK_STEP, NULL);   /* the next command: the first */
	assert_int_equal(fx->res.outcome, ACTION_FAILED);
	st = runbook_session_item(fx->s, first);
	assert_int_equal(st->state, RBS_FAILED);
	assert_int_equal(st->exit_code, 3);
	assert_true(runbook_session_step_stopped(fx->s, rb->items[first].step, NULL));
	assert_true(timeline_has(fx, "failed (exit 3)", false));
	assert_true(timeline_has(fx, "boom", true));
	assert_false(timeline_has(fx, "s3cr3t", true));   /* output is redacted */
	/* the next command of the step is refused until the failure is dealt with */
	snprintf(num, sizeof num, "#%zu", second + 1);
	run(fx, ACTION_RUNBOOK_STEP, num);
	assert_int_equal(fx->res.outcome, ACTION_REFUSED);
	assert_non_null(strstr(fx->res.summary, "stopped"));
	assert_int_equal(runbook_session_item(fx->s, second)->state, RBS_PENDING);
	/* a skip needs a reason */
	snprintf(reason, sizeof reason, "#%zu", first + 1);
	run(fx, ACTION_RUNBOOK_SKIP, reason);
	assert_int_equal(fx->res.outcome, ACTION_REFUSED);
	snprintf(reason, sizeof reason, "#%zu known flaky probe", first + 1);
	run(fx, ACTION_RUNBOOK_SKIP, reason);
	assert_int_equal(fx->res.outcome, ACTION_OK);
	assert_int_equal(runbook_session_item(fx->s, first)->state, RBS_SKIPPED);
	assert_true(timeline_has(fx, "known flaky probe", false));
	run(fx, ACTION_RUNBOOK_STEP, num);
	assert_int_equal(fx->res.outcome, ACTION_OK);
	/* the check holds the step until ticked */
	assert_int_equal(runbook_session_current_step(fx->s), rb->items[first].step);
	run(fx, ACTION_RUNBOOK_CHECK, NULL);
	assert_int_equal(fx->res.outcome, ACTION_OK);
	assert_int_equal(runbook_session_item(fx->s, check)->state, RBS_DONE);
	assert_int_equal(runbook_session_current_step(fx->s), item_of(rb, "echo later") ? rb->items[item_of(rb,
	                 "echo later")].step : 0);
	close_console(fx);
}

/* SIGKILL while a command runs: the next console resumes at that step and
 * says the command was interrupted. */
static void after_sigkill_the_runbook_resumes_with_the_command_interrupted(void **state)
{
	struct fx *fx = *state;
	char md[600], pidfile[300], buf[32] = "";
	int fds[2];
	pid_t child;
	int status;
	const struct runbook *rb;
	size_t sleeper;
	FILE *f;

	snprintf(pidfile, sizeof pidfile, "%s/sleep.pid", fx->dir);
	snprintf(md, sizeof md,
	         "# Long\n## Assess\n```sh\necho ok\n```\n## Diagnose\n```sh\necho $$ > %s; exec sleep 30\n```\n",
	         pidfile);
	book(fx, "long", md);
	assert_int_equal(pipe(fds), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		bool never = false;

		open_console(fx);
		run(fx, ACTION_RUNBOOK, "long");
		run(fx, ACTION_RUNBOOK_STEP, NULL);   /* echo ok */
		fx->done = false;
		actions_run(fx->q, ACTION_RUNBOOK_STEP, NULL, &ui);
		while (access(pidfile, F_OK) != 0)
			loop_run_once(fx->loop, 20);
		if (write(fds[1], "x", 1) != 1)
			_exit(1);
		loop_run_until(fx->loop, &never, 30000);
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], buf, 1), 1);
	close(fds[0]);
	usleep(100 * 1000);
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &status, 0), child);
	f = fopen(pidfile, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof buf, f));
	fclose(f);
	kill((pid_t)atoi(buf), SIGKILL);

	open_console(fx);
	assert_int_equal(runbook_session_resume(fx->s), 1);
	rb = runbook_session_runbook(fx->s);
	assert_non_null(rb);
	assert_string_equal(rb->name, "long");
	sleeper = item_of(rb, "exec sleep");
	assert_int_equal(runbook_session_item(fx->s, sleeper)->state, RBS_INTERRUPTED);
	assert_int_equal(runbook_session_item(fx->s, item_of(rb, "echo ok"))->state, RBS_DONE);
	assert_int_equal(runbook_session_current_step(fx->s), rb->items[sleeper].step);
	assert_true(timeline_has(fx, "interrupted: `echo $$", false));
	assert_true(timeline_has(fx, "runbook resumed: Long at step 2 of 2", false));
	close_console(fx);
}

static void variables_name_the_incident_and_the_service(void **state)
{
	struct fx *fx = *state;
	char vars[32][256];
	size_t n;
	bool ns = false, inc = false;

	book(fx, "v", "# V\n## A\n- [ ] x\n");
	snprintf(fx->cfg.kube.namespace_, sizeof fx->cfg.kube.namespace_, "detection-system");
	open_console(fx);
	assert_true(timeline_incident_open(fx->tl, "pipeline down", 1) > 0);
	run(fx, ACTION_RUNBOOK, "v");
	n = runbook_session_vars(fx->s, vars, 32);
	for (size_t i = 0; i < n; i++) {
		ns |= strcmp(vars[i], "NAMESPACE=detection-system") == 0;
		inc |= strncmp(vars[i], "INCIDENT_ID=INC-", 16) == 0;
	}
	assert_true(ns);
	assert_true(inc);
	close_console(fx);
}

/* C-x: the command's group ends, the line says so, the step waits. */
static void a_running_command_is_stopped_on_request(void **state)
{
	struct fx *fx = *state;
	const struct runbook *rb;
	uint64_t id;
	size_t item;
	struct action_args none = { 0 };
	int64_t t0;

	book(fx, "slow", "# Slow\n## Wait\n```sh\nsleep 30\n```\n");
	open_console(fx);
	run(fx, ACTION_RUNBOOK, "slow");
	rb = runbook_session_runbook(fx->s);
	item = item_of(rb, "sleep 30");
	fx->done = false;
	id = actions_run(fx->q, ACTION_RUNBOOK_STEP, &none, &ui);
	while (!runbook_session_running(fx->s, NULL))
		loop_run_once(fx->loop, 20);
	t0 = loop_now_ms();
	actions_cancel(fx->q, id);
	assert_true(fx->done);
	assert_int_equal(fx->res.outcome, ACTION_CANCELLED);
	while (runbook_session_running(fx->s, NULL) && loop_now_ms() - t0 < 5000)
		loop_run_once(fx->loop, 20);
	assert_false(runbook_session_running(fx->s, NULL));
	assert_true(loop_now_ms() - t0 < 5000);
	assert_int_equal(runbook_session_item(fx->s, item)->state, RBS_CANCELLED);
	assert_string_equal(runbook_session_item(fx->s, item)->reason, "stopped by the operator");
	assert_true(runbook_session_step_stopped(fx->s, rb->items[item].step, NULL));
	assert_true(timeline_has(fx, "stopped by the operator", false));
	close_console(fx);
}

/* Two consoles in one process walk their own runbooks: a handler finds the
 * session of its own queue, a view the one of its own model, and a queue
 * given none (the CLI's) is told so rather than handed another's. */
static void two_consoles_walk_their_own_runbooks(void **state)
{
	struct fx *fx = *state, *other = calloc(1, sizeof *other);
	struct action_ctx bare = { 0 };
	struct actions *cli;

	assert_non_null(other);
	book(fx, "one", "# One\n## Assess\n- [ ] first look\n");
	book(fx, "two", "# Two\n## Assess\n- [ ] second look\n");
	*other = *fx;
	snprintf(other->db, sizeof other->db, "%s/other.db", fx->dir);
	open_console(fx);
	open_console(other);
	assert_ptr_equal(fx->m.runbook, fx->s);
	assert_ptr_equal(other->m.runbook, other->s);

	run(fx, ACTION_RUNBOOK, "one");
	assert_int_equal(fx->res.outcome, ACTION_OK);
	run(other, ACTION_RUNBOOK, "two");
	assert_int_equal(other->res.outcome, ACTION_OK);
	assert_string_equal(runbook_session_runbook(fx->s)->name, "one");
	assert_string_equal(runbook_session_runbook(other->s)->name, "two");
	run(fx, ACTION_RUNBOOK_CHECK, NULL);
	assert_int_equal(fx->res.outcome, ACTION_OK);
	assert_non_null(strstr(fx->res.summary, "first look"));

	bare = *actions_ctx(fx->q);
	bare.runbook = NULL;
	cli = actions_new(&bare);
	assert_non_null(cli);
	fx->done = false;
	ui.arg = fx;
	assert_true(actions_run(cli, ACTION_RUNBOOK_DONE, NULL, &ui) != 0);
	assert_int_equal(loop_run_until(fx->loop, &fx->done, 10000), 0);
	assert_int_equal(fx->res.outcome, ACTION_REFUSED);
	assert_non_null(strstr(fx->res.summary, "runbooks are walked in the console"));
	actions_free(cli);

	close_console(other);
	assert_null(other->m.runbook);
	close_console(fx);
	free(other);
}

static void read_file(struct fx *fx, const char *name, char *out, size_t len)
{
	char path[400];
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "%s/%s", fx->dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	fclose(f);
}

/* A command with placeholders never runs while one has no value; the values
 * given reach it as environment variables, in whatever quotes the
 * placeholder stands, and are never shell text. */
static void a_template_never_runs_with_a_placeholder_left(void **state)
{
	struct fx *fx = *state;
	char md[1200], num[16], text[600], got[800], want[800], *cmd;
	const struct runbook_placeholder *miss[8];
	const struct runbook *rb;
	size_t item;

	unsetenv("NODE_NAME");
	snprintf(md, sizeof md,
	         "# PVC\n## Resize\n```sh\nprintf '%%s|%%s|%%s|%%s\\n' \"<my-pvc>\" '<my-pvc>' <my-pvc> "
	         "$NODE_NAME > %s/out\n```\n## Token\n```sh\ncurl -H \"Authorization: YOUR_API_TOKEN\" "
	         "file:///dev/null\n```\n", fx->dir);
	book(fx, "pvc", md);
	open_console(fx);
	run(fx, ACTION_RUNBOOK, "pvc");
	rb = runbook_session_runbook(fx->s);
	item = item_of(rb, "printf");
	snprintf(num, sizeof num, "#%zu", item + 1);
	assert_int_equal(runbook_session_missing(fx->s, item, miss, 8), 2);
	assert_string_equal(miss[0]->text, "<my-pvc>");
	assert_string_equal(miss[1]->text, "$NODE_NAME");
	/* refused with words: what has no value, and how to give it */
	run(fx, ACTION_RUNBOOK_STEP, num);
	assert_int_equal(fx->res.outcome, ACTION_REFUSED);
	assert_non_null(strstr(fx->res.summary, "is a template: <my-pvc>, $NODE_NAME have no value yet"));
	assert_non_null(strstr(fx->res.summary, "it never runs with a placeholder left"));
	assert_false(exists(fx, "out"));
	assert_int_equal(runbook_session_item(fx->s, item)->state, RBS_PENDING);
	/* one value given: still refused for the other */
	snprintf(text, sizeof text, "<my-pvc>=data-0'; touch %s/pwned-q; echo '", fx->dir);
	run(fx, ACTION_RUNBOOK_FILL, text);
	assert_int_equal(fx->res.outcome, ACTION_OK);
	run(fx, ACTION_RUNBOOK_STEP, num);
	assert_int_equal(fx->res.outcome, ACTION_REFUSED);
	assert_non_null(strstr(fx->res.summary, "$NODE_NAME has no value yet"));
	/* what cannot be a value, or names no placeholder, changes nothing */
	run(fx, ACTION_RUNBOOK_FILL, "NODE_NAME=a\x1b[2Jb");
	assert_int_equal(fx->res.outcome, ACTION_REFUSED);
	run(fx, ACTION_RUNBOOK_FILL, "<nope>=x");
	assert_int_equal(fx->res.outcome, ACTION_REFUSED);
	snprintf(text, sizeof text, "%s\nNODE_NAME=$(touch %s/pwned-s)", num, fx->dir);
	run(fx, ACTION_RUNBOOK_FILL, text);
	assert_int_equal(fx->res.outcome, ACTION_OK);
	assert_int_equal(runbook_session_missing(fx->s, item, miss, 8), 0);
	/* the command as it runs: a quoted reference to each value, for where it stands */
	cmd = runbook_session_command(fx->s, item);
	snprintf(want, sizeof want, "printf '%%s|%%s|%%s|%%s\\n' \"${VALUE_MY_PVC}\" ''\"${VALUE_MY_PVC}\"'' "
	         "\"${VALUE_MY_PVC}\" $NODE_NAME > %s/out", fx->dir);
	assert_string_equal(cmd, want);
	free(cmd);
	run(fx, ACTION_RUNBOOK_STEP, num);
	assert_int_equal(fx->res.outcome, ACTION_OK);
	read_file(fx, "out", got, sizeof got);
	snprintf(want, sizeof want, "data-0'; touch %s/pwned-q; echo '|data-0'; touch %s/pwned-q; echo '|"
	         "data-0'; touch %s/pwned-q; echo '|$(touch\n", fx->dir, fx->dir, fx->dir);
	assert_true(strncmp(got, want, strlen(want)) == 0);
	assert_false(exists(fx, "pwned-q"));
	assert_false(exists(fx, "pwned-s"));
	assert_true(timeline_has(fx, "values given in pvc: <my-pvc> = data-0'; touch", false));
	/* a secret's value is kept in memory, never in the timeline or the store */
	run(fx, ACTION_RUNBOOK_FILL, "YOUR_API_TOKEN=hunter2-secret");
	assert_int_equal(fx->res.outcome, ACTION_OK);
	assert_non_null(strstr(fx->res.summary, "YOUR_API_TOKEN (a secret, not shown)"));
	assert_false(timeline_has(fx, "hunter2", true));
	close_console(fx);
	/* a console started again has the values given, not the secret */
	open_console(fx);
	assert_int_equal(runbook_session_resume(fx->s), 1);
	rb = runbook_session_runbook(fx->s);
	runbook_session_value(fx->s, &rb->placeholders[rb->items[item].first_ph], text, sizeof text);
	assert_non_null(strstr(text, "data-0'; touch"));
	assert_int_equal(runbook_session_missing(fx->s, item_of(rb, "curl"), miss, 8), 1);
	close_console(fx);
}

/* "Or" and "Option 1 / Option 2": the operator runs one; the others are
 * skipped, the choice is in the timeline and survives a restart. */
static void a_choice_runs_one_option_and_skips_the_others(void **state)
{
	struct fx *fx = *state;
	const struct runbook *rb;
	const struct runbook_item_state *st;
	char num[16], summary[300];
	size_t del, restart, opt1, patch, next;

	book(fx, "alt", "# Alt\n## Restart\n```sh\necho delete\n```\n\nOr\n\n```sh\necho restart\n```\n"
	     "## Mitigation\n### Option 1: Resolve it\nFix the cause first.\n\n### Option 2: Override\n"
	     "```sh\necho patch\n```\n");
	open_console(fx);
	run(fx, ACTION_RUNBOOK, "alt");
	rb = runbook_session_runbook(fx->s);
	del = item_of(rb, "echo delete");
	restart = item_of(rb, "echo restart");
	opt1 = item_of(rb, "Option 1: Resolve it");
	patch = item_of(rb, "echo patch");
	/* the walk is at the choice: its first option */
	assert_true(runbook_session_next_item(fx->s, &next));
	assert_int_equal(next, del);
	assert_int_equal(runbook_session_chosen(fx->s, 0), 0);
	/* running the second option's command chooses it */
	snprintf(num, sizeof num, "#%zu", restart + 1);
	run(fx, ACTION_RUNBOOK_STEP, num);
	assert_int_equal(fx->res.outcome, ACTION_OK);
	assert_int_equal(runbook_session_chosen(fx->s, 0), 2);
	st = runbook_session_item(fx->s, del);
	assert_int_equal(st->state, RBS_SKIPPED);
	assert_string_equal(st->reason, "not chosen: or run `echo restart` was");
	assert_true(timeline_has(fx, "chosen in step 1 Restart: or run `echo restart`; skipped: run `echo delete`",
	                         false));
	/* the option left is not run by mistake */
	snprintf(num, sizeof num, "#%zu", del + 1);
	run(fx, ACTION_RUNBOOK_STEP, num);
	assert_int_equal(fx->res.outcome, ACTION_REFUSED);
	assert_non_null(strstr(fx->res.summary, "in an option not chosen"));
	/* an option with nothing to run is chosen by name; its option is skipped */
	assert_true(runbook_session_next_item(fx->s, &next));
	assert_int_equal(next, opt1);
	run(fx, ACTION_RUNBOOK_STEP, NULL);
	assert_int_equal(fx->res.outcome, ACTION_REFUSED);
	assert_non_null(strstr(fx->res.summary, "Option 1: Resolve it has nothing to run"));
	snprintf(num, sizeof num, "#%zu", opt1 + 1);
	run(fx, ACTION_RUNBOOK_PICK, num);
	assert_int_equal(fx->res.outcome, ACTION_OK);
	assert_int_equal(runbook_session_item(fx->s, patch)->state, RBS_SKIPPED);
	assert_true(timeline_has(fx, "chosen in step 2: Option 1: Resolve it; skipped: Option 2: Override", false));
	assert_int_equal(runbook_session_current_step(fx->s), rb->nsteps);   /* every step done */
	/* an option's line is chosen, never marked */
	assert_int_equal(runbook_session_mark(fx->s, opt1, RBS_DONE, NULL, summary, sizeof summary), -1);
	close_console(fx);
	/* started again, the choices hold; changing one brings its lines back */
	open_console(fx);
	assert_int_equal(runbook_session_resume(fx->s), 1);
	assert_int_equal(runbook_session_chosen(fx->s, 0), 2);
	assert_int_equal(runbook_session_chosen(fx->s, 1), 1);
	run(fx, ACTION_RUNBOOK_PICK, "#99");
	assert_int_equal(fx->res.outcome, ACTION_REFUSED);
	snprintf(num, sizeof num, "#%zu", patch + 1);
	run(fx, ACTION_RUNBOOK_PICK, num);
	assert_int_equal(fx->res.outcome, ACTION_OK);
	assert_int_equal(runbook_session_chosen(fx->s, 1), 2);
	assert_int_equal(runbook_session_item(fx->s, patch)->state, RBS_PENDING);
	assert_true(timeline_has(fx, "choice changed in step 3 Option 2: Override", false) ||
	            timeline_has(fx, "choice changed in step 3: Option 2: Override", false));
	close_console(fx);
}

/* The postmortem draft quoting a step keeps the step's links. */
static void the_export_lists_the_references_of_the_steps_it_quotes(void **state)
{
	struct fx *fx = *state;
	char err[200], *md;
	int64_t id;

	book(fx, "linked", "# Linked\n## Assess\nSee the [SOP](https://wiki.example/sop?token=abc123) and the "
	     "[dashboard](https://grafana.example/d/1).\n\n```sh\ntrue\n```\n");
	open_console(fx);
	assert_true(timeline_incident_open(fx->tl, "pipeline down", 2) > 0);
	run(fx, ACTION_RUNBOOK, "linked");
	run(fx, ACTION_RUNBOOK_STEP, NULL);
	assert_int_equal(fx->res.outcome, ACTION_OK);
	md = export_incident(fx->tl, &fx->cfg, 0, EXPORT_MD, &id, err, sizeof err);
	assert_non_null(md);
	assert_non_null(strstr(md, "## Runbook references\n\n- linked step 1 Assess: [1] <https://wiki.example/sop?"));
	assert_non_null(strstr(md, " [2] <https://grafana.example/d/1>\n"));
	assert_null(strstr(md, "abc123"));   /* a secret in an address is redacted as anywhere */
	free(md);
	close_console(fx);
}

static void a_runbook_to_read_says_so(void **state)
{
	struct fx *fx = *state;

	book(fx, "read", "# Read\n## Meaning\nWhat the alert means.\n\n<details><summary>More</summary>\n\n"
	     "Background.\n\n</details>\n");
	open_console(fx);
	run(fx, ACTION_RUNBOOK, "read");
	run(fx, ACTION_RUNBOOK_STEP, NULL);
	assert_int_equal(fx->res.outcome, ACTION_REFUSED);
	assert_string_equal(fx->res.summary, "read is read only: nothing to run");
	close_console(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(values_are_environment_never_command_text, setup, teardown),
		cmocka_unit_test_setup_teardown(a_failed_command_stops_its_step_until_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(after_sigkill_the_runbook_resumes_with_the_command_interrupted, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(variables_name_the_incident_and_the_service, setup, teardown),
		cmocka_unit_test_setup_teardown(a_running_command_is_stopped_on_request, setup, teardown),
		cmocka_unit_test_setup_teardown(two_consoles_walk_their_own_runbooks, setup, teardown),
		cmocka_unit_test_setup_teardown(a_template_never_runs_with_a_placeholder_left, setup, teardown),
		cmocka_unit_test_setup_teardown(a_choice_runs_one_option_and_skips_the_others, setup, teardown),
		cmocka_unit_test_setup_teardown(a_runbook_to_read_says_so, setup, teardown),
		cmocka_unit_test_setup_teardown(the_export_lists_the_references_of_the_steps_it_quotes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
