/* ssh_priv — the bastion session's state, shared by core/ssh/ssh.c (connecting,
 * driving the session on the loop, probes, clients) and core/ssh/ssh_auth.c
 * (the host key check and the authentication steps). */
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
	char error[512];
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
	unsigned connects;

	/* the probe: a session channel opened and closed, one round trip */
	LIBSSH2_CHANNEL *probe;
	bool probing, probe_closing;
	int64_t probe_sent_ms, last_answer_ms, next_probe_ms;
	int64_t rtt_ms;

	const void *opener;        /* who is opening a channel (ssh_open_turn) */
	struct ssh_client *clients;
	bool restart;              /* a client went away during a drive */
	struct ssh_tunnels *tunnels;
};

void ssh_priv_drive(struct ssh *s);
/* The connection lost with words; a retry follows with backoff. */
void ssh_priv_drop(struct ssh *s, const char *why);
/* The connection refused for good (a changed key, a key not accepted). */
void ssh_priv_refuse(struct ssh *s, const char *why);
void ssh_priv_set_state(struct ssh *s, enum ssh_state st);
void ssh_priv_wipe_pass(struct ssh *s);

/* core/ssh/ssh_auth.c: 0 done, 1 wait (EAGAIN or a question asked), -1 failed
 * (hostkey: the session was dropped or refused with words). */
int ssh_priv_step_hostkey(struct ssh *s);
int ssh_priv_step_agent(struct ssh *s);
int ssh_priv_step_keyfile(struct ssh *s);

#endif
