/* ssh_words — what the bastion's state means for a request through it: the
 * cause (the title bar's few words), the words every request through its
 * tunnels fails with when the bastion is why, and whether it is (a tunnel's
 * own channel that could not reach its target included). It reads the
 * session's state and the tunnels' last failures and calls nothing above
 * them: the driver (ssh.c) registers ssh_blame with the HTTP engines and
 * reports the words as its source's. */
#include "warroom/ssh.h"
#include "warroom/loop.h"

#include "ssh_priv.h"

#include <stdio.h>
#include <string.h>

enum ssh_cause ssh_cause(const struct ssh *s)
{
	if (!s)
		return SSH_CAUSE_NONE;
	switch (s->state) {
	case SSH_UP: return s->frozen ? SSH_CAUSE_FROZEN : SSH_CAUSE_NONE;
	case SSH_ASKING: return SSH_CAUSE_ASKING;
	case SSH_IDLE: case SSH_CONNECTING:
		if (s->error[0])
			return s->cause;
		/* it took the connection and has said nothing since: frozen, as when up */
		if (s->step > ST_TCP && !s->lookup &&
		    loop_now_ms() - (s->heard_ms > s->started_ms ? s->heard_ms : s->started_ms) > SSH_FROZEN_MS)
			return SSH_CAUSE_FROZEN;
		return SSH_CAUSE_CONNECTING;
	default: return s->cause;
	}
}

const char *ssh_cause_name(enum ssh_cause c)
{
	switch (c) {
	case SSH_CAUSE_NONE: return "";
	case SSH_CAUSE_CONNECTING: return "connecting";
	case SSH_CAUSE_ASKING: return "waiting for an answer";
	case SSH_CAUSE_UNREACHABLE: return "unreachable";
	case SSH_CAUSE_HOSTKEY_UNKNOWN: return "host key unknown";
	case SSH_CAUSE_HOSTKEY_CHANGED: return "host key CHANGED";
	case SSH_CAUSE_HOSTKEY_DECLINED: return "host key not accepted";
	case SSH_CAUSE_AUTH: return "authentication refused";
	case SSH_CAUSE_FROZEN: return "frozen";
	case SSH_CAUSE_LOST: return "connection lost";
	}
	return "";
}

bool ssh_words_now(const struct ssh *s, char *out, size_t len)
{
	int64_t now = loop_now_ms(), quiet = now - (s->heard_ms > s->started_ms ? s->heard_ms : s->started_ms);
	long long secs = (long long)((now - s->started_ms) / 1000);

	switch (ssh_cause(s)) {
	case SSH_CAUSE_NONE:
		return false;
	case SSH_CAUSE_FROZEN:
		if (s->state == SSH_UP || s->error[0]) {
			snprintf(out, len, "%s", s->brief);
			return true;
		}
		snprintf(out, len, "bastion %s: frozen: it took the connection but has said nothing for %lld s",
		         s->where, (long long)(quiet / 1000));
		return true;
	case SSH_CAUSE_CONNECTING:
		if (s->lookup)
			snprintf(out, len, "bastion %s: unreachable: its name is still being looked up after %lld s",
			         s->where, secs);
		else if (s->step == ST_TCP)
			snprintf(out, len, "bastion %s: unreachable: no answer to the connection for %lld s", s->where,
			         secs);
		else
			snprintf(out, len, "bastion %s: still connecting after %lld s", s->where, secs);
		return true;
	case SSH_CAUSE_ASKING:
		if (s->step == ST_HOSTKEY_ASK)
			snprintf(out, len, "bastion %s: its host key (%s) is not known: waiting for the operator to "
			         "accept it", s->where, s->fingerprint);
		else
			snprintf(out, len, "bastion %s: waiting for the operator to give a key's passphrase", s->where);
		return true;
	default:
		snprintf(out, len, "%s", s->brief);
		return true;
	}
}

bool ssh_blame(const struct ssh *s, const char *host, int port, char *out, size_t len)
{
	char last[400];

	if (!s || strcmp(host, "127.0.0.1") != 0 || !ssh_tunnels_last(s->tunnels, port, last, sizeof last))
		return false;   /* not one of our tunnels */
	if (ssh_words_now(s, out, len))
		return true;
	if (!last[0])
		return false;   /* the session and the channel were fine: the target's own failure */
	snprintf(out, len, "bastion %s: %s", s->where, last);
	return true;
}
