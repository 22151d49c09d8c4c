/* ssh_session — the bastion session's shared state and the small calls on
 * it that every other file of core/ssh/ uses: the state and who is told of a
 * change, the passphrase wiped, the socket's poll events after libssh2 calls,
 * the channel-open turn, the clients (tunnels, exec channels) driven on the
 * session, and the read-only answers (state, error, round trip). It drives
 * nothing and calls no other file here: the authentication steps
 * (ssh_auth.c) and the tunnels (ssh_tunnel.c) stand on it, and the driver
 * (ssh.c: connect, drive, drop, reconnect) on top of them all. */
#include "warroom/ssh.h"
#include "warroom/loop.h"
#include "warroom/source.h"

#include "ssh_priv.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <libssh2.h>

void ssh_session_changed(struct ssh *s)
{
	if (s->src)
		source_refresh(s->src);
	if (s->ui.changed)
		s->ui.changed(s, s->ui.arg);
}

void ssh_session_set_state(struct ssh *s, enum ssh_state st)
{
	if (s->state == st)
		return;
	s->state = st;
	ssh_session_changed(s);
}

void ssh_session_wipe_pass(struct ssh *s)
{
	if (s->pass) {
		explicit_bzero(s->pass, strlen(s->pass));
		free(s->pass);
		s->pass = NULL;
	}
}

void ssh_io_done(struct ssh *s)
{
	short ev = POLLIN;

	if (s->fd < 0 || !s->sess)
		return;
	if (s->step == ST_TCP || (libssh2_session_block_directions(s->sess) & LIBSSH2_SESSION_BLOCK_OUTBOUND))
		ev |= POLLOUT;
	loop_fd_set_events(s->loop, s->fd, ev);
}

enum ssh_state ssh_state(const struct ssh *s) { return s ? s->state : SSH_IDLE; }
const char *ssh_error(const struct ssh *s) { return s ? s->error : ""; }
const char *ssh_where(const struct ssh *s) { return s ? s->where : ""; }
int64_t ssh_rtt_ms(const struct ssh *s) { return s && s->state == SSH_UP ? s->rtt_ms : -1; }
struct source *ssh_source(struct ssh *s) { return s ? s->src : NULL; }
void *ssh_session(const struct ssh *s) { return s && s->state == SSH_UP ? s->sess : NULL; }
struct loop *ssh_loop(const struct ssh *s) { return s->loop; }
struct ssh_tunnels **ssh_tunnels_slot(struct ssh *s) { return &s->tunnels; }

bool ssh_open_turn(struct ssh *s, const void *who)
{
	if (s->opener && s->opener != who)
		return false;
	s->opener = who;
	return true;
}

void ssh_open_done(struct ssh *s, const void *who)
{
	if (s && s->opener == who)
		s->opener = NULL;
}

void ssh_client_add(struct ssh *s, struct ssh_client *c)
{
	if (c->linked)
		return;
	c->next = s->clients;
	s->clients = c;
	c->linked = true;
}

void ssh_client_del(struct ssh *s, struct ssh_client *c)
{
	if (!c->linked)
		return;
	for (struct ssh_client **p = &s->clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	c->linked = false;
	c->next = NULL;
	s->restart = true;
}
