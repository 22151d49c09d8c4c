/* kubeconfig — where the Kubernetes API server is and how to authenticate:
 * kubeconfig files (libyaml, merged as kubectl merges KUBECONFIG), in-cluster
 * service-account config, and client-go exec credential plugins run without
 * blocking the loop. Secrets (tokens, keys) stay in memory and never reach an
 * error text.
 * Implemented in core/cluster/: kubeconfig.c, exec plugins kubeconfig_exec.c. */
#ifndef WARROOM_KUBECONFIG_H
#define WARROOM_KUBECONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cJSON;
struct loop;

#define KUBECONFIG_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

struct kubeconfig_exec {
	bool set;
	char api_version[96];      /* client.authentication.k8s.io/v1 or v1beta1 */
	char command[1024];        /* resolved against the kubeconfig's folder when it has a '/' */
	char **argv;               /* argv[0] = command, NULL-terminated */
	char **env;                /* extra "NAME=value" entries, NULL-terminated */
	char interactive_mode[16]; /* Never, IfAvailable, Always */
	char install_hint[256];
	bool provide_cluster_info;
	char *cluster_config_json; /* the cluster's client.authentication.k8s.io/exec extension */
};

struct kubeconfig {
	char source[1024];         /* files it came from ("a:b"), or "in-cluster" */
	char context[128];
	char cluster[128];
	char user[128];
	char namespace_[128];      /* the context's namespace, "" when unset */

	char server[512];          /* https://host:port, no trailing '/' */
	char ca_file[1024];
	char *ca_pem;   size_t ca_pem_len;
	bool insecure;             /* insecure-skip-tls-verify: true, nothing else */
	char tls_server_name[256];

	/* Authentication, at most one family in use. */
	char *token;               /* static bearer token */
	char token_file[1024];     /* re-read on every request (rotated tokens) */
	char cert_file[1024];
	char *cert_pem; size_t cert_pem_len;
	char key_file[1024];
	char *key_pem;  size_t key_pem_len;
	struct kubeconfig_exec exec;
	bool in_cluster;
};

/* What an exec plugin returned. */
struct kubeconfig_cred {
	char *token;
	char *cert_pem;
	char *key_pem;
	int64_t expires_wall_ms;   /* 0: no expiry given */
};

/* Loads kubeconfig files: paths is a ':'-separated list (as $KUBECONFIG);
 * NULL or "" means $KUBECONFIG, else ~/.kube/config, else in-cluster config
 * when KUBERNETES_SERVICE_HOST is set. The first file to set a value wins.
 * context NULL or "": the merged current-context. Returns 0, or -1 with
 * words in err ("context \"x\" not found in /home/a/.kube/config"). */
int kubeconfig_load(struct kubeconfig *kc, const char *paths, const char *context,
                    char *err, size_t errlen);
/* The same for one kubeconfig held in memory; name stands for the file in
 * errors and relative paths are taken from dir ("" or NULL: the current one). */
int kubeconfig_load_text(struct kubeconfig *kc, const char *name, const char *dir, const char *text, size_t len,
                         const char *context, char *err, size_t errlen);
/* In-cluster config from KUBERNETES_SERVICE_HOST/PORT and the service-account
 * folder (KUBECONFIG_SA_DIR in a pod; another folder in tests). */
int kubeconfig_in_cluster(struct kubeconfig *kc, const char *sa_dir, char *err, size_t errlen);
void kubeconfig_free(struct kubeconfig *kc);

/* Reads a token file (trailing whitespace trimmed) into a malloc'd string. */
char *kubeconfig_read_token_file(const char *path, char *err, size_t errlen);

/* YAML text (first document) to a cJSON tree, as kubectl reads YAML: plain
 * true/false/null/numbers typed, quoted scalars strings, aliases resolved.
 * Free with cJSON_Delete. NULL with err set on a syntax error. */
struct cJSON *kubeconfig_yaml_to_json(const char *text, size_t len, char *err, size_t errlen);

/* Parses a plugin's ExecCredential; the apiVersion must match the one the
 * kubeconfig asked for. */
int kubeconfig_parse_exec_credential(const char *json, size_t len, const char *api_version,
                                     struct kubeconfig_cred *out, char *err, size_t errlen);
void kubeconfig_cred_free(struct kubeconfig_cred *cred);

/* Runs the exec plugin on the loop through proc (its whole process group is
 * ended after timeout_ms). fn runs once, from the loop:
 * with ok and *cred filled (the callee owns it afterwards), or !ok and words. */
typedef void (*kubeconfig_exec_fn)(bool ok, struct kubeconfig_cred *cred, const char *err, void *arg);
struct kubeconfig_exec_run;
struct kubeconfig_exec_run *kubeconfig_exec_start(struct loop *loop, const struct kubeconfig *kc,
                                                  long timeout_ms, kubeconfig_exec_fn fn, void *arg,
                                                  char *err, size_t errlen);
/* Ends a running plugin and its process group; its callback does not run. */
void kubeconfig_exec_cancel(struct kubeconfig_exec_run *run);

#endif
