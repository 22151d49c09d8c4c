/* cli_query — `warroom query EXPR [--json]`: one instant query to the
 * configured Prometheus, through the same client the console uses (token,
 * CA, a long expression sent whole as a POST form). Prints every series with
 * its labels as Prometheus' table view does (a scalar, or one series without
 * labels, is its value alone), --json the API's answer as it came; exit 0
 * when Prometheus answered, 1 when it refused the query (its own error), 3
 * when it could not be asked or read. */
#include "warroom/cli.h"
#include "warroom/config.h"
#include "warroom/http.h"
#include "warroom/json.h"
#include "warroom/loop.h"
#include "warroom/prom.h"
#include "warroom/ssh.h"
#include "warroom/text.h"

#include <cJSON.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUERY_STDIN_MAX (1024 * 1024)

static const char query_usage[] =
	"usage: warroom query EXPR [--json]   every series of an instant PromQL query, with its labels\n"
	"       warroom query - [--json]      the expression is read from stdin\n";

struct answer {
	bool done, ok, answered;
	char *body;          /* Prometheus' own JSON, when it answered */
	size_t len;
	char err[400];
};

static void answered(const struct prom_body *b, void *arg)
{
	struct answer *q = arg;

	q->done = true;
	q->ok = b->ok;
	q->answered = b->answered;
	snprintf(q->err, sizeof q->err, "%s", b->err);
	if (b->body && (q->body = malloc(b->len + 1))) {
		memcpy(q->body, b->body, b->len);
		q->body[b->len] = '\0';
		q->len = b->len;
	} else if (b->body) {
		q->ok = q->answered = false;
		snprintf(q->err, sizeof q->err, "out of memory reading Prometheus' answer");
	}
}

/* A sample [t, "v"]: the value as Prometheus wrote it and its time. */
static void sample(const cJSON *pair, char *val, size_t vlen, char *at, size_t alen)
{
	const cJSON *t = cJSON_GetArrayItem(pair, 0), *v = cJSON_GetArrayItem(pair, 1);

	snprintf(val, vlen, "%s", cJSON_IsString(v) ? v->valuestring : "?");
	snprintf(at, alen, "%.3f", cJSON_IsNumber(t) ? t->valuedouble : 0);
}

/* What a value that is no plain number means, for the reader; "" for a number. */
static const char *value_words(const char *val)
{
	if (!strcmp(val, "NaN"))
		return "not a number: zero divided by zero gives it, such as a ratio over no requests";
	if (!strcmp(val, "+Inf") || !strcmp(val, "-Inf"))
		return "infinite: a number divided by zero gives it, or a quantile above a histogram's last bucket";
	return "";
}

/* A value alone, with what it means when it is no plain number. */
static void print_value(const char *val)
{
	const char *why = value_words(val);

	printf("%s%s%s%s\n", val, *why ? " (" : "", why, *why ? ")" : "");
}

/* Every series of the answer with its labels, the values in one column; a
 * scalar, or one series without labels, is its value alone (what scripts
 * read). 0, or -1 when the answer is not one Prometheus gives. */
static int print_table(const char *body, size_t len, char *err, size_t errlen)
{
	cJSON *root = json_parse_wire(body, len);   /* the labels go to a terminal */
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(data, "resultType");
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(data, "result"), *s;
	char val[64], at[32];
	size_t width = 0, n = 0;
	int rc = 0;

	if (!cJSON_IsString(type) || !res) {
		snprintf(err, errlen, "Prometheus' answer has no data.result");
		rc = -1;
	} else if (!strcmp(type->valuestring, "scalar") || !strcmp(type->valuestring, "string")) {
		sample(res, val, sizeof val, at, sizeof at);
		if (!strcmp(type->valuestring, "string"))
			printf("%s\n", cJSON_IsString(cJSON_GetArrayItem(res, 1)) ? cJSON_GetArrayItem(res, 1)->valuestring : "");
		else
			print_value(val);
	} else if (!cJSON_IsArray(res)) {
		snprintf(err, errlen, "Prometheus' %s result is not a list", type->valuestring);
		rc = -1;
	} else if (!cJSON_GetArraySize(res)) {
		printf("no data (no series matched)\n");
	} else if (cJSON_GetArraySize(res) == 1 && !strcmp(type->valuestring, "vector") &&
	           !cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(res, 0), "metric"))) {
		s = cJSON_GetArrayItem(res, 0);
		sample(cJSON_GetObjectItemCaseSensitive(s, "value"), val, sizeof val, at, sizeof at);
		print_value(val);
	} else {
		char **names = calloc((size_t)cJSON_GetArraySize(res) + 1, sizeof *names);
		bool oom = !names;

		cJSON_ArrayForEach(s, (oom ? NULL : res)) {
			if (!(names[n] = prom_series_text(cJSON_GetObjectItemCaseSensitive(s, "metric"), true)))
				oom = true;
			else if (strlen(names[n]) > width)
				width = strlen(names[n]);
			n++;
		}
		if (oom) {   /* nothing printed rather than some of the series */
			for (size_t i = 0; names && i < n; i++)
				free(names[i]);
			free(names);
			cJSON_Delete(root);
			snprintf(err, errlen, "out of memory printing Prometheus' answer");
			return -1;
		}
		n = 0;
		cJSON_ArrayForEach(s, res) {
			const cJSON *values = cJSON_GetObjectItemCaseSensitive(s, "values"), *pt;
			bool first = true;

			if (!strcmp(type->valuestring, "vector")) {
				sample(cJSON_GetObjectItemCaseSensitive(s, "value"), val, sizeof val, at, sizeof at);
				printf("%-*s  %s\n", (int)width, names[n], val);
			}
			cJSON_ArrayForEach(pt, values) {   /* a matrix: each sample at its time */
				sample(pt, val, sizeof val, at, sizeof at);
				printf("%-*s  %s @%s\n", (int)width, first ? names[n] : "", val, at);
				first = false;
			}
			free(names[n++]);
		}
		free(names);
	}
	cJSON_Delete(root);
	return rc;
}

/* --json: the answer as the API gave it; words in its shape when Prometheus
 * could not be asked. */
static void print_json(const struct answer *q)
{
	cJSON *o;
	char *s;

	if (q->body && q->answered) {
		fwrite(q->body, 1, q->len, stdout);
		if (!q->len || q->body[q->len - 1] != '\n')
			putchar('\n');
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", "error");
	cJSON_AddStringToObject(o, "errorType", "unreachable");
	cJSON_AddStringToObject(o, "error", q->err);
	s = cJSON_PrintUnformatted(o);
	if (s)
		printf("%s\n", s);
	free(s);
	cJSON_Delete(o);
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

int cli_query(int argc, char **argv, const struct config *cfg)
{
	const char *expr = NULL;
	char *from_stdin = NULL, err[400];
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
	if (p && !prom_query_body(p, expr, answered, &q))
		snprintf(err, sizeof err, "could not start the query to %s", prom_url(p));
	else if (p && loop_run_until(loop, &q.done, 120000) != 0)
		snprintf(err, sizeof err, "no answer from %s", prom_url(p));
	text_hide_url_passwords(err);
	if (!q.done) {
		q.ok = false;
		snprintf(q.err, sizeof q.err, "%s", err);
	}
	if (json)
		print_json(&q);
	else if (q.ok && print_table(q.body, q.len, q.err, sizeof q.err) != 0)
		q.ok = q.answered = false;   /* not what Prometheus gives: not Prometheus' answer */
	if (!q.ok)
		fprintf(stderr, "warroom query: %s\n", q.err);
	rc = q.ok ? EXIT_OK : q.answered ? EXIT_FAILED : EXIT_UNREACHABLE;
	prom_free(p);
	http_free(http);
	ssh_free(ssh);   /* after the requests that used its tunnel */
	loop_free(loop);
	free(q.body);
	free(from_stdin);
	return rc;
}
