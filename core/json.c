/* cJSON look-ups shared by the parsers, and the parse of an answer from
 * outside with its text cleaned as it enters. */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/json.h"
#include "warroom/secret.h"
#include "warroom/text.h"

const cJSON *json_get(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

const char *json_str(const cJSON *obj, const char *key)
{
	const cJSON *it = json_get(obj, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

int json_int(const cJSON *obj, const char *key, int dflt)
{
	const cJSON *it = json_get(obj, key);

	double v;

	if (!cJSON_IsNumber(it))
		return dflt;
	/* a number out of int's range (or NaN) is not a count: converting it
	 * would be undefined */
	v = it->valuedouble;
	if (!(v >= (double)INT_MIN && v <= (double)INT_MAX))
		return dflt;
	return (int)v;
}

long long json_ll(const cJSON *obj, const char *key, long long dflt)
{
	const cJSON *it = json_get(obj, key);
	double v;

	if (!cJSON_IsNumber(it))
		return dflt;
	v = it->valuedouble;
	/* 2^63 as a double: past it (or NaN) the conversion is undefined */
	if (!(v > -9223372036854775808.0 && v < 9223372036854775808.0))
		return dflt;
	return (long long)v;
}

/* A string of the tree made clean, and rid of every secret the console
 * knows (a server that echoes a request's token); false out of memory. */
static bool clean_string(char **s)
{
	char *clean, *scrubbed, *copy;
	size_t n;

	if (!*s || (text_is_clean(*s, (size_t)-1, TEXT_CLEAN_LINES | TEXT_CLEAN_TABS) &&
	            !secret_found(*s, strlen(*s))))
		return true;
	clean = text_clean_dup(*s, (size_t)-1, TEXT_CLEAN_LINES | TEXT_CLEAN_TABS);
	scrubbed = clean ? secret_scrub_dup(clean) : NULL;
	free(clean);
	clean = scrubbed;
	if (!clean)
		return false;
	n = strlen(clean) + 1;
	copy = cJSON_malloc(n);   /* the tree frees it with its own hooks */
	if (copy)
		memcpy(copy, clean, n);
	free(clean);
	if (!copy)
		return false;
	cJSON_free(*s);
	*s = copy;
	return true;
}

static bool clean_tree(cJSON *node)
{
	for (cJSON *it = node; it; it = it->next) {
		if (it->string && !(it->type & cJSON_StringIsConst) && !clean_string(&it->string))
			return false;
		if (cJSON_IsString(it) && !clean_string(&it->valuestring))
			return false;
		if (it->child && !clean_tree(it->child))
			return false;
	}
	return true;
}

cJSON *json_parse_wire(const char *text, size_t len)
{
	cJSON *root = text ? cJSON_ParseWithLength(text, len) : NULL;

	if (root && !clean_tree(root)) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}
