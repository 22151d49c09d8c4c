/* proc_env — the environment a child gets, built explicitly: empty, from a
 * whitelist of ours, or all of ours, then set and unset by name. */
#include "warroom/proc.h"

#include <stdlib.h>
#include <string.h>

extern char **environ;

struct proc_env {
	char **v;                  /* "NAME=value", always NULL-terminated */
	size_t n, cap;
};

static const char *const default_names[] = {
	"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TERM", "TZ", "TMPDIR", NULL,
};

struct proc_env *proc_env_new(void)
{
	struct proc_env *env = calloc(1, sizeof *env);
	if (!env)
		return NULL;
	env->v = calloc(8, sizeof *env->v);
	if (!env->v) {
		free(env);
		return NULL;
	}
	env->cap = 8;
	return env;
}

static void wipe_entry(char *e)
{
	memset(e, 0, strlen(e));
	free(e);
}

void proc_env_free(struct proc_env *env)
{
	if (!env)
		return;
	for (size_t i = 0; i < env->n; i++)
		wipe_entry(env->v[i]);
	free(env->v);
	free(env);
}

static bool name_ok(const char *name, size_t len)
{
	return len > 0 && !memchr(name, '=', len);
}

static ssize_t find(const struct proc_env *env, const char *name, size_t nl)
{
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->v[i], name, nl) == 0 && env->v[i][nl] == '=')
			return (ssize_t)i;
	return -1;
}

/* Takes over entry (malloc'd "NAME=value"); replaces a variable of that name. */
static int put_owned(struct proc_env *env, char *entry)
{
	size_t nl = (size_t)(strchr(entry, '=') - entry);
	ssize_t at = find(env, entry, nl);
	if (at >= 0) {
		wipe_entry(env->v[at]);
		env->v[at] = entry;
		return 0;
	}
	if (env->n + 2 > env->cap) {
		char **nv = realloc(env->v, env->cap * 2 * sizeof *nv);
		if (!nv) {
			wipe_entry(entry);
			return -1;
		}
		env->v = nv;
		env->cap *= 2;
	}
	env->v[env->n++] = entry;
	env->v[env->n] = NULL;
	return 0;
}

int proc_env_put(struct proc_env *env, const char *entry)
{
	const char *eq = entry ? strchr(entry, '=') : NULL;
	if (!env || !eq || !name_ok(entry, (size_t)(eq - entry)))
		return -1;
	char *e = strdup(entry);
	return e ? put_owned(env, e) : -1;
}

int proc_env_set(struct proc_env *env, const char *name, const char *value)
{
	if (!env || !name || !value || !name_ok(name, strlen(name)))
		return -1;
	size_t nl = strlen(name), vl = strlen(value);
	char *e = malloc(nl + vl + 2);
	if (!e)
		return -1;
	memcpy(e, name, nl);
	e[nl] = '=';
	memcpy(e + nl + 1, value, vl + 1);
	return put_owned(env, e);
}

const char *proc_env_get(const struct proc_env *env, const char *name)
{
	if (!env || !name)
		return NULL;
	ssize_t at = find(env, name, strlen(name));
	return at < 0 ? NULL : env->v[at] + strlen(name) + 1;
}

int proc_env_inherit(struct proc_env *env, const char *const *names)
{
	if (!env)
		return -1;
	if (!names)
		names = default_names;
	for (size_t i = 0; names[i]; i++) {
		const char *v = getenv(names[i]);
		if (v && proc_env_set(env, names[i], v) < 0)
			return -1;
	}
	return 0;
}

int proc_env_inherit_all(struct proc_env *env)
{
	if (!env)
		return -1;
	for (size_t i = 0; environ && environ[i]; i++) {
		const char *eq = strchr(environ[i], '=');
		if (!eq || !name_ok(environ[i], (size_t)(eq - environ[i])))
			continue;   /* not a variable a child could use */
		if (proc_env_put(env, environ[i]) < 0)
			return -1;
	}
	return 0;
}

char *const *proc_env_envp(const struct proc_env *env)
{
	return env ? env->v : NULL;
}
