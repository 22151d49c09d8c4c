/* The runbook library: every Markdown file of the shipped folder and of the
 * user's folders, and which of them belongs to a firing alert. */
#include "warroom/runbook.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "warroom/config.h"
#include "warroom/model.h"

/* ---- one file ---- */

struct runbook *runbook_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf, name[128];
	const char *base = strrchr(path, '/');
	size_t n, bl;
	struct runbook *rb;

	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		fclose(f);
		return NULL;
	}
	if ((size_t)st.st_size > RUNBOOK_MAX_BYTES) {
		snprintf(err, errlen, "%s is %lld KiB: a runbook is at most %u KiB", path, (long long)st.st_size / 1024,
		         RUNBOOK_MAX_BYTES / 1024);
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	base = base ? base + 1 : path;
	bl = strlen(base);
	if (bl > 3 && strcmp(base + bl - 3, ".md") == 0)
		bl -= 3;
	snprintf(name, sizeof name, "%.*s", (int)(bl < sizeof name ? bl : sizeof name - 1), base);
	rb = runbook_parse(buf, n, name, path, err, errlen);
	free(buf);
	return rb;
}

/* ---- the folders ---- */

static void lib_error(struct runbook_lib *lib, const char *msg)
{
	char **nv = realloc(lib->errors, (lib->nerrors + 1) * sizeof *nv);

	if (!nv)
		return;
	lib->errors = nv;
	if ((nv[lib->nerrors] = strdup(msg)))
		lib->nerrors++;
}

static int by_name(const void *a, const void *b)
{
	const struct runbook *x = *(struct runbook *const *)a, *y = *(struct runbook *const *)b;

	return strcmp(x->name, y->name);
}

static void add(struct runbook_lib *lib, struct runbook *rb)
{
	struct runbook **nv;

	for (size_t i = 0; i < lib->n; i++)
		if (strcmp(lib->v[i]->name, rb->name) == 0) {
			/* the user's copy of a shipped runbook wins */
			runbook_free(lib->v[i]);
			lib->v[i] = rb;
			return;
		}
	nv = realloc(lib->v, (lib->n + 1) * sizeof *nv);
	if (!nv) {
		runbook_free(rb);
		return;
	}
	lib->v = nv;
	lib->v[lib->n++] = rb;
}

static void load_dir(struct runbook_lib *lib, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[1200], err[400];

	if (!d) {
		snprintf(err, sizeof err, "runbook folder %s cannot be read", dir);
		lib_error(lib, err);
		return;
	}
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		struct runbook *rb;

		if (e->d_name[0] == '.' || n < 4 || strcasecmp(e->d_name + n - 3, ".md") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		rb = runbook_load(path, err, sizeof err);
		if (rb)
			add(lib, rb);
		else
			lib_error(lib, err);
	}
	closedir(d);
}

struct runbook_lib *runbook_lib_load_dirs(const char *const *dirs)
{
	struct runbook_lib *lib = calloc(1, sizeof *lib);

	if (!lib)
		return NULL;
	for (size_t i = 0; dirs && dirs[i]; i++)
		if (*dirs[i])
			load_dir(lib, dirs[i]);
	if (lib->n > 1)
		qsort(lib->v, lib->n, sizeof *lib->v, by_name);
	return lib;
}

struct runbook_lib *runbook_lib_load(const struct config *cfg)
{
	const char *dirs[2 + CONFIG_MAX_RUNBOOK_PATHS];
	size_t n = 0;

	dirs[n++] = cfg->runbook_dir;
	for (size_t i = 0; i < cfg->nrunbook_paths && i < CONFIG_MAX_RUNBOOK_PATHS; i++)
		dirs[n++] = cfg->runbook_paths[i];
	dirs[n] = NULL;
	return runbook_lib_load_dirs(dirs);
}

void runbook_lib_free(struct runbook_lib *lib)
{
	if (!lib)
		return;
	for (size_t i = 0; i < lib->n; i++)
		runbook_free(lib->v[i]);
	free(lib->v);
	for (size_t i = 0; i < lib->nerrors; i++)
		free(lib->errors[i]);
	free(lib->errors);
	free(lib);
}

/* "https://x/y/KubeProxyDown.md#anchor?x" -> "KubeProxyDown" */
static void base_name(const char *in, char *out, size_t len)
{
	const char *s = in, *e;
	size_t n;

	e = s + strcspn(s, "#?");
	for (const char *p = s; p < e; p++)
		if (*p == '/')
			s = p + 1;
	n = (size_t)(e - s);
	if (n > 3 && strncasecmp(e - 3, ".md", 3) == 0)
		n -= 3;
	snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), s);
}

struct runbook *runbook_lib_find(const struct runbook_lib *lib, const char *name)
{
	char want[256];

	if (!lib || !name || !*name)
		return NULL;
	base_name(name, want, sizeof want);
	for (size_t i = 0; i < lib->n; i++)
		if (strcmp(lib->v[i]->name, want) == 0)
			return lib->v[i];
	for (size_t i = 0; i < lib->n; i++)
		if (strcasecmp(lib->v[i]->name, want) == 0 || strcasecmp(lib->v[i]->title, name) == 0)
			return lib->v[i];
	return NULL;
}

struct runbook *runbook_lib_for_alert(const struct runbook_lib *lib, const char *alertname,
                                      const char *runbook_url)
{
	struct runbook *rb;

	if (!lib)
		return NULL;
	if (runbook_url && *runbook_url && (rb = runbook_lib_find(lib, runbook_url)))
		return rb;
	if (alertname && *alertname && (rb = runbook_lib_find(lib, alertname)))
		return rb;
	for (size_t i = 0; alertname && *alertname && i < lib->n; i++)
		for (size_t a = 0; a < lib->v[i]->nalerts; a++)
			if (strcmp(lib->v[i]->alerts[a], alertname) == 0)
				return lib->v[i];
	return NULL;
}

struct runbook *runbook_lib_offer(const struct runbook_lib *lib, const struct model_alerts *al, size_t *alert)
{
	struct runbook *best = NULL;
	int best_rank = 0;

	for (size_t i = 0; lib && al && i < al->n; i++) {
		struct runbook *rb = runbook_lib_for_alert(lib, al->a[i].name, al->a[i].runbook_url);
		int rank = rb && rb->sev ? rb->sev : 5;

		/* the list's order breaks ties: critical first, then the oldest */
		if (rb && (!best || rank < best_rank)) {
			best = rb;
			best_rank = rank;
			if (alert)
				*alert = i;
		}
	}
	return best;
}
