/* remote — exec channels on the bastion's session, shaped as proc.c's runs.
 * The command runs under a small sh wrapper in its own process group
 * (setsid); a line on its stdin, or stdin's EOF when the channel or the
 * whole connection goes away, ends that group. So a cancel, a timeout or a
 * dropped link never leaves the remote process running. The command's
 * variables go as the first line on stdin, not on its command line, where
 * every user of the bastion could read them in the process list. */
#include "warroom/remote.h"
#include "warroom/loop.h"
#include "warroom/ssh.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libssh2.h>

enum rstate { R_WAIT, R_OPEN, R_EXEC, R_RUN, R_CLOSE, R_DONE };

struct rstream {
	char *data;
	size_t len, cap;
	bool truncated;
	char line[PROC_MAX_LINE + 1];
	size_t line_len;
};

struct remote {
	struct ssh *ssh;
	struct ssh_client client;
	struct remote_spec spec;
	char *wrapped;
	char *envline;        /* the first line on stdin: the exports */
	size_t env_len, env_sent;
	enum rstate state;
	LIBSSH2_CHANNEL *ch;
	struct rstream out, err;
	struct proc_result res;
	int64_t started_ms;
	uint64_t timer, done_timer;
	bool cancel_wanted, cancel_sent, detached, in_cb, freed;
};

#define WRAPPER                                                                           \
	"IFS= read -r e || exit 125; eval \"$e\"; unset e; "                                    \
	"exec 3<&0; setsid sh -c \"$1\" </dev/null 3<&- & c=$!; "                               \
	"{ read _ <&3; kill -TERM -$c 2>/dev/null || kill -TERM $c; sleep %.1f; "         \
	"kill -KILL -$c 2>/dev/null; } & w=$!; exec 3<&-; wait $c; s=$?; kill $w 2>/dev/null; exit $s"

/* sh quoting: the command becomes one single-quoted word */
static char *quote(const char *s)
{
	size_t n = 3;
	char *q, *o;

	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	q = o = malloc(n);
	if (!q)
		return NULL;
	*o++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return q;
}

char *remote_wrap(const char *command)
{
	char head[600], *q, *wrapper, *out;
	size_t n;

	snprintf(head, sizeof head, WRAPPER, PROC_GRACE_MS / 1000.0);
	wrapper = quote(head);
	q = quote(command);
	if (!wrapper || !q) {
		free(wrapper);
		free(q);
		return NULL;
	}
	n = strlen(wrapper) + strlen(q) + 32;
	out = malloc(n);
	if (out)
		snprintf(out, n, "sh -c %s warroom-remote %s", wrapper, q);
	free(wrapper);
	free(q);
	return out;
}

static bool shell_name(const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

/* One shell line, no newline inside: NAME="$(printf '%b_' '...')" for
 * each entry, every byte a single-quoted word could not hold as it is (and
 * backslash, which %b reads) written as an octal escape; the _ keeps the
 * value's own trailing newlines from $(...). */
char *remote_env_line(const char *const *env)
{
	size_t n = 2, o = 0;
	char *out;

	for (const char *const *e = env; e && *e; e++)
		n += strlen(*e) * 5 + 64;
	out = malloc(n);
	if (!out)
		return NULL;
	for (const char *const *e = env; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		int len;

		if (!eq || !shell_name(*e, (size_t)(eq - *e)))
			continue;
		len = (int)(eq - *e);
		o += (size_t)snprintf(out + o, n - o, "%.*s=\"$(printf '%%b_' '", len, *e);
		for (const unsigned char *v = (const unsigned char *)eq + 1; *v; v++) {
			if (*v == '\\')
				o += (size_t)snprintf(out + o, n - o, "\\\\");
			else if (*v == '\'' || *v < 0x20 || *v == 0x7f)
				o += (size_t)snprintf(out + o, n - o, "\\0%03o", *v);
			else
				out[o++] = (char)*v;
		}
		o += (size_t)snprintf(out + o, n - o, "')\"; %.*s=\"${%.*s%%_}\"; export %.*s; ", len, *e, len, *e, len,
		                      *e);
	}
	snprintf(out + o, n - o, "\n");
	return out;
}

static void release(struct remote *r)
{
	ssh_open_done(r->ssh, r);
	if (r->timer)
		loop_timer_cancel(ssh_loop(r->ssh), r->timer);
	if (r->done_timer)
		loop_timer_cancel(ssh_loop(r->ssh), r->done_timer);
	ssh_client_del(r->ssh, &r->client);
	free(r->out.data);
	free(r->err.data);
	free(r->wrapped);
	if (r->envline) {
		explicit_bzero(r->envline, r->env_len);
		free(r->envline);
	}
	free(r);
}

static void keep(struct remote *r, struct rstream *st, const char *buf, size_t n)
{
	size_t max = r->spec.max_output ? r->spec.max_output : PROC_MAX_OUTPUT;
	size_t room = st->len < max ? max - st->len : 0;

	if (n > room) {
		st->truncated = true;
		n = room;
	}
	if (!n)
		return;
	if (st->len + n + 1 > st->cap) {
		size_t cap = (st->len + n + 1) * 2;
		char *d = realloc(st->data, cap > max + 1 ? max + 1 : cap);

		if (!d) {
			st->truncated = true;
			return;
		}
		st->data = d;
		st->cap = cap > max + 1 ? max + 1 : cap;
	}
	memcpy(st->data + st->len, buf, n);
	st->len += n;
	st->data[st->len] = '\0';
}

static void emit(struct remote *r, enum proc_stream which, struct rstream *st)
{
	st->line[st->line_len] = '\0';
	if (r->spec.on_line && !r->detached) {
		r->in_cb = true;
		r->spec.on_line(r, which, st->line, st->line_len, r->spec.arg);
		r->in_cb = false;
	}
	st->line_len = 0;
}

static void lines(struct remote *r, enum proc_stream which, struct rstream *st, const char *buf, size_t n)
{
	keep(r, st, buf, n);
	for (size_t i = 0; i < n && !r->freed; i++) {
		if (buf[i] == '\n') {
			emit(r, which, st);
			continue;
		}
		st->line[st->line_len++] = buf[i];
		if (st->line_len == PROC_MAX_LINE)
			emit(r, which, st);
	}
}

static void finish(struct remote *r)
{
	struct loop *loop = ssh_loop(r->ssh);

	if (r->state == R_DONE)
		return;
	r->state = R_DONE;
	if (r->out.line_len && !r->freed)
		emit(r, PROC_STDOUT, &r->out);
	if (r->err.line_len && !r->freed)
		emit(r, PROC_STDERR, &r->err);
	r->res.duration_ms = loop_now_ms() - r->started_ms;
	r->res.out = (struct proc_output){ r->out.data ? r->out.data : "", r->out.len, r->out.truncated };
	r->res.err = (struct proc_output){ r->err.data ? r->err.data : "", r->err.len, r->err.truncated };
	if (r->timer)
		loop_timer_cancel(loop, r->timer);
	r->timer = 0;
	ssh_client_del(r->ssh, &r->client);
	if (r->detached || r->freed) {
		release(r);
		return;
	}
	if (r->spec.on_done) {
		r->in_cb = true;
		r->spec.on_done(r, &r->res, r->spec.arg);
		r->in_cb = false;
	}
	if (r->freed)
		release(r);
}

static void fail(struct remote *r, const char *why)
{
	snprintf(r->res.error, sizeof r->res.error, "%s", why);
	r->ch = NULL;
	finish(r);
}

static void drive(struct ssh_client *cl)
{
	struct remote *r = (struct remote *)((char *)cl - offsetof(struct remote, client));
	LIBSSH2_SESSION *sess = ssh_session(r->ssh);
	char buf[16384];
	ssize_t n;
	int rc;

	if (!sess || r->state == R_DONE)
		return;
	if (r->state == R_WAIT) {
		if (r->cancel_wanted) {
			r->res.cancelled = true;
			fail(r, "cancelled before it started");
			return;
		}
		r->state = R_OPEN;
	}
	if (r->state == R_OPEN) {
		if (!ssh_open_turn(r->ssh, r))
			return;   /* another channel is being opened: the next drive */
		r->ch = libssh2_channel_open_session(sess);
		if (!r->ch && libssh2_session_last_errno(sess) == LIBSSH2_ERROR_EAGAIN)
			return;
		ssh_open_done(r->ssh, r);
		if (!r->ch) {
			fail(r, "the bastion refused a command channel");
			return;
		}
		r->state = R_EXEC;
	}
	if (r->state == R_EXEC) {
		rc = libssh2_channel_exec(r->ch, r->wrapped);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return;
		if (rc) {
			r->state = R_CLOSE;
			snprintf(r->res.error, sizeof r->res.error, "the bastion refused to run the command");
		} else {
			r->res.started = true;
			r->state = R_RUN;
		}
	}
	if (r->state == R_RUN) {
		while (r->env_sent < r->env_len) {
			n = libssh2_channel_write(r->ch, r->envline + r->env_sent, r->env_len - r->env_sent);
			if (n <= 0)
				break;
			r->env_sent += (size_t)n;
		}
		if (r->cancel_wanted && !r->cancel_sent && r->env_sent == r->env_len) {
			rc = (int)libssh2_channel_write(r->ch, "\n", 1);
			if (rc == 1)
				r->cancel_sent = true;
		}
		while ((n = libssh2_channel_read(r->ch, buf, sizeof buf)) > 0 && !r->freed)
			lines(r, PROC_STDOUT, &r->out, buf, (size_t)n);
		while ((n = libssh2_channel_read_stderr(r->ch, buf, sizeof buf)) > 0 && !r->freed)
			lines(r, PROC_STDERR, &r->err, buf, (size_t)n);
		if (r->freed && !r->detached) {
			/* freed from a line callback: the run goes on detached until its channel is closed */
			r->detached = true;
			r->freed = false;
			r->cancel_wanted = true;
		}
		if (libssh2_channel_eof(r->ch))
			r->state = R_CLOSE;
	}
	if (r->state == R_CLOSE) {
		rc = libssh2_channel_close(r->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return;
		rc = libssh2_channel_wait_closed(r->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return;
		if (r->res.started) {
			char *sig = NULL;

			libssh2_channel_get_exit_signal(r->ch, &sig, NULL, NULL, NULL, NULL, NULL);
			if (sig) {
				r->res.signal = strcmp(sig, "TERM") == 0 ? 15 : strcmp(sig, "KILL") == 0 ? 9 :
				                strcmp(sig, "INT") == 0 ? 2 : strcmp(sig, "HUP") == 0 ? 1 : -1;
				libssh2_free(sess, sig);
			} else {
				r->res.exit_code = libssh2_channel_get_exit_status(r->ch);
				/* the wrapper reports a signalled command as 128+N */
				if (r->res.exit_code > 128 && r->res.exit_code < 160 && r->cancel_sent)
					r->res.signal = r->res.exit_code - 128;
				else
					r->res.exited = true;
			}
		}
		if (libssh2_channel_free(r->ch) == LIBSSH2_ERROR_EAGAIN)
			return;   /* the next drive frees it; the state stays */
		r->ch = NULL;
		finish(r);
	}
}

static void down(struct ssh_client *cl)
{
	struct remote *r = (struct remote *)((char *)cl - offsetof(struct remote, client));

	/* the session and its channels are gone; sshd's end of stdin closed, so
	 * the wrapper ends the remote group */
	fail(r, r->res.started ? "the connection to the bastion was lost while the command ran"
	                       : ssh_error(r->ssh)[0] ? ssh_error(r->ssh) : "the bastion is not connected");
}

static void on_timeout(struct loop *loop, void *arg)
{
	struct remote *r = arg;

	r->timer = 0;
	r->res.timed_out = true;
	remote_cancel(r);
}

static void on_fail_later(struct loop *loop, void *arg)
{
	struct remote *r = arg;

	r->done_timer = 0;
	fail(r, ssh_error(r->ssh)[0] ? ssh_error(r->ssh) : "the bastion is not connected");
}

struct remote *remote_start(struct ssh *ssh, const struct remote_spec *spec, char *err, size_t errlen)
{
	struct remote *r;
	enum ssh_state st;

	if (!ssh || !spec || !spec->command || !*spec->command) {
		snprintf(err, errlen, "no remote command to run");
		return NULL;
	}
	r = calloc(1, sizeof *r);
	if (r) {
		r->wrapped = remote_wrap(spec->command);
		r->envline = remote_env_line(spec->env);
		r->env_len = r->envline ? strlen(r->envline) : 0;
	}
	if (!r || !r->wrapped || !r->envline) {
		if (r) {
			free(r->wrapped);
			free(r->envline);
		}
		free(r);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->ssh = ssh;
	r->spec = *spec;
	r->spec.env = NULL;   /* used up: the caller's entries need not outlive this call */
	r->client.drive = drive;
	r->client.down = down;
	r->started_ms = loop_now_ms();
	if (spec->timeout_ms > 0)
		r->timer = loop_timer_add(ssh_loop(ssh), spec->timeout_ms, 0, on_timeout, r);
	st = ssh_state(ssh);
	if (st == SSH_DOWN || st == SSH_REFUSED || st == SSH_IDLE) {
		r->done_timer = loop_timer_add(ssh_loop(ssh), 0, 0, on_fail_later, r);
		return r;
	}
	ssh_client_add(ssh, &r->client);
	return r;
}

void remote_cancel(struct remote *r)
{
	if (!r || r->state == R_DONE)
		return;
	r->cancel_wanted = true;
	if (!r->res.timed_out)
		r->res.cancelled = true;
	if (r->done_timer)
		return;
	if (r->state == R_WAIT || !ssh_session(r->ssh)) {
		r->res.cancelled = true;
		fail(r, r->res.timed_out ? "timed out before it started" : "cancelled before it started");
		return;
	}
	drive(&r->client);
	ssh_io_done(r->ssh);
}

void remote_free(struct remote *r)
{
	if (!r)
		return;
	if (r->in_cb) {
		r->freed = true;
		return;
	}
	if (r->state == R_DONE || r->state == R_WAIT || r->done_timer || !ssh_session(r->ssh)) {
		release(r);
		return;
	}
	/* still running: cancel it and let the loop close the channel */
	r->detached = true;
	remote_cancel(r);
}
