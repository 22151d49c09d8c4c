/* kubeconfig_exec — client-go exec credential plugins: the ExecCredential
 * they print, and running them on the loop without blocking it (stdout and
 * stderr through non-blocking pipes, reaped by loop_child_watch, killed after
 * a hard timeout). */
#include "warroom/kubeconfig.h"
#include "warroom/loop.h"
#include "warroom/text.h"
#include "warroom/json.h"

#include <cJSON.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_PLUGIN_OUTPUT (1u << 20)
#define MAX_CA_BYTES (1u << 20)

static char *slurp(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(MAX_CA_BYTES + 1);
	size_t n = buf ? fread(buf, 1, MAX_CA_BYTES, f) : 0;
	fclose(f);
	if (buf)
		buf[n] = '\0';
	*lenp = n;
	return buf;
}

static char *b64encode(const char *in, size_t len)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((len + 2) / 3 * 4 + 1);
	if (!out)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned char)in[i] << 16;
		if (i + 1 < len)
			v |= (unsigned char)in[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)in[i + 2];
		out[n++] = tab[(v >> 18) & 63];
		out[n++] = tab[(v >> 12) & 63];
		out[n++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		out[n++] = i + 2 < len ? tab[v & 63] : '=';
	}
	out[n] = '\0';
	return out;
}

/* ---------- ExecCredential ---------- */

/* RFC 3339 ("2024-05-01T10:00:00Z", "...00.123+02:00") to UTC ms; -1 if bad. */
static int64_t parse_rfc3339(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	int n = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	           &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return -1;
	const char *p = s + n;
	int64_t ms = 0;
	if (*p == '.') {
		int digits = 0;
		for (p++; isdigit((unsigned char)*p); p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
		for (; digits < 3; digits++)
			ms *= 10;
	}
	int off = 0;
	if (*p == '+' || *p == '-') {
		int hh = 0, mm = 0;
		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
			return -1;
		off = (hh * 60 + mm) * 60 * (*p == '-' ? -1 : 1);
	} else if (*p != 'Z' && *p != 'z') {
		return -1;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	return ((int64_t)t - off) * 1000 + ms;
}

int kubeconfig_parse_exec_credential(const char *json, size_t len, const char *api_version,
                                     struct kubeconfig_cred *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	cJSON *root = cJSON_ParseWithLength(json, len);
	int rc = -1;
	if (!cJSON_IsObject(root)) {
		text_copy(err, errlen, "exec plugin did not print an ExecCredential (not JSON)");
		goto out;
	}
	const char *kind = json_str(root, "kind"), *api = json_str(root, "apiVersion");
	if (!kind || strcmp(kind, "ExecCredential") != 0) {
		snprintf(err, errlen, "exec plugin printed kind %s, expected ExecCredential", kind ? kind : "(none)");
		goto out;
	}
	if (!api || (api_version && *api_version && strcmp(api, api_version) != 0)) {
		snprintf(err, errlen, "exec plugin is configured to use API version %s, plugin returned version %s",
		         api_version, api ? api : "(none)");
		goto out;
	}
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "status");
	if (!cJSON_IsObject(st)) {
		text_copy(err, errlen, "exec plugin didn't return a status field");
		goto out;
	}
	const char *tok = json_str(st, "token");
	const char *crt = json_str(st, "clientCertificateData"), *key = json_str(st, "clientKeyData");
	if ((crt && *crt) != (key && *key)) {
		text_copy(err, errlen, "exec plugin returned only one of clientCertificateData and clientKeyData");
		goto out;
	}
	if (!(tok && *tok) && !(crt && *crt)) {
		text_copy(err, errlen, "exec plugin didn't return a token or cert/key pair");
		goto out;
	}
	const char *exp = json_str(st, "expirationTimestamp");
	if (exp && *exp) {
		out->expires_wall_ms = parse_rfc3339(exp);
		if (out->expires_wall_ms < 0) {
			snprintf(err, errlen, "exec plugin returned a bad expirationTimestamp \"%.40s\"", exp);
			out->expires_wall_ms = 0;
			goto out;
		}
	}
	if (tok && *tok)
		out->token = strdup(tok);
	if (crt && *crt) {   /* PEM text, as the plugin prints it */
		out->cert_pem = strdup(crt);
		out->key_pem = strdup(key);
	}
	rc = 0;
out:
	if (root) {
		/* The tree holds the token: wipe it before freeing. */
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(root, "status"), "token");
		if (cJSON_IsString(t))
			memset(t->valuestring, 0, strlen(t->valuestring));
		cJSON_Delete(root);
	}
	if (rc < 0)
		kubeconfig_cred_free(out);
	return rc;
}

void kubeconfig_cred_free(struct kubeconfig_cred *cred)
{
	if (!cred)
		return;
	if (cred->token) {
		memset(cred->token, 0, strlen(cred->token));
		free(cred->token);
	}
	free(cred->cert_pem);
	if (cred->key_pem) {
		memset(cred->key_pem, 0, strlen(cred->key_pem));
		free(cred->key_pem);
	}
	memset(cred, 0, sizeof *cred);
}

/* ---------- running the plugin ---------- */

struct kubeconfig_exec_run {
	struct loop *loop;
	pid_t pid;
	int out_fd, err_fd;
	char *out; size_t out_len;
	char errbuf[512]; size_t err_len;
	bool exited, reported, cancelled, timed_out;
	int status;
	uint64_t timer;
	long timeout_ms;
	char api_version[96];
	char command[1024];
	char install_hint[256];
	kubeconfig_exec_fn fn;
	void *arg;
};

static void run_finish(struct kubeconfig_exec_run *r);

static void run_free_if_done(struct kubeconfig_exec_run *r)
{
	if (r->exited && r->out_fd < 0 && r->err_fd < 0 && (r->reported || r->cancelled)) {
		if (r->out) {
			memset(r->out, 0, r->out_len);
			free(r->out);
		}
		free(r);
	}
}

static void run_close(struct kubeconfig_exec_run *r, int *fd)
{
	if (*fd >= 0) {
		loop_fd_del(r->loop, *fd);
		close(*fd);
		*fd = -1;
	}
}

static void run_read(struct loop *loop, int fd, short revents, void *arg)
{
	struct kubeconfig_exec_run *r = arg;
	char buf[4096];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n > 0) {
			if (fd == r->out_fd) {
				if (r->out_len + (size_t)n > MAX_PLUGIN_OUTPUT)
					continue;   /* drained and dropped; reported as bad JSON */
				char *nb = realloc(r->out, r->out_len + (size_t)n + 1);
				if (!nb)
					continue;
				r->out = nb;
				memcpy(r->out + r->out_len, buf, (size_t)n);
				r->out_len += (size_t)n;
				r->out[r->out_len] = '\0';
			} else {
				size_t room = sizeof r->errbuf - 1 - r->err_len;
				size_t take = (size_t)n < room ? (size_t)n : room;
				memcpy(r->errbuf + r->err_len, buf, take);
				r->err_len += take;
				r->errbuf[r->err_len] = '\0';
			}
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0 && errno == EINTR)
			continue;
		/* EOF or error */
		if (fd == r->out_fd)
			run_close(r, &r->out_fd);
		else
			run_close(r, &r->err_fd);
		break;
	}
	(void)loop;
	(void)revents;
	run_finish(r);
}

static void run_child(struct loop *loop, pid_t pid, int status, void *arg)
{
	struct kubeconfig_exec_run *r = arg;
	(void)loop;
	(void)pid;
	r->exited = true;
	r->status = status;
	run_finish(r);
}

static void run_timeout(struct loop *loop, void *arg)
{
	struct kubeconfig_exec_run *r = arg;
	(void)loop;
	r->timer = 0;
	r->timed_out = true;
	if (!r->exited)
		kill(r->pid, SIGKILL);
	run_close(r, &r->out_fd);
	run_close(r, &r->err_fd);
	run_finish(r);
}

static void first_line(char *dst, size_t len, const char *src)
{
	while (*src && isspace((unsigned char)*src))
		src++;
	size_t i = 0;
	for (; src[i] && src[i] != '\n' && i + 1 < len; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

static void run_finish(struct kubeconfig_exec_run *r)
{
	if (r->reported || r->cancelled) {
		run_free_if_done(r);
		return;
	}
	char err[1400] = "";
	struct kubeconfig_cred cred;
	memset(&cred, 0, sizeof cred);
	bool ok = false;
	if (r->timed_out) {
		snprintf(err, sizeof err, "exec plugin %s did not finish within %ld s; killed",
		         r->command, r->timeout_ms / 1000);
	} else if (!r->exited || r->out_fd >= 0 || r->err_fd >= 0) {
		return;   /* wait for exit and both EOFs */
	} else if (WIFEXITED(r->status) && WEXITSTATUS(r->status) == 127 && r->out_len == 0) {
		snprintf(err, sizeof err, "exec plugin %s could not be run%s%s", r->command,
		         r->install_hint[0] ? ": " : "", r->install_hint);
	} else if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0) {
		char line[200];
		first_line(line, sizeof line, r->errbuf);
		if (WIFEXITED(r->status))
			snprintf(err, sizeof err, "exec plugin %s failed with exit code %d%s%s", r->command,
			         WEXITSTATUS(r->status), line[0] ? ": " : "", line);
		else
			snprintf(err, sizeof err, "exec plugin %s was killed by signal %d", r->command,
			         WTERMSIG(r->status));
	} else {
		char perr[256] = "";
		if (kubeconfig_parse_exec_credential(r->out ? r->out : "", r->out_len, r->api_version,
		                                     &cred, perr, sizeof perr) == 0)
			ok = true;
		else
			snprintf(err, sizeof err, "%s", perr);
	}
	if (r->timer) {
		loop_timer_cancel(r->loop, r->timer);
		r->timer = 0;
	}
	r->reported = true;
	r->fn(ok, ok ? &cred : NULL, ok ? "" : err, r->arg);
	kubeconfig_cred_free(&cred);
	run_free_if_done(r);
}

/* PATH lookup in the parent, so the child only has to execve(). */
static int find_exe(const char *cmd, char *out, size_t len)
{
	if (strchr(cmd, '/')) {
		text_copy(out, len, cmd);
		return access(out, X_OK);
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	const char *p = path;
	while (*p) {
		const char *e = strchr(p, ':');
		size_t dl = e ? (size_t)(e - p) : strlen(p);
		if (dl + strlen(cmd) + 2 > len)
			return -1;
		memcpy(out, dl ? p : ".", dl ? dl : 1);
		size_t pl = dl ? dl : 1;
		out[pl] = '/';
		memcpy(out + pl + 1, cmd, strlen(cmd) + 1);
		struct stat st;
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return 0;
		p += dl + (e ? 1 : 0);
	}
	return -1;
}

static char *exec_info(const struct kubeconfig *kc)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "kind", "ExecCredential");
	cJSON_AddStringToObject(root, "apiVersion", kc->exec.api_version);
	cJSON *spec = cJSON_AddObjectToObject(root, "spec");
	cJSON_AddBoolToObject(spec, "interactive", false);
	if (kc->exec.provide_cluster_info) {
		cJSON *cl = cJSON_AddObjectToObject(spec, "cluster");
		cJSON_AddStringToObject(cl, "server", kc->server);
		if (kc->tls_server_name[0])
			cJSON_AddStringToObject(cl, "tls-server-name", kc->tls_server_name);
		if (kc->insecure)
			cJSON_AddBoolToObject(cl, "insecure-skip-tls-verify", true);
		char *ca = NULL;
		if (kc->ca_pem) {
			ca = b64encode(kc->ca_pem, kc->ca_pem_len);
		} else if (kc->ca_file[0]) {
			size_t n = 0;
			char *pem = slurp(kc->ca_file, &n);
			if (pem) {
				ca = b64encode(pem, n);
				free(pem);
			}
		}
		if (ca)
			cJSON_AddStringToObject(cl, "certificate-authority-data", ca);
		free(ca);
		if (kc->exec.cluster_config_json)
			cJSON_AddItemToObject(cl, "config", cJSON_Parse(kc->exec.cluster_config_json));
	}
	char *s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return s;
}

struct kubeconfig_exec_run *kubeconfig_exec_start(struct loop *loop, const struct kubeconfig *kc,
                                                  long timeout_ms, kubeconfig_exec_fn fn, void *arg,
                                                  char *err, size_t errlen)
{
	const struct kubeconfig_exec *e = &kc->exec;
	if (!e->set) {
		text_copy(err, errlen, "no exec plugin configured");
		return NULL;
	}
	if (strcmp(e->interactive_mode, "Always") == 0) {
		snprintf(err, errlen, "exec plugin %s needs an interactive terminal (interactiveMode: Always); "
		         "run it once by hand or use a non-interactive login", e->command);
		return NULL;
	}
	char exe[1024];
	if (find_exe(e->command, exe, sizeof exe) != 0) {
		snprintf(err, errlen, "exec plugin %s not found%s%s", e->command,
		         e->install_hint[0] ? ": " : "", e->install_hint);
		return NULL;
	}
	/* The environment: ours, the kubeconfig's extra entries, the exec info. */
	char *info = exec_info(kc);
	size_t nenv = 0, nextra = 0;
	while (environ && environ[nenv])
		nenv++;
	while (e->env && e->env[nextra])
		nextra++;
	char **envp = calloc(nenv + nextra + 2, sizeof *envp);
	size_t infolen = info ? strlen(info) + 32 : 32;
	char *infoenv = malloc(infolen);
	if (!envp || !infoenv || !info) {
		free(envp);
		free(infoenv);
		free(info);
		text_copy(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(infoenv, infolen, "KUBERNETES_EXEC_INFO=%s", info);
	free(info);
	size_t k = 0;
	for (size_t i = 0; i < nenv; i++) {
		bool overridden = strncmp(environ[i], "KUBERNETES_EXEC_INFO=", 21) == 0;
		const char *eq = strchr(environ[i], '=');
		size_t nl = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		for (size_t j = 0; j < nextra && !overridden; j++)
			overridden = strncmp(e->env[j], environ[i], nl) == 0 && e->env[j][nl] == '=';
		if (!overridden)
			envp[k++] = environ[i];
	}
	for (size_t j = 0; j < nextra; j++)
		envp[k++] = e->env[j];
	envp[k++] = infoenv;
	envp[k] = NULL;

	int outp[2], errp[2];
	if (pipe(outp) != 0) {
		snprintf(err, errlen, "exec plugin: pipe: %s", strerror(errno));
		free(envp);
		free(infoenv);
		return NULL;
	}
	if (pipe(errp) != 0) {
		snprintf(err, errlen, "exec plugin: pipe: %s", strerror(errno));
		close(outp[0]);
		close(outp[1]);
		free(envp);
		free(infoenv);
		return NULL;
	}
	struct kubeconfig_exec_run *r = calloc(1, sizeof *r);
	pid_t pid = r ? fork() : -1;
	if (pid == 0) {
		loop_child_reset_signals();
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(outp[1], 1);
		dup2(errp[1], 2);
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		execve(exe, e->argv, envp);
		_exit(127);
	}
	close(outp[1]);
	close(errp[1]);
	free(envp);
	free(infoenv);
	if (pid < 0) {
		snprintf(err, errlen, "exec plugin: fork: %s", strerror(errno));
		close(outp[0]);
		close(errp[0]);
		free(r);
		return NULL;
	}
	r->loop = loop;
	r->pid = pid;
	r->out_fd = outp[0];
	r->err_fd = errp[0];
	r->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
	r->fn = fn;
	r->arg = arg;
	text_copy(r->api_version, sizeof r->api_version, e->api_version);
	text_copy(r->command, sizeof r->command, e->command);
	text_copy(r->install_hint, sizeof r->install_hint, e->install_hint);
	fcntl(r->out_fd, F_SETFL, fcntl(r->out_fd, F_GETFL) | O_NONBLOCK);
	fcntl(r->err_fd, F_SETFL, fcntl(r->err_fd, F_GETFL) | O_NONBLOCK);
	fcntl(r->out_fd, F_SETFD, FD_CLOEXEC);
	fcntl(r->err_fd, F_SETFD, FD_CLOEXEC);
	loop_child_watch(loop, pid, run_child, r);
	loop_fd_add(loop, r->out_fd, POLLIN, run_read, r);
	loop_fd_add(loop, r->err_fd, POLLIN, run_read, r);
	r->timer = loop_timer_add(loop, r->timeout_ms, 0, run_timeout, r);
	return r;
}

void kubeconfig_exec_cancel(struct kubeconfig_exec_run *r)
{
	if (!r || r->reported || r->cancelled)
		return;
	r->cancelled = true;
	if (r->timer) {
		loop_timer_cancel(r->loop, r->timer);
		r->timer = 0;
	}
	if (!r->exited)
		kill(r->pid, SIGKILL);
	run_close(r, &r->out_fd);
	run_close(r, &r->err_fd);
	/* Freed once the loop reports the child reaped. */
	run_free_if_done(r);
}
