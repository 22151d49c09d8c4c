/* json — the few cJSON look-ups every parser in core/ needs.
 * Implemented in core/json.c. */
#ifndef WARROOM_JSON_H
#define WARROOM_JSON_H

#include <cJSON.h>

const cJSON *json_get(const cJSON *obj, const char *key);
/* The string at key, or NULL. */
const char *json_str(const cJSON *obj, const char *key);
/* The number at key as an int, or dflt. */
int json_int(const cJSON *obj, const char *key, int dflt);
/* The same as a long long (ids, generations, revisions), or dflt. */
long long json_ll(const cJSON *obj, const char *key, long long dflt);

#endif
