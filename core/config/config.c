/* config — defaults, paths, freeze periods and secrets. The YAML reading is
 * in config_yaml.c. Secrets are never written in the config file; it names a
 * token file or an environment variable, read here when a request needs it. */
#include "warroom/config.h"
#include "warroom/policy.h"
#include "warroom/secret.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef WARROOM_DATADIR
#define WARROOM_DATADIR "/usr/local/share/warroom"
#endif


/* ---- paths and defaults ------------------------------------------------ */

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	if (h && *h)
		return h;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_dir ? pw->pw_dir : "/";
}

int config_expand_home(const char *in, char *out, size_t len)
{
	int n;
	if (in[0] == '~' && (in[1] == '/' || in[1] == '\0'))
		n = snprintf(out, len, "%s%s", home_dir(), in + 1);
	else
		n = snprintf(out, len, "%s", in);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* $XDG_<name> when absolute (the spec ignores relative ones), else ~/fallback. */
static void xdg_dir(char *buf, size_t len, const char *var, const char *fallback)
{
	const char *v = getenv(var);
	if (v && v[0] == '/')
		snprintf(buf, len, "%s", v);
	else
		snprintf(buf, len, "%s/%s", home_dir(), fallback);
}

void config_state_dir(char *buf, size_t len)
{
	char dir[900];
	xdg_dir(dir, sizeof dir, "XDG_STATE_HOME", ".local/state");
	snprintf(buf, len, "%s/warroom", dir);
}

void config_default_path(char *buf, size_t len)
{
	char dir[900];
	xdg_dir(dir, sizeof dir, "XDG_CONFIG_HOME", ".config");
	snprintf(buf, len, "%s/warroom/config.yaml", dir);
}

static void endpoint_defaults(struct config_endpoint *ep)
{
	ep->timeout_ms = 5000;
}

void config_logs_dir(const struct config *cfg, const char *db_path, char *buf, size_t len)
{
	const char *db = db_path && *db_path ? db_path : cfg ? cfg->db_path : "";
	const char *slash = strrchr(db, '/');

	if (cfg && cfg->logs_dir[0])
		snprintf(buf, len, "%s", cfg->logs_dir);
	else if (slash)
		snprintf(buf, len, "%.*s/logs", (int)(slash - db), db);
	else
		snprintf(buf, len, "logs");
}

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	const char *user = getenv("USER");
	snprintf(cfg->operator_name, sizeof cfg->operator_name, "%s", user && *user ? user : "operator");
	snprintf(cfg->environment, sizeof cfg->environment, "default");
	cfg->refresh_ms = 2000;
	cfg->kube.watch = true;

	char dir[900];
	xdg_dir(dir, sizeof dir, "XDG_STATE_HOME", ".local/state");
	snprintf(cfg->db_path, sizeof cfg->db_path, "%s/warroom/timeline.db", dir);
	cfg->logs_dir[0] = '\0';   /* beside the database, wherever --db puts it */

	/* Run from the source tree, the runbooks beside it win over installed ones. */
	struct stat st;
	char cwd[900];
	if (stat("runbooks", &st) == 0 && S_ISDIR(st.st_mode) && getcwd(cwd, sizeof cwd))
		snprintf(cfg->runbook_dir, sizeof cfg->runbook_dir, "%s/runbooks", cwd);
	else
		snprintf(cfg->runbook_dir, sizeof cfg->runbook_dir, "%s/runbooks", WARROOM_DATADIR);

	endpoint_defaults(&cfg->prometheus);
	endpoint_defaults(&cfg->alertmanager);
	endpoint_defaults(&cfg->argocd);
	snprintf(cfg->argocd_slot_param, sizeof cfg->argocd_slot_param, "service.activeSlot");

	snprintf(cfg->kube.namespace_, sizeof cfg->kube.namespace_, "default");
	snprintf(cfg->kube.slot_label, sizeof cfg->kube.slot_label, "slot");
	snprintf(cfg->kube.slots[0], sizeof cfg->kube.slots[0], "blue");
	snprintf(cfg->kube.slots[1], sizeof cfg->kube.slots[1], "green");

	/* The release process's holiday freezes. */
	snprintf(cfg->freeze[0], sizeof cfg->freeze[0], "12-24..12-26");
	snprintf(cfg->freeze[1], sizeof cfg->freeze[1], "12-31..01-02");
	cfg->nfreeze = 2;

	cfg->ssh.port = 22;
	snprintf(cfg->ssh.known_hosts, sizeof cfg->ssh.known_hosts, "%s/.ssh/known_hosts", home_dir());

	policy_defaults(&cfg->policy);
	/* The seeds' deployment window and rollback criteria. */
	cfg->deploy.window_s = 300;
	cfg->deploy.sustain_s = 300;
	cfg->deploy.fast_sustain_s = 2;
	cfg->deploy.error_over_baseline = 0.10;
	cfg->deploy.p95_over_slo_pct = 20;
	cfg->deploy.fast_error_ratio = 0.05;
	cfg->deploy.fast_p99_factor = 2;
	cfg->deploy.fast_range_s = 60;
	cfg->deploy.capacity_rps = 100;
	/* The seeds' capacity planning: a 50Gi database PVC, and the HPA's 70 %
	 * CPU and 75 % memory of the pods' requests (250m, 512Mi). */
	cfg->deploy.capacity_db_gb = 50;
	cfg->deploy.capacity_cpu = 0.70;
	cfg->deploy.capacity_memory = 0.75;
	snprintf(cfg->deploy.capacity_db_query, sizeof cfg->deploy.capacity_db_query,
	         "max(kubelet_volume_stats_used_bytes{namespace=\"{namespace}\"})");
	snprintf(cfg->deploy.capacity_cpu_query, sizeof cfg->deploy.capacity_cpu_query,
	         "max(sum by (pod) (rate(container_cpu_usage_seconds_total{namespace=\"{namespace}\",container!=\"\"}[1m]))"
	         " / sum by (pod) (kube_pod_container_resource_requests{namespace=\"{namespace}\",resource=\"cpu\"}))");
	snprintf(cfg->deploy.capacity_memory_query, sizeof cfg->deploy.capacity_memory_query,
	         "max(sum by (pod) (container_memory_working_set_bytes{namespace=\"{namespace}\",container!=\"\"})"
	         " / sum by (pod) (kube_pod_container_resource_requests{namespace=\"{namespace}\",resource=\"memory\"}))");
	snprintf(cfg->deploy.maintenance, sizeof cfg->deploy.maintenance, "first tuesday 02:00-04:00");
	/* The seeds' post-deployment checks: a test detection answered 201. */
	snprintf(cfg->verify.pod_url, sizeof cfg->verify.pod_url, "http://{ip}:8080");
	snprintf(cfg->verify.smoke_method, sizeof cfg->verify.smoke_method, "POST");
	snprintf(cfg->verify.smoke_path, sizeof cfg->verify.smoke_path, "/api/v1/detections");
	snprintf(cfg->verify.smoke_body, sizeof cfg->verify.smoke_body,
	         "{\"lat\": 48.8584, \"lon\": 2.2945, \"cot_type\": \"a-h-G\", \"source_id\": \"warroom-smoke\"}");
	cfg->verify.smoke_status = 201;
	cfg->logs.max_streams = 10;
	cfg->logs.buffer_mib = 8;
	cfg->logs.quiet_s = 10;
	cfg->logs.tail_lines = 200;
}

/* ---- freeze periods ---------------------------------------------------- */

static int parse_mmdd(const char *s, int *mmdd)
{
	static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != '-' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	int m = (s[0] - '0') * 10 + (s[1] - '0'), d = (s[3] - '0') * 10 + (s[4] - '0');
	if (m < 1 || m > 12 || d < 1 || d > days[m - 1])
		return -1;
	*mmdd = m * 100 + d;
	return 0;
}

int config_freeze_parse(const char *spec, int *from_mmdd, int *to_mmdd)
{
	size_t n = strlen(spec);
	if (n == 5)
		return parse_mmdd(spec, from_mmdd) == 0 && parse_mmdd(spec, to_mmdd) == 0 ? 0 : -1;
	if (n != 12 || strncmp(spec + 5, "..", 2) != 0)
		return -1;
	return parse_mmdd(spec, from_mmdd) == 0 && parse_mmdd(spec + 7, to_mmdd) == 0 ? 0 : -1;
}

bool config_in_freeze(const struct config *cfg, time_t t, char *which, size_t len)
{
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return false;
	int today = (tm.tm_mon + 1) * 100 + tm.tm_mday;
	for (size_t i = 0; i < cfg->nfreeze; i++) {
		int from, to;
		if (config_freeze_parse(cfg->freeze[i], &from, &to) != 0)
			continue;
		bool in = from <= to ? today >= from && today <= to : today >= from || today <= to;
		if (in) {
			if (which && len)
				snprintf(which, len, "%s", cfg->freeze[i]);
			return true;
		}
	}
	return false;
}

/* ---- secrets ----------------------------------------------------------- */

static void say(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;
	if (!msg || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
}

#define SECRET_FILE_MAX CONFIG_SECRET_MAX

static int secret_from_file(const char *path, char *buf, size_t len, char *msg, size_t msglen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		say(msg, msglen, "cannot read token file %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		say(msg, msglen, "token file %s is not a regular file", path);
		close(fd);
		return -1;
	}
	/* The whole file, so a token longer than buf is refused, never cut. */
	char *tmp = malloc(SECRET_FILE_MAX + 1);
	size_t got = 0;
	ssize_t r = 0;
	while (tmp && got < SECRET_FILE_MAX && (r = read(fd, tmp + got, SECRET_FILE_MAX - got)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		got += (size_t)r;
	}
	int e = errno;
	close(fd);
	int rc = -1;
	if (!tmp) {
		say(msg, msglen, "cannot read token file %s: out of memory", path);
		return -1;
	}
	while (got > 0 && isspace((unsigned char)tmp[got - 1]))
		got--;
	tmp[got] = '\0';
	if (r < 0)
		say(msg, msglen, "cannot read token file %s: %s", path, strerror(e));
	else if (got == 0)
		say(msg, msglen, "token file %s is empty", path);
	else if (strlen(tmp) != got || strpbrk(tmp, "\r\n"))
		say(msg, msglen, "token file %s holds more than one line", path);
	else if (got >= len)
		say(msg, msglen, "token file %s is too long (over %zu bytes)", path, len - 1);
	else
		rc = 0;
	if (rc == 0) {
		memcpy(buf, tmp, got + 1);
		/* Others reading the token is worth a warning, not a refused incident. */
		if (st.st_mode & (S_IRGRP | S_IROTH))
			say(msg, msglen, "token file %s is readable by other users (mode %04o); chmod 600 it",
			    path, (unsigned)(st.st_mode & 07777));
	}
	explicit_bzero(tmp, SECRET_FILE_MAX + 1);
	free(tmp);
	return rc;
}

int config_read_secret_msg(const struct config_endpoint *ep, char *buf, size_t len,
                           char *msg, size_t msglen)
{
	say(msg, msglen, "%s", "");
	if (!buf || len == 0)
		return -1;
	buf[0] = '\0';
	/* the endpoint's URL may carry a password too */
	secret_register_url(ep->url);
	if (ep->token_file[0]) {
		int rc = secret_from_file(ep->token_file, buf, len, msg, msglen);

		if (rc == 0)
			secret_register(buf, (size_t)-1);   /* redacted by value from now on */
		return rc;
	}
	if (!ep->token_env[0])
		return 0;
	const char *v = getenv(ep->token_env);
	if (!v || !*v) {
		say(msg, msglen, "environment variable %s is not set", ep->token_env);
		return -1;
	}
	size_t n = strlen(v);
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	if (n >= len) {
		say(msg, msglen, "environment variable %s is too long for a token", ep->token_env);
		return -1;
	}
	memcpy(buf, v, n);
	buf[n] = '\0';
	secret_register(buf, n);
	return 0;
}

void config_register_secrets(const struct config *cfg)
{
	const struct config_endpoint *eps[] = { &cfg->prometheus, &cfg->alertmanager, &cfg->argocd };
	char *buf = malloc(CONFIG_SECRET_MAX);

	/* reading registers them (secret.h); one that cannot be read is said where it is used */
	for (size_t i = 0; buf && i < sizeof eps / sizeof eps[0]; i++)
		config_read_secret_msg(eps[i], buf, CONFIG_SECRET_MAX, NULL, 0);
	if (buf)
		explicit_bzero(buf, CONFIG_SECRET_MAX);
	free(buf);
}

/* ---- the bastion ---------------------------------------------------------- */

/* The spec is never quoted back: a password typed into it ("user:pw@host",
 * or a host forgotten, "user:pw") must not reach a terminal or a log. */
int config_set_bastion(struct config *cfg, const char *spec, char *err, size_t errlen)
{
	const char *at = strrchr(spec, '@'), *host = at ? at + 1 : spec, *colon;
	char port[8] = "";
	size_t hl;

	if (at && (memchr(spec, ':', (size_t)(at - spec)) || memchr(spec, '@', (size_t)(at - spec))))
		return say(err, errlen, "--bastion: refused, it holds a password (user:password@host): a password "
		           "on the command line is in the process list and the shell's history; give "
		           "user@host[:port] and log in with a key (ssh.key_file) or the ssh agent"), -1;
	colon = strrchr(host, ':');
	hl = colon ? (size_t)(colon - host) : strlen(host);
	if (at && ((size_t)(at - spec) >= sizeof cfg->ssh.user || at == spec))
		return say(err, errlen, "--bastion: the user name is empty or too long (expected "
		           "user@host[:port])"), -1;
	if (hl == 0 || hl >= sizeof cfg->ssh.host || memchr(host, '/', hl) || memchr(host, ' ', hl))
		return say(err, errlen, "--bastion: expected user@host[:port]"), -1;
	if (colon) {
		char *end;
		long p = strtol(colon + 1, &end, 10);

		if (!colon[1] || *end || p < 1 || p > 65535)
			return say(err, errlen, "--bastion: the port must be between 1 and 65535 (expected "
			           "user@host[:port])"), -1;
		snprintf(port, sizeof port, "%ld", p);
	}
	if (at)
		snprintf(cfg->ssh.user, sizeof cfg->ssh.user, "%.*s", (int)(at - spec), spec);
	snprintf(cfg->ssh.host, sizeof cfg->ssh.host, "%.*s", (int)hl, host);
	if (port[0])
		cfg->ssh.port = atoi(port);
	cfg->ssh.from_option = true;
	return 0;
}

bool config_bastion_unused(const struct config *cfg, bool brief, char *words, size_t len)
{
	const struct config_endpoint *eps[] = { &cfg->prometheus, &cfg->alertmanager, &cfg->argocd };

	if (!cfg->ssh.host[0] || cfg->kube.via_bastion || cfg->verify.via_bastion)
		return false;
	for (size_t i = 0; i < sizeof eps / sizeof eps[0]; i++)
		if (eps[i]->via_bastion)
			return false;
	if (brief) {   /* one row of 80 columns */
		snprintf(words, len, "bastion unused: no "
		         "kubernetes/prometheus/alertmanager/argocd/verify.via_bastion");
		return true;
	}
	snprintf(words, len, "the bastion %s (%s%s%s) carries nothing: no endpoint is marked via_bastion "
	         "(kubernetes.via_bastion, prometheus.via_bastion, alertmanager.via_bastion, argocd.via_bastion, "
	         "verify.via_bastion), so every request goes directly", cfg->ssh.host,
	         cfg->ssh.from_option ? "--bastion" : "ssh.host",
	         cfg->ssh.from_option || !cfg->path[0] ? "" : " in ", cfg->ssh.from_option ? "" : cfg->path);
	return true;
}

int config_check_bastion(const struct config *cfg, char *err, size_t errlen)
{
	static const struct { const char *key; size_t off; } eps[] = {
		{ "prometheus", offsetof(struct config, prometheus) },
		{ "alertmanager", offsetof(struct config, alertmanager) },
		{ "argocd", offsetof(struct config, argocd) },
	};

	if (cfg->ssh.host[0])
		return 0;
	for (size_t i = 0; i < sizeof eps / sizeof eps[0]; i++) {
		const struct config_endpoint *ep = (const void *)((const char *)cfg + eps[i].off);

		if (ep->via_bastion)
			return say(err, errlen, "%s%s%s.via_bastion: no bastion is configured (set ssh.host or "
			           "--bastion user@host)", cfg->path, cfg->path[0] ? ": " : "", eps[i].key), -1;
	}
	if (cfg->kube.via_bastion)
		return say(err, errlen, "%s%skubernetes.via_bastion: no bastion is configured (set ssh.host or "
		           "--bastion user@host)", cfg->path, cfg->path[0] ? ": " : ""), -1;
	if (cfg->verify.via_bastion)
		return say(err, errlen, "%s%sverify.via_bastion: no bastion is configured (set ssh.host or "
		           "--bastion user@host)", cfg->path, cfg->path[0] ? ": " : ""), -1;
	return 0;
}
