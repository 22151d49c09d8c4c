/* ssh name lookup — the bastion's host name resolved off the loop.
 *
 * getaddrinfo can wait on a DNS server for tens of seconds, so it runs on a
 * thread of its own, one per lookup, which reports over a socket pair the
 * loop watches. Why not the alternatives: getaddrinfo_a runs threads of its
 * own anyway, tells of completion by a signal or by yet another thread, and
 * cannot drop a lookup in progress (gai_cancel answers EAI_NOTCANCELED), so
 * it needs the same hand-over this file does; a child process would cost a
 * fork per attempt and a format for the answer. The lookup's record is held
 * by both sides (a count): a session freed or timed out while the lookup
 * hangs lets go of its side, and the thread frees the rest when the lookup
 * finally returns, writing to no one. */
#include "warroom/ssh.h"
#include "warroom/loop.h"

#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct ssh_lookup {
	atomic_int refs;           /* the loop's side and the thread's */
	int loop_fd, thread_fd;    /* the socket pair's ends */
	struct loop *loop;
	char host[256], port[16];
	ssh_resolver_fn resolve;
	struct addrinfo *ai;       /* the answer, written by the thread before it reports */
	int rc;
	ssh_lookup_fn fn;
	void *arg;
};

static ssh_resolver_fn resolver;   /* NULL: getaddrinfo */

void ssh_set_resolver(ssh_resolver_fn fn)
{
	resolver = fn;
}

static void put(struct ssh_lookup *l)
{
	if (atomic_fetch_sub(&l->refs, 1) != 1)
		return;
	if (l->ai)
		freeaddrinfo(l->ai);
	free(l);
}

static void *lookup_thread(void *arg)
{
	struct ssh_lookup *l = arg;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	char one = 1;

	l->rc = l->resolve(l->host, l->port, &hints, &l->ai);
	/* the loop's side may be gone: no SIGPIPE, and nobody to tell */
	(void)send(l->thread_fd, &one, 1, MSG_NOSIGNAL);
	close(l->thread_fd);
	put(l);
	return NULL;
}

static void on_answer(struct loop *loop, int fd, short revents, void *arg)
{
	struct ssh_lookup *l = arg;

	loop_fd_del(loop, l->loop_fd);
	close(l->loop_fd);
	l->loop_fd = -1;
	l->fn(l->rc == 0 ? l->ai : NULL, l->rc, l->arg);
	put(l);
}

struct ssh_lookup *ssh_lookup_start(struct loop *loop, const char *host, int port, ssh_lookup_fn fn, void *arg)
{
	struct ssh_lookup *l = calloc(1, sizeof *l);
	int sv[2];
	pthread_t th;
	pthread_attr_t attr;
	sigset_t all, old;
	int rc;

	if (!l || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		free(l);
		return NULL;
	}
	atomic_init(&l->refs, 2);
	l->loop_fd = sv[0];
	l->thread_fd = sv[1];
	l->loop = loop;
	snprintf(l->host, sizeof l->host, "%s", host);
	snprintf(l->port, sizeof l->port, "%d", port);
	l->resolve = resolver ? resolver : getaddrinfo;
	l->fn = fn;
	l->arg = arg;
	/* the loop's signals stay with the loop's thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&th, &attr, lookup_thread, l);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		close(sv[0]);
		close(sv[1]);
		free(l);
		return NULL;
	}
	loop_fd_add(loop, l->loop_fd, POLLIN, on_answer, l);
	return l;
}

void ssh_lookup_cancel(struct ssh_lookup *l)
{
	if (!l)
		return;
	loop_fd_del(l->loop, l->loop_fd);
	close(l->loop_fd);
	l->loop_fd = -1;
	put(l);
}
