/* ssh — one libssh2 session to the bastion, driven by the loop's socket
 * events: the session is non-blocking, so no call waits on the network, and
 * a host name is looked up on a thread of its own (ssh_resolve.c). The
 * host key is checked against known_hosts (hashed entries and the
 * [host]:port form too): an unknown key is shown by its SHA256 fingerprint
 * and asked about, a changed one is refused for good. Authentication by the
 * ssh agent, then identity files (ed25519, ECDSA, RSA; a passphrase is asked
 * and wiped after the attempt). A probe every SSH_PROBE_MS measures the
 * round trip; a bastion that has said nothing for SSH_FROZEN_MS while a
 * probe waits is frozen (the session stays, it may thaw), for SSH_DEAD_MS
 * dead. A dropped session reconnects with backoff while the tunnels'
 * listeners stay, so the pollers only see failed requests (their data
 * turns stale) until it is back.
 *
 * Every failure is said first as the bastion's: a request through a tunnel
 * that gets no answer fails with the session's words ("bastion
 * user@host:port: its host key has CHANGED ..."), never the TLS reset or
 * timeout it caused (http_blame_add, for every HTTP engine of the process).
 *
 * Tunnels: a loopback listener per target; every connection accepted there
 * gets its own direct-tcpip channel on the one session. libcurl reaches it
 * with CURLOPT_CONNECT_TO, so TLS still verifies the real host name.
 * Implemented in core/ssh/: the driver ssh.c, ssh_session.c, ssh_auth.c,
 * ssh_hostkey.c, ssh_resolve.c, ssh_tunnel.c. */
#ifndef WARROOM_SSH_H
#define WARROOM_SSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct config_ssh;
struct loop;
struct source;
struct ssh;

#define SSH_KEEPALIVE_MS 5000        /* libssh2's keepalive period */
#define SSH_PROBE_MS 1000            /* a probe's round trip this often */
#define SSH_FROZEN_MS 2000           /* nothing heard this long while a probe waits: frozen */
#define SSH_DEAD_MS 12000            /* and this long: the link is dead, reconnect */
#define SSH_CONNECT_TIMEOUT_MS 10000 /* TCP connect to authenticated */
#define SSH_BACKOFF_MIN_MS 1000
#define SSH_BACKOFF_MAX_MS 30000

enum ssh_state {
	SSH_IDLE,          /* not started */
	SSH_CONNECTING,    /* TCP, handshake, host key, authentication */
	SSH_ASKING,        /* waiting for the operator (host key, passphrase) */
	SSH_UP,
	SSH_DOWN,          /* lost or failed; reconnects after the backoff */
	SSH_REFUSED,       /* will not connect (changed host key, declined, no usable key) */
};

/* Why nothing goes through the bastion, said before what it caused. */
enum ssh_cause {
	SSH_CAUSE_NONE,             /* up and answering */
	SSH_CAUSE_CONNECTING,       /* not up yet, nothing failed so far */
	SSH_CAUSE_ASKING,           /* waiting for the operator (host key, passphrase) */
	SSH_CAUSE_UNREACHABLE,      /* no name, no address, refused, silent, not SSH */
	SSH_CAUSE_HOSTKEY_UNKNOWN,  /* not in known_hosts and nobody to ask, or known_hosts unreadable */
	SSH_CAUSE_HOSTKEY_CHANGED,
	SSH_CAUSE_HOSTKEY_DECLINED, /* the operator answered no */
	SSH_CAUSE_AUTH,             /* authentication refused */
	SSH_CAUSE_FROZEN,           /* no answer to the probe within SSH_FROZEN_MS */
	SSH_CAUSE_LOST,             /* the connection dropped */
};

/* The front-end's questions. Both may be answered later (a dialog) or at
 * once, from inside the call. Without them an unknown host key is refused
 * with its fingerprint in the words, and an encrypted key is skipped. */
struct ssh_ui {
	/* Answer with ssh_hostkey_answer. */
	void (*hostkey)(struct ssh *s, const char *host, const char *fingerprint, void *arg);
	/* Answer with ssh_passphrase_answer; the text is copied and wiped after use. */
	void (*passphrase)(struct ssh *s, const char *key_file, void *arg);
	/* The state, error or round trip changed. */
	void (*changed)(struct ssh *s, void *arg);
	void *arg;
};

/* A session to cfg->host; it connects from the loop once started. NULL with
 * words when cfg names no host or memory runs out. */
struct ssh *ssh_new(struct loop *loop, const struct config_ssh *cfg, char *err, size_t errlen);
void ssh_set_ui(struct ssh *s, const struct ssh_ui *ui);
void ssh_start(struct ssh *s);
/* Closes every channel and listener and the session. */
void ssh_free(struct ssh *s);

void ssh_hostkey_answer(struct ssh *s, bool accept);
void ssh_passphrase_answer(struct ssh *s, const char *passphrase);   /* NULL: skip this key */

enum ssh_state ssh_state(const struct ssh *s);
/* "" while all is well, else "bastion user@host:port: " and what failed */
const char *ssh_error(const struct ssh *s);
enum ssh_cause ssh_cause(const struct ssh *s);
/* A few words for the title bar: "frozen", "host key CHANGED". */
const char *ssh_cause_name(enum ssh_cause c);
/* The operator acts (refresh): a refused or dropped session connects again
 * now; an unknown host key is asked about again. */
void ssh_retry(struct ssh *s);
/* Why a request sent to host:port got no answer, when that is one of this
 * session's tunnels and the session (or the tunnel's last channel) is the
 * cause: true with the words. What http_blame_add is given. */
bool ssh_blame(const struct ssh *s, const char *host, int port, char *out, size_t len);
const char *ssh_where(const struct ssh *s);        /* "user@host:port" */
int64_t ssh_rtt_ms(const struct ssh *s);           /* the last probe's round trip, -1: none yet */
/* A source for the registry: up while the session is, down with the words. */
struct source *ssh_source(struct ssh *s);

/* The SHA256 fingerprint of a raw host key as OpenSSH prints it. */
void ssh_fingerprint_of(const unsigned char *sha256, char *out, size_t len);
/* The known_hosts verdict for a key (as libssh2_knownhost_checkp): 0 match,
 * 1 not found, 2 changed (mismatch), -1 the file could not be read. */
int ssh_known_hosts_check(const char *file, const char *host, int port, const char *key, size_t keylen,
                          int key_type, char *err, size_t errlen);
/* Appends host's key as a known_hosts line ([host]:port unless 22). 0 or -1. */
int ssh_known_hosts_append(const char *file, const char *host, int port, const char *key, size_t keylen,
                           int key_type);

/* ---- tunnels ---- */

/* host and port of an http(s) URL (default ports 80, 443). 0 or -1. */
int ssh_url_target(const char *url, char *host, size_t hostlen, int *port);
/* The CURLOPT_CONNECT_TO route for a URL through a tunnel's local port:
 * "urlhost:urlport:127.0.0.1:localport". 0 or -1. */
int ssh_route(const char *url_host, int url_port, int local_port, char *out, size_t len);

/* The route for a request to target_url through a tunnel to its host and
 * port (url_host NULL: the URL's own; else the name the URL keeps, as a
 * kubeconfig's server and tls-server-name). 0, or -1 with words. */
int ssh_route_url(struct ssh *s, const char *target_url, const char *url_host, int url_port, char *out,
                  size_t len, char *err, size_t errlen);

/* ---- for the module's own files (tunnels, exec channels) ----
 * A client is driven after every event on the session's socket and tick
 * while the session is up; down() runs when it drops (its channels are gone:
 * forget them, do not free them). */
struct ssh_client {
	void (*drive)(struct ssh_client *c);
	void (*down)(struct ssh_client *c);
	struct ssh_client *next;
	bool linked;
};
void ssh_client_add(struct ssh *s, struct ssh_client *c);
void ssh_client_del(struct ssh *s, struct ssh_client *c);
/* libssh2 keeps one channel-open state per session, so two non-blocking
 * opens in flight at once corrupt each other: whoever opens a channel takes
 * the turn first (true: it is who's; else wait for a later drive) and gives
 * it back once the open ended, either way. A client that goes away gives it
 * back too; a dropped session forgets it. */
bool ssh_open_turn(struct ssh *s, const void *who);
void ssh_open_done(struct ssh *s, const void *who);
/* The LIBSSH2_SESSION while up, else NULL (void: libssh2 stays out of headers). */
void *ssh_session(const struct ssh *s);
struct loop *ssh_loop(const struct ssh *s);
/* After libssh2 calls made outside a drive: the socket's poll events follow
 * what libssh2 waits for. */
void ssh_io_done(struct ssh *s);
/* The bastion's name looked up off the loop (ssh_resolve.c): fn runs from
 * the loop with the addresses (NULL and a getaddrinfo error when none),
 * never inside this call, unless cancelled first. NULL: no lookup could be
 * started (out of memory or threads). */
struct addrinfo;
struct ssh_lookup;
typedef void (*ssh_lookup_fn)(const struct addrinfo *ai, int gai_error, void *arg);
struct ssh_lookup *ssh_lookup_start(struct loop *loop, const char *host, int port, ssh_lookup_fn fn, void *arg);
/* fn does not run; a lookup still waiting ends on its own later. */
void ssh_lookup_cancel(struct ssh_lookup *l);
/* For tests: what stands for getaddrinfo in the lookups (NULL: getaddrinfo). */
typedef int (*ssh_resolver_fn)(const char *host, const char *port, const struct addrinfo *hints,
                               struct addrinfo **res);
void ssh_set_resolver(ssh_resolver_fn fn);
/* Clients of the tunnels (ssh_tunnel.c), freed with the session. */
struct ssh_tunnels;
struct ssh_tunnels **ssh_tunnels_slot(struct ssh *s);
void ssh_tunnels_free(struct ssh_tunnels *t);
void ssh_tunnels_state(struct ssh_tunnels *t, enum ssh_state st);
/* The tunnel listening on port: false when none does; else true, and in
 * out the words of its last channel's failure ("" when it opened). */
bool ssh_tunnels_last(const struct ssh_tunnels *t, int port, char *out, size_t len);

#endif
