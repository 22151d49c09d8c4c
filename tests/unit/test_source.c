/* The one poller: rounds never overlap, a refresh during a round runs one
 * more round after it, failures stretch the wait (doubling, capped) and a
 * success brings it back, refresh-now ignores the backoff, age and error are
 * kept, and a round still out when the source stops is dropped. */
#include "testutil.h"

#include <stdbool.h>

#include "warroom/loop.h"
#include "warroom/source.h"

struct rec {
	struct loop *loop;
	struct source *src;
	int started, in_flight, max_in_flight;
	int64_t at[64];
	int changes;
	/* how a round ends: 0 by the test, 1 at once (ok), -1 at once (failed),
	 * 2 after delay_ms (ok) */
	int mode;
	int delay_ms;
	uint64_t timer;
};

static void end_later(struct loop *loop, void *arg)
{
	struct rec *r = arg;

	(void)loop;
	r->timer = 0;
	r->in_flight--;
	source_round_done(r->src, true, NULL);
}

static void round_fn(struct source *src, void *arg)
{
	struct rec *r = arg;

	if (r->started < 64)
		r->at[r->started] = loop_now_ms();
	r->started++;
	r->in_flight++;
	if (r->in_flight > r->max_in_flight)
		r->max_in_flight = r->in_flight;
	if (r->mode == 1 || r->mode == -1) {
		r->in_flight--;
		source_round_done(src, r->mode == 1, r->mode == 1 ? NULL : "connection refused by 127.0.0.1:9");
	} else if (r->mode == 2) {
		r->timer = loop_timer_add(r->loop, r->delay_ms, 0, end_later, r);
	}
}

static void changed(struct source *src, void *arg)
{
	struct rec *r = arg;

	(void)src;
	r->changes++;
}

static void run_for(struct loop *loop, int64_t ms)
{
	int64_t end = loop_now_ms() + ms;

	while (loop_now_ms() < end)
		loop_run_once(loop, (int)(end - loop_now_ms()));
}

static int setup(void **state)
{
	struct rec *r = calloc(1, sizeof *r);

	r->loop = loop_new();
	r->src = source_new(r->loop, "prom", round_fn, r);
	source_on_change(r->src, changed, r);
	*state = r;
	return r->loop && r->src ? 0 : -1;
}

static int teardown(void **state)
{
	struct rec *r = *state;

	if (r->timer)
		loop_timer_cancel(r->loop, r->timer);
	source_free(r->src);
	loop_free(r->loop);
	free(r);
	return 0;
}

static void rounds_never_overlap(void **state)
{
	struct rec *r = *state;

	/* each round takes 120 ms, the interval is 40 ms */
	r->mode = 2;
	r->delay_ms = 120;
	source_start(r->src, 40);
	run_for(r->loop, 700);
	assert_int_equal(r->max_in_flight, 1);
	assert_true(r->started >= 4);
	for (int i = 1; i < r->started && i < 64; i++)
		assert_true(r->at[i] - r->at[i - 1] >= 115);   /* the next starts after the last ended */
}

static void refresh_during_a_round_runs_one_more_after_it(void **state)
{
	struct rec *r = *state;

	/* not started: a refresh is a one-off read */
	source_refresh(r->src);
	assert_int_equal(r->started, 1);
	assert_true(source_busy(r->src));
	source_refresh(r->src);
	source_refresh(r->src);
	source_refresh(r->src);
	assert_int_equal(r->started, 1);          /* not two at once */
	r->in_flight--;
	source_round_done(r->src, true, NULL);
	assert_int_equal(r->started, 1);          /* not from inside the answer */
	run_for(r->loop, 30);
	assert_int_equal(r->started, 2);          /* one more, right after */
	r->in_flight--;
	source_round_done(r->src, true, NULL);
	run_for(r->loop, 100);
	assert_int_equal(r->started, 2);          /* three refreshes, one extra round */
	assert_int_equal(r->max_in_flight, 1);
}

static void backoff_doubles_to_a_cap_and_resets_on_success(void **state)
{
	struct rec *r = *state;

	r->mode = -1;
	source_start(r->src, 100);
	assert_int_equal(source_next_wait_ms(r->src), 100);
	run_for(r->loop, 20);
	assert_int_equal(r->started, 1);
	assert_int_equal(source_failures(r->src), 1);
	assert_int_equal(source_next_wait_ms(r->src), 200);
	/* rounds at 0, 200, 600, 1400 ms: no round for 800 ms after the third */
	run_for(r->loop, 1500);
	assert_int_equal(r->started, 4);
	assert_true(r->at[1] - r->at[0] >= 195 && r->at[1] - r->at[0] < 300);
	assert_true(r->at[2] - r->at[1] >= 395 && r->at[2] - r->at[1] < 500);
	assert_true(r->at[3] - r->at[2] >= 795 && r->at[3] - r->at[2] < 900);
	assert_int_equal(source_next_wait_ms(r->src), 800);   /* 8 intervals at most */
	/* a success: back to the interval */
	r->mode = 1;
	source_refresh(r->src);
	assert_int_equal(source_failures(r->src), 0);
	assert_int_equal(source_next_wait_ms(r->src), 100);
	int before = r->started;
	run_for(r->loop, 350);
	assert_true(r->started - before >= 3);

	/* a long interval: the cap is a minute, not 8 of them */
	struct source *slow = source_new(r->loop, "slow", round_fn, r);
	r->mode = -1;
	source_start(slow, 20000);
	run_for(r->loop, 20);
	assert_int_equal(source_next_wait_ms(slow), 40000);
	source_refresh(slow);
	assert_int_equal(source_next_wait_ms(slow), 60000);
	source_refresh(slow);
	assert_int_equal(source_next_wait_ms(slow), 60000);
	source_free(slow);
}

static void refresh_now_ignores_the_backoff(void **state)
{
	struct rec *r = *state;

	r->mode = -1;
	source_start(r->src, 1000);
	run_for(r->loop, 20);
	source_refresh(r->src);
	source_refresh(r->src);
	assert_int_equal(source_next_wait_ms(r->src), 8000);
	int before = r->started;
	source_refresh(r->src);                   /* now, not in 8 s */
	assert_int_equal(r->started, before + 1);
}

/* What the model is shown of a source. */
static struct source_status status_of(const struct source *src)
{
	struct source_status st;

	source_status(src, &st);
	return st;
}

static void age_error_and_state(void **state)
{
	struct rec *r = *state;
	struct source_status st;

	assert_int_equal(source_state(r->src), SRC_IDLE);
	assert_int_equal(status_of(r->src).updated_ms, 0);
	source_refresh(r->src);
	assert_int_equal(source_state(r->src), SRC_CONNECTING);
	source_round_done(r->src, true, NULL);
	int64_t good = status_of(r->src).updated_ms;
	assert_true(good > 0 && loop_now_ms() - good < 50);
	assert_int_equal(source_state(r->src), SRC_UP);
	assert_string_equal(status_of(r->src).error, "");
	run_for(r->loop, 120);
	source_refresh(r->src);
	source_round_done(r->src, false, "Prometheus answered HTTP 500: upstream broke");
	assert_int_equal(source_state(r->src), SRC_DOWN);
	assert_string_equal(status_of(r->src).error, "Prometheus answered HTTP 500: upstream broke");
	/* the data's age still counts from the last good answer */
	assert_true(status_of(r->src).updated_ms == good);
	assert_true(loop_now_ms() - status_of(r->src).updated_ms >= 115);
	source_status(r->src, &st);
	assert_int_equal(st.state, SRC_DOWN);
	assert_true(st.updated_ms == good);
	assert_string_equal(st.error, "Prometheus answered HTTP 500: upstream broke");
	source_refresh(r->src);
	source_round_done(r->src, false, NULL);
	assert_string_equal(status_of(r->src).error, "the request failed");   /* never an empty reason */
	assert_true(r->changes >= 4);
	source_set_error(r->src, "prometheus: cannot read its token");
	assert_int_equal(source_state(r->src), SRC_DOWN);
}

static void stop_with_a_round_in_flight_drops_its_answer(void **state)
{
	struct rec *r = *state;

	source_start(r->src, 50);
	run_for(r->loop, 20);
	assert_int_equal(r->started, 1);
	assert_true(source_busy(r->src));
	source_stop(r->src);
	int changes = r->changes;
	source_round_done(r->src, true, NULL);    /* the late answer */
	assert_int_equal(source_state(r->src), SRC_CONNECTING);
	assert_int_equal(status_of(r->src).updated_ms, 0);
	assert_int_equal(r->changes, changes);
	run_for(r->loop, 200);
	assert_int_equal(r->started, 1);          /* nothing after a stop */
	source_refresh(r->src);
	assert_int_equal(r->started, 1);

	/* started again while an old round is out: the new round waits for it,
	 * the old answer is dropped, then the new one runs */
	source_start(r->src, 50);
	run_for(r->loop, 20);
	assert_int_equal(r->started, 2);
	source_stop(r->src);
	source_start(r->src, 50);
	run_for(r->loop, 30);
	assert_int_equal(r->started, 2);
	source_round_done(r->src, true, NULL);    /* from before the stop */
	assert_int_equal(status_of(r->src).updated_ms, 0);
	run_for(r->loop, 30);
	assert_int_equal(r->started, 3);
	source_round_done(r->src, true, NULL);
	assert_int_equal(source_state(r->src), SRC_UP);
}

static int reg_changes;
static struct source *reg_last;

static void reg_changed(struct source *src, void *arg)
{
	(void)arg;
	reg_changes++;
	reg_last = src;
}

static void the_registry_keeps_order_and_reports_changes(void **state)
{
	struct rec *r = *state;
	struct source_registry reg;
	struct source *kube = source_new(r->loop, "kube", round_fn, r);
	struct source *argocd = source_new(r->loop, "argocd", NULL, NULL);   /* a placeholder */

	source_registry_init(&reg, reg_changed, NULL);
	assert_int_equal(source_registry_add(&reg, kube), 0);
	assert_int_equal(source_registry_add(&reg, r->src), 1);
	assert_int_equal(source_registry_add(&reg, argocd), 2);
	assert_int_equal(source_registry_add(&reg, kube), -1);       /* a name once */
	assert_int_equal(reg.n, 3);
	assert_string_equal(source_name(reg.src[0]), "kube");
	assert_string_equal(source_name(reg.src[1]), "prom");
	assert_true(reg.src[2] == argocd);
	source_set_error(argocd, "Argo CD token: cannot be read");
	assert_true(reg_last == argocd);
	source_registry_refresh(&reg);             /* the placeholder never runs */
	assert_int_equal(r->started, 2);
	assert_true(reg_changes >= 3);
	source_round_done(kube, true, NULL);
	assert_true(reg_last == kube);
	assert_int_equal(source_state(kube), SRC_UP);
	source_registry_stop(&reg);
	source_free(kube);
	source_free(argocd);
	source_set_unconfigured(r->src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(rounds_never_overlap, setup, teardown),
		cmocka_unit_test_setup_teardown(refresh_during_a_round_runs_one_more_after_it, setup, teardown),
		cmocka_unit_test_setup_teardown(backoff_doubles_to_a_cap_and_resets_on_success, setup, teardown),
		cmocka_unit_test_setup_teardown(refresh_now_ignores_the_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(age_error_and_state, setup, teardown),
		cmocka_unit_test_setup_teardown(stop_with_a_round_in_flight_drops_its_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(the_registry_keeps_order_and_reports_changes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
