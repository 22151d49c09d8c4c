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

/* An answer from outside (a server's, a dashboard file's) parsed, every
 * string and key cleaned by text_clean (lines and tabs kept) and rid of the
 * secrets the console knows (secret.h): what the parsers copy from it is
 * safe for any terminal or file. NULL when it is
 * not JSON (or out of memory). A tree whose bytes go back to a server
 * (a template restored by a rollback) is parsed as it is instead. */
cJSON *json_parse_wire(const char *text, size_t len);

#endif
