/* endpoint — a configured HTTP endpoint (Prometheus, Alertmanager, Argo CD)
 * turned into requests: the base URL joined with API paths and encoded query
 * parameters through libcurl's URL API, the token read once, the CA file, the
 * insecure flag, the deadline, a size limit, and the route a tunnel sets.
 * Nothing is cut to fit a buffer: a URL or body is as long as it needs.
 * Implemented in core/endpoint.c. */
#ifndef WARROOM_ENDPOINT_H
#define WARROOM_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/http.h"

struct config_endpoint;

/* Query strings longer than this go as a POST form (endpoint_query). */
#define ENDPOINT_GET_MAX 1024

struct endpoint {
	char name[32];         /* "Prometheus": for the words of errors */
	char *base;            /* the configured URL, as given */
	char *token;           /* NULL: none; never shown */
	char *ca_file;         /* NULL: the system's CAs */
	char *connect_to;      /* NULL: direct; "host:port:connect-host:connect-port" */
	bool insecure;
	long timeout_ms;
	size_t max_bytes;
};

/* Copies what the config says and reads the token (token_file or token_env).
 * 0, or -1 with words ("Prometheus: the URL is not configured", "Prometheus
 * token: ..."); the words never hold the secret. */
int endpoint_init(struct endpoint *ep, const char *name, const struct config_endpoint *cfg,
                  long default_timeout_ms, size_t max_bytes, char *err, size_t errlen);
/* Wipes the token. Safe on a zeroed or already freed endpoint. */
void endpoint_free(struct endpoint *ep);
/* Routes every later request (CURLOPT_CONNECT_TO); NULL goes direct again. */
int endpoint_set_connect_to(struct endpoint *ep, const char *connect_to);

/* base + path + query, malloc'd: path is appended to the base's own path
 * (one '/' between, however either is written), so a Prometheus behind
 * /prometheus/ keeps its prefix. query: NULL, or name, value, name, value,
 * ..., NULL; each pair percent-encoded and appended to any query the base
 * already has. NULL with words when the base is not a URL. */
char *endpoint_join(const char *base, const char *path, const char *const *query, char *err, size_t errlen);
/* name=value&... as application/x-www-form-urlencoded, malloc'd. */
char *endpoint_form(const char *const *pairs);
/* One path segment or value percent-encoded (RFC 3986 unreserved kept). */
char *endpoint_escape(const char *s);

/* A request's transport fields from the endpoint: token, CA, insecure,
 * timeout, size limit, route. The caller sets method, url and body. */
void endpoint_prepare(const struct endpoint *ep, struct http_req *req);
/* GET base+path?query. Returns the http id, or 0 with words in err. */
uint64_t endpoint_get(const struct endpoint *ep, struct http *http, const char *path,
                      const char *const *query, http_done_fn fn, void *arg, char *err, size_t errlen);
/* As endpoint_get while the query string is short; a longer one is sent as
 * a POST form to base+path, as the Prometheus API allows. */
uint64_t endpoint_query(const struct endpoint *ep, struct http *http, const char *path,
                        const char *const *query, http_done_fn fn, void *arg, char *err, size_t errlen);
/* Any method with an optional body (content_type names it). */
uint64_t endpoint_send(const struct endpoint *ep, struct http *http, const char *method, const char *path,
                       const char *content_type, const char *body, const char *const *headers,
                       http_done_fn fn, void *arg, char *err, size_t errlen);

#endif
