/* cJSON look-ups shared by the parsers. */
#include "warroom/json.h"

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

	return cJSON_IsNumber(it) ? (int)it->valuedouble : dflt;
}
