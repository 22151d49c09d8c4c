/* cJSON look-ups shared by the parsers. */
#include <limits.h>

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
