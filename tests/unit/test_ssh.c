/* The bastion's pieces that need no server: the host key verdict against
 * known_hosts (plain [host]:port and hashed entries, a changed key), the
 * fingerprint as OpenSSH prints it, URL targets and CONNECT_TO routes for
 * the tunnels, and the remote wrapper's quoting (run by a real sh); a port
 * that streams something other than SSH, refused at once in words; and a
 * request through the tunnel of a bastion that is down, failing with the
 * bastion's words rather than the reset it causes. */
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "warroom/config.h"
#include "warroom/http.h"
#include "warroom/loop.h"
#include "warroom/remote.h"
#include "warroom/ssh.h"

#define ED25519 6   /* LIBSSH2_HOSTKEY_TYPE_ED25519 */

/* ssh-keygen made these: key A and its known_hosts lines, key B. */
static const unsigned char key_a[] = {
	0x00, 0x00, 0x00, 0x0b, 0x73, 0x73, 0x68, 0x2d, 0x65, 0x64, 0x32, 0x35, 0x35, 0x31, 0x39, 0x00, 0x00,
	0x00, 0x20, 0x2c, 0xf5, 0xcc, 0x9b, 0x64, 0x52, 0x63, 0x37, 0x0a, 0x36, 0x0c, 0x80, 0xbf, 0x73, 0xfd,
	0xb8, 0xb7, 0xe5, 0xd0, 0x72, 0x3e, 0x6d, 0x09, 0x92, 0x4d, 0x25, 0x61, 0x76, 0xa1, 0x5d, 0x07, 0xc9,
};
static const unsigned char key_b[] = {
	0x00, 0x00, 0x00, 0x0b, 0x73, 0x73, 0x68, 0x2d, 0x65, 0x64, 0x32, 0x35, 0x35, 0x31, 0x39, 0x00, 0x00,
	0x00, 0x20, 0x1f, 0xbd, 0xfd, 0x7c, 0xa8, 0x4c, 0x3c, 0x7f, 0x5b, 0xb0, 0x7b, 0x8a, 0xe0, 0xe1, 0x3a,
	0x1b, 0x09, 0x5d, 0x21, 0x55, 0xd1, 0xc2, 0xe0, 0x87, 0x6d, 0x62, 0x68, 0xb0, 0x16, 0x5b, 0x80, 0x51,
};
static const unsigned char sha256_a[32] = {
	0xa7, 0x31, 0x46, 0x98, 0xef, 0xb3, 0x95, 0x08, 0x38, 0x0d, 0x8a, 0xee, 0x70, 0x45, 0x5e, 0x9d,
	0x4e, 0xf3, 0xff, 0x73, 0x7a, 0xb0, 0xa2, 0xf3, 0xb8, 0x09, 0xfd, 0x54, 0x59, 0xb4, 0x2b, 0xe7,
};
static const char known_hosts[] =
	"# a comment, and a line for another host\n"
	"other.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB+9/XyoTDx/W7B7iuDhOhsJXSFV0cLgh21iaLAWW4BR\n"
	"[bastion.example.com]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICz1zJtkUmM3CjYMgL9z/bi35dByPm0Jkk0lYXahXQfJ\n"
	/* jump.example.com, hashed by ssh-keygen -H */
	"|1|tXtNM3kVFNP3wBvuIWtB0tgsUUA=|GqX9DXtU1LVJoZyJ4RB4IMlGb10= ssh-ed25519 "
	"AAAAC3NzaC1lZDI1NTE5AAAAICz1zJtkUmM3CjYMgL9z/bi35dByPm0Jkk0lYXahXQfJ\n";

static char dir[512], file[600];

static int setup(void **state)
{
	FILE *f;

	testutil_tmpdir(dir, sizeof dir);
	snprintf(file, sizeof file, "%s/known_hosts", dir);
	f = fopen(file, "w");
	if (!f)
		return -1;
	fputs(known_hosts, f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	testutil_rmtree(dir);
	return 0;
}

static int check(const char *host, int port, const unsigned char *key)
{
	char err[300] = "";

	return ssh_known_hosts_check(file, host, port, (const char *)key, sizeof key_a, ED25519, err, sizeof err);
}

static void host_keys_are_checked_as_openssh_does(void **state)
{
	/* [host]:port form: the port is part of the name */
	assert_int_equal(check("bastion.example.com", 2222, key_a), 0);
	assert_int_equal(check("bastion.example.com", 22, key_a), 1);     /* another port: unknown */
	assert_int_equal(check("bastion.example.com", 2222, key_b), 2);   /* changed */
	/* hashed entries */
	assert_int_equal(check("jump.example.com", 22, key_a), 0);
	assert_int_equal(check("jump.example.com", 22, key_b), 2);
	assert_int_equal(check("unknown.example.com", 22, key_a), 1);
	/* an accepted key is appended, and known from then on; the rest stays */
	assert_int_equal(ssh_known_hosts_append(file, "new.example.com", 2200, (const char *)key_b, sizeof key_b,
	                                        ED25519), 0);
	assert_int_equal(check("new.example.com", 2200, key_b), 0);
	assert_int_equal(check("jump.example.com", 22, key_a), 0);
	/* no file yet: every host is unknown, not an error */
	char err[300] = "";
	assert_int_equal(ssh_known_hosts_check("/nonexistent/known_hosts", "x", 22, (const char *)key_a,
	                                       sizeof key_a, ED25519, err, sizeof err), 1);
}

static void fingerprint_is_the_one_ssh_keygen_prints(void **state)
{
	char fp[80];

	ssh_fingerprint_of(sha256_a, fp, sizeof fp);
	assert_string_equal(fp, "SHA256:pzFGmO+zlQg4DYrucEVenU7z/3N6sKLzuAn9VFm0K+c");
	ssh_fingerprint_of(sha256_a, fp, 12);   /* too small: cut, still terminated */
	assert_true(strlen(fp) < 12);
	assert_memory_equal(fp, "SHA256:", 7);
}

static void url_targets_and_routes(void **state)
{
	char host[256], route[300];
	int port = 0;

	assert_int_equal(ssh_url_target("https://kube.internal:6443/api", host, sizeof host, &port), 0);
	assert_string_equal(host, "kube.internal");
	assert_int_equal(port, 6443);
	assert_int_equal(ssh_url_target("http://prom/prometheus/", host, sizeof host, &port), 0);
	assert_string_equal(host, "prom");
	assert_int_equal(port, 80);
	assert_int_equal(ssh_url_target("https://user:pw@argocd.example.com", host, sizeof host, &port), 0);
	assert_string_equal(host, "argocd.example.com");
	assert_int_equal(port, 443);
	assert_int_equal(ssh_url_target("https://[fd00::1]:8443/x", host, sizeof host, &port), 0);
	assert_string_equal(host, "fd00::1");
	assert_int_equal(port, 8443);
	assert_int_equal(ssh_url_target("prom:9090", host, sizeof host, &port), -1);
	assert_int_equal(ssh_url_target("http://prom:99999/", host, sizeof host, &port), -1);

	/* the URL keeps its name, so TLS verifies it; the connection goes to the tunnel */
	assert_int_equal(ssh_route("kube.internal", 6443, 40001, route, sizeof route), 0);
	assert_string_equal(route, "kube.internal:6443:127.0.0.1:40001");
	assert_int_equal(ssh_route("fd00::1", 8443, 40002, route, sizeof route), 0);
	assert_string_equal(route, "[fd00::1]:8443:127.0.0.1:40002");
	assert_int_equal(ssh_route("kube.internal", 6443, 40001, route, 10), -1);
}

static void a_bastion_needs_a_host(void **state)
{
	struct config_ssh cfg = { .port = 22 };
	char err[200] = "";

	assert_null(ssh_new(NULL, &cfg, err, sizeof err));
	assert_string_equal(err, "no bastion configured (ssh.host)");
}

/* The wrapper is run here by sh as it would be on the bastion: the command
 * arrives as one word whatever its quotes, and its status comes back. */
static void remote_wrapper_keeps_the_command_whole(void **state)
{
	char *w = remote_wrap("printf '%s|' \"it's\" 'a \"b\"' $((2+3)); exit 7");
	char cmd[2048], out[256] = "";
	FILE *p;
	int st;

	assert_non_null(w);
	snprintf(cmd, sizeof cmd, "{ echo; sleep 2; } | %s", w);   /* no exports, then stdin stays open: no cancel */
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(out, sizeof out, p));
	st = pclose(p);
	assert_string_equal(out, "it's|a \"b\"|5|");
	assert_int_equal(WEXITSTATUS(st), 7);
	free(w);

	/* a line on stdin ends the command's whole group at once */
	/* the sleeps carry this test's pid, so another run's are not counted */
	snprintf(cmd, sizeof cmd, "sleep 30.%d & sleep 31.%d; echo not-reached", (int)getpid(), (int)getpid());
	w = remote_wrap(cmd);
	snprintf(cmd, sizeof cmd, "printf '\\nstop\\n' | %s 2>/dev/null", w);
	p = popen(cmd, "r");
	out[0] = '\0';
	if (!fgets(out, sizeof out, p))
		out[0] = '\0';
	st = pclose(p);
	assert_string_equal(out, "");
	assert_int_equal(WEXITSTATUS(st), 128 + 15);
	/* the signal reaches them at once, but they may take a moment to go */
	snprintf(cmd, sizeof cmd, "pgrep -f '^sleep 3[01]\\.%d$' >/dev/null", (int)getpid());
	for (int i = 0; i < 100 && system(cmd) == 0; i++)
		usleep(20000);
	assert_int_not_equal(system(cmd), 0);
	free(w);
}

/* The variables a runbook command gets on the bastion come as the first
 * line on its stdin, never on its command line (the bastion's process list
 * shows that to every user): a hostile value stays a value, newlines and
 * quotes and a trailing newline included, and a name that is no shell name
 * is left out. Without that line (the channel gone) nothing runs. */
static void remote_exports_keep_values_as_values(void **state)
{
	const char *env[] = { "A=it's $(echo pwned) `id` \\", "B_2=two\nlines\n", "C=sec'ret-TOKEN", "BAD-NAME=x",
		              "NOEQUALS", NULL };
	const char *cmdtext = "printf '%s|' \"$A\" \"$B_2\" \"$C\"";
	char *line = remote_env_line(env);
	char *w = remote_wrap(cmdtext), cmd[8192], out[256] = "", lf[300];
	size_t n;
	FILE *p;

	(void)state;
	assert_non_null(w);
	assert_non_null(line);
	assert_null(strstr(w, "TOKEN"));           /* the command line holds no value */
	assert_null(strstr(w, "pwned"));
	assert_null(strstr(line, "BAD-NAME"));
	assert_non_null(strchr(line, '\n'));
	assert_true(strchr(line, '\n') == line + strlen(line) - 1);   /* one line */
	snprintf(lf, sizeof lf, "%s/envline", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	p = fopen(lf, "w");
	assert_non_null(p);
	fputs(line, p);
	fclose(p);
	snprintf(cmd, sizeof cmd, "{ cat %s; sleep 1; } | %s", lf, w);   /* stdin open a while: no cancel */
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	assert_int_equal(WEXITSTATUS(pclose(p)), 0);
	assert_string_equal(out, "it's $(echo pwned) `id` \\|two\nlines\n|sec'ret-TOKEN|");
	unlink(lf);

	/* no first line: the channel went before it came; the command never runs */
	snprintf(cmd, sizeof cmd, "true | %s", w);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof out - 1, p);
	assert_int_equal(n, 0);
	assert_int_equal(WEXITSTATUS(pclose(p)), 125);
	free(w);
	free(line);
}

/* A DNS server that never answers: the lookup hangs until the test lets it go. */
static int hang_fds[2];

static int hanging_resolver(const char *host, const char *port, const struct addrinfo *hints,
                            struct addrinfo **res)
{
	char c;

	while (read(hang_fds[0], &c, 1) < 0 && errno == EINTR)
		;
	return EAI_AGAIN;
}

struct ticks {
	int n;
	int64_t last, worst;
};

static void tick(struct loop *loop, void *arg)
{
	struct ticks *t = arg;
	int64_t now = loop_now_ms();

	if (t->n++ && now - t->last > t->worst)
		t->worst = now - t->last;
	t->last = now;
}

static void run_for(struct loop *loop, int64_t ms)
{
	int64_t t0 = loop_now_ms();

	while (loop_now_ms() - t0 < ms)
		loop_run_once(loop, 20);
}

/* The bastion named by a host whose lookup never ends: the loop keeps
 * serving its timers (the keys, in the console) the whole time, the lookup's
 * failure is said in words, and a session freed mid-lookup is left alone by
 * the lookup that ends later. */
static void a_hanging_name_lookup_leaves_the_loop_answering(void **state)
{
	struct config_ssh cfg = { .host = "bastion.never-answers.test", .port = 22, .user = "op",
	                          .known_hosts = "/nonexistent/known_hosts" };
	struct ticks t = { 0 };
	struct loop *loop = loop_new();
	struct ssh *s;
	char err[300];

	assert_int_equal(pipe(hang_fds), 0);
	ssh_set_resolver(hanging_resolver);
	s = ssh_new(loop, &cfg, err, sizeof err);
	assert_non_null(s);
	loop_timer_add(loop, 10, 10, tick, &t);
	ssh_start(s);
	run_for(loop, 400);
	assert_int_equal(ssh_state(s), SSH_CONNECTING);
	/* a blocking lookup would have held the loop from the start: no tick at all;
	 * the bounds leave room for a loaded machine */
	assert_true(t.n >= 10);
	assert_true(t.worst < 250);
	/* the lookup gives up: words, and the session waits to retry */
	assert_int_equal(write(hang_fds[1], "x", 1), 1);
	for (int i = 0; i < 100 && ssh_state(s) != SSH_DOWN; i++)
		loop_run_once(loop, 20);
	assert_int_equal(ssh_state(s), SSH_DOWN);
	assert_non_null(strstr(ssh_error(s), "cannot find the bastion bastion.never-answers.test"));
	ssh_free(s);
	/* freed while its lookup hangs; the lookup ends later, writing to no one */
	s = ssh_new(loop, &cfg, err, sizeof err);
	ssh_start(s);
	run_for(loop, 50);
	ssh_free(s);
	assert_int_equal(write(hang_fds[1], "x", 1), 1);
	run_for(loop, 100);
	usleep(100 * 1000);   /* the detached lookup thread frees its half */
	ssh_set_resolver(NULL);
	close(hang_fds[0]);
	close(hang_fds[1]);
	loop_free(loop);
}

/* A name with two addresses, the first refusing: the second is tried. */
static int two_ports[2];

static int two_addresses(const char *host, const char *port, const struct addrinfo *hints, struct addrinfo **res)
{
	struct one { struct addrinfo ai; struct sockaddr_in sa; } *v[2];

	for (int i = 1; i >= 0; i--) {
		v[i] = calloc(1, sizeof *v[i]);   /* one block each, as freeaddrinfo frees them */
		v[i]->sa.sin_family = AF_INET;
		v[i]->sa.sin_port = htons((uint16_t)two_ports[i]);
		v[i]->sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		v[i]->ai = (struct addrinfo){ .ai_family = AF_INET, .ai_socktype = SOCK_STREAM,
		                              .ai_addrlen = sizeof v[i]->sa, .ai_addr = (struct sockaddr *)&v[i]->sa,
		                              .ai_next = i ? NULL : &v[1]->ai };
	}
	*res = &v[0]->ai;
	return 0;
}

static int loopback_listener(int *port, bool listening)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	if (listening)
		assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static void the_next_address_is_tried_when_one_refuses(void **state)
{
	struct config_ssh cfg = { .host = "two.addresses.test", .port = 22, .user = "op",
	                          .known_hosts = "/nonexistent/known_hosts" };
	int closed = loopback_listener(&two_ports[0], false), lfd = loopback_listener(&two_ports[1], true);
	struct loop *loop = loop_new();
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	struct ssh *s;
	char err[300];

	close(closed);   /* nothing listens there now: refused */
	ssh_set_resolver(two_addresses);
	s = ssh_new(loop, &cfg, err, sizeof err);
	ssh_start(s);
	for (int i = 0; i < 100 && poll(&pfd, 1, 0) == 0; i++)
		loop_run_once(loop, 20);
	assert_int_equal(poll(&pfd, 1, 0), 1);   /* the second address was reached */
	assert_int_equal(ssh_state(s), SSH_CONNECTING);
	ssh_free(s);
	ssh_set_resolver(NULL);
	close(lfd);
	loop_free(loop);
}

/* A web server's endless answer where the bastion should be: libssh2 alone
 * would read it a byte at a time, holding the loop while it lasts. */
static void streamer(int lfd)
{
	static const char http[] = "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n\r\n<html></html>\r\n";
	static char junk[65536];
	int c = accept(lfd, NULL, NULL);

	memset(junk, '1', sizeof junk);
	junk[0] = '[';
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; c >= 0 && i < 1024; i++)   /* 64 MiB at most */
		if (write(c, junk, sizeof junk) < 0)
			break;
	if (c >= 0)
		close(c);
	/* then a web server's short answer: quoted by its first line */
	c = accept(lfd, NULL, NULL);
	if (c >= 0 && write(c, http, sizeof http - 1) < 0)
		_exit(1);
	_exit(0);
}

static bool ssh_settled;

static void on_changed(struct ssh *s, void *arg)
{
	(void)arg;
	if (ssh_state(s) == SSH_DOWN || ssh_state(s) == SSH_REFUSED)
		ssh_settled = true;
}

static void a_port_that_does_not_speak_ssh_is_refused_at_once(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	struct config_ssh cfg = { .host = "127.0.0.1", .user = "tester" };
	struct ssh_ui ui = { .changed = on_changed };
	char err[256], dir2[512];
	struct timespec t0, t1;
	struct loop *loop;
	struct ssh *s;
	int lfd, status;
	pid_t pid;

	(void)state;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &al), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		streamer(lfd);
	close(lfd);
	testutil_tmpdir(dir2, sizeof dir2);
	cfg.port = ntohs(a.sin_port);
	snprintf(cfg.known_hosts, sizeof cfg.known_hosts, "%s/known_hosts", dir2);
	loop = loop_new();
	assert_non_null(loop);
	s = ssh_new(loop, &cfg, err, sizeof err);
	assert_non_null(s);
	ssh_set_ui(s, &ui);
	ssh_settled = false;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ssh_start(s);
	assert_int_equal(loop_run_until(loop, &ssh_settled, 5000), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(ssh_settled);
	assert_non_null(strstr(ssh_error(s), "does not speak SSH"));
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 1000);
	ssh_free(s);
	s = ssh_new(loop, &cfg, err, sizeof err);
	assert_non_null(s);
	ssh_set_ui(s, &ui);
	ssh_settled = false;
	ssh_start(s);
	assert_int_equal(loop_run_until(loop, &ssh_settled, 5000), 0);
	assert_non_null(strstr(ssh_error(s), "does not speak SSH: it answered \"HTTP/1.1 502 Bad Gateway\""));
	ssh_free(s);
	loop_free(loop);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	testutil_rmtree(dir2);
}

/* A request through the tunnel of a bastion nobody listens for: the reset
 * the tunnel gives is the consequence, the words are the bastion's. A
 * request to a port that is no tunnel of ours keeps its own words. */
struct answer {
	bool done;
	enum http_err err;
	char msg[1024];
};

static void answered(const struct http_resp *r, void *arg)
{
	struct answer *a = arg;

	a->done = true;
	a->err = r->err;
	snprintf(a->msg, sizeof a->msg, "%s", r->errmsg);
}

static void a_request_through_a_down_bastion_fails_with_its_words(void **state)
{
	struct config_ssh cfg = { .host = "127.0.0.1", .user = "op", .known_hosts = "/nonexistent/known_hosts" };
	int closed = loopback_listener(&cfg.port, false);
	struct loop *loop = loop_new();
	struct http *http = http_new(loop);
	struct answer a = { 0 };
	struct http_req req = { .url = "https://kube.internal:6443/api", .timeout_ms = 3000 };
	char err[300], route[200], want[300];
	struct ssh *s;
	int other;

	(void)state;
	close(closed);   /* nothing listens there: refused */
	s = ssh_new(loop, &cfg, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(ssh_route_url(s, "https://kube.internal:6443", NULL, 0, route, sizeof route, err,
	                               sizeof err), 0);
	ssh_start(s);
	for (int i = 0; i < 100 && ssh_state(s) != SSH_DOWN; i++)
		loop_run_once(loop, 20);
	assert_int_equal(ssh_state(s), SSH_DOWN);
	assert_int_equal(ssh_cause(s), SSH_CAUSE_UNREACHABLE);
	assert_string_equal(ssh_cause_name(ssh_cause(s)), "unreachable");
	req.connect_to = route;
	assert_true(http_request(http, &req, answered, &a) != 0);
	assert_int_equal(loop_run_until(loop, &a.done, 5000), 0);
	assert_int_equal(a.err, HTTP_EROUTE);
	snprintf(want, sizeof want, "bastion op@127.0.0.1:%d: unreachable: Connection refused", cfg.port);
	assert_string_equal(a.msg, want);
	assert_null(strstr(a.msg, "TLS"));
	/* a route that is no tunnel of this bastion: its own failure, in its own words */
	closed = loopback_listener(&other, false);
	close(closed);
	snprintf(route, sizeof route, "kube.internal:6443:127.0.0.1:%d", other);
	memset(&a, 0, sizeof a);
	assert_true(http_request(http, &req, answered, &a) != 0);
	assert_int_equal(loop_run_until(loop, &a.done, 5000), 0);
	assert_int_equal(a.err, HTTP_ECONNECT);
	assert_null(strstr(a.msg, "bastion"));
	/* freed: its tunnels' ports are nobody's, the words are the request's own */
	http_free(http);
	ssh_free(s);
	loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(host_keys_are_checked_as_openssh_does, setup, teardown),
		cmocka_unit_test(fingerprint_is_the_one_ssh_keygen_prints),
		cmocka_unit_test(url_targets_and_routes),
		cmocka_unit_test(a_bastion_needs_a_host),
		cmocka_unit_test(remote_wrapper_keeps_the_command_whole),
		cmocka_unit_test(remote_exports_keep_values_as_values),
		cmocka_unit_test(a_hanging_name_lookup_leaves_the_loop_answering),
		cmocka_unit_test(the_next_address_is_tried_when_one_refuses),
		cmocka_unit_test(a_port_that_does_not_speak_ssh_is_refused_at_once),
		cmocka_unit_test(a_request_through_a_down_bastion_fails_with_its_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
