/* config_fields — private to core/config/: the config file's schema, every
 * key, its kind, where its value goes in struct config and its range
 * (config_fields.c). The walk over the YAML document (config_yaml.c) reads
 * nothing else. */
#ifndef WARROOM_CONFIG_FIELDS_H
#define WARROOM_CONFIG_FIELDS_H

#include <stddef.h>

enum config_kind {
	CONFIG_K_STR,           /* printable text */
	CONFIG_K_NAME,          /* Kubernetes object name */
	CONFIG_K_LABEL,         /* label key */
	CONFIG_K_HOST,
	CONFIG_K_PATH,          /* ~ expanded, relative to the file's folder */
	CONFIG_K_URL,           /* http:// or https:// */
	CONFIG_K_ENV,           /* environment variable name */
	CONFIG_K_BOOL,
	CONFIG_K_INT,           /* int field */
	CONFIG_K_LONG,          /* long field */
	CONFIG_K_RATIO,         /* double field, 0..1: "0.01" or "1%" */
	CONFIG_K_SECTION,
	CONFIG_K_SLOTS,
	CONFIG_K_DEPLOYMENTS,
	CONFIG_K_FREEZE,
	CONFIG_K_KEYS,
	CONFIG_K_SEV_MINUTES,   /* four response targets, SEV-1..4 */
	CONFIG_K_SEVERITIES,    /* a list of alert severity labels */
	CONFIG_K_URLS,          /* a list of URLs: alertmanager.urls */
	CONFIG_K_SECRET,        /* an inline secret: always refused */
	CONFIG_K_OVERVIEW,      /* a dashboard, or { dashboard: NAME, panels: [TITLE_OR_ID, ...] } */
	CONFIG_K_RUNBOOKS,      /* a folder, or { dir: FOLDER, paths: [FOLDER, ...] } */
	CONFIG_K_MAINT,         /* "first tuesday 02:00-04:00", or "" for none */
};

struct config_field {
	const char *name;
	enum config_kind kind;
	size_t off, size;
	long min, max;
	const struct config_field *sub; /* CONFIG_K_SECTION */
	const char *advice;             /* CONFIG_K_SECRET; others: why a set value is refused */
};

/* The top level; sections point at their own tables. Ends with a NULL name. */
extern const struct config_field config_top_fields[];

#endif
