/* One log line: the time the API server puts before it, and its template —
 * what stays when the values that differ from one occurrence to the next
 * (numbers, ids, addresses, durations, times, quoted strings) are replaced
 * by placeholders, so that "TAK push failed: connection refused (peer
 * 10.20.0.15:8089)" and the same failure towards another peer count as one.
 * A structured (JSON) line is reduced to its level, message and error. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/logs.h"

/* ---- times ---- */

static int digits(const char *s, size_t n, size_t at, size_t count, int *out)
{
	int v = 0;

	if (at + count > n)
		return -1;
	for (size_t i = 0; i < count; i++) {
		if (s[at + i] < '0' || s[at + i] > '9')
			return -1;
		v = v * 10 + (s[at + i] - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool logs_line_time(const char *s, size_t n, int64_t *ts_ns, size_t *text_at)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0;
	size_t i = 19;
	int64_t frac = 0, scale = 1000000000, t;

	*ts_ns = 0;
	*text_at = 0;
	if (digits(s, n, 0, 4, &y) || n < 20 || s[4] != '-' || digits(s, n, 5, 2, &mo) || s[7] != '-' ||
	    digits(s, n, 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || digits(s, n, 11, 2, &h) || s[13] != ':' ||
	    digits(s, n, 14, 2, &mi) || s[16] != ':' || digits(s, n, 17, 2, &sec))
		return false;
	/* what nanoseconds since 1970 hold in 64 bits */
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970 || y > 2261)
		return false;
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			if (scale > 1) {
				scale /= 10;
				frac += (s[i] - '0') * scale;
			}
		}
	}
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-') && !digits(s, n, i + 1, 2, &oh) && i + 3 < n &&
	           s[i + 3] == ':' && !digits(s, n, i + 4, 2, &om)) {
		int sign = s[i] == '-' ? -1 : 1;

		oh *= sign;
		om *= sign;
		i += 6;
	} else {
		return false;
	}
	if (i < n && s[i] != ' ')
		return false;
	t = ((days_from_civil(y, mo, d) * 24 + h - oh) * 60 + mi - om) * 60 + sec;
	*ts_ns = t * 1000000000 + frac;
	*text_at = i < n ? i + 1 : i;
	return true;
}

void logs_format_time(int64_t ts_ns, char *buf, size_t len)
{
	int64_t secs = ts_ns / 1000000000, ns = ts_ns % 1000000000;
	int64_t z, era, doe, yoe, y, doy, mp, d, m, sod;

	if (ns < 0) {
		ns += 1000000000;
		secs--;
	}
	z = (secs >= 0 ? secs : secs - 86399) / 86400;
	sod = secs - z * 86400;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	snprintf(buf, len, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09lldZ", (long long)y, (long long)m,
	         (long long)d, (long long)(sod / 3600), (long long)(sod / 60 % 60), (long long)(sod % 60),
	         (long long)ns);
}

uint64_t logs_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* ---- templates ---- */

struct out {
	char *s;
	size_t n, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->n >= o->cap)
		return;
	if (n > o->cap - o->n)
		n = o->cap - o->n;
	memcpy(o->s + o->n, s, n);
	o->n += n;
}

static void putc_(struct out *o, char c)
{
	/* runs of blanks are one space: alignment padding is no part of a message */
	if (c == ' ' && (o->n == 0 || o->s[o->n - 1] == ' '))
		return;
	if (o->n < o->cap)
		o->s[o->n++] = c;
}

#define PUTS(o, lit) put((o), (lit), sizeof(lit) - 1)

static bool is_alnum(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static bool is_hex(char c)
{
	return isxdigit((unsigned char)c);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Each matcher: the length of its kind of value at s[0..n), 0 when none. */

static size_t hex_run(const char *s, size_t n, size_t at)
{
	size_t i = at;

	while (i < n && is_hex(s[i]))
		i++;
	return i - at;
}

static size_t match_uuid(const char *s, size_t n)
{
	static const size_t parts[] = { 8, 4, 4, 4, 12 };
	size_t i = 0;

	for (size_t p = 0; p < 5; p++) {
		if (hex_run(s, n, i) != parts[p])
			return 0;
		i += parts[p];
		if (p < 4) {
			if (i >= n || s[i] != '-')
				return 0;
			i++;
		}
	}
	return i < n && is_alnum(s[i]) ? 0 : i;
}

static size_t num_run(const char *s, size_t n, size_t at)
{
	size_t i = at;

	while (i < n && is_digit(s[i]))
		i++;
	return i - at;
}

static size_t match_ipv4(const char *s, size_t n)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t d = num_run(s, n, i);
		int v = 0;

		if (d == 0 || d > 3)
			return 0;
		for (size_t k = 0; k < d; k++)
			v = v * 10 + (s[i + k] - '0');
		if (v > 255)
			return 0;
		i += d;
		if (part < 3) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < n && (is_alnum(s[i]) || (s[i] == '.' && i + 1 < n && is_digit(s[i + 1]))))
		return 0;
	return i;
}

/* hex groups and colons, at least two colons and a letter or "::" */
static size_t match_ipv6(const char *s, size_t n)
{
	size_t i = 0, colons = 0;
	bool letter = false, dbl = false;

	while (i < n && (is_hex(s[i]) || s[i] == ':')) {
		if (s[i] == ':') {
			colons++;
			dbl = dbl || (i + 1 < n && s[i + 1] == ':');
		} else if (!is_digit(s[i])) {
			letter = true;
		}
		i++;
	}
	if (colons < 2 || (!letter && !dbl) || i < 3 || (i < n && is_alnum(s[i])))
		return 0;
	return i;
}

/* 2025-01-02T15:04:05[.123][Z|+01:00] or 15:04:05[.123] */
static size_t match_time(const char *s, size_t n)
{
	size_t i = 0;

	if (n >= 10 && num_run(s, n, 0) == 4 && s[4] == '-' && num_run(s, n, 5) == 2 && s[7] == '-' &&
	    num_run(s, n, 8) == 2) {
		i = 10;
		if (i < n && (s[i] == 'T' || s[i] == ' ') && i + 1 < n && is_digit(s[i + 1]))
			i++;
		else
			return i < n && is_alnum(s[i]) ? 0 : i;
	}
	if (num_run(s, n, i) != 2 || i + 5 > n || s[i + 2] != ':' || num_run(s, n, i + 3) != 2)
		return i;
	i += 5;
	if (i + 3 <= n && s[i] == ':' && num_run(s, n, i + 1) == 2)
		i += 3;
	if (i < n && (s[i] == '.' || s[i] == ',') && i + 1 < n && is_digit(s[i + 1]))
		i += 1 + num_run(s, n, i + 1);
	if (i < n && s[i] == 'Z')
		i++;
	else if (i + 6 <= n && (s[i] == '+' || s[i] == '-') && num_run(s, n, i + 1) == 2 && s[i + 3] == ':' &&
	         num_run(s, n, i + 4) == 2)
		i += 6;
	return i < n && is_alnum(s[i]) ? 0 : i;
}

static bool unit_at(const char *s, size_t n, size_t i, size_t *len)
{
	static const char *const units[] = { "ns", "us", "\xc2\xb5s", "ms", "s", "m", "h", "d" };

	for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
		size_t ul = strlen(units[u]);

		if (i + ul <= n && memcmp(s + i, units[u], ul) == 0) {
			*len = ul;
			return true;
		}
	}
	return false;
}

/* 250ms, 1.5s, 1h30m, 2m3.5s: a number and a unit, and again */
static size_t match_duration(const char *s, size_t n)
{
	size_t i = 0, parts = 0;

	for (;;) {
		size_t d = num_run(s, n, i), ul;

		if (d == 0)
			break;
		d += i < n && i + d + 1 < n && s[i + d] == '.' && is_digit(s[i + d + 1]) ? 1 + num_run(s, n, i + d + 1) : 0;
		if (!unit_at(s, n, i + d, &ul))
			break;
		i += d + ul;
		parts++;
	}
	return parts && !(i < n && is_alnum(s[i])) ? i : 0;
}

static size_t match_number(const char *s, size_t n)
{
	size_t i = num_run(s, n, 0);

	if (i == 0)
		return 0;
	while (i + 1 < n && (s[i] == '.' || s[i] == ',') && is_digit(s[i + 1]))
		i += 1 + num_run(s, n, i + 1);
	if (i + 1 < n && (s[i] == 'e' || s[i] == 'E') && (is_digit(s[i + 1]) ||
	                                                 (i + 2 < n && (s[i + 1] == '-' || s[i + 1] == '+') &&
	                                                  is_digit(s[i + 2]))))
		i += 2 + num_run(s, n, i + 2);
	return i < n && is_alnum(s[i]) ? 0 : i;
}

/* 0x1f2e, or eight hex digits and more, digits and letters mixed (all
 * digits is a number) */
static size_t match_hex(const char *s, size_t n)
{
	size_t h;
	bool digit = false, letter = false;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && (h = hex_run(s, n, 2)) > 0)
		return 2 + h < n && is_alnum(s[2 + h]) ? 0 : 2 + h;
	h = hex_run(s, n, 0);
	for (size_t i = 0; i < h; i++) {
		digit = digit || is_digit(s[i]);
		letter = letter || !is_digit(s[i]);
	}
	return h >= 8 && digit && letter && !(h < n && is_alnum(s[h])) ? h : 0;
}

/* a word of letters and digits mixed, five characters and more: a pod's
 * suffix, a request id */
static size_t match_mixed(const char *s, size_t n)
{
	size_t i = 0;
	bool digit = false, letter = false;

	while (i < n && isalnum((unsigned char)s[i])) {
		digit = digit || is_digit(s[i]);
		letter = letter || !is_digit(s[i]);
		i++;
	}
	return i >= 5 && digit && letter ? i : 0;
}

static size_t match_quoted(const char *s, size_t n, bool prev_word)
{
	char q = s[0];

	if (q == '\'' && prev_word)
		return 0;   /* an apostrophe: "can't" */
	for (size_t i = 1; i < n; i++) {
		if (s[i] == '\\') {
			i++;
			continue;
		}
		if (s[i] == q)
			return q == '\'' && i + 1 < n && is_alnum(s[i + 1]) ? 0 : i + 1;
	}
	return 0;
}

static void reduce(struct out *o, const char *s, size_t n, bool quotes)
{
	size_t i = 0;

	while (i < n && o->n < o->cap) {
		const char *p = s + i;
		size_t left = n - i, m;
		bool boundary = i == 0 || !is_alnum(s[i - 1]);
		unsigned char c = (unsigned char)s[i];

		if (quotes && (c == '"' || c == '\'') && (m = match_quoted(p, left, !boundary)) > 0) {
			PUTS(o, "<s>");
		} else if (!boundary || !(isalnum(c))) {
			putc_(o, c < 0x20 || c == 0x7f ? ' ' : (char)c);
			m = 1;
		} else if ((m = match_uuid(p, left)) > 0) {
			PUTS(o, "<uuid>");
		} else if ((m = match_time(p, left)) > 0) {
			PUTS(o, "<ts>");
		} else if ((m = match_ipv4(p, left)) > 0 || (m = match_ipv6(p, left)) > 0) {
			PUTS(o, "<ip>");
		} else if ((m = match_hex(p, left)) > 0) {
			PUTS(o, "<hex>");
		} else if ((m = match_duration(p, left)) > 0) {
			PUTS(o, "<dur>");
		} else if ((m = match_number(p, left)) > 0) {
			PUTS(o, "<n>");
		} else if ((m = match_mixed(p, left)) > 0) {
			/* klog's "I0824": the level letter stays */
			if (isupper(c) && num_run(p, left, 1) == m - 1) {
				putc_(o, (char)c);
				PUTS(o, "<n>");
			} else {
				PUTS(o, "<id>");
			}
		} else {
			/* a plain word: as it is */
			for (m = 0; m < left && is_alnum(p[m]); m++)
				;
			put(o, p, m);
		}
		i += m;
	}
}

static const char *json_field(const cJSON *o, const char *const *keys)
{
	for (; *keys; keys++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, *keys);

		if (cJSON_IsString(v) && v->valuestring[0])
			return v->valuestring;
	}
	return NULL;
}

/* A JSON line: its level, message and error, each reduced; false when it
 * is not a JSON object with a message. */
static bool reduce_json(struct out *o, const char *s, size_t n)
{
	static const char *const level_keys[] = { "level", "lvl", "severity", "levelname", NULL };
	static const char *const msg_keys[] = { "msg", "message", "event", "text", NULL };
	static const char *const err_keys[] = { "error", "err", "exception", "error.message", NULL };
	cJSON *root = cJSON_ParseWithLength(s, n);
	const char *level, *msg, *err;

	if (!cJSON_IsObject(root) || !(msg = json_field(root, msg_keys))) {
		cJSON_Delete(root);
		return false;
	}
	level = json_field(root, level_keys);
	err = json_field(root, err_keys);
	if (level) {
		reduce(o, level, strlen(level), true);
		putc_(o, ' ');
	}
	reduce(o, msg, strlen(msg), true);
	if (err) {
		PUTS(o, ": ");
		reduce(o, err, strlen(err), true);
	}
	cJSON_Delete(root);
	return true;
}

void logs_template(const char *line, size_t len, char *out, size_t outlen)
{
	struct out o = { out, 0, outlen ? outlen - 1 : 0 };
	size_t start = 0;

	if (!outlen)
		return;
	while (start < len && (line[start] == ' ' || line[start] == '\t'))
		start++;
	while (len > start && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
		len--;
	if (!(start < len && line[start] == '{' && line[len - 1] == '}' && reduce_json(&o, line + start, len - start)))
		reduce(&o, line + start, len - start, true);
	while (o.n && o.s[o.n - 1] == ' ')
		o.n--;
	if (o.n == o.cap && o.n) {
		/* full: never end inside a UTF-8 character */
		size_t j = o.n - 1, need;

		while (j > 0 && ((unsigned char)o.s[j] & 0xc0) == 0x80)
			j--;
		need = (unsigned char)o.s[j] >= 0xf0 ? 4 : (unsigned char)o.s[j] >= 0xe0 ? 3 :
		       (unsigned char)o.s[j] >= 0xc0 ? 2 : 1;
		if (j + need > o.n)
			o.n = j;
	}
	out[o.n] = '\0';
}

/* ---- a structured line, short ---- */

static bool said_elsewhere(const char *key)
{
	static const char *const keys[] = { "ts", "time", "timestamp", "@timestamp", "pod", "slot", "version",
	                                    "logger", "level", "lvl", "severity", "msg", "message", NULL };

	for (const char *const *k = keys; *k; k++)
		if (strcmp(key, *k) == 0)
			return true;
	return false;
}

size_t logs_line_compact(const char *line, size_t len, char *out, size_t outlen)
{
	static const char *const level_keys[] = { "level", "lvl", "severity", NULL };
	static const char *const msg_keys[] = { "msg", "message", NULL };
	cJSON *root = NULL, *kv;
	size_t n = 0;
	const char *level, *msg;

	if (!outlen)
		return 0;
	if (len > 1 && line[0] == '{' && line[len - 1] == '}')
		root = cJSON_ParseWithLength(line, len);
	if (!cJSON_IsObject(root) || !(msg = json_field(root, msg_keys))) {
		cJSON_Delete(root);
		n = len < outlen - 1 ? len : outlen - 1;
		memcpy(out, line, n);
		out[n] = '\0';
		return n;
	}
	level = json_field(root, level_keys);
	n = (size_t)snprintf(out, outlen, "%s%s%s", level ? level : "", level ? " " : "", msg);
	cJSON_ArrayForEach(kv, root) {
		if (n >= outlen || !kv->string || said_elsewhere(kv->string))
			continue;
		if (cJSON_IsString(kv))
			n += (size_t)snprintf(out + n, outlen - n, " %s=%s", kv->string, kv->valuestring);
		else if (cJSON_IsNumber(kv))
			n += (size_t)snprintf(out + n, outlen - n, " %s=%g", kv->string, kv->valuedouble);
		else if (cJSON_IsBool(kv))
			n += (size_t)snprintf(out + n, outlen - n, " %s=%s", kv->string, cJSON_IsTrue(kv) ? "true" : "false");
	}
	cJSON_Delete(root);
	return n < outlen ? n : outlen - 1;
}
