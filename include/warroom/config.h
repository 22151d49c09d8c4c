/* config — the YAML configuration (libyaml): who, where, which service.
 * Implemented in core/config/: config.c, config_load.c, config_yaml.c (with
 * its private schema config_fields.c), config_calendar.c. */
#ifndef WARROOM_CONFIG_H
#define WARROOM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define CONFIG_MAX_SLOTS 2
#define CONFIG_MAX_KEYS 64
#define CONFIG_MAX_RUNBOOK_PATHS 8
#define CONFIG_MAX_STRIP 8

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
	bool via_bastion;      /* reached through the bastion's tunnels */
	long timeout_ms;
};

/* The bastion the cluster and the monitoring are reached through: endpoints
 * marked via_bastion go through its tunnels, remote commands run on it. */
struct config_ssh {
	char host[256];         /* "" = no bastion: connect directly */
	int port;               /* 22 */
	char user[64];          /* "" = the local login name */
	char key_file[1024];    /* "" = the ssh agent only */
	char known_hosts[1024]; /* ~/.ssh/known_hosts */
	bool from_option;       /* host from --bastion, not the config */
};

struct config {
	char path[1024];        /* file the config came from, "" for defaults */
	char operator_name[64];
	char environment[64];
	char db_path[1024];     /* timeline database */
	char runbook_dir[1024];  /* the shipped runbooks */
	/* the user's runbook folders (runbooks: { paths: [...] }), read after the shipped ones */
	char runbook_paths[CONFIG_MAX_RUNBOOK_PATHS][1024];
	size_t nrunbook_paths;
	int refresh_ms;         /* polling period of the sources */
	bool readonly;

	struct config_endpoint prometheus;
	struct config_endpoint alertmanager;
	struct config_endpoint argocd;
	char argocd_app[128];
	/* the Helm parameter of the application's history that names the slot
	 * the Service selects ("service.activeSlot"): Argo CD's record of each switch */
	char argocd_slot_param[128];

	struct {
		char kubeconfig[1024];  /* "" = $KUBECONFIG or ~/.kube/config */
		char context[128];
		char namespace_[128];
		char service[128];
		char slot_label[64];    /* label key in the selector: "slot" */
		char slots[CONFIG_MAX_SLOTS][32];
		char deployments[CONFIG_MAX_SLOTS][128];
		/* an Argo Rollout in place of the two Deployments: its ReplicaSets
		 * are the slots, its Services carry the traffic ("" none) */
		char rollout[128];
		int min_ready;          /* 0: as many as the active slot wants */
		bool via_bastion;       /* the API server is reached through the bastion */
		bool watch;             /* list then watch (default); false: a list every refresh */
	} kube;

	/* freeze periods, "MM-DD..MM-DD" ranges in UTC; the seeds' holidays
	 * unless the file sets freeze: ("freeze: []" is no freeze at all) */
	char freeze[8][16];
	size_t nfreeze;

	/* Grafana dashboards for the metrics view and the overview's strip. */
	struct config_dashboards {
		char path[1024];        /* a folder of *.json or one file; "" = assets/dashboards */
		char dflt[128];         /* opened first: a title or file name; "" = Detection Pipeline */
		char overview[128];     /* the overview's strip: a dashboard; "" = dflt */
		/* the strip's panels, by title or id, in order; none: the golden signals */
		char strip[CONFIG_MAX_STRIP][128];
		char strip_at[CONFIG_MAX_STRIP][96];   /* "config.yaml:12": where each is written */
		size_t nstrip;
		int scrape_ms;          /* the scrape interval for $__rate_interval and the step (15000) */
		int max_in_flight;      /* queries of a refresh in flight at once (20) */
		char vars[512];         /* variable values: "name=value;name=a,b" ("" none) */
	} dash;

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

	/* alertmanager.urls: more Alertmanagers (an HA pair) with the same
	 * token, CA and timeout as alertmanager.url; the first becomes url when
	 * url is not set. */
	char alertmanager_urls[4][512];
	size_t nalertmanager_urls;
	/* The deployment window (deploy:): how long to watch after a traffic
	 * switch and when to recommend a rollback (deploy.h). */
	struct config_deploy {
		int window_s;                /* monitoring window (300) */
		int sustain_s;               /* the seeds' rollback criteria hold this long (300) */
		int fast_sustain_s;          /* fast rules: a breach that is already an incident (2) */
		double error_over_baseline;  /* error ratio above baseline by more than this share (0.10) */
		int p95_over_slo_pct;        /* P95 over its SLO by more than this (20) */
		double fast_error_ratio;     /* SEV-2 line (0.05) */
		int fast_p99_factor;         /* P99 over this many times its SLO (2) */
		int fast_range_s;            /* the live slot's signals: rates over this range (60) */
		long capacity_rps;           /* capacity warning: sustained request rate over (100) */
		int capacity_db_gb;          /* database volume used over (50, GiB: its 50Gi PVC) */
		double capacity_cpu;         /* busiest pod's CPU over this share of its request (0.70) */
		double capacity_memory;      /* busiest pod's memory over this share of its request (0.75) */
		/* PromQL, "{namespace}" is kubernetes.namespace; "" turns the warning off */
		char capacity_db_query[512], capacity_cpu_query[512], capacity_memory_query[512];
		char log_dir[1024];          /* deployment logs; "" = LOGS/deployments (config_logs_dir) */
		/* the monthly maintenance window, UTC: "first tuesday 02:00-04:00"; "" none */
		char maintenance[64];
	} deploy;

	/* The post-deployment verification matrix (verify:, verify.h): how a pod
	 * is reached directly and the smoke request it must answer. */
	struct config_verify {
		char pod_url[512];           /* "{ip}" is the pod's address: "http://{ip}:8080" */
		char smoke_method[8];        /* POST */
		char smoke_path[256];        /* /api/v1/detections */
		char smoke_body[512];        /* a test detection, JSON */
		int smoke_status;            /* 201 */
		bool via_bastion;            /* the pods (health, ready, metrics, smoke) through the bastion */
	} verify;
	/* postmortem drafts and the rollback logs: 0700, files 0600 (timeline:
	 * logs:); "" = a logs folder beside the timeline database in use */
	char logs_dir[1024];
	/* Pod logs by slot (logs:, logs.h): how many streams at once, the bytes
	 * of lines kept, when a stream is quiet, the lines a tail starts with. */
	struct config_logs {
		int max_streams;             /* 10 */
		int buffer_mib;              /* 8 */
		int quiet_s;                 /* 10 */
		int tail_lines;              /* 200: per container when no switch time is known */
	} logs;
};

/* The longest token a token file or variable may hold (bytes, with the NUL). */
#define CONFIG_SECRET_MAX 65536

/* Defaults for everything (operator from $USER, db under $XDG_STATE_HOME). */
void config_defaults(struct config *cfg);
/* Default path: $XDG_CONFIG_HOME/warroom/config.yaml (or ~/.config/...). */
void config_default_path(char *buf, size_t len);
/* $XDG_STATE_HOME/warroom (or ~/.local/state/warroom), whatever --db says:
 * where the timeline's fallback files (unsaved-*.jsonl) go. */
void config_state_dir(char *buf, size_t len);
/* Where drafts and logs go: timeline: logs:, else a "logs" folder beside
 * the database in use (db_path; NULL: the config's), so each --db and each
 * lab keeps its own. */
void config_logs_dir(const struct config *cfg, const char *db_path, char *buf, size_t len);
/* Loads a file over the defaults. A missing file at the default path is not an
 * error (return 0, cfg->path stays ""); a missing explicit file is.
 * Errors name the file, line and key: "config.yaml:12: kubernetes.slots: ...";
 * on error cfg is left as it was. Unknown keys are errors. Paths expand "~"
 * and a relative path is taken from the config file's folder. */
int config_load(struct config *cfg, const char *path, bool explicit_path, char *err, size_t errlen);
/* The same for config text held in memory; name stands for the file in the
 * words of errors. cfg is left as it was on error. */
int config_load_text(struct config *cfg, const char *name, const char *text, size_t len, char *err, size_t errlen);
/* For config_load: checks and stores one parsed document's settings in cfg
 * (config_yaml.c). Errors as config_load's; cfg may be half-written then. */
struct yaml_document_s;
int config_yaml_apply(struct config *cfg, const char *file, struct yaml_document_s *doc, char *err, size_t errlen);
/* Reads a secret named by an endpoint (token_file or token_env) into buf:
 * 0 (buf "" when the endpoint names no secret), or -1 and msg says why. On 0
 * msg is "" or a warning ("token file ... is readable by other users"). msg
 * (NULL: no words) never holds the secret. */
int config_read_secret_msg(const struct config_endpoint *ep, char *buf, size_t len,
                           char *msg, size_t msglen);
/* Reads every endpoint's secret once, so each is redacted by value
 * (secret.h) even in a command that never uses it: a note quoting a token. */
void config_register_secrets(const struct config *cfg);

/* --bastion user@host[:port] over the ssh: section. 0, or -1 with words. */
int config_set_bastion(struct config *cfg, const char *spec, char *err, size_t errlen);
/* After the command line: an endpoint marked via_bastion needs a bastion.
 * 0, or -1 with words naming the key. */
int config_check_bastion(const struct config *cfg, char *err, size_t errlen);
/* A bastion (ssh.host or --bastion) that no endpoint is marked to go
 * through: true with the warning's words, which name the via_bastion keys
 * (brief: in one row of 80 columns). Whether a runbook step runs on it is
 * for the caller to know. */
bool config_bastion_unused(const struct config *cfg, bool brief, char *words, size_t len);

/* "~" and "~/x" to $HOME; other paths copied. 0, or -1 when it does not fit. */
int config_expand_home(const char *in, char *out, size_t len);
/* Parses "MM-DD..MM-DD" (or one day, "MM-DD") into month*100+day bounds; a
 * range may wrap the new year ("12-31..01-02"). 0 or -1. */
int config_freeze_parse(const char *spec, int *from_mmdd, int *to_mmdd);
/* Whether UTC time t falls in a configured freeze; names the range in which. */
bool config_in_freeze(const struct config *cfg, time_t t, char *which, size_t len);

/* The calendar (core/config/config_calendar.c). A maintenance window spec: "first
 * tuesday 02:00-04:00" (first, second, third, fourth or last; a weekday; UTC
 * times). 0, or -1 when it is not one. */
int config_maintenance_parse(const char *spec, int *nth, int *wday, int *from_min, int *to_min);
/* Whether UTC time t falls in the configured maintenance window; which says it. */
bool config_in_maintenance(const struct config *cfg, time_t t, char *which, size_t len);
/* Now, for the calendar: time(NULL) unless a test set config_clock. */
extern time_t (*config_clock)(void);
time_t config_now(void);

#endif
