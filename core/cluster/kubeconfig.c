/* kubeconfig — kubeconfig files, in-cluster config and exec credential
 * plugins. Files are read with libyaml into a cJSON tree (kubectl reads YAML
 * as JSON too), then merged the way kubectl merges $KUBECONFIG. */
#include "warroom/kubeconfig.h"
#include "warroom/text.h"
#include "warroom/json.h"

#include <cJSON.h>
#include <yaml.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FILE_BYTES (4u << 20)
#define MAX_YAML_NODES 200000

/* ---------- small helpers ---------- */

/* Plain YAML may type a name or a path as a number or bool: read it as text. */
static const char *jtext(const cJSON *obj, const char *key, char *buf, size_t len)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (cJSON_IsString(it))
		return it->valuestring;
	if (cJSON_IsNumber(it)) {
		snprintf(buf, len, "%.15g", it->valuedouble);
		return buf;
	}
	if (cJSON_IsBool(it)) {
		text_copy(buf, len, cJSON_IsTrue(it) ? "true" : "false");
		return buf;
	}
	return NULL;
}

static bool jtrue(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (cJSON_IsTrue(it))
		return true;
	return cJSON_IsString(it) && strcmp(it->valuestring, "true") == 0;
}

static char *read_file(const char *path, size_t *lenp, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		if (n == cap) {
			if (cap >= MAX_FILE_BYTES) {
				snprintf(err, errlen, "%s is larger than %u bytes", path, MAX_FILE_BYTES);
				free(buf);
				buf = NULL;
				break;
			}
			cap *= 2;
			char *nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0) {
			if (ferror(f)) {
				snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
				free(buf);
				buf = NULL;
			}
			break;
		}
	}
	fclose(f);
	if (!buf) {
		if (err[0] == '\0')
			snprintf(err, errlen, "out of memory reading %s", path);
		return NULL;
	}
	buf[n] = '\0';
	if (lenp)
		*lenp = n;
	return buf;
}

char *kubeconfig_read_token_file(const char *path, char *err, size_t errlen)
{
	size_t n = 0;
	if (err && errlen)
		err[0] = '\0';
	char *buf = read_file(path, &n, err, errlen);
	if (!buf)
		return NULL;
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	if (n == 0) {
		snprintf(err, errlen, "token file %s is empty", path);
		free(buf);
		return NULL;
	}
	return buf;
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Standard base64 (whitespace ignored); malloc'd, NUL-terminated. */
static char *b64decode(const char *in, size_t *outlen)
{
	size_t len = strlen(in);
	char *out = malloc(len / 4 * 3 + 4);
	if (!out)
		return NULL;
	size_t n = 0;
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)in[i];
		if (isspace(c))
			continue;
		if (c == '=')
			break;
		int v = b64val(c);
		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	*outlen = n;
	return out;
}

/* ---------- YAML to cJSON ---------- */

struct yconv {
	yaml_document_t *doc;
	size_t nodes;
	bool overflow;
};

static bool plain_is_number(const char *s)
{
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	/* Leading zeros ("0755", "007") stay text as far as we care. */
	if (p[0] == '0' && isdigit((unsigned char)p[1]))
		return false;
	char *end = NULL;
	errno = 0;
	(void)strtod(s, &end);
	return errno == 0 && end && *end == '\0';
}

static cJSON *yconv_scalar(const yaml_node_t *node)
{
	const char *v = (const char *)node->data.scalar.value;
	if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return cJSON_CreateString(v);
	if (!*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL"))
		return cJSON_CreateNull();
	if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "TRUE"))
		return cJSON_CreateTrue();
	if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "FALSE"))
		return cJSON_CreateFalse();
	if (plain_is_number(v))
		return cJSON_CreateNumber(strtod(v, NULL));
	return cJSON_CreateString(v);
}

static cJSON *yconv_node(struct yconv *c, int index, int depth)
{
	yaml_node_t *node = yaml_document_get_node(c->doc, index);
	if (!node || depth > 64 || ++c->nodes > MAX_YAML_NODES) {
		c->overflow = true;
		return NULL;
	}
	if (node->type == YAML_SCALAR_NODE)
		return yconv_scalar(node);
	if (node->type == YAML_SEQUENCE_NODE) {
		cJSON *arr = cJSON_CreateArray();
		for (yaml_node_item_t *it = node->data.sequence.items.start;
		     arr && it < node->data.sequence.items.top; it++) {
			cJSON *child = yconv_node(c, *it, depth + 1);
			if (!child) {
				cJSON_Delete(arr);
				return NULL;
			}
			cJSON_AddItemToArray(arr, child);
		}
		return arr;
	}
	if (node->type == YAML_MAPPING_NODE) {
		cJSON *obj = cJSON_CreateObject();
		for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
		     obj && p < node->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
			if (!k || k->type != YAML_SCALAR_NODE)
				continue;
			cJSON *child = yconv_node(c, p->value, depth + 1);
			if (!child) {
				cJSON_Delete(obj);
				return NULL;
			}
			const char *key = (const char *)k->data.scalar.value;
			/* A repeated key: the later one wins, as in kubectl. */
			if (cJSON_GetObjectItemCaseSensitive(obj, key))
				cJSON_ReplaceItemInObjectCaseSensitive(obj, key, child);
			else
				cJSON_AddItemToObject(obj, key, child);
		}
		return obj;
	}
	return cJSON_CreateNull();
}

cJSON *kubeconfig_yaml_to_json(const char *text, size_t len, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&parser)) {
		text_copy(err, errlen, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "line %lu: %s", (unsigned long)parser.problem_mark.line + 1,
		         parser.problem ? parser.problem : "YAML syntax error");
		yaml_parser_delete(&parser);
		return NULL;
	}
	cJSON *out;
	if (!yaml_document_get_root_node(&doc)) {
		out = cJSON_CreateObject();   /* an empty file is an empty config */
	} else {
		struct yconv c = { .doc = &doc };
		out = yconv_node(&c, 1, 0);
		if (!out)
			text_copy(err, errlen, c.overflow ? "YAML too deep or too large" : "out of memory");
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return out;
}

/* ---------- loading and merging ---------- */

struct kc_file {
	char path[1024];
	char dir[1024];
	cJSON *root;
};

struct kc_entry {
	const char *name;
	const cJSON *body;   /* the "cluster"/"user"/"context" object */
	const char *dir;     /* folder of the file that defined it */
};

/* First definition of a name wins, across files in order. */
static const struct kc_entry *find_named(struct kc_file *files, size_t nfiles, const char *list,
                                         const char *inner, const char *name, struct kc_entry *out)
{
	for (size_t f = 0; f < nfiles; f++) {
		const cJSON *arr = cJSON_GetObjectItemCaseSensitive(files[f].root, list);
		const cJSON *it;
		cJSON_ArrayForEach(it, arr) {
			char nb[64];
			const char *n = jtext(it, "name", nb, sizeof nb);
			if (n && strcmp(n, name) == 0) {
				out->name = n;
				out->body = cJSON_GetObjectItemCaseSensitive(it, inner);
				out->dir = files[f].dir;
				return out;
			}
		}
	}
	return NULL;
}

/* A value copied whole or refused: a cut server, name or path would be
 * another one, reached without a word. */
static int fit(char *dst, size_t len, const char *src, const char *owner, const char *field,
               char *err, size_t errlen)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= len) {
		snprintf(err, errlen, "%s: %s is longer than %zu bytes", owner, field, len - 1);
		return -1;
	}
	text_copy(dst, len, src);
	return 0;
}

static int resolve_path(char *dst, size_t len, const char *dir, const char *p, const char *owner,
                        const char *field, char *err, size_t errlen)
{
	int n;

	if (!p || !*p || p[0] == '/' || !dir || !*dir)
		return fit(dst, len, p, owner, field, err, errlen);
	n = snprintf(dst, len, "%s/%s", dir, p);
	if (n < 0 || (size_t)n >= len) {
		dst[0] = '\0';
		snprintf(err, errlen, "%s: %s is longer than %zu bytes once resolved against %s", owner, field,
		         len - 1, dir);
		return -1;
	}
	return 0;
}

static int take_data(const cJSON *obj, const char *key, char **out, size_t *outlen,
                     const char *what, char *err, size_t errlen)
{
	const char *s = json_str(obj, key);
	if (!s || !*s)
		return 0;
	*out = b64decode(s, outlen);
	if (!*out) {
		snprintf(err, errlen, "%s is not valid base64", what);
		return -1;
	}
	return 0;
}

static void free_strv(char **v);

/* first, then the array's strings (numbers as written), NULL-terminated;
 * NULL out of memory. */
static char **str_array(const cJSON *arr, const char *first)
{
	size_t n = (size_t)cJSON_GetArraySize(arr);
	char **v = calloc(n + 2, sizeof *v);
	if (!v)
		return NULL;
	size_t i = 0;
	bool oom = false;
	if (first)
		oom = !(v[i++] = strdup(first));
	const cJSON *it;
	cJSON_ArrayForEach(it, arr) {
		char nb[64];
		const char *s = cJSON_IsString(it) ? it->valuestring : NULL;
		if (!s && cJSON_IsNumber(it)) {
			snprintf(nb, sizeof nb, "%.15g", it->valuedouble);
			s = nb;
		}
		if (s && !oom)
			oom = !(v[i++] = strdup(s));
	}
	if (oom) {   /* never a plugin run with its arguments cut short */
		free_strv(v);
		return NULL;
	}
	return v;
}

static void free_strv(char **v)
{
	if (!v)
		return;
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

static int load_exec(struct kubeconfig *kc, const cJSON *ex, const char *dir, const cJSON *cluster,
                     char *err, size_t errlen)
{
	struct kubeconfig_exec *e = &kc->exec;
	const char *cmd = json_str(ex, "command");
	char owner[160];
	if (!cmd || !*cmd) {
		snprintf(err, errlen, "user \"%s\": exec plugin has no command", kc->user);
		return -1;
	}
	const char *api = json_str(ex, "apiVersion");
	if (!api || (strcmp(api, "client.authentication.k8s.io/v1") != 0 &&
	             strcmp(api, "client.authentication.k8s.io/v1beta1") != 0)) {
		snprintf(err, errlen, "user \"%s\": exec plugin apiVersion %s is not supported "
		         "(client.authentication.k8s.io/v1 or v1beta1)", kc->user, api ? api : "(missing)");
		return -1;
	}
	e->set = true;
	text_copy(e->api_version, sizeof e->api_version, api);
	/* As client-go: a command with a path separator is relative to the file. */
	snprintf(owner, sizeof owner, "user \"%s\"", kc->user);
	if (strchr(cmd, '/') ? resolve_path(e->command, sizeof e->command, dir, cmd, owner, "exec command", err,
	                                    errlen) != 0 :
	    fit(e->command, sizeof e->command, cmd, owner, "exec command", err, errlen) != 0)
		return -1;
	e->argv = str_array(cJSON_GetObjectItemCaseSensitive(ex, "args"), e->command);
	const cJSON *envs = cJSON_GetObjectItemCaseSensitive(ex, "env");
	e->env = calloc((size_t)cJSON_GetArraySize(envs) + 1, sizeof *e->env);
	if (!e->argv || !e->env) {
		text_copy(err, errlen, "out of memory");
		return -1;
	}
	size_t n = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, envs) {
		char vb[64];
		const char *name = json_str(it, "name"), *val = jtext(it, "value", vb, sizeof vb);
		if (!name || !*name)
			continue;
		size_t l = strlen(name) + strlen(val ? val : "") + 2;
		e->env[n] = malloc(l);
		if (e->env[n])
			snprintf(e->env[n++], l, "%s=%s", name, val ? val : "");
	}
	const char *im = json_str(ex, "interactiveMode");
	if (fit(e->interactive_mode, sizeof e->interactive_mode, im ? im : "IfAvailable", owner,
	        "exec interactiveMode", err, errlen) != 0)
		return -1;
	const char *hint = json_str(ex, "installHint");
	if (hint) {
		text_copy(e->install_hint, sizeof e->install_hint, hint);
		char *nl = strchr(e->install_hint, '\n');
		if (nl)
			*nl = '\0';
	}
	e->provide_cluster_info = jtrue(ex, "provideClusterInfo");
	const cJSON *exts = cJSON_GetObjectItemCaseSensitive(cluster, "extensions");
	cJSON_ArrayForEach(it, exts) {
		const char *name = json_str(it, "name");
		if (name && strcmp(name, "client.authentication.k8s.io/exec") == 0) {
			const cJSON *x = cJSON_GetObjectItemCaseSensitive(it, "extension");
			if (x) {
				e->cluster_config_json = cJSON_PrintUnformatted(x);
				break;   /* the first of the name counts, as client-go reads a map */
			}
		}
	}
	return 0;
}

static int fill_from(struct kubeconfig *kc, const struct kc_entry *cl, const struct kc_entry *us,
                     const cJSON *ctx, char *err, size_t errlen)
{
	const cJSON *c = cl->body;
	char tb[64];
	const char *server = jtext(c, "server", tb, sizeof tb);
	if (!server || !*server) {
		snprintf(err, errlen, "cluster \"%s\" has no server", kc->cluster);
		return -1;
	}
	char owner[160];
	snprintf(owner, sizeof owner, "cluster \"%s\"", kc->cluster);
	if (fit(kc->server, sizeof kc->server, server, owner, "server", err, errlen) != 0)
		return -1;
	size_t sl = strlen(kc->server);
	while (sl > 0 && kc->server[sl - 1] == '/')
		kc->server[--sl] = '\0';
	kc->insecure = jtrue(c, "insecure-skip-tls-verify");
	const char *tsn = json_str(c, "tls-server-name");
	if (fit(kc->tls_server_name, sizeof kc->tls_server_name, tsn, owner, "tls-server-name", err, errlen) != 0)
		return -1;
	if (take_data(c, "certificate-authority-data", &kc->ca_pem, &kc->ca_pem_len,
	              "certificate-authority-data", err, errlen) < 0)
		return -1;
	if (!kc->ca_pem && resolve_path(kc->ca_file, sizeof kc->ca_file, cl->dir, json_str(c, "certificate-authority"),
	                                owner, "certificate-authority", err, errlen) != 0)
		return -1;

	const char *ns = ctx ? json_str(ctx, "namespace") : NULL;
	char cowner[160];
	snprintf(cowner, sizeof cowner, "context \"%s\"", kc->context);
	if (fit(kc->namespace_, sizeof kc->namespace_, ns, cowner, "namespace", err, errlen) != 0)
		return -1;

	if (!us)
		return 0;   /* no user: anonymous, as kubectl */
	const cJSON *u = us->body;
	const char *tok = json_str(u, "token");
	snprintf(owner, sizeof owner, "user \"%s\"", kc->user);
	if (tok && *tok) {
		if (!(kc->token = strdup(tok))) {
			snprintf(err, errlen, "%s: out of memory reading its token", owner);
			return -1;
		}
	} else if (json_str(u, "tokenFile") &&
	           resolve_path(kc->token_file, sizeof kc->token_file, us->dir, json_str(u, "tokenFile"), owner,
	                        "tokenFile", err, errlen) != 0) {
		return -1;
	}
	if (take_data(u, "client-certificate-data", &kc->cert_pem, &kc->cert_pem_len,
	              "client-certificate-data", err, errlen) < 0 ||
	    take_data(u, "client-key-data", &kc->key_pem, &kc->key_pem_len,
	              "client-key-data", err, errlen) < 0)
		return -1;
	if (!kc->cert_pem && resolve_path(kc->cert_file, sizeof kc->cert_file, us->dir,
	                                  json_str(u, "client-certificate"), owner, "client-certificate", err,
	                                  errlen) != 0)
		return -1;
	if (!kc->key_pem && resolve_path(kc->key_file, sizeof kc->key_file, us->dir, json_str(u, "client-key"),
	                                 owner, "client-key", err, errlen) != 0)
		return -1;
	bool has_cert = kc->cert_pem || kc->cert_file[0];
	bool has_key = kc->key_pem || kc->key_file[0];
	if (has_cert != has_key) {
		snprintf(err, errlen, "user \"%s\": client certificate and key must be given together", kc->user);
		return -1;
	}
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(u, "exec");
	if (cJSON_IsObject(ex) && load_exec(kc, ex, us->dir, c, err, errlen) < 0)
		return -1;
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(u, "auth-provider")) &&
	    !kc->token && !kc->token_file[0] && !kc->exec.set && !has_cert) {
		snprintf(err, errlen, "user \"%s\": auth-provider is not supported; use an exec plugin "
		         "(e.g. kubelogin or gke-gcloud-auth-plugin)", kc->user);
		return -1;
	}
	return 0;
}

static void free_files(struct kc_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(files[i].root);
	free(files);
}

/* Picks the context from parsed files and fills kc from it; frees the files. */
static int kc_resolve(struct kubeconfig *kc, struct kc_file *files, size_t nfiles, const char *context,
                      char *err, size_t errlen)
{
	char ctxname[128] = "";
	int rc = -1;
	struct kc_entry ctx, cl, us;
	if (context && *context) {
		if (fit(ctxname, sizeof ctxname, context, "the chosen context", "name", err, errlen) != 0)
			goto out;
	} else {
		for (size_t f = 0; f < nfiles && !ctxname[0]; f++) {
			const char *cc = json_str(files[f].root, "current-context");
			if (cc && *cc && fit(ctxname, sizeof ctxname, cc, files[f].path, "current-context", err,
			                     errlen) != 0)
				goto out;
		}
	}
	if (!ctxname[0]) {
		snprintf(err, errlen, "no context chosen: %s sets no current-context "
		         "(set kubernetes.context in the config or pass --context)", kc->source);
		goto out;
	}
	text_copy(kc->context, sizeof kc->context, ctxname);
	if (!find_named(files, nfiles, "contexts", "context", ctxname, &ctx)) {
		snprintf(err, errlen, "context \"%s\" not found in %s", ctxname, kc->source);
		goto out;
	}
	char cb[64], ub[64];
	const char *cln = jtext(ctx.body, "cluster", cb, sizeof cb);
	const char *usn = jtext(ctx.body, "user", ub, sizeof ub);
	char cowner[160];
	snprintf(cowner, sizeof cowner, "context \"%s\"", ctxname);
	if (fit(kc->cluster, sizeof kc->cluster, cln, cowner, "cluster", err, errlen) != 0 ||
	    fit(kc->user, sizeof kc->user, usn, cowner, "user", err, errlen) != 0)
		goto out;
	if (!cln || !*cln) {
		snprintf(err, errlen, "context \"%s\" names no cluster", ctxname);
		goto out;
	}
	if (!find_named(files, nfiles, "clusters", "cluster", cln, &cl) || !cl.body) {
		snprintf(err, errlen, "context \"%s\": cluster \"%s\" not found in %s", ctxname, cln, kc->source);
		goto out;
	}
	const struct kc_entry *usp = NULL;
	if (usn && *usn) {
		usp = find_named(files, nfiles, "users", "user", usn, &us);
		if (!usp) {
			snprintf(err, errlen, "context \"%s\": user \"%s\" not found in %s", ctxname, usn, kc->source);
			goto out;
		}
	}
	rc = fill_from(kc, &cl, usp, ctx.body, err, errlen);
out:
	free_files(files, nfiles);
	if (rc < 0) {
		char keep[sizeof kc->source];
		text_copy(keep, sizeof keep, kc->source);
		kubeconfig_free(kc);
		text_copy(kc->source, sizeof kc->source, keep);
	}
	return rc;
}

/* One kubeconfig from memory, as kubeconfig_load reads one file: name stands
 * for the file in the words of errors, relative paths are taken from dir. */
int kubeconfig_load_text(struct kubeconfig *kc, const char *name, const char *dir, const char *text, size_t len,
                         const char *context, char *err, size_t errlen)
{
	memset(kc, 0, sizeof *kc);
	if (err && errlen)
		err[0] = '\0';
	char yerr[256] = "";
	cJSON *root = kubeconfig_yaml_to_json(text, len, yerr, sizeof yerr);
	if (!root || !cJSON_IsObject(root)) {
		snprintf(err, errlen, "%s: %s", name, root ? "not a kubeconfig (expected a mapping)" : yerr);
		cJSON_Delete(root);
		return -1;
	}
	struct kc_file *files = calloc(1, sizeof *files);
	if (!files) {
		cJSON_Delete(root);
		text_copy(err, errlen, "out of memory");
		return -1;
	}
	text_copy(files[0].path, sizeof files[0].path, name);
	text_copy(files[0].dir, sizeof files[0].dir, dir ? dir : "");
	files[0].root = root;
	text_copy(kc->source, sizeof kc->source, name);
	return kc_resolve(kc, files, 1, context, err, errlen);
}

int kubeconfig_load(struct kubeconfig *kc, const char *paths, const char *context,
                    char *err, size_t errlen)
{
	memset(kc, 0, sizeof *kc);
	if (err && errlen)
		err[0] = '\0';
	char listbuf[4096];
	bool explicit_list = paths && *paths;
	if (!explicit_list) {
		const char *env = getenv("KUBECONFIG");
		if (env && *env) {
			if (fit(listbuf, sizeof listbuf, env, "KUBECONFIG", "the list of files", err, errlen) != 0)
				return -1;
		} else {
			const char *home = getenv("HOME");
			snprintf(listbuf, sizeof listbuf, "%s/.kube/config", home && *home ? home : ".");
			if (access(listbuf, F_OK) != 0 && getenv("KUBERNETES_SERVICE_HOST"))
				return kubeconfig_in_cluster(kc, KUBECONFIG_SA_DIR, err, errlen);
		}
	} else if (fit(listbuf, sizeof listbuf, paths, "the kubeconfig", "list of files", err, errlen) != 0) {
		return -1;
	}

	size_t cap = 1;
	for (const char *p = listbuf; *p; p++)
		cap += *p == ':';
	struct kc_file *files = calloc(cap, sizeof *files);
	if (!files) {
		text_copy(err, errlen, "out of memory");
		return -1;
	}
	size_t nfiles = 0;
	char *save = NULL;
	for (char *tok = strtok_r(listbuf, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		if (!*tok)
			continue;
		bool dup = false;
		for (size_t i = 0; i < nfiles; i++)
			dup |= strcmp(files[i].path, tok) == 0;
		if (dup)
			continue;
		if (strlen(tok) >= sizeof files[0].path) {
			snprintf(err, errlen, "kubeconfig file name longer than %zu bytes: %.60s...",
			         sizeof files[0].path - 1, tok);
			free_files(files, nfiles);
			return -1;
		}
		size_t len = 0;
		char ferr[512] = "";
		char *text = read_file(tok, &len, ferr, sizeof ferr);
		if (!text) {
			/* kubectl skips missing files in a list; an explicit single file must exist. */
			if (access(tok, F_OK) != 0 && !(explicit_list && cap == 1))
				continue;
			snprintf(err, errlen, "%s", ferr);
			free_files(files, nfiles);
			return -1;
		}
		char yerr[256] = "";
		cJSON *root = kubeconfig_yaml_to_json(text, len, yerr, sizeof yerr);
		free(text);
		if (!root || !cJSON_IsObject(root)) {
			snprintf(err, errlen, "%s: %s", tok, root ? "not a kubeconfig (expected a mapping)" : yerr);
			cJSON_Delete(root);
			free_files(files, nfiles);
			return -1;
		}
		struct kc_file *f = &files[nfiles++];
		text_copy(f->path, sizeof f->path, tok);
		text_copy(f->dir, sizeof f->dir, tok);
		char *slash = strrchr(f->dir, '/');
		if (slash)
			*slash = '\0';
		else
			text_copy(f->dir, sizeof f->dir, "");
		f->root = root;
		size_t sl = strlen(kc->source);
		snprintf(kc->source + sl, sizeof kc->source - sl, "%s%s", sl ? ":" : "", tok);
	}
	if (nfiles == 0) {
		snprintf(err, errlen, "no kubeconfig found (looked in %s)",
		         explicit_list ? paths : (getenv("KUBECONFIG") && *getenv("KUBECONFIG") ?
		                                  getenv("KUBECONFIG") : "~/.kube/config"));
		free(files);
		return -1;
	}

	return kc_resolve(kc, files, nfiles, context, err, errlen);
}

int kubeconfig_in_cluster(struct kubeconfig *kc, const char *sa_dir, char *err, size_t errlen)
{
	memset(kc, 0, sizeof *kc);
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	if (!host || !*host || !port || !*port) {
		text_copy(err, errlen, "not running in a cluster: KUBERNETES_SERVICE_HOST and "
		     "KUBERNETES_SERVICE_PORT are not set");
		return -1;
	}
	int n = snprintf(kc->server, sizeof kc->server, strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s",
	                 host, port);
	if (n < 0 || (size_t)n >= sizeof kc->server) {
		snprintf(err, errlen, "in-cluster config: KUBERNETES_SERVICE_HOST and _PORT make a server longer "
		         "than %zu bytes", sizeof kc->server - 1);
		kc->server[0] = '\0';
		return -1;
	}
	snprintf(kc->token_file, sizeof kc->token_file, "%s/token", sa_dir);
	snprintf(kc->ca_file, sizeof kc->ca_file, "%s/ca.crt", sa_dir);
	if (access(kc->token_file, R_OK) != 0) {
		snprintf(err, errlen, "in-cluster config: cannot read %s: %s", kc->token_file, strerror(errno));
		return -1;
	}
	char nsfile[1100];
	snprintf(nsfile, sizeof nsfile, "%s/namespace", sa_dir);
	char nerr[64];
	char *ns = kubeconfig_read_token_file(nsfile, nerr, sizeof nerr);
	if (ns) {
		int bad = fit(kc->namespace_, sizeof kc->namespace_, ns, "in-cluster config", "namespace", err, errlen);
		free(ns);
		if (bad)
			return -1;
	}
	kc->in_cluster = true;
	text_copy(kc->source, sizeof kc->source, "in-cluster");
	text_copy(kc->context, sizeof kc->context, "in-cluster");
	return 0;
}

void kubeconfig_free(struct kubeconfig *kc)
{
	if (!kc)
		return;
	free(kc->ca_pem);
	if (kc->token) {
		memset(kc->token, 0, strlen(kc->token));
		free(kc->token);
	}
	free(kc->cert_pem);
	if (kc->key_pem) {
		memset(kc->key_pem, 0, kc->key_pem_len);
		free(kc->key_pem);
	}
	free_strv(kc->exec.argv);
	free_strv(kc->exec.env);
	free(kc->exec.cluster_config_json);
	memset(kc, 0, sizeof *kc);
}
