/* cli_query — `warroom query EXPR [--json]`: one instant query to the
 * configured Prometheus, through the same client the console uses (token,
 * CA, a long expression sent whole as a POST form). Prints the value; exit 0
 * when Prometheus answered, 1 when it refused the query (its own error), 3
 * when it could not be asked or read. */
#include "warroom/cli.h"
#include "warroom/config.h"
#include "warroom/http.h"
#include "warroom/loop.h"
#include "warroom/prom.h"
#include "warroom/ssh.h"
#include "warroom/text.h"

#include <cJSON.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUERY_STDIN_MAX (1024 * 1024)

static const char query_usage[] =
	"usage: warroom query EXPR [--json]   the value of an instant PromQL query\n"
	"       warroom query - [--json]      the expression is read from stdin\n";

struct answer {
	bool done, ok, answered, empty;
	double v;
	char err[400];
};

static void answered(const struct prom_answer *a, void *arg)
{
	struct answer *q = arg;

	q->done = true;
	q->ok = a->ok;
	q->answered = a->answered;
	q->empty = a->empty;
	q->v = a->v;
	snprintf(q->err, sizeof q->err, "%s", a->err);
}

/* As Prometheus writes a sample: shortest exact form, NaN, +Inf, -Inf. */
static void format_value(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "NaN");
	else if (isinf(v))
		snprintf(buf, len, "%sInf", v > 0 ? "+" : "-");
	else {
		snprintf(buf, len, "%.15g", v);
		if (strtod(buf, NULL) != v)
			snprintf(buf, len, "%.17g", v);
	}
}

/* What a value that is no plain number means, for the reader; "" for a number. */
static const char *value_words(const struct answer *q)
{
	if (!q->ok)
		return "";
	if (q->empty)
		return "no series matched";
	if (isnan(q->v))
		return "not a number: zero divided by zero gives it, such as a ratio over no requests";
	if (isinf(q->v))
		return "infinite: a number divided by zero gives it, or a quantile above a histogram's last bucket";
	return "";
}

static char *read_all_stdin(void)
{
	char *buf = malloc(QUERY_STDIN_MAX + 1);
	size_t got = 0, r;

	if (!buf)
		return NULL;
	while (got < QUERY_STDIN_MAX && (r = fread(buf + got, 1, QUERY_STDIN_MAX - got, stdin)) > 0)
		got += r;
	buf[got] = '\0';
	while (got && (buf[got - 1] == '\n' || buf[got - 1] == '\r'))
		buf[--got] = '\0';
	return buf;
}

static void print_json(const char *expr, const struct answer *q, const char *text)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddStringToObject(o, "query", expr);
	if (q->ok && !q->empty && isfinite(q->v))
		cJSON_AddNumberToObject(o, "value", q->v);
	else
		cJSON_AddNullToObject(o, "value");
	if (q->ok)
		cJSON_AddStringToObject(o, "text", q->empty ? "" : text);
	cJSON_AddBoolToObject(o, "empty", q->ok && q->empty);
	if (*value_words(q))
		cJSON_AddStringToObject(o, "why", value_words(q));
	if (!q->ok)
		cJSON_AddStringToObject(o, "error", q->err);
	s = cJSON_PrintUnformatted(o);
	if (s)
		printf("%s\n", s);
	free(s);
	cJSON_Delete(o);
}

int cli_query(int argc, char **argv, const struct config *cfg)
{
	const char *expr = NULL;
	char *from_stdin = NULL, err[400], text[64] = "";
	bool json = false;
	struct answer q = { 0 };
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(query_usage, stdout);
			return EXIT_OK;
		} else if (!expr) {
			expr = argv[i];
		} else {
			fprintf(stderr, "warroom query: one expression only (quote it)\n%s", query_usage);
			return EXIT_USAGE;
		}
	}
	if (!expr || !*expr) {
		fputs(query_usage, stderr);
		return EXIT_USAGE;
	}
	if (strcmp(expr, "-") == 0) {
		if (!(from_stdin = read_all_stdin())) {
			fprintf(stderr, "warroom query: out of memory\n");
			return EXIT_UNREACHABLE;
		}
		expr = from_stdin;
	}
	if (!cfg->prometheus.url[0]) {
		fprintf(stderr, "warroom query: prometheus.url is not configured%s%s\n", cfg->path[0] ? " in " : "",
		        cfg->path);
		free(from_stdin);
		return EXIT_UNREACHABLE;
	}
	struct loop *loop = loop_new();
	struct http *http = loop ? http_new(loop) : NULL;
	struct prom *p = http ? prom_new(http, &cfg->prometheus, err, sizeof err) : NULL;
	struct ssh *ssh = NULL;
	char route[600];

	if (!http)
		snprintf(err, sizeof err, "cannot start the event loop");
	/* marked via_bastion: through the tunnel or not at all, never directly */
	if (p && (cli_ssh_route(loop, cfg, cfg->prometheus.via_bastion, cfg->prometheus.url, &ssh, route,
	                        sizeof route, err, sizeof err) != 0 ||
	          (route[0] && prom_set_connect_to(p, route) != 0))) {
		prom_free(p);
		p = NULL;
	}
	if (p && !prom_query(p, expr, answered, &q))
		snprintf(err, sizeof err, "could not start the query to %s", prom_url(p));
	else if (p && loop_run_until(loop, &q.done, 120000) != 0)
		snprintf(err, sizeof err, "no answer from %s", prom_url(p));
	text_hide_url_passwords(err);
	if (!q.done) {
		q.ok = false;
		snprintf(q.err, sizeof q.err, "%s", err);
	}
	if (q.ok && !q.empty)
		format_value(q.v, text, sizeof text);
	if (json)
		print_json(expr, &q, text);
	else if (q.ok && q.empty)
		printf("no data (%s)\n", value_words(&q));
	else if (q.ok)
		printf("%s%s%s%s\n", text, *value_words(&q) ? " (" : "", value_words(&q), *value_words(&q) ? ")" : "");
	if (!q.ok)
		fprintf(stderr, "warroom query: %s\n", q.err);
	rc = q.ok ? EXIT_OK : q.answered ? EXIT_FAILED : EXIT_UNREACHABLE;
	prom_free(p);
	http_free(http);
	ssh_free(ssh);   /* after the requests that used its tunnel */
	loop_free(loop);
	free(from_stdin);
	return rc;
}
