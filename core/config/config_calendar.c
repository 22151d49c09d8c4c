/* The calendar: the monthly maintenance window, and the clock the calendar
 * reads (a test sets config_clock; the product never does). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "warroom/config.h"

time_t (*config_clock)(void);

time_t config_now(void)
{
	return config_clock ? config_clock() : time(NULL);
}

static const char *const nths[] = {"first", "second", "third", "fourth", "last"};
static const char *const days[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};

static int hhmm(const char *s, int *min)
{
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	int h = (s[0] - '0') * 10 + s[1] - '0', m = (s[3] - '0') * 10 + s[4] - '0';

	if (h > 24 || m > 59 || (h == 24 && m))
		return -1;
	*min = h * 60 + m;
	return 0;
}

int config_maintenance_parse(const char *spec, int *nth, int *wday, int *from_min, int *to_min)
{
	char a[16], b[16], c[16], extra[2];

	if (sscanf(spec, "%15s %15s %15s %1s", a, b, c, extra) != 3)
		return -1;
	*nth = *wday = -1;
	for (int i = 0; i < 5; i++)
		if (strcasecmp(a, nths[i]) == 0)
			*nth = i;
	for (int i = 0; i < 7; i++)
		if (strcasecmp(b, days[i]) == 0)
			*wday = i;
	if (*nth < 0 || *wday < 0 || strlen(c) != 11 || c[5] != '-' || hhmm(c, from_min) || hhmm(c + 6, to_min) ||
	    *from_min >= *to_min)
		return -1;
	return 0;
}

bool config_in_maintenance(const struct config *cfg, time_t t, char *which, size_t len)
{
	int nth, wday, from, to, now;
	struct tm tm;

	if (!cfg->deploy.maintenance[0] ||
	    config_maintenance_parse(cfg->deploy.maintenance, &nth, &wday, &from, &to) != 0 || !gmtime_r(&t, &tm))
		return false;
	if (tm.tm_wday != wday)
		return false;
	/* which occurrence of that weekday this day is; "last": none follows in the month */
	if (nth < 4 && (tm.tm_mday - 1) / 7 != nth)
		return false;
	if (nth == 4) {
		static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
		int y = tm.tm_year + 1900, n = mdays[tm.tm_mon] + (tm.tm_mon == 1 && (y % 4 == 0 && (y % 100 || y % 400 == 0)));

		if (tm.tm_mday + 7 <= n)
			return false;
	}
	now = tm.tm_hour * 60 + tm.tm_min;
	if (now < from || now >= to)
		return false;
	if (which && len)
		snprintf(which, len, "%s", cfg->deploy.maintenance);
	return true;
}
