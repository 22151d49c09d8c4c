/* ssh tunnels — a loopback listener per target; each accepted connection is
 * one direct-tcpip channel on the bastion's session, pumped both ways
 * through bounded buffers. Connections that arrive while the session is
 * still connecting wait for it; while it is down they are closed at once,
 * so a poller fails fast and its panel turns stale. */
#define _GNU_SOURCE   /* accept4 */
#include "warroom/ssh.h"
#include "warroom/loop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh2.h>

#define TUN_MAX 16   /* the endpoints and a pod per target the verification asks */
#define BUF_SIZE 32768

enum conn_state { C_WAIT, C_OPENING, C_OPEN, C_CLOSING };

struct conn {
	struct tunnel *t;
	int fd;
	enum conn_state state;
	LIBSSH2_CHANNEL *ch;
	char up[BUF_SIZE];         /* from the local side, to the channel */
	size_t up_len;
	char down[BUF_SIZE];       /* from the channel, to the local side */
	size_t down_len;
	bool local_eof, remote_eof, eof_sent;
	struct conn *next;
};

struct tunnel {
	struct ssh_tunnels *all;
	char host[256];
	int port;
	int listen_fd, local_port;
	struct conn *conns;
	char last_fail[300];       /* why its last channel did not open, "" when it did */
};

struct ssh_tunnels {
	struct ssh *ssh;
	struct ssh_client client;
	struct tunnel tun[TUN_MAX];
	int n;
};

static void conn_events(struct conn *c)
{
	short ev = 0;

	if (c->state != C_OPEN)
		ev = 0;
	else {
		if (!c->local_eof && c->up_len < BUF_SIZE)
			ev |= POLLIN;
		if (c->down_len)
			ev |= POLLOUT;
	}
	loop_fd_set_events(ssh_loop(c->t->all->ssh), c->fd, ev);
}

static void conn_close_fd(struct conn *c)
{
	if (c->fd >= 0) {
		loop_fd_del(ssh_loop(c->t->all->ssh), c->fd);
		close(c->fd);
		c->fd = -1;
	}
}

static void conn_unlink(struct conn *c)
{
	ssh_open_done(c->t->all->ssh, c);
	for (struct conn **p = &c->t->conns; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	conn_close_fd(c);
	free(c);
}

/* Pumps one connection; false once it is gone. */
static bool conn_drive(struct conn *c)
{
	struct ssh_tunnels *all = c->t->all;
	LIBSSH2_SESSION *sess = ssh_session(all->ssh);
	ssize_t n;

	if (!sess)
		return true;
	if (c->state == C_WAIT)
		c->state = C_OPENING;
	if (c->state == C_OPENING) {
		if (!ssh_open_turn(all->ssh, c))
			return true;   /* another channel is being opened: the next drive */
		c->ch = libssh2_channel_direct_tcpip_ex(sess, c->t->host, c->t->port, "127.0.0.1", c->t->local_port);
		if (!c->ch && libssh2_session_last_errno(sess) == LIBSSH2_ERROR_EAGAIN)
			return true;
		ssh_open_done(all->ssh, c);
		if (!c->ch) {
			char *msg = NULL;

			/* the bastion could not reach the target: the client sees a reset, the words are kept */
			libssh2_session_last_error(sess, &msg, NULL, 0);
			snprintf(c->t->last_fail, sizeof c->t->last_fail, "it could not open a connection to %s:%d (%s)",
			         c->t->host, c->t->port, msg && *msg ? msg : "no reason given");
			conn_unlink(c);
			return false;
		}
		c->t->last_fail[0] = '\0';
		c->state = C_OPEN;
		conn_events(c);
	}
	if (c->state == C_OPEN) {
		while (c->up_len) {
			n = libssh2_channel_write(c->ch, c->up, c->up_len);
			if (n <= 0)
				break;
			memmove(c->up, c->up + n, c->up_len - (size_t)n);
			c->up_len -= (size_t)n;
		}
		if (c->local_eof && !c->up_len && !c->eof_sent && libssh2_channel_send_eof(c->ch) == 0)
			c->eof_sent = true;
		while (c->down_len < BUF_SIZE) {
			n = libssh2_channel_read(c->ch, c->down + c->down_len, BUF_SIZE - c->down_len);
			if (n <= 0)
				break;
			c->down_len += (size_t)n;
		}
		if (c->down_len) {
			n = send(c->fd, c->down, c->down_len, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0) {
				memmove(c->down, c->down + n, c->down_len - (size_t)n);
				c->down_len -= (size_t)n;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				c->local_eof = true;
				c->down_len = 0;
				c->state = C_CLOSING;
			}
		}
		if (c->state == C_OPEN && libssh2_channel_eof(c->ch))
			c->remote_eof = true;
		/* the client hung up (it wants nothing more) or the target did and all is delivered */
		if (c->state == C_OPEN && ((c->remote_eof && !c->down_len) || (c->local_eof && c->eof_sent)))
			c->state = C_CLOSING;
		if (c->state == C_OPEN)
			conn_events(c);
	}
	if (c->state == C_CLOSING) {
		conn_close_fd(c);
		if (libssh2_channel_free(c->ch) == LIBSSH2_ERROR_EAGAIN)
			return true;
		conn_unlink(c);
		return false;
	}
	return true;
}

static void on_conn(struct loop *loop, int fd, short revents, void *arg)
{
	struct conn *c = arg;

	if ((revents & POLLIN) && c->up_len < BUF_SIZE) {
		ssize_t n = recv(fd, c->up + c->up_len, BUF_SIZE - c->up_len, MSG_DONTWAIT);

		if (n > 0)
			c->up_len += (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			c->local_eof = true;
	} else if (revents & (POLLHUP | POLLERR)) {
		c->local_eof = true;
	}
	if (c->local_eof && c->state != C_OPEN) {
		conn_unlink(c);
		return;
	}
	struct ssh *ssh = c->t->all->ssh;

	conn_drive(c);   /* may free c */
	ssh_io_done(ssh);
}

static void on_accept(struct loop *loop, int fd, short revents, void *arg)
{
	struct tunnel *t = arg;
	enum ssh_state st = ssh_state(t->all->ssh);

	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (cfd < 0)
			return;
		if (st == SSH_DOWN || st == SSH_REFUSED || !(c = calloc(1, sizeof *c))) {
			close(cfd);
			continue;
		}
		c->t = t;
		c->fd = cfd;
		c->state = C_WAIT;
		c->next = t->conns;
		t->conns = c;
		loop_fd_add(loop, cfd, 0, on_conn, c);
		conn_drive(c);
		ssh_io_done(t->all->ssh);
	}
}

static void tunnels_drive(struct ssh_client *cl)
{
	struct ssh_tunnels *all = (struct ssh_tunnels *)((char *)cl - offsetof(struct ssh_tunnels, client));

	for (int i = 0; i < all->n; i++)
		for (struct conn *c = all->tun[i].conns, *n; c; c = n) {
			n = c->next;
			conn_drive(c);
		}
}

/* The session is gone and its channels with it: every connection ends. */
static void tunnels_down(struct ssh_client *cl)
{
	struct ssh_tunnels *all = (struct ssh_tunnels *)((char *)cl - offsetof(struct ssh_tunnels, client));

	for (int i = 0; i < all->n; i++)
		while (all->tun[i].conns)
			conn_unlink(all->tun[i].conns);
}

bool ssh_tunnels_last(const struct ssh_tunnels *all, int port, char *out, size_t len)
{
	for (int i = 0; all && i < all->n; i++)
		if (all->tun[i].local_port == port) {
			snprintf(out, len, "%s", all->tun[i].last_fail);
			return true;
		}
	return false;
}

void ssh_tunnels_state(struct ssh_tunnels *all, enum ssh_state st)
{
	if (all && (st == SSH_DOWN || st == SSH_REFUSED))
		tunnels_down(&all->client);
}

/* A loopback listener forwarding to host:port from the bastion. The local
 * port, or -1 with words. The same target twice gives the same listener. */
static int ssh_tunnel(struct ssh *s, const char *host, int port, char *err, size_t errlen)
{
	struct ssh_tunnels **slot = ssh_tunnels_slot(s), *all = *slot;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	struct tunnel *t;

	if (!all) {
		all = *slot = calloc(1, sizeof *all);
		if (!all) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		all->ssh = s;
		all->client.drive = tunnels_drive;
		all->client.down = tunnels_down;
		ssh_client_add(s, &all->client);
	}
	for (int i = 0; i < all->n; i++)
		if (all->tun[i].port == port && strcmp(all->tun[i].host, host) == 0)
			return all->tun[i].local_port;
	if (all->n == TUN_MAX || strlen(host) >= sizeof all->tun[0].host) {
		snprintf(err, errlen, "too many tunnels through the bastion");
		return -1;
	}
	t = &all->tun[all->n];
	memset(t, 0, sizeof *t);
	t->all = all;
	snprintf(t->host, sizeof t->host, "%s", host);
	t->port = port;
	t->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->listen_fd < 0 || bind(t->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(t->listen_fd, 16) != 0 || getsockname(t->listen_fd, (struct sockaddr *)&sa, &sl) != 0) {
		snprintf(err, errlen, "cannot open a loopback port for the tunnel to %s:%d: %s", host, port,
		         strerror(errno));
		if (t->listen_fd >= 0)
			close(t->listen_fd);
		return -1;
	}
	t->local_port = ntohs(sa.sin_port);
	loop_fd_add(ssh_loop(s), t->listen_fd, POLLIN, on_accept, t);
	all->n++;
	return t->local_port;
}

void ssh_tunnels_free(struct ssh_tunnels *all)
{
	if (!all)
		return;
	tunnels_down(&all->client);
	ssh_client_del(all->ssh, &all->client);
	for (int i = 0; i < all->n; i++) {
		loop_fd_del(ssh_loop(all->ssh), all->tun[i].listen_fd);
		close(all->tun[i].listen_fd);
	}
	free(all);
}

int ssh_url_target(const char *url, char *host, size_t hostlen, int *port)
{
	const char *p = strstr(url, "://"), *h, *end;
	size_t hl;

	if (!p)
		return -1;
	*port = strncmp(url, "https", 5) == 0 ? 443 : 80;
	h = p + 3;
	end = h + strcspn(h, "/?#");
	for (const char *at = h; at < end; at++)
		if (*at == '@')
			h = at + 1;
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));

		if (!rb)
			return -1;
		hl = (size_t)(rb - h - 1);
		if (hl == 0 || hl >= hostlen)
			return -1;
		memcpy(host, h + 1, hl);
		host[hl] = '\0';
		h = rb + 1;
	} else {
		const char *colon = memchr(h, ':', (size_t)(end - h));

		hl = (size_t)((colon ? colon : end) - h);
		if (hl == 0 || hl >= hostlen)
			return -1;
		memcpy(host, h, hl);
		host[hl] = '\0';
		h = colon ? colon : end;
	}
	if (*h == ':' && h + 1 < end) {
		char *e;
		long v = strtol(h + 1, &e, 10);

		if (e != end || v < 1 || v > 65535)
			return -1;
		*port = (int)v;
	}
	return 0;
}

int ssh_route(const char *url_host, int url_port, int local_port, char *out, size_t len)
{
	int n = strchr(url_host, ':') ? snprintf(out, len, "[%s]:%d:127.0.0.1:%d", url_host, url_port, local_port)
	                              : snprintf(out, len, "%s:%d:127.0.0.1:%d", url_host, url_port, local_port);

	return n > 0 && (size_t)n < len ? 0 : -1;
}

int ssh_route_url(struct ssh *s, const char *target_url, const char *url_host, int url_port, char *out,
                  size_t len, char *err, size_t errlen)
{
	char host[256];
	int port, lport;

	if (ssh_url_target(target_url, host, sizeof host, &port) != 0) {
		snprintf(err, errlen, "cannot tell the host and port of %s", target_url);
		return -1;
	}
	lport = ssh_tunnel(s, host, port, err, errlen);
	if (lport < 0)
		return -1;
	if (!url_host) {
		url_host = host;
		url_port = port;
	}
	if (ssh_route(url_host, url_port, lport, out, len) != 0) {
		snprintf(err, errlen, "the route to %s is too long", target_url);
		return -1;
	}
	return 0;
}
