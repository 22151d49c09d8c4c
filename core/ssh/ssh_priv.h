/* ssh_priv — the bastion session's state, shared by core/ssh/ssh_session.c
 * (the state and the small calls on it everything shares), core/ssh/ssh_auth.c
 * (the host key check and the authentication steps), core/ssh/ssh_words.c
 * (what the state means for a request through the bastion) and
 * core/ssh/ssh.c (the driver on top: connecting, driving the session on the
 * loop, probes, dropping and reconnecting). */
#ifndef WARROOM_SSH_PRIV_H
#define WARROOM_SSH_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <libssh2.h>

#include "warroom/config.h"
#include "warroom/loop.h"
#include "warroom/source.h"
#include "warroom/ssh.h"

enum step {
	ST_NONE, ST_TCP, ST_BANNER, ST_HANDSHAKE, ST_HOSTKEY_ASK, ST_AGENT, ST_KEYFILE, ST_PASS_ASK, ST_READY,
};

#define MAX_KEYS 4

struct ssh {
	struct loop *loop;
	struct config_ssh cfg;
	char user[64];
	char where[400];
	struct ssh_ui ui;
	struct source *src;

	enum ssh_state state;
	enum step step;
	int banner_lines;       /* lines before the identification, read off */
	char banner_first[80];  /* the first of them, to quote when it is not SSH */
	char error[1024];          /* "bastion WHERE: " and what failed, and what to do */
	char brief[600];           /* the same without what to do: requests through it fail with these */
	enum ssh_cause cause;
	char fingerprint[80];
	int fd;
	LIBSSH2_SESSION *sess;
	LIBSSH2_AGENT *agent;
	struct libssh2_agent_publickey *identity;
	bool agent_tried;
	char keys[MAX_KEYS][1024];
	int nkeys, key;            /* the key file being tried */
	char *pass;                /* the passphrase for keys[key], wiped after the try */
	int pass_tries;
	bool hostkey_accepted;     /* this run: the operator said yes */
	bool pending_add;          /* write the accepted key to known_hosts once authenticated */

	struct ssh_lookup *lookup; /* the host name being looked up, off the loop */
	struct sockaddr_storage addr[4];   /* its addresses, tried in turn (IPv6 first may not route) */
	socklen_t addr_len[4];
	int naddr, next_addr;
	int64_t started_ms;        /* of the connect attempt */
	int backoff_ms;
	uint64_t retry_timer, tick_timer;

	/* the probe: a session channel kept open, asked a question each round trip */
	LIBSSH2_CHANNEL *probe;
	bool probing;
	bool probe_sent;           /* its open or question is out: an answer is awaited */
	int64_t probe_sent_ms, next_probe_ms;
	int64_t heard_ms;          /* the bastion's last word: a probe's answer or bytes on the socket */
	bool frozen;               /* up, but silent for SSH_FROZEN_MS while a probe waits */
	int64_t rtt_ms;

	const void *opener;        /* who is opening a channel (ssh_open_turn) */
	struct ssh_client *clients;
	bool restart;              /* a client went away during a drive */
	struct ssh_tunnels *tunnels;
};

/* core/ssh/ssh_session.c. The state set and the change told (the source
 * refreshed, the front-end's changed()); ssh.c's own set_state also tells
 * the tunnels, which care only when the session goes down. */
void ssh_session_set_state(struct ssh *s, enum ssh_state st);
void ssh_session_changed(struct ssh *s);
void ssh_session_wipe_pass(struct ssh *s);

/* core/ssh/ssh_auth.c: 0 done, 1 wait (EAGAIN or a question asked), -1 failed
 * (the agent's and key files' steps: none worked). The host key's step and
 * the answers to its question say how the session ends in why: -1 to drop
 * (a retry follows), -2 to refuse for good (a changed key, one not accepted).
 * An answer's 1: no such question was waiting; 0: go on driving. */
int ssh_auth_step_hostkey(struct ssh *s, enum ssh_cause *cause, char *why, size_t whylen);
int ssh_auth_step_agent(struct ssh *s);
int ssh_auth_step_keyfile(struct ssh *s);
int ssh_auth_hostkey_answer(struct ssh *s, bool accept, char *why, size_t whylen);
int ssh_auth_passphrase_answer(struct ssh *s, const char *passphrase);

/* core/ssh/ssh_words.c: why nothing goes through the bastion now, in the
 * words requests through it fail with (the brief ones); false while it is
 * up and answering. */
bool ssh_words_now(const struct ssh *s, char *out, size_t len);

#endif
