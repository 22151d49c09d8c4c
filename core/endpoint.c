/* endpoint — configured endpoints into requests. URLs go through libcurl's
 * URL API (CURLU) and form bodies through curl_easy_escape, so nothing is
 * ever cut at a buffer's end: a 5,000-character PromQL arrives whole. */
#include "warroom/endpoint.h"
#include "warroom/config.h"
#include "warroom/text.h"

#include <curl/curl.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

int endpoint_init(struct endpoint *ep, const char *name, const struct config_endpoint *cfg,
                  long default_timeout_ms, size_t max_bytes, char *err, size_t errlen)
{
	char msg[300] = "";

	memset(ep, 0, sizeof *ep);
	snprintf(ep->name, sizeof ep->name, "%s", name);
	if (!cfg->url[0]) {
		text_errf(err, errlen, "%s: the URL is not configured", name);
		return -1;
	}
	/* as long as a token file may be: Argo CD's JWTs grow with the groups */
	char *tok = malloc(CONFIG_SECRET_MAX);
	char *probe = endpoint_join(cfg->url, "", NULL, msg, sizeof msg);
	if (!probe || !tok) {
		text_errf(err, errlen, "%s: %s", name, probe ? "out of memory" : msg);
		free(probe);
		free(tok);
		return -1;
	}
	free(probe);
	if (config_read_secret_msg(cfg, tok, CONFIG_SECRET_MAX, msg, sizeof msg) != 0) {
		text_errf(err, errlen, "%s token: %s", name, msg[0] ? msg : "cannot be read");
		explicit_bzero(tok, CONFIG_SECRET_MAX);
		free(tok);
		return -1;
	}
	bool has_token = tok[0] != '\0';

	ep->base = strdup(cfg->url);
	ep->token = dup_or_null(tok);
	explicit_bzero(tok, CONFIG_SECRET_MAX);
	free(tok);
	ep->ca_file = dup_or_null(cfg->ca_file);
	ep->insecure = cfg->insecure;
	ep->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : default_timeout_ms;
	ep->max_bytes = max_bytes;
	if (!ep->base || (has_token && !ep->token)) {
		endpoint_free(ep);
		text_errf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	return 0;
}

void endpoint_free(struct endpoint *ep)
{
	if (!ep)
		return;
	if (ep->token) {
		memset(ep->token, 0, strlen(ep->token));
		free(ep->token);
	}
	free(ep->base);
	free(ep->ca_file);
	free(ep->connect_to);
	ep->token = ep->base = ep->ca_file = ep->connect_to = NULL;
}

int endpoint_set_connect_to(struct endpoint *ep, const char *connect_to)
{
	char *c = dup_or_null(connect_to);

	if (connect_to && *connect_to && !c)
		return -1;
	free(ep->connect_to);
	ep->connect_to = c;
	return 0;
}

/* The base's path without trailing slashes, then '/', then path without
 * leading ones. */
static char *join_path(const char *base_path, const char *path, size_t plen)
{
	size_t bl = strlen(base_path);
	char *out;

	while (bl && base_path[bl - 1] == '/')
		bl--;
	while (plen && *path == '/')
		path++, plen--;
	out = malloc(bl + plen + 2);
	if (!out)
		return NULL;
	memcpy(out, base_path, bl);
	out[bl] = '/';
	memcpy(out + bl + 1, path, plen);
	out[bl + 1 + plen] = '\0';
	return out;
}

/* libcurl writes %7b; RFC 3986 prefers %7B, and so do servers' logs. */
static void upper_hex(char *s)
{
	for (; *s; s++) {
		if (*s != '%' || !isxdigit((unsigned char)s[1]) || !isxdigit((unsigned char)s[2]))
			continue;
		s[1] = (char)toupper((unsigned char)s[1]);
		s[2] = (char)toupper((unsigned char)s[2]);
		s += 2;
	}
}

char *endpoint_join(const char *base, const char *path, const char *const *query, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *bpath = NULL, *scheme = NULL, *full = NULL, *out = NULL, *np = NULL;
	const char *q = path ? strchr(path, '?') : NULL;
	CURLUcode rc;

	if (!u) {
		text_errf(err, errlen, "out of memory");
		return NULL;
	}
	rc = curl_url_set(u, CURLUPART_URL, base, 0);
	if (rc != CURLUE_OK || curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		text_errf(err, errlen, "\"%s\" is not an http:// or https:// URL (%s)", base,
		      rc != CURLUE_OK ? curl_url_strerror(rc) : "unsupported scheme");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PATH, &bpath, 0) != CURLUE_OK)
		bpath = NULL;
	np = join_path(bpath ? bpath : "", path ? path : "", path ? (q ? (size_t)(q - path) : strlen(path)) : 0);
	if (!np || curl_url_set(u, CURLUPART_PATH, np, 0) != CURLUE_OK) {
		text_errf(err, errlen, "cannot join \"%s\" to %s", path ? path : "", base);
		goto out;
	}
	/* a query already in the path is taken as encoded */
	if (q && q[1] && curl_url_set(u, CURLUPART_QUERY, q + 1, CURLU_APPENDQUERY) != CURLUE_OK) {
		text_errf(err, errlen, "cannot add the query of \"%s\" to %s", path, base);
		goto out;
	}
	for (size_t i = 0; query && query[i] && query[i + 1]; i += 2) {
		size_t nl = strlen(query[i]), vl = strlen(query[i + 1]);
		char *nv = malloc(nl + vl + 2);

		if (!nv) {
			text_errf(err, errlen, "out of memory");
			goto out;
		}
		memcpy(nv, query[i], nl);
		nv[nl] = '=';
		memcpy(nv + nl + 1, query[i + 1], vl + 1);
		/* APPENDQUERY with URLENCODE keeps the first '=' and encodes the rest */
		rc = curl_url_set(u, CURLUPART_QUERY, nv, CURLU_APPENDQUERY | CURLU_URLENCODE);
		free(nv);
		if (rc != CURLUE_OK) {
			text_errf(err, errlen, "cannot encode the query parameter %s: %s", query[i], curl_url_strerror(rc));
			goto out;
		}
	}
	if (curl_url_get(u, CURLUPART_URL, &full, 0) != CURLUE_OK) {
		text_errf(err, errlen, "cannot build a URL from %s", base);
		goto out;
	}
	out = strdup(full);
	if (!out)
		text_errf(err, errlen, "out of memory");
	else
		upper_hex(out);
out:
	curl_free(full);
	curl_free(bpath);
	curl_free(scheme);
	free(np);
	curl_url_cleanup(u);
	return out;
}

char *endpoint_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s ? s : "", 0);
	char *out = e ? strdup(e) : NULL;

	curl_free(e);
	return out;
}

char *endpoint_form(const char *const *pairs)
{
	struct text_buf b = { 0 };

	for (size_t i = 0; pairs && pairs[i] && pairs[i + 1]; i += 2) {
		char *n = endpoint_escape(pairs[i]), *v = endpoint_escape(pairs[i + 1]);

		if (n && v)
			text_buf_printf(&b, "%s%s=%s", b.n ? "&" : "", n, v);
		else
			b.oom = true;
		free(n);
		free(v);
	}
	return text_buf_take(&b);
}

void endpoint_prepare(const struct endpoint *ep, struct http_req *req)
{
	req->bearer_token = ep->token;
	req->ca_file = ep->ca_file;
	req->insecure = ep->insecure;
	req->timeout_ms = ep->timeout_ms;
	req->max_bytes = ep->max_bytes;
	req->connect_to = ep->connect_to;
}

uint64_t endpoint_send(const struct endpoint *ep, struct http *http, const char *method, const char *path,
                       const char *content_type, const char *body, const char *const *headers,
                       http_done_fn fn, void *arg, char *err, size_t errlen)
{
	struct http_req req = { 0 };
	char *url = endpoint_join(ep->base, path, NULL, err, errlen);
	uint64_t id;

	if (!url)
		return 0;
	endpoint_prepare(ep, &req);
	req.method = method;
	req.url = url;
	req.body = body;
	req.content_type = body ? content_type : NULL;
	req.headers = headers;
	id = http_request(http, &req, fn, arg);
	if (!id)
		text_errf(err, errlen, "could not start the request to %s at %s", ep->name, ep->base);
	free(url);
	return id;
}

uint64_t endpoint_get(const struct endpoint *ep, struct http *http, const char *path,
                      const char *const *query, http_done_fn fn, void *arg, char *err, size_t errlen)
{
	struct http_req req = { 0 };
	char *url = endpoint_join(ep->base, path, query, err, errlen);
	uint64_t id;

	if (!url)
		return 0;
	endpoint_prepare(ep, &req);
	req.url = url;
	id = http_request(http, &req, fn, arg);
	if (!id)
		text_errf(err, errlen, "could not start the request to %s at %s", ep->name, ep->base);
	free(url);
	return id;
}

uint64_t endpoint_query(const struct endpoint *ep, struct http *http, const char *path,
                        const char *const *query, http_done_fn fn, void *arg, char *err, size_t errlen)
{
	char *form = endpoint_form(query);
	uint64_t id;

	if (!form) {
		text_errf(err, errlen, "out of memory");
		return 0;
	}
	if (strlen(form) <= ENDPOINT_GET_MAX)
		id = endpoint_get(ep, http, path, query, fn, arg, err, errlen);
	else
		id = endpoint_send(ep, http, "POST", path, "application/x-www-form-urlencoded", form, NULL,
		                   fn, arg, err, errlen);
	free(form);
	return id;
}
