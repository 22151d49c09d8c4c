/* config — the YAML configuration (libyaml): who, where, which service. */
#ifndef WARROOM_CONFIG_H
#define WARROOM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define CONFIG_MAX_SLOTS 2
#define CONFIG_MAX_KEYS 64

struct config_key {
	char action[48];   /* action name, as in the action table */
	char keys[64];     /* key spec list: "R", "C-r", "F5", "space,Enter" */
};

struct config_endpoint {
	char url[512];         /* "" when not configured */
	char ca_file[512];
	char token_file[512];  /* secrets are read from files or env, never shown */
	char token_env[64];
	bool insecure;
	long timeout_ms;
};

/* The bastion the cluster and the monitoring are reached through. Not used
 * yet: a config that names ssh.host is refused rather than ignored. */
struct config_ssh {
	char host[256];         /* "" = no bastion: connect directly */
	int port;               /* 22 */
	char user[64];          /* "" = the local login name */
	char key_file[1024];    /* "" = the ssh agent only */
	char known_hosts[1024]; /* ~/.ssh/known_hosts */
};

struct config {
	char path[1024];        /* file the config came from, "" for defaults */
	char operator_name[64];
	char environment[64];
	char db_path[1024];     /* timeline database */
	char runbook_dir[1024];
	int refresh_ms;         /* polling period of the sources */
	bool readonly;

	struct config_endpoint prometheus;
	struct config_endpoint alertmanager;
	struct config_endpoint argocd;
	char argocd_app[128];

	struct {
		char kubeconfig[1024];  /* "" = $KUBECONFIG or ~/.kube/config */
		char context[128];
		char namespace_[128];
		char service[128];
		char slot_label[64];    /* label key in the selector: "slot" */
		char slots[CONFIG_MAX_SLOTS][32];
		char deployments[CONFIG_MAX_SLOTS][128];
		int min_ready;          /* 0: as many as the active slot wants */
	} kube;

	/* freeze periods, "MM-DD..MM-DD" ranges in UTC; the seeds' holidays
	 * unless the file sets freeze: ("freeze: []" is no freeze at all) */
	char freeze[8][16];
	size_t nfreeze;

	struct config_key keys[CONFIG_MAX_KEYS];
	size_t nkeys;

	struct config_ssh ssh;

	/* The runbooks' numbers (policy.h reads them): slo:, sev:, alerts:. */
	struct config_policy {
		double error_ratio;          /* 5xx ratio: critical above (0.01) */
		double error_ratio_alert;    /* warns above: the SLO alert (0.001) */
		int p95_ms, p99_ms;          /* SLOs: warn above (300, 500) */
		int latency_crit_pct;        /* critical this far over the SLO (20) */
		long queue;                  /* offline queue: critical above (10000) */
		long queue_warn;             /* warns above (1) */
		int sev_response_min[4];     /* SEV-1..4; 0: next business day */
		char critical_severities[8][16];   /* alert severity labels */
		size_t ncritical;
	} policy;

	/* postmortem drafts and the deployment/rollback logs: 0700, files 0600
	 * (timeline: logs:, default $XDG_STATE_HOME/warroom/logs) */
	char logs_dir[1024];
};

/* Defaults for everything (operator from $USER, db under $XDG_STATE_HOME). */
void config_defaults(struct config *cfg);
/* Default path: $XDG_CONFIG_HOME/warroom/config.yaml (or ~/.config/...). */
void config_default_path(char *buf, size_t len);
/* Loads a file over the defaults. A missing file at the default path is not an
 * error (return 0, cfg->path stays ""); a missing explicit file is.
 * Errors name the file, line and key: "config.yaml:12: kubernetes.slots: ...";
 * on error cfg is left as it was. Unknown keys are errors. Paths expand "~"
 * and a relative path is taken from the config file's folder. */
int config_load(struct config *cfg, const char *path, bool explicit_path, char *err, size_t errlen);
/* For config_load: checks and stores one parsed document's settings in cfg
 * (config_yaml.c). Errors as config_load's; cfg may be half-written then. */
struct yaml_document_s;
int config_yaml_apply(struct config *cfg, const char *file, struct yaml_document_s *doc, char *err, size_t errlen);
/* Reads a secret named by an endpoint (token_file or token_env) into buf.
 * 0 on success (buf "" when the endpoint names no secret), -1 on failure. */
int config_read_secret(const struct config_endpoint *ep, char *buf, size_t len);
/* The same with words: on -1 msg says why; on 0 msg is "" or a warning
 * ("token file ... is readable by other users"). msg never holds the secret. */
int config_read_secret_msg(const struct config_endpoint *ep, char *buf, size_t len,
                           char *msg, size_t msglen);

/* "~" and "~/x" to $HOME; other paths copied. 0, or -1 when it does not fit. */
int config_expand_home(const char *in, char *out, size_t len);
/* Parses "MM-DD..MM-DD" (or one day, "MM-DD") into month*100+day bounds; a
 * range may wrap the new year ("12-31..01-02"). 0 or -1. */
int config_freeze_parse(const char *spec, int *from_mmdd, int *to_mmdd);
/* Whether UTC time t falls in a configured freeze; names the range in which. */
bool config_in_freeze(const struct config *cfg, time_t t, char *which, size_t len);

#endif
