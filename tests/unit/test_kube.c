/* kube: what the API server receives (paths, verbs, patches, credentials)
 * and what the operator reads when it refuses, against a loopback server. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cJSON.h>

#include "warroom/endpoint.h"
#include "warroom/http.h"
#include "warroom/kube.h"
#include "warroom/kubeconfig.h"
#include "warroom/loop.h"

/* ---------- a tiny HTTP/1.1 server on 127.0.0.1 ---------- */

struct route {
	const char *method;
	const char *prefix;
	int status;
	const char *body;
	int times;              /* answer this many times, then fall through (0: always) */
};

struct srv {
	int fd, port;
	pthread_t th;
	pthread_mutex_t mu;
	volatile bool stop;
	struct route routes[8];
	int nroutes;
	char reqs[8][4096];     /* the last requests, headers and body */
	int nreqs;
};

static void srv_answer(struct srv *s, int c)
{
	char buf[8192];
	size_t n = 0;
	char *hdr_end = NULL;
	while (n < sizeof buf - 1) {
		ssize_t r = recv(c, buf + n, sizeof buf - 1 - n, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = '\0';
		hdr_end = strstr(buf, "\r\n\r\n");
		if (hdr_end) {
			const char *cl = strstr(buf, "Content-Length:");
			size_t want = cl ? (size_t)atol(cl + 15) : 0;
			size_t have = n - (size_t)(hdr_end + 4 - buf);
			if (have >= want)
				break;
		}
	}
	buf[n] = '\0';
	pthread_mutex_lock(&s->mu);
	snprintf(s->reqs[s->nreqs % 8], sizeof s->reqs[0], "%s", buf);
	s->nreqs++;
	int status = 404;
	const char *body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"not routed\","
	                   "\"reason\":\"NotFound\",\"code\":404}";
	for (int i = 0; i < s->nroutes; i++) {
		struct route *rt = &s->routes[i];
		size_t ml = strlen(rt->method);
		if (strncmp(buf, rt->method, ml) != 0 || buf[ml] != ' ' || strncmp(buf + ml + 1, rt->prefix, strlen(rt->prefix)) != 0)
			continue;
		if (rt->times < 0)
			continue;
		status = rt->status;
		body = rt->body;
		if (rt->times > 0 && --rt->times == 0)
			rt->times = -1;
		break;
	}
	pthread_mutex_unlock(&s->mu);
	char out[16384];
	int len = snprintf(out, sizeof out, "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
	                   "Connection: close\r\n\r\n%s", status, strlen(body), body);
	if (send(c, out, (size_t)len, MSG_NOSIGNAL) < 0)
		perror("send");
	close(c);
}

static void *srv_main(void *arg)
{
	struct srv *s = arg;
	while (!s->stop) {
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		if (poll(&p, 1, 50) <= 0)
			continue;
		int c = accept(s->fd, NULL, NULL);
		if (c >= 0)
			srv_answer(s, c);
	}
	return NULL;
}

static int listen_any(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	socklen_t al = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &al);
	*port = ntohs(a.sin_port);
	return fd;
}

static void srv_start(struct srv *s)
{
	memset(s, 0, sizeof *s);
	s->fd = listen_any(&s->port);
	assert_int_equal(listen(s->fd, 16), 0);
	pthread_mutex_init(&s->mu, NULL);
	assert_int_equal(pthread_create(&s->th, NULL, srv_main, s), 0);
}

static void srv_stop(struct srv *s)
{
	s->stop = true;
	pthread_join(s->th, NULL);
	close(s->fd);
	pthread_mutex_destroy(&s->mu);
}

static void route(struct srv *s, const char *method, const char *prefix, int status, const char *body, int times)
{
	pthread_mutex_lock(&s->mu);
	s->routes[s->nroutes++] = (struct route){ method, prefix, status, body, times };
	pthread_mutex_unlock(&s->mu);
}

static const char *req(struct srv *s, int i)
{
	return s->reqs[i % 8];
}

/* ---------- the client under test ---------- */

struct fix {
	char dir[256];
	struct srv srv;
	struct loop *loop;
	struct http *http;
	struct kube *kube;
};

struct got {
	bool done, ok;
	long status;
	char error[700];
	char body[4096];
};

static void got_cb(const struct kube_result *res, void *arg)
{
	struct got *g = arg;
	g->done = true;
	g->ok = res->ok;
	g->status = res->status;
	snprintf(g->error, sizeof g->error, "%s", res->error);
	snprintf(g->body, sizeof g->body, "%.*s", (int)res->len, res->body);
}

static void write_file(struct fix *f, const char *name, const char *text, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", f->dir, name);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* A kubeconfig for the loopback server with the given user block. */
static void open_kube(struct fix *f, int port, const char *user_yaml)
{
	char path[512], yaml[2048], err[512];
	snprintf(yaml, sizeof yaml,
	         "current-context: lab\nclusters:\n- name: lab\n  cluster: {server: \"http://127.0.0.1:%d\"}\n"
	         "contexts:\n- name: lab\n  context: {cluster: lab, user: u, namespace: detection-system}\n"
	         "users:\n- name: u\n  user:\n%s", port, user_yaml);
	write_file(f, "config", yaml, path, sizeof path);
	struct kubeconfig kc;
	assert_int_equal(kubeconfig_load(&kc, path, NULL, err, sizeof err), 0);
	f->loop = loop_new();
	f->http = http_new(f->loop);
	f->kube = kube_new(f->loop, f->http, &kc);
	kube_set_timeout(f->kube, 3000);
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof *f);
	testutil_tmpdir(f->dir, sizeof f->dir);
	srv_start(&f->srv);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	kube_free(f->kube);
	http_free(f->http);
	loop_free(f->loop);
	srv_stop(&f->srv);
	testutil_rmtree(f->dir);
	free(f);
	return 0;
}

static void wait_got(struct fix *f, struct got *g)
{
	assert_int_equal(loop_run_until(f->loop, &g->done, 5000), 0);
}

#define SERVICE_JSON "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"detection-api-service\"," \
	"\"resourceVersion\":\"4711\"},\"spec\":{\"selector\":{\"app\":\"detection-api\",\"slot\":\"green\"}}}"
#define FORBIDDEN "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\"," \
	"\"message\":\"services \\\"detection-api-service\\\" is forbidden: User \\\"alice\\\" cannot patch resource " \
	"\\\"services\\\" in API group \\\"\\\" in the namespace \\\"detection-system\\\"\",\"reason\":\"Forbidden\"," \
	"\"details\":{\"name\":\"detection-api-service\",\"kind\":\"services\"},\"code\":403}"
#define CONFLICT "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"Operation cannot be " \
	"fulfilled on services \\\"detection-api-service\\\": the object has been modified; please apply your changes " \
	"to the latest version and try again\",\"reason\":\"Conflict\",\"code\":409}"

static void test_get_sends_token_and_path(void **state)
{
	struct fix *f = *state;
	route(&f->srv, "GET", "/api/v1/namespaces/detection-system/services/detection-api-service", 200, SERVICE_JSON, 0);
	open_kube(f, f->srv.port, "    token: s3cr3t-token\n");
	struct got g = { 0 };
	assert_int_not_equal(kube_get_service(f->kube, "detection-system", "detection-api-service", got_cb, &g), 0);
	assert_false(g.done);   /* never from inside the call */
	wait_got(f, &g);
	assert_true(g.ok);
	assert_int_equal(g.status, 200);
	assert_string_equal(g.error, "");
	assert_non_null(strstr(g.body, "\"resourceVersion\":\"4711\""));
	assert_non_null(strstr(req(&f->srv, 0), "Authorization: Bearer s3cr3t-token"));
}

static void test_status_becomes_words_without_the_token(void **state)
{
	struct fix *f = *state;
	route(&f->srv, "PATCH", "/api/v1/namespaces/detection-system/services/", 403, FORBIDDEN, 0);
	route(&f->srv, "GET", "/apis/apps/v1/namespaces/detection-system/replicasets", 502, "", 0);
	open_kube(f, f->srv.port, "    token: s3cr3t-token\n");
	struct got g = { 0 };
	kube_patch_selector(f->kube, "detection-system", "detection-api-service", "slot", "blue", "4711", got_cb, &g);
	wait_got(f, &g);
	assert_false(g.ok);
	assert_int_equal(g.status, 403);
	assert_string_equal(g.error, "Forbidden: services \"detection-api-service\" is forbidden: User \"alice\" cannot "
	                    "patch resource \"services\" in API group \"\" in the namespace \"detection-system\"");
	assert_null(strstr(g.error, "s3cr3t"));

	struct got g2 = { 0 };
	kube_list_replicasets(f->kube, "detection-system", "app=detection-api", got_cb, &g2);
	wait_got(f, &g2);
	assert_false(g2.ok);
	assert_string_equal(g2.error, "HTTP 502 Bad Gateway");
	assert_non_null(strstr(req(&f->srv, 1), "GET /apis/apps/v1/namespaces/detection-system/replicasets?labelSelector=app%3Ddetection-api "));
}

static void test_selector_patch_carries_resource_version(void **state)
{
	struct fix *f = *state;
	route(&f->srv, "PATCH", "/api/v1/namespaces/detection-system/services/detection-api-service", 409, CONFLICT, 1);
	route(&f->srv, "PATCH", "/api/v1/namespaces/detection-system/services/detection-api-service", 200, SERVICE_JSON, 0);
	open_kube(f, f->srv.port, "    token: t\n");
	struct got g = { 0 };
	kube_patch_selector(f->kube, "detection-system", "detection-api-service", "slot", "blue", "4711", got_cb, &g);
	wait_got(f, &g);
	assert_int_equal(g.status, 409);
	assert_non_null(strstr(g.error, "Conflict: Operation cannot be fulfilled"));
	const char *r = req(&f->srv, 0);
	assert_non_null(strstr(r, "PATCH /api/v1/namespaces/detection-system/services/detection-api-service HTTP/1.1"));
	assert_non_null(strstr(r, "Content-Type: application/merge-patch+json"));
	const char *body = strstr(r, "\r\n\r\n") + 4;
	cJSON *j = cJSON_Parse(body);
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metadata"), "resourceVersion")->valuestring, "4711");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "spec"), "selector"), "slot")
	                    ->valuestring, "blue");
	/* a merge patch names only the slot label: the app label stays */
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "spec"), "selector")), 1);
	cJSON_Delete(j);

	/* Without a resourceVersion the patch is unconditional. */
	struct got g2 = { 0 };
	kube_patch_selector(f->kube, "detection-system", "detection-api-service", "slot", "blue", NULL, got_cb, &g2);
	wait_got(f, &g2);
	assert_true(g2.ok);
	assert_null(strstr(req(&f->srv, 1), "resourceVersion"));
}

static void test_scale_and_slices_requests(void **state)
{
	struct fix *f = *state;
	route(&f->srv, "PATCH", "/apis/apps/v1/namespaces/detection-system/deployments/detection-api-blue/scale", 200,
	      "{\"kind\":\"Scale\",\"apiVersion\":\"autoscaling/v1\",\"spec\":{\"replicas\":3},\"status\":{\"replicas\":1}}", 0);
	route(&f->srv, "GET", "/apis/discovery.k8s.io/v1/namespaces/detection-system/endpointslices", 200,
	      "{\"kind\":\"EndpointSliceList\",\"items\":[]}", 0);
	open_kube(f, f->srv.port, "    token: t\n");
	struct got g = { 0 };
	kube_patch_scale(f->kube, "detection-system", "detection-api-blue", 3, got_cb, &g);
	wait_got(f, &g);
	assert_true(g.ok);
	const char *r = req(&f->srv, 0);
	assert_non_null(strstr(r, "{\"spec\":{\"replicas\":3}}"));
	assert_non_null(strstr(r, "Content-Type: application/merge-patch+json"));

	struct got g2 = { 0 };
	kube_list_endpointslices(f->kube, "detection-system", "detection-api-service", got_cb, &g2);
	wait_got(f, &g2);
	assert_true(g2.ok);
	assert_non_null(strstr(req(&f->srv, 1),
	                       "?labelSelector=kubernetes.io%2Fservice-name%3Ddetection-api-service HTTP/1.1"));
}

/* tls-server-name: the URL names it (TLS verifies it), the connection goes to
 * the server's real address; a name of any length is never cut. */
static void test_tls_server_name_addresses_the_url_and_routes_to_the_server(void **state)
{
	struct fix *f = *state;
	char path[512], yaml[2048], err[512], host[300], name[250];
	memset(name, 'a', 200);
	snprintf(name + 200, sizeof name - 200, ".api.lab.test");
	route(&f->srv, "GET", "/api/v1/namespaces/detection-system/services/detection-api-service", 200, SERVICE_JSON, 0);
	snprintf(yaml, sizeof yaml,
	         "current-context: lab\nclusters:\n- name: lab\n  cluster: {server: \"http://127.0.0.1:%d\", "
	         "tls-server-name: %s}\ncontexts:\n- name: lab\n  context: {cluster: lab, user: u}\n"
	         "users:\n- name: u\n  user: {token: t}\n", f->srv.port, name);
	write_file(f, "config", yaml, path, sizeof path);
	struct kubeconfig kc;
	assert_int_equal(kubeconfig_load(&kc, path, NULL, err, sizeof err), 0);
	f->loop = loop_new();
	f->http = http_new(f->loop);
	f->kube = kube_new(f->loop, f->http, &kc);
	int port = 0;
	assert_int_equal(kube_url_host(f->kube, host, sizeof host, &port), 0);
	assert_string_equal(host, name);
	assert_int_equal(port, f->srv.port);
	struct got g = { 0 };
	kube_get_service(f->kube, "detection-system", "detection-api-service", got_cb, &g);
	wait_got(f, &g);
	assert_true(g.ok);
	char want[300];
	snprintf(want, sizeof want, "Host: %s:%d\r\n", name, f->srv.port);
	assert_non_null(strstr(req(&f->srv, 0), want));
}

static void test_unreachable_server_in_words(void **state)
{
	struct fix *f = *state;
	int port;
	int fd = listen_any(&port);
	close(fd);   /* nobody listens there now */
	open_kube(f, port, "    token: s3cr3t-token\n");
	struct got g = { 0 };
	kube_get_service(f->kube, "detection-system", "detection-api-service", got_cb, &g);
	wait_got(f, &g);
	assert_false(g.ok);
	assert_int_equal(g.status, 0);
	char want[200];
	snprintf(want, sizeof want, "cannot reach the API server at http://127.0.0.1:%d: connection refused", port);
	assert_string_equal(g.error, want);
}

static void test_token_file_reread_each_request(void **state)
{
	struct fix *f = *state;
	char tok[512];
	route(&f->srv, "GET", "/api/v1/", 200, SERVICE_JSON, 0);
	write_file(f, "token", "first-token\n", tok, sizeof tok);
	char user[700];
	snprintf(user, sizeof user, "    tokenFile: %s\n", tok);
	open_kube(f, f->srv.port, user);
	struct got g = { 0 };
	kube_get_service(f->kube, "detection-system", "detection-api-service", got_cb, &g);
	wait_got(f, &g);
	write_file(f, "token", "rotated-token\n", tok, sizeof tok);
	struct got g2 = { 0 };
	kube_get_service(f->kube, "detection-system", "detection-api-service", got_cb, &g2);
	wait_got(f, &g2);
	assert_non_null(strstr(req(&f->srv, 0), "Bearer first-token\r\n"));
	assert_non_null(strstr(req(&f->srv, 1), "Bearer rotated-token\r\n"));

	/* A token file that disappears: words, not a crash, and not the old token. */
	unlink(tok);
	struct got g3 = { 0 };
	kube_get_service(f->kube, "detection-system", "detection-api-service", got_cb, &g3);
	wait_got(f, &g3);
	assert_false(g3.ok);
	assert_non_null(strstr(g3.error, "token"));
	assert_null(strstr(g3.error, "rotated-token"));
}

/* An exec plugin that counts its runs and prints an ExecCredential whose
 * expiry is given in seconds from now (negative: already expired). */
static void exec_user(struct fix *f, int expires_in, char *user, size_t len)
{
	char plugin[512], script[1024];
	snprintf(script, sizeof script,
	         "#!/bin/sh\nn=$(cat %s/runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > %s/runs\n"
	         "exp=$(date -u -d \"@$(( $(date +%%s) + %d ))\" +%%Y-%%m-%%dT%%H:%%M:%%SZ)\n"
	         "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\","
	         "\"status\":{\"token\":\"exec-'$n'\",\"expirationTimestamp\":\"'$exp'\"}}'\n",
	         f->dir, f->dir, expires_in);
	write_file(f, "plugin.sh", script, plugin, sizeof plugin);
	chmod(plugin, 0700);
	snprintf(user, len, "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: %s\n", plugin);
}

static void two_gets(struct fix *f)
{
	for (int i = 0; i < 2; i++) {
		struct got g = { 0 };
		kube_get_service(f->kube, "detection-system", "detection-api-service", got_cb, &g);
		wait_got(f, &g);
		assert_true(g.ok);
	}
}

static void test_exec_credential_cached_until_expiry(void **state)
{
	struct fix *f = *state;
	route(&f->srv, "GET", "/api/v1/", 200, SERVICE_JSON, 0);
	char user[1024];
	exec_user(f, 3600, user, sizeof user);
	open_kube(f, f->srv.port, user);
	two_gets(f);
	assert_int_equal(kube_exec_runs(f->kube), 1);
	assert_non_null(strstr(req(&f->srv, 0), "Bearer exec-1\r\n"));
	assert_non_null(strstr(req(&f->srv, 1), "Bearer exec-1\r\n"));
}

static void test_expired_exec_credential_runs_again(void **state)
{
	struct fix *f = *state;
	route(&f->srv, "GET", "/api/v1/", 200, SERVICE_JSON, 0);
	char user[1024];
	exec_user(f, -60, user, sizeof user);
	open_kube(f, f->srv.port, user);
	two_gets(f);
	assert_int_equal(kube_exec_runs(f->kube), 2);
	assert_non_null(strstr(req(&f->srv, 0), "Bearer exec-1\r\n"));
	assert_non_null(strstr(req(&f->srv, 1), "Bearer exec-2\r\n"));
}

static void test_rejected_exec_credential_runs_again_once(void **state)
{
	struct fix *f = *state;
	route(&f->srv, "GET", "/api/v1/", 401, "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"Unauthorized\","
	      "\"reason\":\"Unauthorized\",\"code\":401}", 1);
	route(&f->srv, "GET", "/api/v1/", 200, SERVICE_JSON, 0);
	char user[1024];
	exec_user(f, 3600, user, sizeof user);
	open_kube(f, f->srv.port, user);
	struct got g = { 0 };
	kube_get_service(f->kube, "detection-system", "detection-api-service", got_cb, &g);
	wait_got(f, &g);
	assert_true(g.ok);
	assert_int_equal(kube_exec_runs(f->kube), 2);
	assert_non_null(strstr(req(&f->srv, 1), "Bearer exec-2\r\n"));
}

/* A plugin that forks a helper and hangs: at the exec timeout both are
 * ended, and the request that waited for a credential fails in words. */
static void test_hanging_exec_plugin_fails_the_request_and_leaves_nothing(void **state)
{
	struct fix *f = *state;
	route(&f->srv, "GET", "/api/v1/", 200, SERVICE_JSON, 0);
	char plugin[512], script[1024], user[1024], pidfile[512];
	snprintf(pidfile, sizeof pidfile, "%s/helper.pid", f->dir);
	snprintf(script, sizeof script, "#!/bin/sh\nsleep 30 & echo $! > %s\nsleep 30\n", pidfile);
	write_file(f, "plugin.sh", script, plugin, sizeof plugin);
	chmod(plugin, 0700);
	snprintf(user, sizeof user, "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: %s\n",
	         plugin);
	open_kube(f, f->srv.port, user);
	kube_set_exec_timeout(f->kube, 300);
	struct got g = { 0 };
	int64_t t0 = loop_now_ms();
	kube_get_service(f->kube, "detection-system", "detection-api-service", got_cb, &g);
	wait_got(f, &g);
	assert_true(loop_now_ms() - t0 < 2000);
	assert_false(g.ok);
	assert_non_null(strstr(g.error, "authentication failed: exec plugin"));
	assert_non_null(strstr(g.error, "did not finish within 300 ms"));
	assert_int_equal(f->srv.nreqs, 0);   /* nothing went out without a credential */
	FILE *fp = fopen(pidfile, "r");
	assert_non_null(fp);
	int pid = 0;
	assert_int_equal(fscanf(fp, "%d", &pid), 1);
	fclose(fp);
	/* The loop reaps what the subreaper inherits. */
	bool gone = false;
	for (int i = 0; i < 100 && !gone; i++) {
		gone = kill(pid, 0) < 0 && errno == ESRCH;
		if (!gone) {
			volatile bool never = false;
			loop_run_until(f->loop, &never, 10);
		}
	}
	assert_true(gone);
}

/* ---------- rollout undo ---------- */

#define DEP_UID "0b5f-dep"
static const char *deployment_json(const char *image, bool paused)
{
	static char buf[2048];
	snprintf(buf, sizeof buf,
	         "{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"detection-api\",\"uid\":\"" DEP_UID "\","
	         "\"annotations\":{\"deployment.kubernetes.io/revision\":\"3\",\"kubectl.kubernetes.io/last-applied-configuration\":\"{}\"}},"
	         "\"spec\":{\"paused\":%s,\"selector\":{\"matchLabels\":{\"app\":\"detection-api\"}},"
	         "\"template\":{\"metadata\":{\"labels\":{\"app\":\"detection-api\"}},"
	         "\"spec\":{\"containers\":[{\"name\":\"api\",\"image\":\"%s\"}]}}}}",
	         paused ? "true" : "false", image);
	return buf;
}

static char *rs_json(const char *name, const char *owner, int rev, const char *image, const char *extra_ann)
{
	char *buf = malloc(1024);
	snprintf(buf, 1024,
	         "{\"metadata\":{\"name\":\"%s\",\"ownerReferences\":[{\"kind\":\"Deployment\",\"uid\":\"%s\",\"controller\":true}],"
	         "\"annotations\":{\"deployment.kubernetes.io/revision\":\"%d\"%s}},"
	         "\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"app\":\"detection-api\",\"pod-template-hash\":\"h%d\"}},"
	         "\"spec\":{\"containers\":[{\"name\":\"api\",\"image\":\"%s\"}]}}}}",
	         name, owner, rev, extra_ann, rev, image);
	return buf;
}

static char *rs_list(int n, char **items)
{
	char *out = malloc(8192);
	size_t k = (size_t)snprintf(out, 8192, "{\"kind\":\"ReplicaSetList\",\"items\":[");
	for (int i = 0; i < n; i++) {
		k += (size_t)snprintf(out + k, 8192 - k, "%s%s", i ? "," : "", items[i]);
		free(items[i]);
	}
	snprintf(out + k, 8192 - k, "]}");
	return out;
}

static void test_undo_patch_as_kubectl(void **state)
{
	(void)state;
	char *items[] = {
		rs_json("rs-1", DEP_UID, 1, "api:1.0", ""),
		rs_json("rs-2", DEP_UID, 2, "api:1.1", ",\"team\":\"detection\",\"deployment.kubernetes.io/desired-replicas\":\"3\""),
		rs_json("rs-3", DEP_UID, 3, "api:1.2", ""),
		rs_json("other", "someone-else", 9, "other:9", ""),   /* not ours: ignored */
	};
	char *list = rs_list(4, items);
	const char *dep = deployment_json("api:1.2", false);
	char *patch = NULL, err[256];
	long rev = 0;
	assert_int_equal(kube_undo_patch(dep, strlen(dep), list, strlen(list), &patch, &rev, err, sizeof err), 0);
	assert_int_equal(rev, 2);
	cJSON *ops = cJSON_Parse(patch);
	assert_int_equal(cJSON_GetArraySize(ops), 2);
	cJSON *op0 = cJSON_GetArrayItem(ops, 0), *op1 = cJSON_GetArrayItem(ops, 1);
	assert_string_equal(cJSON_GetObjectItem(op0, "op")->valuestring, "replace");
	assert_string_equal(cJSON_GetObjectItem(op0, "path")->valuestring, "/spec/template");
	cJSON *tmpl = cJSON_GetObjectItem(op0, "value");
	cJSON *labels = cJSON_GetObjectItem(cJSON_GetObjectItem(tmpl, "metadata"), "labels");
	assert_null(cJSON_GetObjectItem(labels, "pod-template-hash"));   /* dropped */
	assert_string_equal(cJSON_GetObjectItem(labels, "app")->valuestring, "detection-api");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(tmpl, "spec"),
	                    "containers"), 0), "image")->valuestring, "api:1.1");
	assert_string_equal(cJSON_GetObjectItem(op1, "path")->valuestring, "/metadata/annotations");
	cJSON *ann = cJSON_GetObjectItem(op1, "value");
	/* the deployment's own bookkeeping stays; the old RS's other annotations come back */
	assert_string_equal(cJSON_GetObjectItem(ann, "deployment.kubernetes.io/revision")->valuestring, "3");
	assert_non_null(cJSON_GetObjectItem(ann, "kubectl.kubernetes.io/last-applied-configuration"));
	assert_string_equal(cJSON_GetObjectItem(ann, "team")->valuestring, "detection");
	assert_null(cJSON_GetObjectItem(ann, "deployment.kubernetes.io/desired-replicas"));
	cJSON_Delete(ops);
	free(patch);

	/* Paused: refused. */
	dep = deployment_json("api:1.2", true);
	assert_int_equal(kube_undo_patch(dep, strlen(dep), list, strlen(list), &patch, &rev, err, sizeof err), -1);
	assert_non_null(strstr(err, "paused"));
	assert_null(patch);
	free(list);

	/* One revision: no history. */
	char *one[] = { rs_json("rs-3", DEP_UID, 3, "api:1.2", "") };
	list = rs_list(1, one);
	dep = deployment_json("api:1.2", false);
	assert_int_equal(kube_undo_patch(dep, strlen(dep), list, strlen(list), &patch, &rev, err, sizeof err), -1);
	assert_string_equal(err, "no rollout history found for deployment \"detection-api\"");
	free(list);

	/* The previous revision's template is what runs already. */
	char *same[] = { rs_json("rs-2", DEP_UID, 2, "api:1.2", ""), rs_json("rs-3", DEP_UID, 3, "api:1.2", "") };
	list = rs_list(2, same);
	assert_int_equal(kube_undo_patch(dep, strlen(dep), list, strlen(list), &patch, &rev, err, sizeof err), -1);
	assert_non_null(strstr(err, "already matches revision 2"));
	free(list);
}

static void test_rollout_undo_end_to_end(void **state)
{
	struct fix *f = *state;
	char *items[] = { rs_json("rs-1", DEP_UID, 1, "api:1.0", ""), rs_json("rs-2", DEP_UID, 2, "api:1.1", ""),
	                  rs_json("rs-3", DEP_UID, 3, "api:1.1-bad", "") };
	char *list = rs_list(3, items);
	route(&f->srv, "GET", "/apis/apps/v1/namespaces/detection-system/deployments/detection-api", 200,
	      deployment_json("api:1.1-bad", false), 0);
	route(&f->srv, "GET", "/apis/apps/v1/namespaces/detection-system/replicasets?labelSelector=app%3Ddetection-api",
	      200, list, 0);
	route(&f->srv, "PATCH", "/apis/apps/v1/namespaces/detection-system/deployments/detection-api", 200,
	      "{\"kind\":\"Deployment\",\"metadata\":{\"generation\":7}}", 0);
	open_kube(f, f->srv.port, "    token: t\n");
	struct got g = { 0 };
	kube_rollout_undo(f->kube, "detection-system", "detection-api", got_cb, &g);
	wait_got(f, &g);
	assert_true(g.ok);
	assert_int_equal(f->srv.nreqs, 3);
	const char *patch = req(&f->srv, 2);
	assert_non_null(strstr(patch, "Content-Type: application/json-patch+json"));
	assert_non_null(strstr(patch, "\"image\":\"api:1.1\""));
	assert_non_null(strstr(patch, "\"path\":\"/spec/template\""));
	free(list);
}

struct got_plan {
	bool done, ok;
	long rev;
	char error[300];
	char patch[4096];
};

static void got_plan_cb(const struct kube_undo_plan *plan, void *arg)
{
	struct got_plan *g = arg;
	g->done = true;
	g->ok = plan->ok;
	g->rev = plan->ok ? plan->to_revision : 0;
	snprintf(g->error, sizeof g->error, "%s", plan->error);
	snprintf(g->patch, sizeof g->patch, "%s", plan->ok ? plan->patch : "");
}

/* The rollback planner's preview reads what the undo reads, names the
 * revision and image it would restore, and changes nothing. */
static void test_undo_preview_reads_as_the_undo_and_sends_nothing(void **state)
{
	struct fix *f = *state;
	char *items[] = { rs_json("rs-1", DEP_UID, 1, "api:1.0", ""), rs_json("rs-2", DEP_UID, 2, "api:1.1", ""),
	                  rs_json("rs-3", DEP_UID, 3, "api:1.1-bad", "") };
	char *list = rs_list(3, items);
	char *paused = strdup(deployment_json("api:1.1-bad", true));   /* the helper's buffer is one */
	route(&f->srv, "GET", "/apis/apps/v1/namespaces/detection-system/deployments/detection-api-paused", 200,
	      paused, 0);
	route(&f->srv, "GET", "/apis/apps/v1/namespaces/detection-system/deployments/detection-api", 200,
	      deployment_json("api:1.1-bad", false), 0);
	route(&f->srv, "GET", "/apis/apps/v1/namespaces/detection-system/replicasets?labelSelector=app%3Ddetection-api",
	      200, list, 0);
	open_kube(f, f->srv.port, "    token: t\n");

	struct got_plan g = { 0 };
	assert_true(kube_rollout_undo_plan(f->kube, "detection-system", "detection-api", got_plan_cb, &g) != 0);
	assert_int_equal(loop_run_until(f->loop, &g.done, 5000), 0);
	assert_true(g.ok);
	assert_int_equal(g.rev, 2);
	assert_non_null(strstr(g.patch, "\"image\":\"api:1.1\""));
	assert_int_equal(f->srv.nreqs, 2);
	assert_non_null(strstr(req(&f->srv, 0), "GET /apis/apps/v1/namespaces/detection-system/deployments/"));
	assert_non_null(strstr(req(&f->srv, 1), "GET /apis/apps/v1/namespaces/detection-system/replicasets"));

	/* A paused Deployment: the undo's own refusal, in its words. */
	struct got_plan p = { 0 };
	kube_rollout_undo_plan(f->kube, "detection-system", "detection-api-paused", got_plan_cb, &p);
	assert_int_equal(loop_run_until(f->loop, &p.done, 5000), 0);
	assert_false(p.ok);
	assert_non_null(strstr(p.error, "paused"));

	/* Cancelled: nothing stays in flight and no answer comes. */
	struct got_plan c = { 0 };
	uint64_t id = kube_rollout_undo_plan(f->kube, "detection-system", "detection-api", got_plan_cb, &c);
	assert_true(kube_cancel(f->kube, id));
	assert_false(kube_cancel(f->kube, id));
	assert_int_equal(kube_pending(f->kube), 0);
	assert_false(c.done);
	free(list);
	free(paused);
}

/* ---------- streams: a followed log, line by line ---------- */

struct sgot {
	struct got end;
	char lines[4][128];
	int n;
};

static void sline(const struct http_line *l, void *arg)
{
	struct sgot *s = arg;

	assert_false(s->end.done);
	if (s->n < 4)
		snprintf(s->lines[s->n], sizeof s->lines[0], "%s", l->text);
	s->n++;
}

static void send_end(const struct kube_result *res, void *arg)
{
	got_cb(res, &((struct sgot *)arg)->end);
}

static void test_stream_lines_with_the_credential_of_every_request(void **state)
{
	struct fix *f = *state;
	struct sgot s = { 0 };
	const char *path = "/api/v1/namespaces/detection-system/pods/p1/log?follow=true&timestamps=true";

	route(&f->srv, "GET", "/api/v1/namespaces/detection-system/pods/p1/log", 200,
	      "2025-01-02T03:04:05.000000001Z one\n2025-01-02T03:04:06.000000001Z two\n", 0);
	route(&f->srv, "GET", "/api/v1/namespaces/detection-system/pods/gone/log", 404,
	      "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"pods \\\"gone\\\" not found\","
	      "\"reason\":\"NotFound\",\"code\":404}", 0);
	open_kube(f, f->srv.port, "    token: s3cr3t-token\n");
	assert_int_not_equal(kube_stream(f->kube, path, 0, sline, send_end, &s), 0);
	assert_false(s.end.done);
	wait_got(f, &s.end);
	assert_true(s.end.ok);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.lines[1], "2025-01-02T03:04:06.000000001Z two");
	assert_non_null(strstr(req(&f->srv, 0), "GET /api/v1/namespaces/detection-system/pods/p1/log?follow=true"));
	assert_non_null(strstr(req(&f->srv, 0), "Authorization: Bearer s3cr3t-token"));

	memset(&s, 0, sizeof s);
	kube_stream(f->kube, "/api/v1/namespaces/detection-system/pods/gone/log?follow=true", 0, sline, send_end, &s);
	wait_got(f, &s.end);
	assert_false(s.end.ok);
	assert_int_equal(s.n, 0);
	assert_int_equal(s.end.status, 404);
	assert_non_null(strstr(s.end.error, "not found"));
	assert_null(strstr(s.end.error, "s3cr3t"));
}

static void test_stream_asks_a_refused_exec_credential_again_and_cancels_quietly(void **state)
{
	struct fix *f = *state;
	struct sgot s = { 0 };
	char user[1024];
	uint64_t id;

	route(&f->srv, "GET", "/api/v1/", 401, "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":"
	      "\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}", 1);
	route(&f->srv, "GET", "/api/v1/", 200, "line\n", 0);
	exec_user(f, -60, user, sizeof user);   /* expired at once: every stream asks first */
	open_kube(f, f->srv.port, user);
	kube_stream(f->kube, "/api/v1/namespaces/detection-system/pods/p1/log", 0, sline, send_end, &s);
	wait_got(f, &s.end);
	assert_true(s.end.ok);
	assert_int_equal(s.n, 1);
	assert_int_equal(kube_exec_runs(f->kube), 2);
	/* cancelled while its credential is asked for: no callback, nothing left */
	memset(&s, 0, sizeof s);
	id = kube_stream(f->kube, "/api/v1/namespaces/detection-system/pods/p1/log", 0, sline, send_end, &s);
	assert_true(kube_cancel(f->kube, id));
	/* the plugin it started runs to its end; nothing is called back */
	for (int64_t end = loop_now_ms() + 1500; loop_now_ms() < end;)
		loop_run_once(f->loop, 100);
	assert_int_equal(kube_exec_runs(f->kube), 3);
	assert_false(s.end.done);
	assert_int_equal(s.n, 0);
}

static void test_words_helpers(void **state)
{
	(void)state;
	char buf[300];
	const char *nf = "{\"kind\":\"Status\",\"reason\":\"NotFound\",\"message\":\"services \\\"x\\\" not found\","
	                 "\"code\":404}";
	kube_status_words(404, nf, strlen(nf), buf, sizeof buf);
	assert_string_equal(buf, "NotFound: services \"x\" not found");
	const char *un = "{\"kind\":\"Status\",\"reason\":\"Unauthorized\",\"message\":\"Unauthorized\",\"code\":401}";
	kube_status_words(401, un, strlen(un), buf, sizeof buf);
	assert_non_null(strstr(buf, "rejected the credentials"));
	kube_status_words(503, "<html>busy</html>", 17, buf, sizeof buf);
	assert_string_equal(buf, "HTTP 503 Service Unavailable");
	kube_transport_words("https://10.0.0.1:6443", HTTP_ETLS, "TLS: certificate verify failed (self-signed) for 10.0.0.1:6443",
	                     10000, buf, sizeof buf);
	assert_string_equal(buf, "TLS with the API server at https://10.0.0.1:6443 failed: TLS: certificate verify failed "
	                    "(self-signed) for 10.0.0.1:6443");
	char *enc = endpoint_escape("slot in (blue,green)");
	assert_string_equal(enc, "slot%20in%20%28blue%2Cgreen%29");
	free(enc);
}

static void test_deployment_selector(void **state)
{
	static const char two[] = "{\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"detection-api\",\"slot\":\"blue\"}}}}";
	char sel[128], path[512];
	FILE *f;

	(void)state;
	kube_deployment_selector(two, strlen(two), sel, sizeof sel);
	assert_string_equal(sel, "app=detection-api,slot=blue");
	kube_deployment_selector("{}", 2, sel, sizeof sel);
	assert_string_equal(sel, "");
	kube_deployment_selector("not json", 8, sel, sizeof sel);
	assert_string_equal(sel, "");
	if (!testutil_fixture(path, sizeof path, "api/k8s-deployment.json"))
		skip();
	f = fopen(path, "rb");
	assert_non_null(f);
	{
		char buf[65536];
		size_t n = fread(buf, 1, sizeof buf, f);

		fclose(f);
		kube_deployment_selector(buf, n, sel, sizeof sel);
	}
	assert_string_equal(sel, "app=icx-db");
}

int main(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);   /* a plugin's orphans are ours to see reaped */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get_sends_token_and_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_becomes_words_without_the_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_selector_patch_carries_resource_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scale_and_slices_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_server_name_addresses_the_url_and_routes_to_the_server, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_unreachable_server_in_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_file_reread_each_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_credential_cached_until_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_exec_credential_runs_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejected_exec_credential_runs_again_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hanging_exec_plugin_fails_the_request_and_leaves_nothing, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_stream_lines_with_the_credential_of_every_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_asks_a_refused_exec_credential_again_and_cancels_quietly, setup,
		                                teardown),
		cmocka_unit_test(test_undo_patch_as_kubectl),
		cmocka_unit_test_setup_teardown(test_rollout_undo_end_to_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_undo_preview_reads_as_the_undo_and_sends_nothing, setup, teardown),
		cmocka_unit_test(test_words_helpers),
		cmocka_unit_test(test_deployment_selector),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
