/* Numbers as Grafana shows them: durations, the range step, units with
 * automatic decimals, reductions and thresholds. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "warroom/dashboard.h"
#include "warroom/text.h"

#define MAX_POINTS 11000   /* Prometheus refuses more than 11,000 points a series */

int64_t dashboard_duration_ms(const char *s)
{
	if (!s)
		return -1;
	while (*s == ' ' || *s == '>' || *s == '<' || *s == '=')   /* ">15s" in old panels */
		s++;
	return text_duration_ms(s, true);
}

void dashboard_duration_str(int64_t ms, char *buf, size_t len)
{
	if (ms <= 0)
		snprintf(buf, len, "0s");
	else if (ms % 86400000 == 0)
		snprintf(buf, len, "%lldd", (long long)(ms / 86400000));
	else if (ms % 3600000 == 0)
		snprintf(buf, len, "%lldh", (long long)(ms / 3600000));
	else if (ms % 60000 == 0)
		snprintf(buf, len, "%lldm", (long long)(ms / 60000));
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else
		snprintf(buf, len, "%lldms", (long long)ms);
}

int64_t dashboard_step_ms(int64_t range_ms, int points, int64_t min_step_ms, int64_t scrape_ms)
{
	int64_t step, floor_pts;

	if (points < 1)
		points = 1;
	step = range_ms / points;
	if (step < min_step_ms)
		step = min_step_ms;
	if (step < scrape_ms)
		step = scrape_ms;
	floor_pts = (range_ms + MAX_POINTS - 1) / MAX_POINTS;
	if (step < floor_pts)
		step = floor_pts;
	if (step < 1)
		step = 1;
	/* whole seconds above a second, so the text of $__interval stays short */
	if (step > 1000 && step % 1000)
		step += 1000 - step % 1000;
	return step;
}

int64_t dashboard_rate_interval_ms(int64_t interval_ms, int64_t scrape_ms)
{
	int64_t a = interval_ms + scrape_ms, b = 4 * scrape_ms;

	return a > b ? a : b;
}

/* Grafana's automatic decimals: about three significant digits. */
static int auto_decimals(double v)
{
	double a = fabs(v), magn, norm;
	int dec;

	if (a == 0 || !isfinite(a))
		return 0;
	if (fmod(v, 1.0) == 0 && a >= 1)
		return 0;
	dec = -(int)floor(log10(a)) + 1;
	magn = pow(10, -dec);
	norm = a / magn;
	if (norm > 2.25)
		dec++;
	return dec < 0 ? 0 : dec > 6 ? 6 : dec;
}

static void fixed(double v, int decimals, const char *suffix, char *buf, size_t len)
{
	int d = decimals >= 0 ? decimals : auto_decimals(v);

	snprintf(buf, len, "%.*f%s", d, v, suffix);
}

/* v scaled by factor through the unit names. */
static void scaled(double v, double factor, const char *const *names, size_t n, int decimals, char *buf, size_t len)
{
	size_t i = 0;

	while (i + 1 < n && fabs(v) >= factor) {
		v /= factor;
		i++;
	}
	fixed(v, decimals, names[i], buf, len);
}

/* Durations: ns, µs, ms, s, then min, hour, day, week, year. */
static void duration(double v, double to_s, int decimals, char *buf, size_t len)
{
	double s = v * to_s, a = fabs(s);

	if (a == 0)
		fixed(0, decimals, to_s == 1 ? " s" : to_s == 1e-3 ? " ms" : to_s == 1e-6 ? " µs" : " ns", buf, len);
	else if (a < 1e-6)
		fixed(s * 1e9, decimals, " ns", buf, len);
	else if (a < 1e-3)
		fixed(s * 1e6, decimals, " µs", buf, len);
	else if (a < 1)
		fixed(s * 1e3, decimals, " ms", buf, len);
	else if (a < 60)
		fixed(s, decimals, " s", buf, len);
	else if (a < 3600)
		fixed(s / 60, decimals, " min", buf, len);
	else if (a < 86400)
		fixed(s / 3600, decimals, " hour", buf, len);
	else if (a < 604800)
		fixed(s / 86400, decimals, " day", buf, len);
	else if (a < 31536000)
		fixed(s / 604800, decimals, " week", buf, len);
	else
		fixed(s / 31536000, decimals, " year", buf, len);
}

void dashboard_format(double v, const char *unit, int decimals, char *buf, size_t len)
{
	static const char *const iec_b[] = { " B", " KiB", " MiB", " GiB", " TiB", " PiB", " EiB" };
	static const char *const si_b[] = { " B", " kB", " MB", " GB", " TB", " PB", " EB" };
	static const char *const iec_bits[] = { " b", " Kib", " Mib", " Gib", " Tib", " Pib" };
	static const char *const si_bps[] = { " B/s", " kB/s", " MB/s", " GB/s", " TB/s", " PB/s" };
	static const char *const shortn[] = { "", " K", " Mil", " Bil", " Tri", " Quadr", " Quint" };
	const char *u = unit ? unit : "";

	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, "%s", v > 0 ? "+Inf" : "-Inf");
		return;
	}
#define N(a) (sizeof a / sizeof a[0])
	if (!strcmp(u, "percent"))
		fixed(v, decimals, "%", buf, len);
	else if (!strcmp(u, "percentunit"))
		fixed(v * 100, decimals, "%", buf, len);
	else if (!strcmp(u, "s"))
		duration(v, 1, decimals, buf, len);
	else if (!strcmp(u, "ms"))
		duration(v, 1e-3, decimals, buf, len);
	else if (!strcmp(u, "µs") || !strcmp(u, "us"))
		duration(v, 1e-6, decimals, buf, len);
	else if (!strcmp(u, "ns"))
		duration(v, 1e-9, decimals, buf, len);
	else if (!strcmp(u, "reqps"))
		fixed(v, decimals, " req/s", buf, len);
	else if (!strcmp(u, "ops"))
		fixed(v, decimals, " ops/s", buf, len);
	else if (!strcmp(u, "rps"))
		fixed(v, decimals, " rd/s", buf, len);
	else if (!strcmp(u, "wps"))
		fixed(v, decimals, " wr/s", buf, len);
	else if (!strcmp(u, "bytes"))
		scaled(v, 1024, iec_b, N(iec_b), decimals, buf, len);
	else if (!strcmp(u, "decbytes"))
		scaled(v, 1000, si_b, N(si_b), decimals, buf, len);
	else if (!strcmp(u, "bits"))
		scaled(v, 1024, iec_bits, N(iec_bits), decimals, buf, len);
	else if (!strcmp(u, "Bps"))
		scaled(v, 1000, si_bps, N(si_bps), decimals, buf, len);
	else if (!strcmp(u, "short") || !u[0])
		scaled(v, 1000, shortn, N(shortn), decimals, buf, len);
	else if (!strncmp(u, "suffix:", 7)) {
		char sfx[40];

		snprintf(sfx, sizeof sfx, "%s", u + 7);
		fixed(v, decimals, sfx, buf, len);
	} else   /* none, and units not known here: the number itself */
		fixed(v, decimals, "", buf, len);
#undef N
}

double dashboard_reduce(const double *v, size_t n, enum dash_calc calc)
{
	double acc = NAN;
	size_t count = 0;

	if (calc == CALC_LAST)
		return n ? v[n - 1] : NAN;
	for (size_t i = 0; i < n; i++) {
		double x = v[i];

		if (isnan(x))
			continue;
		switch (calc) {
		case CALC_LAST_NOT_NULL:
			acc = x;
			break;
		case CALC_MAX:
			acc = count && acc >= x ? acc : x;
			break;
		case CALC_MIN:
			acc = count && acc <= x ? acc : x;
			break;
		case CALC_MEAN:
		case CALC_SUM:
			acc = count ? acc + x : x;
			break;
		default:
			break;
		}
		count++;
	}
	if (calc == CALC_MEAN && count)
		acc /= (double)count;
	return acc;
}

int dashboard_threshold(const struct dash_field *f, double v, double lo, double hi)
{
	int idx = -1;

	if (isnan(v))
		return -1;
	for (int i = 0; i < f->nth; i++) {
		double t = f->th[i].value;

		if (f->percentage && isfinite(t))
			t = lo + (hi - lo) * t / 100.0;
		if (v >= t || (i == 0 && isinf(t) && t < 0))
			idx = i;
	}
	return idx;
}

static int hex_level(const char *c)
{
	unsigned r, g, b;

	if (sscanf(c, "#%02x%02x%02x", &r, &g, &b) != 3 &&
	    sscanf(c, "rgba(%u, %u, %u", &r, &g, &b) != 3 && sscanf(c, "rgb(%u, %u, %u", &r, &g, &b) != 3)
		return -1;
	if (g > r + 40 && g > b)
		return 0;
	if (r > 180 && g < 110)
		return 2;
	if (r > 180 && g >= 110)
		return 1;
	return -1;
}

int dashboard_color_level(const char *color)
{
	static const char *const ok[] = { "green", "dark-green", "semi-dark-green", "light-green", "super-light-green" };
	static const char *const warnc[] = { "yellow", "orange", "dark-yellow", "dark-orange", "semi-dark-yellow",
	                                     "semi-dark-orange", "light-yellow", "light-orange" };
	static const char *const crit[] = { "red", "dark-red", "semi-dark-red", "light-red", "super-light-red",
	                                    "dark-purple" };

	if (!color || !*color)
		return -1;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (!strcasecmp(color, ok[i]))
			return 0;
	for (size_t i = 0; i < sizeof warnc / sizeof warnc[0]; i++)
		if (!strcasecmp(color, warnc[i]))
			return 1;
	for (size_t i = 0; i < sizeof crit / sizeof crit[0]; i++)
		if (!strcasecmp(color, crit[i]))
			return 2;
	return hex_level(color);
}

int dashboard_value_level(const struct dash_field *f, double v)
{
	double lo = isnan(f->min) ? 0 : f->min;
	double hi = !isnan(f->max) ? f->max : !strcmp(f->unit, "percentunit") ? 1 : 100;
	int i = dashboard_threshold(f, v, lo, hi);

	return i < 0 ? -1 : dashboard_color_level(f->th[i].color);
}
