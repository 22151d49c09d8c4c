/* kube_watch: a watch stream's events as the API server sends them (ADDED,
 * MODIFIED, DELETED, BOOKMARK, ERROR with a Status 410), lines assembled
 * whatever the chunks, the cache that drops what a resume sends twice, a
 * list after 410 told as only its differences, and what follows each way a
 * stream ends. */
#include "testutil.h"

#include <stdbool.h>

#include <cJSON.h>

#include "warroom/http.h"
#include "warroom/json.h"
#include "warroom/kube_watch.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static char *pod_event(const char *type, const char *name, const char *rv, const char *phase)
{
	char *s = malloc(600);
	assert_non_null(s);
	snprintf(s, 600, "{\"type\":\"%s\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\","
	         "\"metadata\":{\"name\":\"%s\","
	         "\"namespace\":\"detection-system\",\"resourceVersion\":\"%s\",\"labels\":{\"slot\":\"green\"}},"
	         "\"status\":{\"phase\":\"%s\"}}}", type, name, rv, phase);
	return s;
}

static void parse_ok(const char *line, struct kube_watch_event *ev)
{
	char err[200] = "";
	int rc = kube_watch_parse(line, strlen(line), ev, err, sizeof err);
	if (rc != 0)
		fail_msg("%s: %s", line, err);
}

static void test_each_event_type(void **state)
{
	(void)state;
	struct kube_watch_event ev;
	char *l = pod_event("ADDED", "api-green-1", "100", "Pending");

	parse_ok(l, &ev);
	assert_int_equal(ev.type, KW_ADDED);
	assert_string_equal(ev.key, "detection-system/api-green-1");
	assert_string_equal(ev.rv, "100");
	assert_non_null(ev.object);
	assert_string_equal(json_str(json_get(ev.object, "status"), "phase"), "Pending");
	kube_watch_event_clear(&ev);
	free(l);

	l = pod_event("MODIFIED", "api-green-1", "101", "Running");
	parse_ok(l, &ev);
	assert_int_equal(ev.type, KW_MODIFIED);
	kube_watch_event_clear(&ev);
	free(l);

	l = pod_event("DELETED", "api-green-1", "102", "Running");
	parse_ok(l, &ev);
	assert_int_equal(ev.type, KW_DELETED);
	assert_string_equal(ev.rv, "102");
	kube_watch_event_clear(&ev);
	free(l);

	/* a bookmark carries only the version */
	parse_ok("{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":"
	         "{\"resourceVersion\":\"12746\",\"annotations\":{\"k8s.io/initial-events-end\":\"true\"}}}}", &ev);
	assert_int_equal(ev.type, KW_BOOKMARK);
	assert_string_equal(ev.rv, "12746");
	assert_null(ev.object);
	kube_watch_event_clear(&ev);

	/* the version fell out of the history: 410 inside a 200 stream */
	parse_ok("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
	         "\"status\":\"Failure\",\"message\":\"too old resource version: 48213 (48900)\","
	         "\"reason\":\"Expired\",\"code\":410}}", &ev);
	assert_int_equal(ev.type, KW_ERROR);
	assert_int_equal(ev.code, 410);
	assert_string_equal(ev.message, "Expired: too old resource version: 48213 (48900)");
	kube_watch_event_clear(&ev);
}

static void test_lines_that_are_no_event_are_refused_in_words(void **state)
{
	(void)state;
	struct kube_watch_event ev;
	char err[200];
	const char *bad[] = {
		"", "not json", "[]", "{\"object\":{}}", "{\"type\":\"SYNC\",\"object\":{}}",
		"{\"type\":\"ADDED\"}", "{\"type\":\"ADDED\",\"object\":{\"metadata\":{}}}",
		"{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{}}}",
		"{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"x\",\"resourceVer",   /* cut mid-event */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_int_equal(kube_watch_parse(bad[i], strlen(bad[i]), &ev, err, sizeof err), -1);
		assert_true(err[0] != '\0');
		assert_null(ev.object);
	}
}

static void test_real_objects_as_events(void **state)
{
	(void)state;
	const char *files[] = { "api/k8s-service.json", "api/k8s-deployment.json", "api/k8s-endpointslice.json",
	                        "api/k8s-event.json" };
	int seen = 0;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char fx[512];
		size_t len;
		struct kube_watch_event ev;

		if (!testutil_fixture(fx, sizeof fx, files[i]))
			continue;
		char *obj = slurp(fx, &len);
		char *line = malloc(len + 64);
		assert_non_null(line);
		/* a stream's line: one object on one line, as the server writes it */
		cJSON *o = cJSON_Parse(obj);
		assert_non_null(o);
		char *flat = cJSON_PrintUnformatted(o);
		snprintf(line, len + 64, "{\"type\":\"MODIFIED\",\"object\":%s}", flat);
		parse_ok(line, &ev);
		assert_int_equal(ev.type, KW_MODIFIED);
		assert_string_equal(json_str(json_get(ev.object, "metadata"), "name"),
		                    json_str(json_get(o, "metadata"), "name"));
		const char *frv = json_str(json_get(o, "metadata"), "resourceVersion");
		assert_string_equal(ev.rv, frv ? frv : "");
		kube_watch_event_clear(&ev);
		cJSON_Delete(o);
		free(flat);
		free(line);
		free(obj);
		seen++;
	}
	if (!seen)
		skip();
}

/* ---- line assembly: a stream's chunks never fall on its lines ---- */

struct got {
	char types[64][12];
	int n, torn;
};

static void on_line(const struct http_line *line, void *arg)
{
	struct got *g = arg;
	struct kube_watch_event ev;
	char err[200];

	if (kube_watch_parse(line->text, line->len, &ev, err, sizeof err) != 0) {
		g->torn++;
		return;
	}
	snprintf(g->types[g->n++], sizeof g->types[0], "%s", kube_watch_type_name(ev.type));
	kube_watch_event_clear(&ev);
}

static void test_events_whole_whatever_the_chunks(void **state)
{
	(void)state;
	char *a = pod_event("ADDED", "p1", "5", "Pending"), *m = pod_event("MODIFIED", "p1", "6", "Running");
	const char *bm = "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"9\"}}}";
	char stream[2000];
	int len = snprintf(stream, sizeof stream, "%s\n%s\r\n%s\n", a, m, bm);

	for (int chunk = 1; chunk <= len; chunk += (chunk < 8 ? 1 : 37)) {
		struct http_lines *l = http_lines_new(0);
		struct got g = { .n = 0 };
		char copy[2000];

		memcpy(copy, stream, (size_t)len);
		for (int off = 0; off < len; off += chunk)
			http_lines_feed(l, copy + off, (size_t)(len - off < chunk ? len - off : chunk), on_line, &g);
		http_lines_end(l, on_line, &g);
		http_lines_free(l);
		assert_int_equal(g.torn, 0);
		assert_int_equal(g.n, 3);
		assert_string_equal(g.types[0], "ADDED");
		assert_string_equal(g.types[1], "MODIFIED");
		assert_string_equal(g.types[2], "BOOKMARK");
	}
	/* a stream cut mid-event: the torn end is one line that is no event */
	{
		struct http_lines *l = http_lines_new(0);
		struct got g = { .n = 0 };
		char copy[2000];
		int cut = (int)strlen(a) + 1 + 30;

		memcpy(copy, stream, (size_t)len);
		http_lines_feed(l, copy, (size_t)cut, on_line, &g);
		http_lines_end(l, on_line, &g);
		http_lines_free(l);
		assert_int_equal(g.n, 1);
		assert_int_equal(g.torn, 1);
	}
	free(a);
	free(m);
}

/* ---- the cache ---- */

static void apply_line(struct kube_watch_cache *c, const char *line, bool changed)
{
	struct kube_watch_event ev;

	parse_ok(line, &ev);
	assert_int_equal(kube_watch_cache_apply(c, &ev), changed);
	kube_watch_event_clear(&ev);
}

static void test_cache_drops_what_a_resume_sends_twice(void **state)
{
	(void)state;
	struct kube_watch_cache *c = kube_watch_cache_new();
	char *l;

	apply_line(c, l = pod_event("ADDED", "p1", "10", "Pending"), true), free(l);
	apply_line(c, l = pod_event("ADDED", "p2", "11", "Pending"), true), free(l);
	apply_line(c, l = pod_event("MODIFIED", "p1", "12", "Running"), true), free(l);
	/* the same event again, and an older one: nothing changes */
	apply_line(c, l = pod_event("MODIFIED", "p1", "12", "Running"), false), free(l);
	apply_line(c, l = pod_event("MODIFIED", "p1", "10", "Pending"), false), free(l);
	assert_int_equal(kube_watch_cache_count(c), 2);
	assert_string_equal(json_str(json_get(kube_watch_cache_get(c, "detection-system/p1"), "status"), "phase"),
	                    "Running");
	apply_line(c, l = pod_event("DELETED", "p2", "13", "Pending"), true), free(l);
	apply_line(c, l = pod_event("DELETED", "p2", "13", "Pending"), false), free(l);
	assert_int_equal(kube_watch_cache_count(c), 1);
	/* versions compare as numbers, not as text */
	apply_line(c, l = pod_event("MODIFIED", "p1", "100", "Succeeded"), true), free(l);
	apply_line(c, l = pod_event("MODIFIED", "p1", "99", "Running"), false), free(l);
	assert_true(kube_watch_rv_newer("100", "99"));
	assert_false(kube_watch_rv_newer("99", "100"));
	assert_false(kube_watch_rv_newer("", "1"));
	char *list = kube_watch_cache_list_json(c);
	assert_non_null(strstr(list, "\"items\":[{"));
	assert_non_null(strstr(list, "Succeeded"));
	free(list);
	kube_watch_cache_free(c);
}

struct diffs {
	char lines[16][80];
	int n;
};

static void on_diff(const struct kube_watch_event *ev, void *arg)
{
	struct diffs *d = arg;
	snprintf(d->lines[d->n++], sizeof d->lines[0], "%s %s %s", kube_watch_type_name(ev->type), ev->key, ev->rv);
}

static void test_relist_after_410_tells_only_the_differences(void **state)
{
	(void)state;
	struct kube_watch_cache *c = kube_watch_cache_new();
	struct diffs d = { .n = 0 };
	char rv[32], err[200];
	const char *first = "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"20\"},\"items\":["
	                    "{\"metadata\":{\"name\":\"p1\",\"namespace\":\"ns\",\"resourceVersion\":\"10\"}},"
	                    "{\"metadata\":{\"name\":\"p2\",\"namespace\":\"ns\",\"resourceVersion\":\"11\"}},"
	                    "{\"metadata\":{\"name\":\"p3\",\"namespace\":\"ns\",\"resourceVersion\":\"12\"}}]}";
	/* the watch fell behind: p1 as it was, p2 changed, p3 gone, p4 new */
	const char *again = "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"90\"},\"items\":["
	                    "{\"metadata\":{\"name\":\"p4\",\"namespace\":\"ns\",\"resourceVersion\":\"80\"}},"
	                    "{\"metadata\":{\"name\":\"p2\",\"namespace\":\"ns\",\"resourceVersion\":\"70\"}},"
	                    "{\"metadata\":{\"name\":\"p1\",\"namespace\":\"ns\",\"resourceVersion\":\"10\"}}]}";

	assert_int_equal(kube_watch_cache_relist(c, first, strlen(first), rv, sizeof rv, on_diff, &d, err,
	                                         sizeof err),
	                 0);
	assert_string_equal(rv, "20");
	assert_int_equal(d.n, 3);
	assert_string_equal(d.lines[0], "ADDED ns/p1 10");
	d.n = 0;
	assert_int_equal(kube_watch_cache_relist(c, again, strlen(again), rv, sizeof rv, on_diff, &d, err,
	                                         sizeof err),
	                 0);
	assert_string_equal(rv, "90");
	assert_int_equal(d.n, 3);
	assert_string_equal(d.lines[0], "MODIFIED ns/p2 70");
	assert_string_equal(d.lines[1], "ADDED ns/p4 80");
	assert_string_equal(d.lines[2], "DELETED ns/p3 90");
	assert_int_equal(kube_watch_cache_count(c), 3);
	assert_null(kube_watch_cache_get(c, "ns/p3"));
	/* a Status is no list */
	assert_int_equal(kube_watch_cache_relist(c, "{\"kind\":\"Status\",\"code\":403}", 29, rv, sizeof rv, on_diff,
	                                         &d,
	                                         err, sizeof err), -1);
	assert_int_equal(kube_watch_cache_count(c), 3);
	assert_false(kube_watch_cache_more(c));
	/* one page of more: said, so the owner lists pages instead of watching everything */
	const char *page = "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"95\","
	                   "\"continue\":\"eyJ2IjoxfQ\"},\"items\":[{\"metadata\":{\"name\":\"p1\","
	                   "\"namespace\":\"ns\",\"resourceVersion\":\"10\"}}]}";
	assert_int_equal(kube_watch_cache_relist(c, page, strlen(page), rv, sizeof rv, NULL, NULL, err, sizeof err),
	                 0);
	assert_true(kube_watch_cache_more(c));
	assert_int_equal(kube_watch_cache_count(c), 1);
	kube_watch_cache_free(c);
}

/* ---- what follows a stream's end ---- */

static void test_what_follows_each_end(void **state)
{
	(void)state;
	int64_t delay;

	/* the server's timeoutSeconds: again at once, from the last version */
	assert_int_equal(kube_watch_after(&(struct kube_watch_end){ .ok = true, .status = 200, .lasted_ms = 300000 },
	                                  &delay), KW_NEXT_RESUME);
	assert_int_equal(delay, 0);
	/* broken off after events (a proxy, a restarted server): a short wait */
	assert_int_equal(kube_watch_after(&(struct kube_watch_end){ .ok = false, .lasted_ms = 5000 }, &delay),
	                 KW_NEXT_RESUME);
	assert_int_equal(delay, 250);
	/* failing again and again: the wait doubles, to 4 s at most (back soon after its server) */
	kube_watch_after(&(struct kube_watch_end){ .ok = false, .failures = 3 }, &delay);
	assert_int_equal(delay, 1000);
	kube_watch_after(&(struct kube_watch_end){ .ok = false, .failures = 30 }, &delay);
	assert_int_equal(delay, 4000);
	/* 410, as an ERROR event or as the status: list again, at once the first time */
	assert_int_equal(kube_watch_after(&(struct kube_watch_end){ .ok = true, .status = 200, .gone = true },
	                                  &delay),
	                 KW_NEXT_RELIST);
	assert_int_equal(delay, 0);
	assert_int_equal(kube_watch_after(&(struct kube_watch_end){ .status = 410, .failures = 3 }, &delay),
	                 KW_NEXT_RELIST);
	assert_int_equal(delay, 1000);
	/* the credentials may list but not watch */
	assert_int_equal(kube_watch_after(&(struct kube_watch_end){ .status = 403 }, &delay), KW_NEXT_POLL);
	/* a list that failed is asked again with the same backoff */
	assert_int_equal(kube_watch_after(&(struct kube_watch_end){ .listing = true, .failures = 2 }, &delay),
	                 KW_NEXT_RETRY_LIST);
	assert_int_equal(delay, 500);
}

static void test_watch_path(void **state)
{
	(void)state;
	char *p = kube_watch_path("/api/v1/namespaces/ns/pods?labelSelector=slot%3Dblue", "48213", 300);
	assert_string_equal(p, "/api/v1/namespaces/ns/pods?labelSelector=slot%3Dblue&watch=1&resourceVersion=48213"
	                       "&allowWatchBookmarks=true&timeoutSeconds=300");
	free(p);
	p = kube_watch_path("/api/v1/namespaces/ns/services", "7", 0);
	assert_string_equal(p, "/api/v1/namespaces/ns/services?watch=1&resourceVersion=7&allowWatchBookmarks=true"
	                       "&timeoutSeconds=300");
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_event_type),
		cmocka_unit_test(test_lines_that_are_no_event_are_refused_in_words),
		cmocka_unit_test(test_real_objects_as_events),
		cmocka_unit_test(test_events_whole_whatever_the_chunks),
		cmocka_unit_test(test_cache_drops_what_a_resume_sends_twice),
		cmocka_unit_test(test_relist_after_410_tells_only_the_differences),
		cmocka_unit_test(test_what_follows_each_end),
		cmocka_unit_test(test_watch_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
