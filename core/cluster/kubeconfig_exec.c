/* kubeconfig_exec — client-go exec credential plugins: the ExecCredential
 * they print, and running them through proc on the loop without blocking it
 * (the plugin's whole process group ended at a hard timeout). */
#include "warroom/kubeconfig.h"
#include "warroom/loop.h"
#include "warroom/proc.h"
#include "warroom/text.h"
#include "warroom/json.h"

#include <cJSON.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	if ((tok && *tok && !out->token) || (crt && *crt && (!out->cert_pem || !out->key_pem))) {
		text_copy(err, errlen, "out of memory reading the exec plugin's credential");
		goto out;
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
	struct proc *proc;
	long timeout_ms;
	char api_version[96];
	char command[1024];
	char install_hint[256];
	kubeconfig_exec_fn fn;
	void *arg;
};

static void first_line(char *dst, size_t len, const char *src)
{
	while (*src && isspace((unsigned char)*src))
		src++;
	size_t i = 0;
	for (; src[i] && src[i] != '\n' && i + 1 < len; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

static void run_done(struct proc *p, const struct proc_result *res, void *arg)
{
	struct kubeconfig_exec_run *r = arg;
	char err[1400] = "";
	struct kubeconfig_cred cred;
	memset(&cred, 0, sizeof cred);
	bool ok = false;
	const char *hint = r->install_hint;
	if (res->timed_out) {
		if (r->timeout_ms % 1000)
			snprintf(err, sizeof err, "exec plugin %s did not finish within %ld ms; killed", r->command,
			         r->timeout_ms);
		else
			snprintf(err, sizeof err, "exec plugin %s did not finish within %ld s; killed", r->command,
			         r->timeout_ms / 1000);
	} else if (!res->started) {
		snprintf(err, sizeof err, "exec plugin: %s%s%s", res->error, hint[0] ? ": " : "", hint);
	} else if (res->exited && res->exit_code == 127 && res->out.len == 0) {
		/* A script whose own command is missing. */
		snprintf(err, sizeof err, "exec plugin %s could not be run%s%s", r->command, hint[0] ? ": " : "", hint);
	} else if (!res->exited || res->exit_code != 0) {
		char line[200];
		first_line(line, sizeof line, res->err.data);
		if (res->exited)
			snprintf(err, sizeof err, "exec plugin %s failed with exit code %d%s%s", r->command,
			         res->exit_code, line[0] ? ": " : "", line);
		else
			snprintf(err, sizeof err, "exec plugin %s was killed by signal %d", r->command, res->signal);
	} else if (res->out.truncated) {
		snprintf(err, sizeof err, "exec plugin %s printed more than %u bytes; not an ExecCredential",
		         r->command, MAX_PLUGIN_OUTPUT);
	} else {
		char perr[256] = "";
		if (kubeconfig_parse_exec_credential(res->out.data, res->out.len, r->api_version, &cred, perr,
		                                     sizeof perr) == 0)
			ok = true;
		else
			snprintf(err, sizeof err, "%s", perr);
	}
	kubeconfig_exec_fn fn = r->fn;
	void *fa = r->arg;
	/* The run is over before fn hears of it: fn may start the next one. */
	proc_free(p);
	free(r);
	fn(ok, ok ? &cred : NULL, ok ? "" : err, fa);
	kubeconfig_cred_free(&cred);
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
	/* Looked up in our PATH, as kubectl does, before anything is started. */
	char exe[1024];
	if (proc_find_program(e->command, getenv("PATH"), exe, sizeof exe) != 0) {
		snprintf(err, errlen, "exec plugin %s not found%s%s", e->command,
		         e->install_hint[0] ? ": " : "", e->install_hint);
		return NULL;
	}
	/* The environment: ours (as kubectl passes it), the kubeconfig's extra
	 * entries, the exec info. Values stay values: no shell reads them. */
	char *info = exec_info(kc);
	struct proc_env *env = proc_env_new();
	struct kubeconfig_exec_run *r = calloc(1, sizeof *r);
	bool env_ok = info && env && r && proc_env_inherit_all(env) == 0;
	for (size_t j = 0; env_ok && e->env && e->env[j]; j++)
		env_ok = proc_env_put(env, e->env[j]) == 0;
	env_ok = env_ok && proc_env_set(env, "KUBERNETES_EXEC_INFO", info) == 0;
	free(info);
	if (!env_ok) {
		proc_env_free(env);
		free(r);
		text_copy(err, errlen, "out of memory");
		return NULL;
	}
	r->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
	r->fn = fn;
	r->arg = arg;
	text_copy(r->api_version, sizeof r->api_version, e->api_version);
	text_copy(r->command, sizeof r->command, e->command);
	text_copy(r->install_hint, sizeof r->install_hint, e->install_hint);
	struct proc_spec spec = {
		.argv = e->argv,
		.file = exe,
		.envp = proc_env_envp(env),
		.timeout_ms = r->timeout_ms,
		.max_output = MAX_PLUGIN_OUTPUT,
		.on_done = run_done,
		.arg = r,
	};
	char perr[512];
	r->proc = proc_start(loop, &spec, perr, sizeof perr);
	proc_env_free(env);
	if (!r->proc) {
		snprintf(err, errlen, "exec plugin: %s", perr);
		free(r);
		return NULL;
	}
	return r;
}

void kubeconfig_exec_cancel(struct kubeconfig_exec_run *r)
{
	if (!r)
		return;
	/* Ends the plugin's whole group; run_done does not run. */
	proc_free(r->proc);
	free(r);
}
