/* ssh_auth — the bastion's host key against known_hosts (an unknown key is
 * a question, a changed one a refusal), then authentication: the agent's
 * identities, then identity files, an encrypted one's passphrase asked.
 * Each step answers the driver (ssh.c) by its return value, with words when
 * the session is to be dropped or refused; the driver drops, refuses and
 * drives on, so nothing here calls up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh2.h>

#include "warroom/ssh.h"

#include "ssh_priv.h"

int ssh_auth_step_hostkey(struct ssh *s, enum ssh_cause *cause, char *why, size_t whylen)
{
	size_t len = 0;
	int type = 0;
	const char *key = libssh2_session_hostkey(s->sess, &len, &type);
	const char *hash = libssh2_hostkey_hash(s->sess, LIBSSH2_HOSTKEY_HASH_SHA256);
	char err[300] = "";
	int rc;

	if (!key || !hash) {
		*cause = SSH_CAUSE_UNREACHABLE;
		snprintf(why, whylen, "unreachable: it sent no host key");
		return -1;
	}
	ssh_fingerprint_of((const unsigned char *)hash, s->fingerprint, sizeof s->fingerprint);
	rc = ssh_known_hosts_check(s->cfg.known_hosts, s->cfg.host, s->cfg.port, key, len, type, err, sizeof err);
	if (rc == 0 || (rc == 1 && s->hostkey_accepted))
		return 0;
	if (rc == 2) {
		char name[300];

		if (s->cfg.port == 22)
			snprintf(name, sizeof name, "%s", s->cfg.host);
		else
			snprintf(name, sizeof name, "[%s]:%d", s->cfg.host, s->cfg.port);
		*cause = SSH_CAUSE_HOSTKEY_CHANGED;
		snprintf(why, whylen, "its host key has CHANGED (now %s): refusing to connect\nthis may be an "
		         "attack. If the bastion's key was replaced on purpose, remove its old line from %s "
		         "(ssh-keygen -R '%s' -f %s)", s->fingerprint, s->cfg.known_hosts, name, s->cfg.known_hosts);
		return -2;
	}
	if (rc < 0) {
		*cause = SSH_CAUSE_HOSTKEY_UNKNOWN;
		snprintf(why, whylen, "its host key cannot be checked: %s", err);
		return -2;
	}
	if (!s->ui.hostkey) {
		*cause = SSH_CAUSE_HOSTKEY_UNKNOWN;
		snprintf(why, whylen, "its host key is unknown: it is not in %s (%s)\ncheck it with the bastion's "
		         "owner, then add it (ssh-keyscan -p %d %s >> %s)", s->cfg.known_hosts, s->fingerprint,
		         s->cfg.port, s->cfg.host, s->cfg.known_hosts);
		return -2;
	}
	s->step = ST_HOSTKEY_ASK;
	ssh_session_set_state(s, SSH_ASKING);
	s->ui.hostkey(s, s->where, s->fingerprint, s->ui.arg);
	return 1;
}

int ssh_auth_hostkey_answer(struct ssh *s, bool accept, char *why, size_t whylen)
{
	if (s->step != ST_HOSTKEY_ASK)
		return 1;
	if (!accept) {
		snprintf(why, whylen, "its host key (%s) was not accepted\nnothing goes through the bastion until it "
		         "is (refresh asks again)", s->fingerprint);
		return -2;
	}
	s->hostkey_accepted = true;
	s->pending_add = true;
	s->step = ST_AGENT;
	ssh_session_set_state(s, SSH_CONNECTING);
	return 0;
}

/* 0 authenticated, 1 wait, -1 no identity of the agent worked */
int ssh_auth_step_agent(struct ssh *s)
{
	int rc;

	if (!s->agent_tried) {
		s->agent_tried = true;
		if (!getenv("SSH_AUTH_SOCK"))
			return -1;
		s->agent = libssh2_agent_init(s->sess);
		if (!s->agent || libssh2_agent_connect(s->agent) != 0 || libssh2_agent_list_identities(s->agent) != 0)
			return -1;
		if (libssh2_agent_get_identity(s->agent, &s->identity, NULL) != 0)
			return -1;
	}
	while (s->identity) {
		rc = libssh2_agent_userauth(s->agent, s->user, s->identity);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 1;
		if (rc == 0)
			return 0;
		if (libssh2_agent_get_identity(s->agent, &s->identity, s->identity) != 0)
			s->identity = NULL;
	}
	return -1;
}

/* 0 authenticated, 1 wait, -1 no key file worked */
int ssh_auth_step_keyfile(struct ssh *s)
{
	while (s->key < s->nkeys) {
		const char *file = s->keys[s->key];
		int rc = libssh2_userauth_publickey_fromfile_ex(s->sess, s->user, (unsigned)strlen(s->user), NULL,
		                                                file, s->pass ? s->pass : "");

		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 1;
		if (rc == 0) {
			ssh_session_wipe_pass(s);
			return 0;
		}
		ssh_session_wipe_pass(s);
		/* an unreadable private key may be an encrypted one: ask for its passphrase */
		if (rc == LIBSSH2_ERROR_FILE && s->ui.passphrase && s->pass_tries < 3 && access(file, R_OK) == 0) {
			s->pass_tries++;
			s->step = ST_PASS_ASK;
			ssh_session_set_state(s, SSH_ASKING);
			s->ui.passphrase(s, file, s->ui.arg);
			return 1;
		}
		s->key++;
		s->pass_tries = 0;
	}
	return -1;
}

int ssh_auth_passphrase_answer(struct ssh *s, const char *passphrase)
{
	if (s->step != ST_PASS_ASK)
		return 1;
	ssh_session_wipe_pass(s);
	if (passphrase) {
		s->pass = strdup(passphrase);
	} else {
		s->key++;
		s->pass_tries = 0;
	}
	s->step = ST_KEYFILE;
	ssh_session_set_state(s, SSH_CONNECTING);
	return 0;
}
