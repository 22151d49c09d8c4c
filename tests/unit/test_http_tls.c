/* HTTP over real TLS: openssl s_server with throw-away certificates —
 * verification, trust by file and by PEM blob, host names, client certificates. */
#define _GNU_SOURCE   /* memmem, accept4 */
#include "http_fixture.h"

/* ---- real TLS: openssl s_server with a throw-away self-signed pair ---- */

static bool sh_ok(const char *cmd)
{
	return system(cmd) == 0;
}

static void make_pair(const char *dir, const char *name, const char *cn)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
	         "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
	         "-keyout '%s/%s.key' -out '%s/%s.crt' -days 1 -subj '/CN=%s' "
	         "-addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' >/dev/null 2>&1",
	         dir, name, dir, name, cn);
	assert_true(sh_ok(cmd));
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	char *buf = malloc(65536);
	*len = fread(buf, 1, 65535, fp);
	buf[*len] = 0;
	fclose(fp);
	return buf;
}

/* Starts s_server on a free loopback port; returns when it accepts. */
static pid_t tls_server(const char *dir, int *port, bool want_client_cert)
{
	*port = closed_port();
	char acc[32], cert[300], key[300], ca[300];
	snprintf(acc, sizeof acc, "127.0.0.1:%d", *port);
	snprintf(cert, sizeof cert, "%s/server.crt", dir);
	snprintf(key, sizeof key, "%s/server.key", dir);
	snprintf(ca, sizeof ca, "%s/client.crt", dir);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		signal(SIGPIPE, SIG_DFL);
		if (want_client_cert)
			execlp("openssl", "openssl", "s_server", "-accept", acc, "-cert", cert, "-key", key,
			       "-www", "-Verify", "1", "-CAfile", ca, (char *)NULL);
		else
			execlp("openssl", "openssl", "s_server", "-accept", acc, "-cert", cert, "-key", key,
			       "-www", (char *)NULL);
		_exit(127);
	}
	int64_t t0 = loop_now_ms();
	for (;;) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)*port) };
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		int rc = connect(fd, (struct sockaddr *)&a, sizeof a);
		close(fd);
		if (rc == 0)
			break;
		assert_true(loop_now_ms() - t0 < 5000);
		usleep(20 * 1000);
	}
	return pid;
}

static void tls_get(struct fx *f, struct http_req *req, struct result *r)
{
	memset(r, 0, sizeof *r);
	req->timeout_ms = 3000;
	start(f, req, r);
	run(f, r, 5000);
}

static void test_real_tls(void **state)
{
	struct fx *f = *state;
	if (!sh_ok("command -v openssl >/dev/null 2>&1"))
		skip();
	testutil_tmpdir(f->tmp, sizeof f->tmp);
	make_pair(f->tmp, "server", "localhost");
	make_pair(f->tmp, "client", "warroom-operator");
	char path[400];
	size_t ca_len, cert_len, key_len;
	snprintf(path, sizeof path, "%s/server.crt", f->tmp);
	char *ca = slurp(path, &ca_len);
	snprintf(path, sizeof path, "%s/client.crt", f->tmp);
	char *ccert = slurp(path, &cert_len);
	snprintf(path, sizeof path, "%s/client.key", f->tmp);
	char *ckey = slurp(path, &key_len);

	int port;
	f->tls_pid[0] = tls_server(f->tmp, &port, false);
	char u[128], where[64], ct[128];
	snprintf(u, sizeof u, "https://127.0.0.1:%d/", port);
	snprintf(where, sizeof where, "127.0.0.1:%d", port);
	struct result r;

	/* verification is on by default: an unknown self-signed server fails */
	struct http_req plain = { .url = u };
	tls_get(f, &plain, &r);
	assert_int_equal(r.err, HTTP_ETLS);
	assert_true(strncmp(r.errmsg, "TLS: certificate verify failed (self", 36) == 0);
	assert_non_null(strstr(r.errmsg, where));
	print_message("self-signed server: %s\n", r.errmsg);
	free(r.body);

	/* trusted through a PEM blob, through a file, or not checked at all */
	struct http_req blob = { .url = u, .ca_pem = ca, .ca_pem_len = ca_len };
	tls_get(f, &blob, &r);
	assert_int_equal(r.err, HTTP_OK);
	assert_int_equal(r.status, 200);
	free(r.body);
	snprintf(path, sizeof path, "%s/server.crt", f->tmp);
	struct http_req file = { .url = u, .ca_file = path };
	tls_get(f, &file, &r);
	assert_int_equal(r.err, HTTP_OK);
	free(r.body);
	struct http_req insecure = { .url = u, .insecure = true };
	tls_get(f, &insecure, &r);
	assert_int_equal(r.err, HTTP_OK);
	free(r.body);

	/* the name is checked too: same server, a name its certificate lacks */
	char wrong[128];
	snprintf(wrong, sizeof wrong, "https://prometheus.internal:%d/", port);
	snprintf(ct, sizeof ct, "prometheus.internal:%d:127.0.0.1:%d", port, port);
	struct http_req mismatch = { .url = wrong, .ca_pem = ca, .connect_to = ct };
	tls_get(f, &mismatch, &r);
	assert_int_equal(r.err, HTTP_ETLS);
	assert_true(strncmp(r.errmsg, "TLS: certificate verify failed (", 32) == 0);
	assert_non_null(strstr(r.errmsg, "prometheus.internal"));
	print_message("name mismatch: %s\n", r.errmsg);
	free(r.body);

	/* a server that wants a client certificate: PEM blobs for cert and key */
	int mport;
	f->tls_pid[1] = tls_server(f->tmp, &mport, true);
	char mu[128];
	snprintf(mu, sizeof mu, "https://127.0.0.1:%d/", mport);
	struct http_req mtls = { .url = mu, .ca_pem = ca, .cert_pem = ccert,
	                         .cert_pem_len = cert_len, .key_pem = ckey, .key_pem_len = key_len };
	tls_get(f, &mtls, &r);
	assert_int_equal(r.err, HTTP_OK);
	assert_int_equal(r.status, 200);
	free(r.body);
	struct http_req nocert = { .url = mu, .ca_pem = ca };
	tls_get(f, &nocert, &r);
	assert_int_equal(r.err, HTTP_ETLS);
	print_message("client certificate missing: %s: %s\n", http_err_str(r.err), r.errmsg);
	free(r.body);

	free(ca);
	free(ccert);
	free(ckey);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_real_tls, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
