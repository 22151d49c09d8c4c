/* Small text helpers shared by every layer. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "warroom/text.h"

void text_copy(char *dst, size_t len, const char *src)
{
	if (len)
		snprintf(dst, len, "%s", src ? src : "");
}

void text_age(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms > 0 ? ms / 1000 : 0;

	if (s < 120)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 7200)
		snprintf(buf, len, "%lldm", (long long)(s / 60));
	else if (s < 172800)
		snprintf(buf, len, "%lldh", (long long)(s / 3600));
	else
		snprintf(buf, len, "%lldd", (long long)(s / 86400));
}

int64_t text_parse_time(const char *s)
{
	struct tm tm;
	const char *p;
	int64_t ms = 0;
	long off = 0;

	memset(&tm, 0, sizeof tm);
	if (!s || !(p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return 0;
	if (*p == '.') {
		int digits = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
		for (; digits > 0 && digits < 3; digits++)
			ms *= 10;
	}
	if (*p == '+' || *p == '-') {
		int h = 0, m = 0;

		if (sscanf(p + 1, "%2d:%2d", &h, &m) >= 1)
			off = (*p == '-' ? -1 : 1) * (h * 3600L + m * 60L);
	}
	return ((int64_t)timegm(&tm) - off) * 1000 + ms;
}
