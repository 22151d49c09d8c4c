/* config — reading the file: its bytes, libyaml's parse and its errors in
 * words; the walk over the document and its checks are in config_yaml.c. */
#include "warroom/config.h"
#include "warroom/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#define CONFIG_MAX_BYTES (1024 * 1024)

static char *read_all(const char *path, size_t *len, char *err, size_t errlen, bool *missing)
{
	*missing = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		*missing = errno == ENOENT;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "cannot read %s: %s", path,
		         S_ISREG(st.st_mode) ? "larger than 1 MiB" : "not a regular file");
		close(fd);
		return NULL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	ssize_t r = 0;
	while (buf && got < (size_t)st.st_size && (r = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)r;
	int e = errno;
	close(fd);
	if (!buf || r < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, buf ? strerror(e) : "out of memory");
		free(buf);
		return NULL;
	}
	buf[got] = '\0';
	*len = got;
	return buf;
}

static void yaml_problem(const char *file, const yaml_parser_t *p, const char *text, size_t len,
                         char *err, size_t errlen)
{
	const char *what = p->problem ? p->problem : "cannot parse";
	size_t used;
	if (p->error == YAML_MEMORY_ERROR)
		snprintf(err, errlen, "%s: out of memory", file);
	else if (p->error == YAML_READER_ERROR)
		snprintf(err, errlen, "%s: byte %zu: %s", file, p->problem_offset, what);
	else if (p->context)
		snprintf(err, errlen, "%s:%zu:%zu: %s (%s that started at line %zu)", file,
		         p->problem_mark.line + 1, p->problem_mark.column + 1, what, p->context,
		         p->context_mark.line + 1);
	else
		snprintf(err, errlen, "%s:%zu:%zu: %s", file, p->problem_mark.line + 1,
		         p->problem_mark.column + 1, what);
	/* The usual cause, in words libyaml does not use. */
	used = strlen(err);
	if (p->error == YAML_SCANNER_ERROR && p->problem_mark.index < len &&
	    text[p->problem_mark.index] == '\t' && used < errlen)
		snprintf(err + used, errlen - used, "; YAML indents with spaces, not tabs");
}

static int parse_text(struct config *cfg, const char *file, const char *text, size_t len, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_problem(file, &parser, text, len, err, errlen);
		yaml_parser_delete(&parser);
		return -1;
	}
	int rc = config_yaml_apply(cfg, file, &doc, err, errlen);
	/* A second document would be silently ignored: say so instead. */
	if (rc == 0) {
		if (!yaml_parser_load(&parser, &extra)) {
			yaml_problem(file, &parser, text, len, err, errlen);
			rc = -1;
		} else {
			yaml_node_t *r2 = yaml_document_get_root_node(&extra);
			if (r2) {
				snprintf(err, errlen, "%s:%d: only one YAML document is read; remove the \"---\" and what follows",
				         file, (int)r2->start_mark.line + 1);
				rc = -1;
			}
			yaml_document_delete(&extra);
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

/* A password written into a URL is a secret like a token: redacted by
 * value wherever the URL or the password turns up. */
static void register_url_passwords(const struct config *cfg)
{
	secret_register_url(cfg->prometheus.url);
	secret_register_url(cfg->alertmanager.url);
	secret_register_url(cfg->argocd.url);
	for (size_t i = 0; i < cfg->nalertmanager_urls; i++)
		secret_register_url(cfg->alertmanager_urls[i]);
	secret_register_url(cfg->verify.pod_url);
}

int config_load(struct config *cfg, const char *path, bool explicit_path, char *err, size_t errlen)
{
	char dummy[8];
	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = '\0';
	size_t len = 0;
	bool missing;
	char *text = read_all(path, &len, err, errlen, &missing);
	if (!text) {
		if (missing && !explicit_path) {
			err[0] = '\0';
			return 0;
		}
		return -1;
	}
	/* Parse into a copy: a half-applied config is worse than the old one. */
	struct config *tmp = malloc(sizeof *tmp);
	int rc = -1;
	if (!tmp) {
		snprintf(err, errlen, "%s: out of memory", path);
	} else {
		memcpy(tmp, cfg, sizeof *tmp);
		rc = parse_text(tmp, path, text, len, err, errlen);
		if (rc == 0) {
			snprintf(tmp->path, sizeof tmp->path, "%s", path);
			memcpy(cfg, tmp, sizeof *cfg);
			register_url_passwords(cfg);
		}
	}
	free(tmp);
	free(text);
	return rc;
}

int config_load_text(struct config *cfg, const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	char dummy[8];
	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = '\0';
	struct config *tmp = malloc(sizeof *tmp);
	if (!tmp) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	memcpy(tmp, cfg, sizeof *tmp);
	int rc = parse_text(tmp, name, text, len, err, errlen);
	if (rc == 0) {
		memcpy(cfg, tmp, sizeof *cfg);
		register_url_passwords(cfg);
	}
	free(tmp);
	return rc;
}
