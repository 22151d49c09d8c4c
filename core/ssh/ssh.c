/* ssh — the bastion session's driver: connect, host key, authentication,
 * probe and reconnect, each step a non-blocking libssh2 call retried on the
 * socket's next event; it drops a failed session and retries it with
 * backoff. It stands on top of the other files: the authentication steps
 * (ssh_auth.c) answer it by return value, the tunnels (ssh_tunnel.c) are
 * told when the session goes down and freed with it, and the state they
 * all share is ssh_session.c's; what its state means for a request through
 * it is ssh_words.c's, which it registers with every HTTP engine. Exec
 * channels are in remote.c. */
#include "warroom/ssh.h"
#include "warroom/config.h"
#include "warroom/http.h"
#include "warroom/loop.h"
#include "warroom/source.h"
#include "warroom/text.h"

#include "ssh_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh2.h>



/* ---- small helpers ---- */

static void drive(struct ssh *s);
static void drop(struct ssh *s, enum ssh_cause cause, const char *why);

/* The words of a failure: "bastion user@host:port: " and what went wrong.
 * why is what happened, then after a '\n' what to do about it: the brief
 * form, which every request through the bastion fails with, leaves that
 * out (a plan's line has little room; the bastion's own state says all). */
static void say(struct ssh *s, enum ssh_cause cause, const char *why)
{
	size_t n = strcspn(why, "\n");

	s->cause = cause;
	snprintf(s->brief, sizeof s->brief, "bastion %s: %.*s", s->where, (int)n, why);
	snprintf(s->error, sizeof s->error, "%s%s%s", s->brief, why[n] ? "; " : "", why[n] ? why + n + 1 : "");
}

/* As ssh_session_set_state, and the tunnels are told before anyone else: a
 * session down or refused ends their connections. Authentication's own
 * states (asking, connecting again) do not concern them. */
static void set_state(struct ssh *s, enum ssh_state st)
{
	if (s->state == st)
		return;
	s->state = st;
	ssh_tunnels_state(s->tunnels, st);
	ssh_session_changed(s);
}

static const char *last_error(struct ssh *s)
{
	char *msg = NULL;

	if (s->sess)
		libssh2_session_last_error(s->sess, &msg, NULL, 0);
	return msg && *msg ? msg : "unknown error";
}

/* The accepted key as one appended line (ssh_hostkey.c). */
static void known_hosts_add(struct ssh *s)
{
	size_t keylen = 0;
	int type = 0;
	const char *key = libssh2_session_hostkey(s->sess, &keylen, &type);

	if (key && ssh_known_hosts_append(s->cfg.known_hosts, s->cfg.host, s->cfg.port, key, keylen, type) != 0)
		snprintf(s->error, sizeof s->error, "bastion %s: could not add its host key to %s", s->where,
		         s->cfg.known_hosts);
}

/* ---- connecting ---- */

static void connect_next(struct ssh *s);

static void on_socket(struct loop *loop, int fd, short revents, void *arg)
{
	struct ssh *s = arg;

	if (s->step == ST_TCP) {
		int e = 0;
		socklen_t el = sizeof e;

		getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
		if (e && s->next_addr < s->naddr) {
			connect_next(s);
			return;
		}
		if (e) {
			char why[300];

			snprintf(why, sizeof why, "unreachable: %s", strerror(e));
			drop(s, SSH_CAUSE_UNREACHABLE, why);
			return;
		}
		s->step = ST_BANNER;
	}
	if (revents & POLLIN)
		s->heard_ms = loop_now_ms();   /* whatever it is, the bastion said something */
	drive(s);
}

static void close_session(struct ssh *s)
{
	ssh_lookup_cancel(s->lookup);
	s->lookup = NULL;
	if (s->fd >= 0) {
		loop_fd_del(s->loop, s->fd);
		/* closed first: the frees below then fail at once instead of waiting */
		close(s->fd);
		s->fd = -1;
	}
	if (s->agent) {
		libssh2_agent_disconnect(s->agent);
		libssh2_agent_free(s->agent);
		s->agent = NULL;
	}
	if (s->sess) {
		for (int i = 0; i < 8 && libssh2_session_free(s->sess) == LIBSSH2_ERROR_EAGAIN; i++)
			;
		s->sess = NULL;
	}
	s->probe = NULL;   /* freed with the session */
	s->probing = s->probe_sent = false;
	s->frozen = false;
	s->opener = NULL;
	ssh_session_wipe_pass(s);
}

static void notify_down(struct ssh *s)
{
	for (struct ssh_client *c = s->clients, *n; c; c = n) {
		n = c->next;
		s->restart = false;
		if (c->down)
			c->down(c);
		if (s->restart)
			n = s->clients;   /* the list changed: start over; down() is idempotent */
	}
}

static void on_retry(struct loop *loop, void *arg);

static void drop(struct ssh *s, enum ssh_cause cause, const char *why)
{
	bool was_up = s->state == SSH_UP;

	say(s, cause, why);
	notify_down(s);
	close_session(s);
	s->step = ST_NONE;
	if (s->retry_timer)
		loop_timer_cancel(s->loop, s->retry_timer);
	s->retry_timer = 0;
	if (s->state != SSH_REFUSED) {
		/* a session that was up retries soon; a failing one backs off */
		s->backoff_ms = was_up ? SSH_BACKOFF_MIN_MS : (s->backoff_ms ? s->backoff_ms * 2 : SSH_BACKOFF_MIN_MS);
		if (s->backoff_ms > SSH_BACKOFF_MAX_MS)
			s->backoff_ms = SSH_BACKOFF_MAX_MS;
		s->retry_timer = loop_timer_add(s->loop, s->backoff_ms, 0, on_retry, s);
		set_state(s, SSH_DOWN);
	}
	ssh_session_changed(s);
}

static void refuse(struct ssh *s, enum ssh_cause cause, const char *why)
{
	say(s, cause, why);   /* before the tunnels hear of it: their requests fail with these words */
	set_state(s, SSH_REFUSED);
	drop(s, cause, why);
}

/* The name's next address; a failed attempt's socket and session go first. */
static void connect_next(struct ssh *s)
{
	const struct sockaddr *sa = (const struct sockaddr *)&s->addr[s->next_addr];
	socklen_t len = s->addr_len[s->next_addr++];
	char why[600];
	int one = 1;

	close_session(s);
	s->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || (connect(s->fd, sa, len) != 0 && errno != EINPROGRESS)) {
		snprintf(why, sizeof why, "unreachable: %s", strerror(errno));
		if (s->next_addr < s->naddr)
			connect_next(s);
		else
			drop(s, SSH_CAUSE_UNREACHABLE, why);
		return;
	}
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	s->sess = libssh2_session_init_ex(NULL, NULL, NULL, s);
	if (!s->sess) {
		drop(s, SSH_CAUSE_UNREACHABLE, "out of memory for the SSH session");
		return;
	}
	libssh2_session_set_blocking(s->sess, 0);
	s->step = ST_TCP;
	s->banner_lines = 0;
	s->banner_first[0] = '\0';
	loop_fd_add(s->loop, s->fd, POLLOUT, on_socket, s);
}

static void connect_to(struct ssh *s, const struct addrinfo *ai)
{
	for (s->naddr = s->next_addr = 0; ai && s->naddr < 4; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof s->addr[0])
			continue;
		memcpy(&s->addr[s->naddr], ai->ai_addr, ai->ai_addrlen);
		s->addr_len[s->naddr++] = ai->ai_addrlen;
	}
	if (!s->naddr)
		drop(s, SSH_CAUSE_UNREACHABLE, "unreachable: its name has no address");
	else
		connect_next(s);
}

static void on_resolved(const struct addrinfo *ai, int rc, void *arg)
{
	struct ssh *s = arg;
	char why[600];

	s->lookup = NULL;
	if (!ai) {
		snprintf(why, sizeof why, "unreachable: cannot find the bastion %s: %s", s->cfg.host,
		         gai_strerror(rc));
		drop(s, SSH_CAUSE_UNREACHABLE, why);
		return;
	}
	connect_to(s, ai);
}

static void begin(struct ssh *s)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST };
	struct addrinfo *ai = NULL;
	char port[16];

	s->started_ms = loop_now_ms();
	s->agent_tried = false;
	s->identity = NULL;
	s->key = 0;
	s->pass_tries = 0;
	set_state(s, SSH_CONNECTING);
	snprintf(port, sizeof port, "%d", s->cfg.port);
	/* an address needs no lookup and never waits; a name is looked up off
	 * the loop, since a DNS server that does not answer holds getaddrinfo
	 * for as long as its timeouts say (ssh_resolve.c) */
	if (getaddrinfo(s->cfg.host, port, &hints, &ai) == 0) {
		connect_to(s, ai);
		freeaddrinfo(ai);
		return;
	}
	s->lookup = ssh_lookup_start(s->loop, s->cfg.host, s->cfg.port, on_resolved, s);
	if (!s->lookup)
		drop(s, SSH_CAUSE_UNREACHABLE, "unreachable: its name cannot be looked up (no thread to do it on)");
}

static void on_retry(struct loop *loop, void *arg)
{
	struct ssh *s = arg;

	s->retry_timer = 0;
	if (s->state == SSH_DOWN)
		begin(s);
}

static void on_authenticated(struct ssh *s)
{
	s->step = ST_READY;
	s->backoff_ms = 0;
	s->error[0] = s->brief[0] = '\0';
	s->cause = SSH_CAUSE_NONE;
	s->heard_ms = loop_now_ms();
	s->next_probe_ms = s->heard_ms;   /* a first round trip at once */
	s->rtt_ms = -1;
	libssh2_keepalive_config(s->sess, 1, SSH_KEEPALIVE_MS / 1000);
	if (s->pending_add) {
		s->pending_add = false;
		known_hosts_add(s);
	}
	set_state(s, SSH_UP);
}

static bool dead_socket(struct ssh *s, int rc)
{
	return rc == LIBSSH2_ERROR_SOCKET_RECV || rc == LIBSSH2_ERROR_SOCKET_SEND ||
	       rc == LIBSSH2_ERROR_SOCKET_DISCONNECT || rc == LIBSSH2_ERROR_SOCKET_TIMEOUT;
}

/* An answer came: the bastion is alive, and no longer frozen if it was. */
static void heard(struct ssh *s)
{
	s->heard_ms = loop_now_ms();
	s->probe_sent = false;
	if (s->frozen) {
		s->frozen = false;
		s->error[0] = s->brief[0] = '\0';
		s->cause = SSH_CAUSE_NONE;
		ssh_session_changed(s);
	}
}

/* The probe: one session channel, opened once, asked a question every
 * SSH_PROBE_MS whose answer, yes or no, is one round trip (an "env"
 * request: a bastion that does not take the variable still answers). It
 * needs the turn to open a channel only once: a tunnel's channel that
 * waits long for its target never holds it up after that. The clock runs
 * from when a question is sent. */
#define PROBE_VAR "WARROOM_PROBE"

static void probe(struct ssh *s, int64_t now)
{
	int rc;

	if (!s->probing && now >= s->next_probe_ms)
		s->probing = true;
	if (!s->probing)
		return;
	if (!s->probe) {
		if (!ssh_open_turn(s, &s->probe))
			return;
		if (!s->probe_sent) {
			s->probe_sent = true;
			s->probe_sent_ms = now;
		}
		s->probe = libssh2_channel_open_session(s->sess);
		if (!s->probe && libssh2_session_last_errno(s->sess) == LIBSSH2_ERROR_EAGAIN)
			return;
		ssh_open_done(s, &s->probe);
		if (!s->probe) {
			drop(s, SSH_CAUSE_LOST, "connection lost: it refused the probe's channel");
			return;
		}
	} else {
		if (!s->probe_sent) {
			s->probe_sent = true;
			s->probe_sent_ms = now;
		}
		rc = libssh2_channel_setenv_ex(s->probe, PROBE_VAR, sizeof PROBE_VAR - 1, "1", 1);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return;
		if (rc != 0 && rc != LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED) {
			char why[300];

			snprintf(why, sizeof why, "connection lost%s%s", dead_socket(s, rc) ? "" : ": ",
			         dead_socket(s, rc) ? "" : last_error(s));
			drop(s, SSH_CAUSE_LOST, why);
			return;
		}
	}
	s->rtt_ms = loop_now_ms() - s->probe_sent_ms;
	heard(s);
	s->probing = false;
	s->next_probe_ms = s->heard_ms + SSH_PROBE_MS;
	ssh_session_changed(s);
}

static void drive_clients(struct ssh *s)
{
	for (int round = 0; round < 4; round++) {
		s->restart = false;
		for (struct ssh_client *c = s->clients, *n; c; c = n) {
			n = c->next;
			c->drive(c);
			if (s->restart || s->state != SSH_UP)
				break;
		}
		if (!s->restart || s->state != SSH_UP)
			break;
	}
}

/* libssh2 reads the server's identification a byte at a time for as long as
 * bytes keep coming: a port that streams anything else (a web server's 50 MB
 * answer) would hold the loop, and the keys, until the stream ends. So the
 * lines before it are read here first: the identification line ("SSH-") is
 * only looked at and left to libssh2; a few short other lines (RFC 4253
 * 4.2 allows them) are read off; anything longer, binary, or more lines is
 * a port that does not speak SSH. 0 ready, 1 more to come, -1 with words. */
#define BANNER_LINE_MAX 255   /* RFC 4253 4.2, the line end included */
#define BANNER_LINES_MAX 16

static int not_ssh(struct ssh *s, char *why, size_t len)
{
	if (s->banner_first[0])
		snprintf(why, len, "%s does not speak SSH: it answered \"%s\"", s->where, s->banner_first);
	else
		snprintf(why, len, "%s does not speak SSH: it answered something other than an SSH banner", s->where);
	return -1;
}

static int banner_ready(struct ssh *s, char *why, size_t len)
{
	char buf[BANNER_LINE_MAX + 1];

	for (;;) {
		ssize_t n = recv(s->fd, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
		const char *nl;
		size_t linelen;

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return 1;
		if (n <= 0) {
			if (s->banner_first[0])
				return not_ssh(s, why, len);
			snprintf(why, len, "%s closed the connection before saying it speaks SSH%s%s", s->where,
			         n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
			return -1;
		}
		nl = memchr(buf, '\n', (size_t)n);
		linelen = nl ? (size_t)(nl - buf) + 1 : (size_t)n;
		if (memcmp(buf, "SSH-", (size_t)n < 4 ? (size_t)n : 4) == 0 && !memchr(buf, '\0', linelen))
			return nl ? 0 : 1;   /* libssh2 reads it; the rest of it may still be on its way */
		if (memchr(buf, '\0', linelen) || linelen > BANNER_LINE_MAX)
			return not_ssh(s, why, len);
		if (!s->banner_first[0]) {
			size_t k = linelen < sizeof s->banner_first ? linelen : sizeof s->banner_first - 1;

			memcpy(s->banner_first, buf, k);
			s->banner_first[k] = '\0';
			text_fix_utf8(s->banner_first);
			for (char *c = s->banner_first; *c; c++)
				if ((unsigned char)*c < 0x20 || *c == 0x7f)
					*c = *c == '\r' || *c == '\n' ? '\0' : '?';
		}
		if (!nl)
			return 1;   /* a line still coming: looked at again when it has */
		if (++s->banner_lines > BANNER_LINES_MAX || recv(s->fd, buf, linelen, MSG_DONTWAIT) != (ssize_t)linelen)
			return not_ssh(s, why, len);
	}
}

static void drive(struct ssh *s)
{
	enum ssh_cause cause = SSH_CAUSE_UNREACHABLE;
	char why[1200];
	int rc;

	switch (s->step) {
	case ST_BANNER:
		rc = banner_ready(s, why, sizeof why);
		if (rc == 1)
			break;
		if (rc < 0) {
			drop(s, SSH_CAUSE_UNREACHABLE, why);
			return;
		}
		s->step = ST_HANDSHAKE;
		/* fall through */
	case ST_HANDSHAKE:
		rc = libssh2_session_handshake(s->sess, s->fd);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			break;
		if (rc) {
			snprintf(why, sizeof why, "unreachable: the SSH handshake failed: %s", last_error(s));
			drop(s, SSH_CAUSE_UNREACHABLE, why);
			return;
		}
		rc = ssh_auth_step_hostkey(s, &cause, why, sizeof why);
		if (rc == -1)
			drop(s, cause, why);
		else if (rc == -2)
			refuse(s, cause, why);
		if (rc != 0)
			return;   /* dropped, refused, or the operator is asked */
		s->step = ST_AGENT;
		/* fall through */
	case ST_AGENT:
		rc = ssh_auth_step_agent(s);
		if (rc == 1)
			break;
		if (rc == 0) {
			on_authenticated(s);
			break;
		}
		s->step = ST_KEYFILE;
		/* fall through */
	case ST_KEYFILE:
		rc = ssh_auth_step_keyfile(s);
		if (rc == 1)
			break;
		if (rc == 0) {
			on_authenticated(s);
			break;
		}
		snprintf(why, sizeof why, "authentication refused: it refused every key (the ssh agent's%s%s%s)\n"
		         "check the user name (%s) and that the public key is in its authorized_keys",
		         s->nkeys ? " and " : "", s->nkeys ? s->keys[0] : "", s->nkeys > 1 ? " ..." : "", s->user);
		if (dead_socket(s, libssh2_session_last_errno(s->sess)))
			drop(s, SSH_CAUSE_AUTH, "authentication refused: it closed the connection while we logged in");
		else
			refuse(s, SSH_CAUSE_AUTH, why);
		return;
	default:
		break;
	}
	if (s->step == ST_READY && s->state == SSH_UP) {
		int secs = 0;

		if (dead_socket(s, libssh2_keepalive_send(s->sess, &secs))) {
			drop(s, SSH_CAUSE_LOST, "connection lost");
			return;
		}
		probe(s, loop_now_ms());
		if (s->state != SSH_UP)
			return;
		drive_clients(s);
		if (s->state != SSH_UP)
			return;
		if (libssh2_session_last_errno(s->sess) == LIBSSH2_ERROR_SOCKET_DISCONNECT ||
		    libssh2_session_last_errno(s->sess) == LIBSSH2_ERROR_SOCKET_RECV) {
			drop(s, SSH_CAUSE_LOST, "connection lost");
			return;
		}
	}
	ssh_io_done(s);
}

static void on_tick(struct loop *loop, void *arg)
{
	struct ssh *s = arg;
	int64_t now = loop_now_ms();

	if ((s->state == SSH_CONNECTING) && now - s->started_ms > SSH_CONNECT_TIMEOUT_MS) {
		char why[500];

		if (s->lookup)
			snprintf(why, sizeof why, "unreachable: cannot find the bastion %s: the name lookup did not "
			         "finish within %d s", s->cfg.host, SSH_CONNECT_TIMEOUT_MS / 1000);
		else if (s->step == ST_TCP)
			snprintf(why, sizeof why, "unreachable: no answer to the connection within %d s",
			         SSH_CONNECT_TIMEOUT_MS / 1000);
		else
			snprintf(why, sizeof why, "frozen: it took the connection but said nothing more within %d s",
			         SSH_CONNECT_TIMEOUT_MS / 1000);
		drop(s, s->lookup || s->step == ST_TCP ? SSH_CAUSE_UNREACHABLE : SSH_CAUSE_FROZEN, why);
		return;
	}
	if (s->state == SSH_UP) {
		/* silent since its last word while a probe waits: frozen, then dead. A
		 * probe sent late (another channel held the turn to open) is given
		 * the time a punctual one would have had. */
		int64_t punctual = s->probe_sent_ms - SSH_PROBE_MS;
		int64_t quiet = s->probe_sent ? now - (s->heard_ms > punctual ? s->heard_ms : punctual) : 0;
		char why[200];

		if (quiet > SSH_DEAD_MS) {
			snprintf(why, sizeof why, "frozen: no answer for %lld s; connecting again",
			         (long long)quiet / 1000);
			drop(s, SSH_CAUSE_FROZEN, why);
			return;
		}
		if (quiet > SSH_FROZEN_MS && !s->frozen) {
			s->frozen = true;
			snprintf(why, sizeof why, "frozen: no answer to the keepalive within %d s", SSH_FROZEN_MS / 1000);
			say(s, SSH_CAUSE_FROZEN, why);
			ssh_session_changed(s);
		}
		drive(s);
	}
}

/* ---- the source ---- */

/* Up while the session is and answers; else the words, with what to do
 * about it when there is something to do (the deploy view has room). */
static void on_round(struct source *src, void *arg)
{
	struct ssh *s = arg;
	char words[sizeof s->brief];

	if (!ssh_words_now(s, words, sizeof words))
		source_round_done(src, true, NULL);
	else
		source_round_done(src, false, s->state == SSH_DOWN || s->state == SSH_REFUSED ? s->error : words);
}

static bool blame(const char *host, int port, char *out, size_t len, void *arg)
{
	return ssh_blame(arg, host, port, out, len);
}

void ssh_retry(struct ssh *s)
{
	if (!s || (s->state != SSH_REFUSED && s->state != SSH_DOWN))
		return;
	if (s->retry_timer)
		loop_timer_cancel(s->loop, s->retry_timer);
	s->retry_timer = 0;
	s->backoff_ms = 0;
	begin(s);
}

/* ---- public ---- */

static void default_keys(struct ssh *s)
{
	static const char *const names[] = { "id_ed25519", "id_ecdsa", "id_rsa" };
	const char *home = getenv("HOME");
	char path[1024];

	if (s->cfg.key_file[0]) {
		snprintf(s->keys[s->nkeys++], sizeof s->keys[0], "%s", s->cfg.key_file);
		return;
	}
	for (size_t i = 0; home && i < sizeof names / sizeof names[0] && s->nkeys < MAX_KEYS; i++) {
		snprintf(path, sizeof path, "%s/.ssh/%s", home, names[i]);
		if (access(path, R_OK) == 0)
			snprintf(s->keys[s->nkeys++], sizeof s->keys[0], "%s", path);
	}
}

struct ssh *ssh_new(struct loop *loop, const struct config_ssh *cfg, char *err, size_t errlen)
{
	struct ssh *s;
	static bool inited;

	if (!cfg->host[0]) {
		snprintf(err, errlen, "no bastion configured (ssh.host)");
		return NULL;
	}
	if (!inited && libssh2_init(0) != 0) {
		snprintf(err, errlen, "cannot start libssh2");
		return NULL;
	}
	inited = true;
	s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->loop = loop;
	s->cfg = *cfg;
	s->fd = -1;
	s->rtt_ms = -1;
	if (cfg->user[0]) {
		snprintf(s->user, sizeof s->user, "%s", cfg->user);
	} else {
		struct passwd *pw = getpwuid(getuid());
		const char *u = getenv("USER");

		snprintf(s->user, sizeof s->user, "%s", pw ? pw->pw_name : u ? u : "root");
	}
	snprintf(s->where, sizeof s->where, "%s@%s:%d", s->user, cfg->host, cfg->port);
	default_keys(s);
	s->src = source_new(loop, "bastion", on_round, s);
	if (!s->src) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	http_blame_add(blame, s);
	return s;
}

/* The answers resume the connection where the question stopped it. */
void ssh_hostkey_answer(struct ssh *s, bool accept)
{
	char why[600];
	int rc = ssh_auth_hostkey_answer(s, accept, why, sizeof why);

	if (rc == -2)
		refuse(s, SSH_CAUSE_HOSTKEY_DECLINED, why);
	else if (rc == 0)
		drive(s);
}

void ssh_passphrase_answer(struct ssh *s, const char *passphrase)
{
	if (ssh_auth_passphrase_answer(s, passphrase) == 0)
		drive(s);
}

void ssh_set_ui(struct ssh *s, const struct ssh_ui *ui)
{
	if (s)
		s->ui = *ui;
}

void ssh_start(struct ssh *s)
{
	if (!s || s->state != SSH_IDLE)
		return;
	s->tick_timer = loop_timer_add(s->loop, 250, 250, on_tick, s);
	begin(s);
}

void ssh_free(struct ssh *s)
{
	if (!s)
		return;
	http_blame_del(blame, s);
	ssh_tunnels_free(s->tunnels);
	s->tunnels = NULL;
	notify_down(s);
	close_session(s);
	if (s->retry_timer)
		loop_timer_cancel(s->loop, s->retry_timer);
	if (s->tick_timer)
		loop_timer_cancel(s->loop, s->tick_timer);
	source_free(s->src);
	free(s);
}
