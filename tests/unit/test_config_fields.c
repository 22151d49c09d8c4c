/* The config schema (config_fields.c): every table entry fits its member
 * of struct config, no key is listed twice, and a value written under each
 * text key lands in the member that key means. */
#include "testutil.h"

#include <stdbool.h>
#include <stddef.h>

#include "warroom/config.h"
#include "config/config_fields.h"

/* Calls fn on every entry of every table reachable from the top, with its dotted key. */
static void walk(const struct config_field *t, const char *section,
                 void (*fn)(const struct config_field *f, const char *key, void *arg), void *arg)
{
	for (const struct config_field *f = t; f->name; f++) {
		char key[160];

		if (section[0])
			snprintf(key, sizeof key, "%s.%s", section, f->name);
		else
			snprintf(key, sizeof key, "%s", f->name);
		fn(f, key, arg);
		if (f->kind == CONFIG_K_SECTION)
			walk(f->sub, key, fn, arg);
	}
}

static void check_entry(const struct config_field *f, const char *key, void *arg)
{
	int *n = arg;

	(*n)++;
	if (f->kind == CONFIG_K_SECTION) {
		if (!f->sub || !f->sub->name)
			fail_msg("%s: a section without keys", key);
		return;
	}
	if (f->kind == CONFIG_K_SECRET) {
		if (!f->advice || !f->advice[0])
			fail_msg("%s: a refused secret must say what to do instead", key);
		return;
	}
	if (f->size == 0 || f->off + f->size > sizeof(struct config))
		fail_msg("%s: outside struct config (offset %zu, size %zu)", key, f->off, f->size);
	switch (f->kind) {
	case CONFIG_K_INT:
		if (f->size != sizeof(int))
			fail_msg("%s: an int key on a member of %zu bytes", key, f->size);
		break;
	case CONFIG_K_LONG:
		if (f->size != sizeof(long))
			fail_msg("%s: a long key on a member of %zu bytes", key, f->size);
		break;
	case CONFIG_K_BOOL:
		if (f->size != sizeof(bool))
			fail_msg("%s: a yes/no key on a member of %zu bytes", key, f->size);
		break;
	case CONFIG_K_RATIO:
		if (f->size != sizeof(double))
			fail_msg("%s: a ratio key on a member of %zu bytes", key, f->size);
		break;
	case CONFIG_K_STR: case CONFIG_K_NAME: case CONFIG_K_LABEL: case CONFIG_K_HOST:
	case CONFIG_K_PATH: case CONFIG_K_URL: case CONFIG_K_ENV:
		if (f->size < 2)
			fail_msg("%s: a text key on a member with no room", key);
		break;
	default:
		break;
	}
	if (f->min > f->max)
		fail_msg("%s: range %ld..%ld is empty", key, f->min, f->max);
}

static void no_duplicates(const struct config_field *t, const char *section)
{
	for (const struct config_field *f = t; f->name; f++) {
		for (const struct config_field *g = f + 1; g->name; g++)
			if (strcmp(f->name, g->name) == 0)
				fail_msg("%s%s%s is listed twice: the second is never read", section,
				         section[0] ? "." : "", f->name);
		if (f->kind == CONFIG_K_SECTION)
			no_duplicates(f->sub, f->name);
	}
}

static void test_every_entry_fits_its_member(void **state)
{
	int n = 0;

	walk(config_top_fields, "", check_entry, &n);
	no_duplicates(config_top_fields, "");
	/* the whole schema is there: sections and their keys */
	assert_true(n > 60);
}

/* Where each text key must land, stated apart from the table. */
#define M(m) offsetof(struct config, m)
static const struct { const char *key; size_t off; } text_keys[] = {
	{"operator", M(operator_name)},
	{"environment", M(environment)},
	{"argocd.application", M(argocd_app)},
	{"argocd.slot_parameter", M(argocd_slot_param)},
	{"kubernetes.context", M(kube.context)},
	{"kubernetes.namespace", M(kube.namespace_)},
	{"kubernetes.service", M(kube.service)},
	{"kubernetes.rollout", M(kube.rollout)},
	{"ssh.host", M(ssh.host)},
	{"ssh.user", M(ssh.user)},
	{"dashboards.default", M(dash.dflt)},
	{"dashboards.variables", M(dash.vars)},
	{"verify.pod_url", M(verify.pod_url)},
	{"verify.smoke_method", M(verify.smoke_method)},
	{"verify.smoke_path", M(verify.smoke_path)},
	{"verify.smoke_body", M(verify.smoke_body)},
	{"deploy.capacity_db_query", M(deploy.capacity_db_query)},
	{"deploy.capacity_cpu_query", M(deploy.capacity_cpu_query)},
	{"deploy.capacity_memory_query", M(deploy.capacity_memory_query)},
};
#define NTEXT (sizeof text_keys / sizeof text_keys[0])

struct written { char dir[512]; int n; };

/* A plain text key: "section:\n  key: v" must store v in the member it names. */
static void text_lands(const struct config_field *f, const char *key, void *arg)
{
	struct written *w = arg;
	static struct config cfg;
	char path[700], text[400], err[1024] = "", value[32];
	const char *dot = strchr(key, '.');
	size_t i;

	if (f->kind != CONFIG_K_STR && f->kind != CONFIG_K_NAME && f->kind != CONFIG_K_HOST)
		return;
	for (i = 0; i < NTEXT && strcmp(text_keys[i].key, key) != 0; i++)
		;
	if (i == NTEXT)
		fail_msg("%s: a text key this test does not know: add where it must land", key);
	snprintf(value, sizeof value, "v-%d", w->n);
	if (dot)
		snprintf(text, sizeof text, "%.*s:\n  %s: %s\n", (int)(dot - key), key, dot + 1, value);
	else
		snprintf(text, sizeof text, "%s: %s\n", key, value);
	snprintf(path, sizeof path, "%s/config.yaml", w->dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	config_defaults(&cfg);
	if (config_load(&cfg, path, true, err, sizeof err) != 0)
		fail_msg("%s: refused: %s", key, err);
	if (strcmp((const char *)&cfg + text_keys[i].off, value) != 0)
		fail_msg("%s: \"%s\" did not land in its member", key, value);
	w->n++;
}

static void test_text_keys_land_in_their_member(void **state)
{
	struct written w = {.n = 0};

	testutil_tmpdir(w.dir, sizeof w.dir);
	setenv("HOME", "/home/tester", 1);
	walk(config_top_fields, "", text_lands, &w);
	testutil_rmtree(w.dir);
	/* every key of the list is in the schema */
	assert_int_equal(w.n, (int)NTEXT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_entry_fits_its_member),
		cmocka_unit_test(test_text_keys_land_in_their_member),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
