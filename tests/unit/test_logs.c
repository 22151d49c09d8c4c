/* Pod logs, the parts without a network: the API server's line times, the
 * template reducer (numbers, hex ids, UUIDs, addresses, durations, times,
 * quoted strings, structured lines) on made-up lines and on a real
 * kube-apiserver log, what is new in the live slot, the ring's byte bound
 * and its dropped count, filters, pods and their terminations, Events
 * grouped by reason and object in both API forms and tied to their slot. */
#include "testutil.h"

#include "warroom/config.h"
#include "warroom/logs.h"

static void tmpl(const char *line, const char *want)
{
	char out[LOGS_TMPL_TEXT];

	logs_template(line, strlen(line), out, sizeof out);
	if (strcmp(out, want) != 0)
		fail_msg("template of\n  %s\nis\n  %s\nnot\n  %s", line, out, want);
}

static void api_server_times_are_read_to_the_nanosecond(void **state)
{
	int64_t ts;
	size_t at;
	char buf[40];
	const char *line = "2025-01-02T15:04:05.123456789Z GET /health 200";

	(void)state;
	assert_true(logs_line_time(line, strlen(line), &ts, &at));
	assert_int_equal(ts, 1735830245123456789LL);
	assert_string_equal(line + at, "GET /health 200");
	logs_format_time(ts, buf, sizeof buf);
	assert_string_equal(buf, "2025-01-02T15:04:05.123456789Z");
	/* fewer digits, an offset, no fraction */
	assert_true(logs_line_time("2025-01-02T16:04:05.5+01:00 x", 29, &ts, &at));
	assert_int_equal(ts, 1735830245500000000LL);
	assert_true(logs_line_time("2025-01-02T15:04:05Z", 20, &ts, &at));
	assert_int_equal(ts, 1735830245000000000LL);
	assert_int_equal(at, 20);
	/* a line without the time keeps all its text */
	assert_false(logs_line_time("I0824 15:49:35.117771 1 server.go:553] x", 40, &ts, &at));
	assert_int_equal(at, 0);
	assert_false(logs_line_time("2025-13-02T15:04:05Z x", 22, &ts, &at));
	assert_false(logs_line_time("9999-01-02T15:04:05Z x", 22, &ts, &at));   /* past what 64-bit ns hold */
	assert_false(logs_line_time("2025-01-02T15:04:05Zx", 21, &ts, &at));
}

static void the_reducer_keeps_words_and_replaces_values(void **state)
{
	(void)state;
	tmpl("TAK push failed: connection refused (peer 10.20.0.15:8089)",
	     "TAK push failed: connection refused (peer <ip>:<n>)");
	tmpl("retry 3 of 5 after 250ms (took 1.5s, budget 1h30m)", "retry <n> of <n> after <dur> (took <dur>, budget <dur>)");
	tmpl("request 550e8400-e29b-41d4-a716-446655440000 done", "request <uuid> done");
	tmpl("container 4f9c1e2ab0d37e55 restarted", "container <hex> restarted");
	tmpl("pointer 0x7ffd3a2c freed", "pointer <hex> freed");
	tmpl("user \"alice\" not found in 'admins'", "user <s> not found in <s>");
	tmpl("can't open it, won't retry", "can't open it, won't retry");
	tmpl("listening on [fe80::1ff:fe23:4567:890a]:8080", "listening on [<ip>]:<n>");
	tmpl("at 2025-01-02T15:04:05.123Z and 15:04:06", "at <ts> and <ts>");
	tmpl("pod detection-api-green-5d8f7b9c4-7xk2q ready", "pod detection-api-green-<hex>-<id> ready");
	tmpl("ratio 0.081 over 1e-3, count 1234567890", "ratio <n> over <n>, count <n>");
	tmpl("spaces    collapse\tand tabs", "spaces collapse and tabs");
	/* a digit next to letters is no number: words stay */
	tmpl("ipv4 and v2 and sha256", "ipv4 and v2 and <id>");
}

static void a_structured_line_is_its_level_message_and_error(void **state)
{
	(void)state;
	tmpl("{\"ts\":\"2025-01-02T15:04:05Z\",\"level\":\"error\",\"logger\":\"api\",\"msg\":\"unhandled exception\","
	     "\"error\":\"KeyError: 'source_id' in detection 3f2e9c1a-0b4d-4e5f-8a9b-0c1d2e3f4a5b from "
	     "10.244.2.14:41236\",\"pod\":\"detection-api-green-abc-x1y2z\",\"request_id\":\"9f8e7d6c5b4a3921\"}",
	     "error unhandled exception: KeyError: <s> in detection <uuid> from <ip>:<n>");
	tmpl("{\"level\":\"info\",\"msg\":\"request\",\"status\":201,\"duration_ms\":41.2}", "info request");
	/* JSON without a message, or not JSON at all, is text */
	tmpl("{\"a\":1}", "{<s>:<n>}");
	tmpl("{not json", "{not json");
}

/* The real kube-apiserver log of the fixtures: klog lines, the last one cut
 * mid-line by the recording. */
static void a_real_apiserver_log_reduces_to_shared_templates(void **state)
{
	char path[512], line[4096], out[LOGS_TMPL_TEXT];
	FILE *f;
	int lines = 0, apps = 0, prefixed = 0;

	(void)state;
	if (!testutil_fixture(path, sizeof path, "api/k8s-pods-log-kube-apiserver.txt"))
		skip();
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		size_t n = strcspn(line, "\n");

		logs_template(line, n, out, sizeof out);
		lines++;
		prefixed += (out[0] == 'I' || out[0] == 'W' || out[0] == 'E') && strncmp(out + 1, "<n> <ts> <n> ", 13) == 0;
		apps += strstr(out, "] Skipping API apps/<id> because it has no resources.") != NULL;
	}
	fclose(f);
	assert_int_equal(lines, 68);
	assert_int_equal(prefixed, lines);   /* the cut last line too */
	assert_int_equal(apps, 2);           /* apps/v1beta1 and apps/v1beta2 are one template */
}

static void the_live_slots_new_templates_rank_by_count(void **state)
{
	struct logs_tmpls ts;
	struct logs_new nw[8];
	int64_t sw = 1000LL * 1000000000;
	char line[200];
	size_t n;

	(void)state;
	assert_int_equal(logs_tmpls_init(&ts), 0);
	ts.switch_ns = sw;
	ts.live = 1;
	/* blue (0), the old version, before and after the switch */
	for (int i = 0; i < 200; i++) {
		snprintf(line, sizeof line, "request %d served in %dms", i, i % 40);
		logs_tmpls_add(&ts, 0, sw - 5000000000LL + i, line, strlen(line));
	}
	logs_tmpls_add(&ts, 0, sw - 1, "cache warmed", 12);
	/* green (1), the new one: its lines before the switch do not count as since */
	logs_tmpls_add(&ts, 1, sw - 10, "TAK push failed: connection refused (peer 10.0.0.1:8089)", 55);
	for (int i = 0; i < 100; i++) {
		snprintf(line, sizeof line, "request %d served in %dms", i, i % 40);
		logs_tmpls_add(&ts, 1, sw + 10 + i, line, strlen(line));
		if (i % 3 == 0) {
			snprintf(line, sizeof line, "TAK push failed: connection refused (peer 10.0.%d.1:80%02d)", i, i);
			logs_tmpls_add(&ts, 1, sw + 10 + i, line, strlen(line));
		}
		if (i % 10 == 0)
			logs_tmpls_add(&ts, 1, sw + 11 + i, "cache warmed", 12);
	}
	n = logs_tmpls_new(&ts, 1, 0, 4.0, nw, 8);
	/* the TAK failure never came from blue; "cache warmed" is 20x blue's share; requests are not new */
	assert_int_equal(n, 2);
	assert_string_equal(nw[0].t->text, "TAK push failed: connection refused (peer <ip>:<n>)");
	assert_int_equal(nw[0].live, 34);
	assert_int_equal(nw[0].other, 0);
	assert_true(nw[0].times == 0);
	assert_int_equal(nw[0].first_ns, sw + 10);
	assert_string_equal(nw[0].t->example, "TAK push failed: connection refused (peer 10.0.0.1:8000)");
	assert_string_equal(nw[1].t->text, "cache warmed");
	assert_true(nw[1].times > 4.0);
	assert_int_equal(ts.total[1][0], 1);
	logs_tmpls_free(&ts);
}

static void the_ring_keeps_its_bytes_and_counts_what_left(void **state)
{
	struct logs_ring r;
	char line[300];
	uint64_t added = 0, seq = 0;
	size_t kept_bytes = 0;

	(void)state;
	assert_int_equal(logs_ring_init(&r, 64 << 10), 0);
	for (int i = 0; i < 20000; i++) {
		int n = snprintf(line, sizeof line, "line %d %.*s", i, i % 200, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");

		seq = logs_ring_add(&r, i, (uint16_t)(i % 7), (uint8_t)(i % 2), 0, line, (size_t)n);
		assert_int_equal(seq, added);
		added++;
		assert_true(r.used <= r.cap);
	}
	assert_int_equal(logs_ring_end(&r), added);
	assert_int_equal(r.dropped + r.n, added);
	assert_true(r.dropped > 19000);
	assert_null(logs_ring_get(&r, logs_ring_first(&r) - 1));
	assert_null(logs_ring_get(&r, logs_ring_end(&r)));
	/* what is kept is the newest, whole and in order */
	for (uint64_t s = logs_ring_first(&r); s < logs_ring_end(&r); s++) {
		const struct logs_rec *rec = logs_ring_get(&r, s);
		int n = snprintf(line, sizeof line, "line %d ", (int)s);

		assert_non_null(rec);
		assert_int_equal(rec->ts_ns, (int64_t)s);
		assert_int_equal(rec->source, s % 7);
		assert_memory_equal(rec->text, line, (size_t)n);
		assert_int_equal(strlen(rec->text), rec->len);
		kept_bytes += rec->len;
	}
	/* the room is used: most of the buffer holds lines */
	assert_true(kept_bytes > (size_t)(64 << 10) / 2);
	logs_ring_free(&r);
}

static void filters_include_exclude_and_refuse_a_bad_regex(void **state)
{
	struct logs_filter f;
	char err[200];

	(void)state;
	logs_filter_init(&f);
	assert_int_equal(logs_filter_set(&f, LOGS_INCLUDE, "error|fail", err, sizeof err), 0);
	assert_int_equal(logs_filter_set(&f, LOGS_EXCLUDE, "health", err, sizeof err), 0);
	assert_true(logs_filter_match(&f, "TAK push FAILED"));      /* case-blind: no capital in it */
	assert_false(logs_filter_match(&f, "request served"));
	assert_false(logs_filter_match(&f, "error on /health"));
	assert_int_equal(logs_filter_set(&f, LOGS_INCLUDE, "Error", err, sizeof err), 0);
	assert_false(logs_filter_match(&f, "error"));                 /* a capital: exact case */
	assert_int_equal(logs_filter_set(&f, LOGS_INCLUDE, "a++++", err, sizeof err), -1);
	assert_non_null(strstr(err, "repetition"));
	assert_int_equal(logs_filter_set(&f, LOGS_INCLUDE, "[", err, sizeof err), -1);
	assert_non_null(strstr(err, "not a regex"));
	assert_string_equal(f.pat[LOGS_INCLUDE], "Error");            /* a refusal keeps the one before */
	assert_int_equal(logs_filter_set(&f, LOGS_HIGHLIGHT, "TAK", err, sizeof err), 0);
	assert_true(logs_filter_highlight(&f, "TAK push failed"));
	logs_filter_free(&f);
}

static struct config cfg;

static int setup_cfg(void **state)
{
	config_defaults(&cfg);
	snprintf(cfg.kube.deployments[0], sizeof cfg.kube.deployments[0], "detection-api-blue");
	snprintf(cfg.kube.deployments[1], sizeof cfg.kube.deployments[1], "detection-api-green");
	return 0;
}

static void pods_say_their_slot_containers_and_last_termination(void **state)
{
	static const char list[] =
		"{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":\"detection-api-green-5d8f7b9c4-7xk2q\","
		"\"labels\":{\"app\":\"detection-api\",\"slot\":\"green\"},\"creationTimestamp\":\"2025-01-02T15:00:00Z\"},"
		"\"status\":{\"phase\":\"Running\",\"containerStatuses\":[{\"name\":\"detection-api\",\"ready\":false,"
		"\"restartCount\":4,\"state\":{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}},\"lastState\":{\"terminated\":"
		"{\"reason\":\"OOMKilled\",\"exitCode\":137,\"finishedAt\":\"2025-01-02T15:03:00Z\"}}}]}},"
		"{\"metadata\":{\"name\":\"other-x\",\"labels\":{\"app\":\"batch\"},\"deletionTimestamp\":\"2025-01-02T15:00:00Z\"},"
		"\"spec\":{\"containers\":[{\"name\":\"worker\"}]},\"status\":{\"phase\":\"Pending\"}}]}";
	static const char svc[] = "{\"kind\":\"Service\",\"spec\":{\"selector\":{\"app\":\"detection-api\",\"slot\":\"green\"}}}";
	struct logs_pods *pods = calloc(1, sizeof *pods);
	char err[200], sel[128], live[32], path[512];
	const struct logs_container *c;

	(void)state;
	assert_int_equal(logs_parse_pods(list, sizeof list - 1, "slot", cfg.kube.slots, 2, pods, err, sizeof err), 0);
	assert_int_equal(pods->n, 2);
	assert_int_equal(pods->p[0].slot, 1);
	c = &pods->p[0].c[0];
	assert_string_equal(c->name, "detection-api");
	assert_false(c->running);
	assert_string_equal(c->waiting, "CrashLoopBackOff");
	assert_int_equal(c->restarts, 4);
	assert_string_equal(c->last_reason, "OOMKilled");
	assert_int_equal(c->last_exit, 137);
	assert_int_equal(pods->p[1].slot, -1);
	assert_true(pods->p[1].deleting);
	assert_string_equal(pods->p[1].c[0].name, "worker");
	assert_string_equal(pods->p[1].c[0].waiting, "ContainerCreating");
	assert_int_equal(logs_parse_service(svc, sizeof svc - 1, "slot", sel, sizeof sel, live, sizeof live, err,
	                                    sizeof err), 0);
	assert_string_equal(sel, "app=detection-api");
	assert_string_equal(live, "green");
	assert_int_equal(logs_parse_pods("{}", 2, "slot", cfg.kube.slots, 2, pods, err, sizeof err), -1);
	/* a real PodList: kube-system's pods, none of our slots */
	if (testutil_fixture(path, sizeof path, "api/k8s-podlist.json")) {
		FILE *f = fopen(path, "r");
		static char body[100000];
		size_t n = fread(body, 1, sizeof body, f);

		fclose(f);
		assert_int_equal(logs_parse_pods(body, n, "slot", cfg.kube.slots, 2, pods, err, sizeof err), 0);
		assert_int_equal(pods->n, 8);
		for (size_t i = 0; i < pods->n; i++) {
			assert_int_equal(pods->p[i].slot, -1);
			assert_true(pods->p[i].nc >= 1);
			assert_true(pods->p[i].c[0].running);
		}
		assert_string_equal(pods->p[0].c[0].name, "coredns");
	}
	free(pods);
}

static void names_tie_objects_to_their_slot(void **state)
{
	(void)state;
	assert_int_equal(logs_slot_of_name(&cfg, "detection-api-green"), 1);
	assert_int_equal(logs_slot_of_name(&cfg, "detection-api-green-5d8f7b9c4"), 1);
	assert_int_equal(logs_slot_of_name(&cfg, "detection-api-blue-6c7d8e9f0-p0q7b"), 0);
	assert_int_equal(logs_slot_of_name(&cfg, "detection-api-greenhouse-1"), -1);
	assert_int_equal(logs_slot_of_name(&cfg, "detection-api-green-canary-abc-xyz"), -1);
	assert_int_equal(logs_slot_of_name(&cfg, "coredns-589f44dc88-4fpns"), -1);
}

static void events_group_by_reason_and_object_in_both_forms(void **state)
{
	static const char v1[] =
		"{\"kind\":\"EventList\",\"apiVersion\":\"v1\",\"items\":["
		"{\"reason\":\"BackOff\",\"type\":\"Warning\",\"message\":\"Back-off restarting failed container\","
		"\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"detection-api-green-5d8f7b9c4-7xk2q\"},\"count\":5,"
		"\"firstTimestamp\":\"2025-01-02T15:00:00Z\",\"lastTimestamp\":\"2025-01-02T15:04:00Z\"},"
		"{\"reason\":\"BackOff\",\"type\":\"Warning\",\"message\":\"Back-off restarting failed container again\","
		"\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"detection-api-green-5d8f7b9c4-7xk2q\"},\"count\":2,"
		"\"firstTimestamp\":\"2025-01-02T15:05:00Z\",\"lastTimestamp\":\"2025-01-02T15:06:00Z\"},"
		"{\"reason\":\"BackOff\",\"type\":\"Warning\",\"message\":\"Back-off\","
		"\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"detection-api-green-5d8f7b9c4-zz9k1\"},\"count\":1,"
		"\"lastTimestamp\":\"2025-01-02T15:02:00Z\"},"
		"{\"reason\":\"ScalingReplicaSet\",\"type\":\"Normal\",\"message\":\"Scaled up\","
		"\"involvedObject\":{\"kind\":\"Deployment\",\"name\":\"detection-api-blue\"},"
		"\"lastTimestamp\":\"2025-01-02T15:07:00Z\"}]}";
	static const char k8sio[] =
		"{\"kind\":\"EventList\",\"apiVersion\":\"events.k8s.io/v1\",\"items\":["
		"{\"reason\":\"Unhealthy\",\"type\":\"Warning\",\"note\":\"Readiness probe failed: HTTP probe failed with "
		"statuscode: 503\",\"regarding\":{\"kind\":\"Pod\",\"name\":\"detection-api-blue-6c7d8e9f0-p0q7b\"},"
		"\"eventTime\":\"2025-01-02T15:00:00.000000Z\",\"series\":{\"count\":9,"
		"\"lastObservedTime\":\"2025-01-02T15:09:00.000000Z\"}},"
		"{\"reason\":\"Killing\",\"type\":\"Normal\",\"note\":\"Stopping container\",\"deprecatedCount\":3,"
		"\"regarding\":{\"kind\":\"Pod\",\"name\":\"detection-api-blue-6c7d8e9f0-p0q7b\"},"
		"\"deprecatedLastTimestamp\":\"2025-01-02T15:08:00Z\"}]}";
	struct logs_events *ev = calloc(1, sizeof *ev);
	struct logs_reason r[8];
	char err[200], path[512], body[4096];
	size_t n;

	(void)state;
	assert_int_equal(logs_parse_events(v1, sizeof v1 - 1, &cfg, ev, err, sizeof err), 0);
	assert_string_equal(ev->api, "v1");
	assert_int_equal(ev->events, 4);
	assert_int_equal(ev->n, 3);
	/* warnings first, the latest first among them */
	assert_string_equal(ev->g[0].reason, "BackOff");
	assert_string_equal(ev->g[0].name, "detection-api-green-5d8f7b9c4-7xk2q");
	assert_int_equal(ev->g[0].count, 7);
	assert_int_equal(ev->g[0].slot, 1);
	assert_string_equal(ev->g[0].message, "Back-off restarting failed container again");
	assert_int_equal(ev->g[0].first_ms, 1735830000000LL);
	assert_string_equal(ev->g[2].reason, "ScalingReplicaSet");
	assert_int_equal(ev->g[2].slot, 0);
	n = logs_events_by_reason(ev, 1, r, 8);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].count, 8);
	assert_int_equal(r[0].objects, 2);
	assert_int_equal(logs_events_recent_warnings(ev, 1735830360000LL + 60000, 120000), 1);

	assert_int_equal(logs_parse_events(k8sio, sizeof k8sio - 1, &cfg, ev, err, sizeof err), 0);
	assert_string_equal(ev->api, "events.k8s.io/v1");
	assert_int_equal(ev->n, 2);
	assert_string_equal(ev->g[0].reason, "Unhealthy");
	assert_int_equal(ev->g[0].count, 9);
	assert_int_equal(ev->g[0].last_ms, 1735830540000LL);
	assert_int_equal(ev->g[0].slot, 0);
	assert_int_equal(ev->g[1].count, 3);
	assert_int_equal(ev->g[1].last_ms, 1735830480000LL);

	/* a real core/v1 Event, wrapped in the list the API answers */
	if (testutil_fixture(path, sizeof path, "api/k8s-event.json")) {
		FILE *f = fopen(path, "r");
		int len = snprintf(body, sizeof body, "{\"kind\":\"EventList\",\"apiVersion\":\"v1\",\"items\":[");

		len += (int)fread(body + len, 1, sizeof body - (size_t)len - 4, f);
		fclose(f);
		snprintf(body + len, sizeof body - (size_t)len, "]}");
		assert_int_equal(logs_parse_events(body, strlen(body), &cfg, ev, err, sizeof err), 0);
		assert_int_equal(ev->n, 1);
		assert_string_equal(ev->g[0].reason, "Pulled");
		assert_string_equal(ev->g[0].kind, "Pod");
		assert_string_equal(ev->g[0].name, "hello-1567197780-mn4mv");
		assert_false(ev->g[0].warning);
		assert_int_equal(ev->g[0].count, 1);
		assert_int_equal(ev->g[0].slot, -1);
		assert_string_equal(ev->g[0].message, "Successfully pulled image \"blang/busybox-bash\"");
	}
	assert_int_equal(logs_parse_events("[]", 2, &cfg, ev, err, sizeof err), -1);
	free(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(api_server_times_are_read_to_the_nanosecond),
		cmocka_unit_test(the_reducer_keeps_words_and_replaces_values),
		cmocka_unit_test(a_structured_line_is_its_level_message_and_error),
		cmocka_unit_test(a_real_apiserver_log_reduces_to_shared_templates),
		cmocka_unit_test(the_live_slots_new_templates_rank_by_count),
		cmocka_unit_test(the_ring_keeps_its_bytes_and_counts_what_left),
		cmocka_unit_test(filters_include_exclude_and_refuse_a_bad_regex),
		cmocka_unit_test_setup(pods_say_their_slot_containers_and_last_termination, setup_cfg),
		cmocka_unit_test_setup(names_tie_objects_to_their_slot, setup_cfg),
		cmocka_unit_test_setup(events_group_by_reason_and_object_in_both_forms, setup_cfg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
