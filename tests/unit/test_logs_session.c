/* The log session against a stand-in API server on the loop: a followed log
 * cut mid-line resumes from its last second and shows no line twice, those
 * of one time included (the API answers the whole second again); the most
 * streams followed and the rest named; a stream without a line is quiet;
 * the lines of every stream merged by time in the ring. */
#define _GNU_SOURCE   /* memmem, accept4 */
#include "http_fixture.h"

#include <sys/stat.h>

#include "warroom/config.h"
#include "warroom/kube.h"
#include "warroom/kubeconfig.h"
#include "warroom/logs.h"

#define T0 "2025-01-02T15:04:0"

static const char *const first_read =
	T0 "1.100000000Z one\n" T0 "2.000000000Z two\n" T0 "3.500000000Z three-a\n" T0 "3.500000000Z three-b\n"
	T0 "4.250000000Z four\n" T0 "5.0000";   /* cut in the middle of the next line's time */
/* the API's answer from 15:04:04 on: the second already seen, and what is new */
static const char *const resumed =
	T0 "4.250000000Z four\n" T0 "5.000000000Z five\n" T0 "5.000000000Z five-again\n" T0 "6.000000000Z six\n";

struct api {
	struct srv *srv;
	int reads_a;
	char resume_query[512];
	struct conn *open[8];
	size_t nopen;
};

static void send_all(struct conn *c, const char *s)
{
	size_t n = strlen(s);

	while (n) {
		ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void chunk(struct conn *c, const char *data, bool announce_more)
{
	char head[32];

	snprintf(head, sizeof head, "%zx\r\n", strlen(data) + (announce_more ? 64 : 0));
	send_all(c, head);
	send_all(c, data);
	if (!announce_more)
		send_all(c, "\r\n");
}

static void json(struct conn *c, int status, const char *body)
{
	respond(c, status, "Content-Type: application/json\r\n", body, strlen(body), true);
}

static bool api(struct conn *c, const char *method, const char *path, const char *body, size_t blen, void *arg)
{
	struct api *a = arg;
	const char *ns = "/api/v1/namespaces/detection-system/";

	if (strncmp(path, ns, strlen(ns)) != 0) {
		json(c, 404, "{\"kind\":\"Status\",\"code\":404,\"message\":\"not found\"}");
		return true;
	}
	path += strlen(ns);
	if (strncmp(path, "services/", 9) == 0) {
		json(c, 200, "{\"kind\":\"Service\",\"spec\":{\"selector\":{\"app\":\"d\",\"slot\":\"green\"}}}");
	} else if (strncmp(path, "pods?", 5) == 0) {
		json(c, 200, "{\"kind\":\"PodList\",\"items\":["
		     "{\"metadata\":{\"name\":\"d-green-1-aaaaa\",\"labels\":{\"slot\":\"green\"}},\"status\":{"
		     "\"containerStatuses\":[{\"name\":\"api\",\"state\":{\"running\":{}}}]}},"
		     "{\"metadata\":{\"name\":\"d-green-1-bbbbb\",\"labels\":{\"slot\":\"green\"}},\"status\":{"
		     "\"containerStatuses\":[{\"name\":\"api\",\"state\":{\"running\":{}}}]}},"
		     "{\"metadata\":{\"name\":\"d-blue-2-ccccc\",\"labels\":{\"slot\":\"blue\"}},\"status\":{"
		     "\"containerStatuses\":[{\"name\":\"api\",\"state\":{\"running\":{}}}]}}]}");
	} else if (strncmp(path, "events", 6) == 0) {
		json(c, 200, "{\"kind\":\"EventList\",\"apiVersion\":\"v1\",\"items\":[]}");
	} else if (strncmp(path, "pods/d-green-1-aaaaa/log?", 25) == 0) {
		c->hang = true;
		send_all(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n");
		if (a->reads_a++ == 0) {
			chunk(c, first_read, true);
			conn_close(c);   /* a proxy drops it, mid-line */
			return true;
		}
		snprintf(a->resume_query, sizeof a->resume_query, "%s", path);
		chunk(c, resumed, false);
		a->open[a->nopen++] = c;
	} else if (strncmp(path, "pods/d-green-1-bbbbb/log?", 25) == 0) {
		c->hang = true;
		send_all(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n");
		chunk(c, T0 "3.000000000Z b's only line\n", false);
		a->open[a->nopen++] = c;
	} else {
		json(c, 404, "{\"kind\":\"Status\",\"code\":404,\"message\":\"pods \\\"x\\\" not found\"}");
	}
	return true;
}

struct session {
	struct fx *f;
	struct api api;
	struct config cfg;
	struct kube *kube;
	struct logs *l;
	char dir[256];
};

static int session_setup(void **state)
{
	struct session *s = calloc(1, sizeof *s);
	char path[512], yaml[1024], err[256];
	struct kubeconfig kc;
	FILE *fp;

	assert_int_equal(setup((void **)&s->f), 0);
	s->api.srv = s->f->srv;
	s->f->srv->handler = api;
	s->f->srv->handler_arg = &s->api;
	testutil_tmpdir(s->dir, sizeof s->dir);
	snprintf(path, sizeof path, "%s/kubeconfig", s->dir);
	snprintf(yaml, sizeof yaml, "current-context: t\nclusters:\n- name: t\n  cluster: {server: \"http://127.0.0.1:%d\"}\n"
	         "contexts:\n- name: t\n  context: {cluster: t, user: u}\nusers:\n- name: u\n  user: {token: tok}\n",
	         s->f->srv->port);
	fp = fopen(path, "w");
	fputs(yaml, fp);
	fclose(fp);
	assert_int_equal(kubeconfig_load(&kc, path, NULL, err, sizeof err), 0);
	s->kube = kube_new(s->f->loop, s->f->http, &kc);
	config_defaults(&s->cfg);
	snprintf(s->cfg.kube.namespace_, sizeof s->cfg.kube.namespace_, "detection-system");
	snprintf(s->cfg.kube.service, sizeof s->cfg.kube.service, "d");
	snprintf(s->cfg.kube.deployments[0], sizeof s->cfg.kube.deployments[0], "d-blue");
	snprintf(s->cfg.kube.deployments[1], sizeof s->cfg.kube.deployments[1], "d-green");
	s->cfg.logs.max_streams = 2;
	s->cfg.logs.quiet_s = 1;
	s->l = logs_new(s->f->loop, s->kube, &s->cfg, NULL);
	assert_non_null(s->l);
	*state = s;
	return 0;
}

static int session_teardown(void **state)
{
	struct session *s = *state;

	logs_free(s->l);
	kube_free(s->kube);
	teardown((void **)&s->f);
	testutil_rmtree(s->dir);
	free(s);
	return 0;
}

static void run_for(struct session *s, int64_t ms)
{
	for (int64_t end = loop_now_ms() + ms; loop_now_ms() < end;)
		loop_run_once(s->f->loop, 50);
}

static void a_cut_follow_resumes_without_a_line_twice(void **state)
{
	struct session *s = *state;
	const struct logs_state *st = logs_state(s->l);
	struct logs_opts o = { .slot = -1, .start = LOGS_FROM_TIME, .since_ms = 1735830240000LL, .follow = true,
	                       .compare = true };
	static const char *const want_a[] = { "one", "two", "three-a", "three-b", "four", "five", "five-again", "six" };
	size_t na = 0, nb = 0;
	const struct logs_stream *sa = NULL, *sb = NULL;
	char words[200];

	logs_follow(s->l, &o);
	for (int i = 0; i < 60 && !(s->api.reads_a >= 2 && logs_ring_end(&st->ring) >= 9); i++)
		run_for(s, 100);
	/* resumed from the last second seen, whole seconds as every API server takes them */
	assert_int_equal(s->api.reads_a, 2);
	assert_non_null(strstr(s->api.resume_query, "follow=true"));
	assert_non_null(strstr(s->api.resume_query, "sinceTime=2025-01-02T15:04:04Z"));
	assert_non_null(strstr(s->api.resume_query, "timestamps=true"));
	/* every line once, in the API's order; the half line of the cut is not one of them */
	for (uint64_t q = logs_ring_first(&st->ring); q < logs_ring_end(&st->ring); q++) {
		const struct logs_rec *r = logs_ring_get(&st->ring, q);
		const struct logs_source *src = &st->sources[r->source];

		if (strcmp(src->pod, "d-green-1-aaaaa") == 0) {
			assert_true(na < 8);
			assert_string_equal(r->text, want_a[na]);
			na++;
		} else {
			assert_string_equal(src->pod, "d-green-1-bbbbb");
			assert_string_equal(r->text, "b's only line");
			nb++;
		}
	}
	assert_int_equal(na, 8);
	assert_int_equal(nb, 1);
	/* merged by time: b's line between two and three-a */
	for (uint64_t q = logs_ring_first(&st->ring) + 1; q < logs_ring_end(&st->ring); q++)
		assert_true(logs_ring_get(&st->ring, q)->ts_ns >= logs_ring_get(&st->ring, q - 1)->ts_ns);
	/* two streams at most: the live slot's; blue's named as not followed */
	assert_int_equal(st->not_followed, 1);
	assert_string_equal(st->not_followed_names, "blue/ccccc");
	for (size_t i = 0; i < st->nstreams; i++) {
		if (!st->streams[i].priv)
			continue;
		if (strcmp(st->sources[st->streams[i].source].pod, "d-green-1-aaaaa") == 0)
			sa = &st->streams[i];
		else
			sb = &st->streams[i];
	}
	assert_non_null(sa);
	assert_non_null(sb);
	assert_int_equal(sa->lines, 8);
	/* nothing more comes: after quiet_s, quiet, with how long */
	run_for(s, 1300);
	assert_int_equal(sb->health, LOGS_QUIET);
	logs_stream_words(sb, loop_now_ms(), words, sizeof words);
	assert_true(strncmp(words, "quiet ", 6) == 0 && words[6] >= '1' && words[6] <= '9' && strchr(words, 's'));
	/* the template counts saw each line once too */
	assert_int_equal(st->tmpls.total[1][0] + st->tmpls.total[1][1], 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_cut_follow_resumes_without_a_line_twice, session_setup, session_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
