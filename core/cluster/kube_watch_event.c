/* kube_watch_event — the pure parts of a watch: one line of the stream
 * parsed, the objects it keeps, a list that replaces them told as the
 * events a watch would have sent, and what follows a stream's end. No I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/json.h"
#include "warroom/kube_watch.h"
#include "warroom/text.h"

#define BACKOFF_FIRST_MS 250
#define BACKOFF_MAX_MS   4000
/* a stream open this long that ends cleanly is the server's timeout: no wait */
#define CLEAN_LASTED_MS  1000

static const char *const type_names[] = {
	[KW_ADDED] = "ADDED", [KW_MODIFIED] = "MODIFIED", [KW_DELETED] = "DELETED",
	[KW_BOOKMARK] = "BOOKMARK", [KW_ERROR] = "ERROR",
};

const char *kube_watch_type_name(enum kube_watch_type t)
{
	return (unsigned)t < sizeof type_names / sizeof type_names[0] ? type_names[t] : "?";
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

bool kube_watch_rv_newer(const char *a, const char *b)
{
	size_t la, lb;

	if (!a || !*a)
		return false;
	if (!b || !*b)
		return true;
	if (!all_digits(a) || !all_digits(b))
		return strcmp(a, b) != 0;
	while (*a == '0' && a[1])
		a++;
	while (*b == '0' && b[1])
		b++;
	la = strlen(a);
	lb = strlen(b);
	return la != lb ? la > lb : strcmp(a, b) > 0;
}

/* "namespace/name" of an object; false when it has no name. */
static bool object_key(const cJSON *obj, char *key, size_t len, char *rv, size_t rvlen)
{
	const cJSON *meta = json_get(obj, "metadata");
	const char *name = json_str(meta, "name"), *ns = json_str(meta, "namespace");
	const char *v = json_str(meta, "resourceVersion");

	text_copy(rv, rvlen, v ? v : "");
	if (!name || !*name)
		return false;
	snprintf(key, len, "%s/%s", ns ? ns : "", name);
	return true;
}

void kube_watch_event_clear(struct kube_watch_event *ev)
{
	cJSON_Delete(ev->object);
	memset(ev, 0, sizeof *ev);
}

int kube_watch_parse(const char *line, size_t len, struct kube_watch_event *ev, char *err, size_t errlen)
{
	cJSON *root;
	const cJSON *obj;
	const char *type, *reason, *msg;
	int t = -1;

	memset(ev, 0, sizeof *ev);
	root = json_parse_wire(line, len);
	if (!root || !cJSON_IsObject(root)) {
		snprintf(err, errlen, "a watch event that is not JSON");
		cJSON_Delete(root);
		return -1;
	}
	type = json_str(root, "type");
	for (size_t i = 0; type && i < sizeof type_names / sizeof type_names[0]; i++)
		if (strcmp(type, type_names[i]) == 0)
			t = (int)i;
	obj = json_get(root, "object");
	if (t < 0 || !cJSON_IsObject(obj)) {
		snprintf(err, errlen, type ? "a watch event of an unknown type %.40s" : "a watch event without a type",
		         type ? type : "");
		cJSON_Delete(root);
		return -1;
	}
	ev->type = (enum kube_watch_type)t;
	switch (ev->type) {
	case KW_ERROR:
		/* a Status: 410 Expired, or another failure the server ends with */
		ev->code = json_int(obj, "code", 0);
		reason = json_str(obj, "reason");
		msg = json_str(obj, "message");
		snprintf(ev->message, sizeof ev->message, "%s%s%s", reason ? reason : "", reason && msg ? ": " : "",
		         msg ? msg : "");
		break;
	case KW_BOOKMARK: {
		const char *rv = json_str(json_get(obj, "metadata"), "resourceVersion");

		if (!rv || !*rv) {
			snprintf(err, errlen, "a bookmark without a resource version");
			cJSON_Delete(root);
			return -1;
		}
		text_copy(ev->rv, sizeof ev->rv, rv);
		break;
	}
	default:
		if (!object_key(obj, ev->key, sizeof ev->key, ev->rv, sizeof ev->rv)) {
			snprintf(err, errlen, "a watch event whose object has no name");
			cJSON_Delete(root);
			return -1;
		}
		ev->object = cJSON_DetachItemFromObject(root, "object");
	}
	cJSON_Delete(root);
	return 0;
}

/* ---- the cache: entries sorted by key ---- */

struct entry {
	char *key;
	char rv[32];
	cJSON *obj;
};

struct kube_watch_cache {
	struct entry *e;
	size_t n, cap;
	bool more;
};

struct kube_watch_cache *kube_watch_cache_new(void)
{
	return calloc(1, sizeof(struct kube_watch_cache));
}

static void entries_free(struct entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].key);
		cJSON_Delete(e[i].obj);
	}
	free(e);
}

void kube_watch_cache_free(struct kube_watch_cache *c)
{
	if (!c)
		return;
	entries_free(c->e, c->n);
	free(c);
}

size_t kube_watch_cache_count(const struct kube_watch_cache *c)
{
	return c ? c->n : 0;
}

const cJSON *kube_watch_cache_at(const struct kube_watch_cache *c, size_t i)
{
	return c && i < c->n ? c->e[i].obj : NULL;
}

/* The index of key, or where it would go (*found false). */
static size_t find(const struct kube_watch_cache *c, const char *key, bool *found)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = strcmp(c->e[mid].key, key);

		if (r == 0) {
			*found = true;
			return mid;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

const cJSON *kube_watch_cache_get(const struct kube_watch_cache *c, const char *key)
{
	bool found;
	size_t i = find(c, key, &found);

	return found ? c->e[i].obj : NULL;
}

bool kube_watch_cache_apply(struct kube_watch_cache *c, struct kube_watch_event *ev)
{
	bool found;
	size_t i;

	if (ev->type != KW_ADDED && ev->type != KW_MODIFIED && ev->type != KW_DELETED)
		return false;
	i = find(c, ev->key, &found);
	if (ev->type == KW_DELETED) {
		if (!found || kube_watch_rv_newer(c->e[i].rv, ev->rv))
			return false;
		free(c->e[i].key);
		cJSON_Delete(c->e[i].obj);
		memmove(&c->e[i], &c->e[i + 1], (c->n - i - 1) * sizeof c->e[0]);
		c->n--;
		return true;
	}
	if (!ev->object || (found && !kube_watch_rv_newer(ev->rv, c->e[i].rv)))
		return false;   /* a version already held: a duplicate after a resume */
	if (!found) {
		char *key = strdup(ev->key);

		if (!key)
			return false;
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 16;
			struct entry *e = realloc(c->e, cap * sizeof *e);

			if (!e) {
				free(key);
				return false;
			}
			c->e = e;
			c->cap = cap;
		}
		memmove(&c->e[i + 1], &c->e[i], (c->n - i) * sizeof c->e[0]);
		c->n++;
		c->e[i].key = key;
		c->e[i].obj = NULL;
	}
	cJSON_Delete(c->e[i].obj);
	c->e[i].obj = ev->object;
	ev->object = NULL;
	text_copy(c->e[i].rv, sizeof c->e[i].rv, ev->rv);
	return true;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key, ((const struct entry *)b)->key);
}

int kube_watch_cache_relist(struct kube_watch_cache *c, const char *json, size_t len, char *rv, size_t rvlen,
                            kube_watch_diff_fn fn, void *arg, char *err, size_t errlen)
{
	cJSON *root = json_parse_wire(json, len);
	cJSON *items = root ? cJSON_GetObjectItemCaseSensitive(root, "items") : NULL;
	const char *lrv = root ? json_str(json_get(root, "metadata"), "resourceVersion") : NULL;
	struct entry *ne = NULL;
	size_t nn = 0, cap;
	cJSON *it;

	/* a list without a version (a stand-in, a proxy's answer) is taken:
	 * the watch then starts from "now", the server's initial events
	 * ADDED again, dropped as duplicates by the cache */
	if (!lrv)
		lrv = "";
	if (!cJSON_IsArray(items)) {
		snprintf(err, errlen, "the list is not a list of objects");
		cJSON_Delete(root);
		return -1;
	}
	cap = (size_t)cJSON_GetArraySize(items) + 1;
	ne = calloc(cap, sizeof *ne);
	if (!ne) {
		snprintf(err, errlen, "out of memory");
		cJSON_Delete(root);
		return -1;
	}
	while ((it = items->child) != NULL) {
		char key[300], irv[32];

		cJSON_DetachItemViaPointer(items, it);
		if (!object_key(it, key, sizeof key, irv, sizeof irv) || !(ne[nn].key = strdup(key))) {
			cJSON_Delete(it);
			continue;
		}
		text_copy(ne[nn].rv, sizeof ne[nn].rv, irv);
		ne[nn++].obj = it;
	}
	qsort(ne, nn, sizeof *ne, by_key);
	text_copy(rv, rvlen, lrv);
	{
		const char *cont = json_str(json_get(root, "metadata"), "continue");

		c->more = cont && *cont;
	}
	/* the differences, as a watch would have told them */
	for (size_t i = 0; fn && i < nn; i++) {
		bool found;
		size_t j = find(c, ne[i].key, &found);

		if (!found || strcmp(c->e[j].rv, ne[i].rv) != 0) {
			struct kube_watch_event ev = { .type = found ? KW_MODIFIED : KW_ADDED, .object = ne[i].obj };

			text_copy(ev.rv, sizeof ev.rv, ne[i].rv);
			text_copy(ev.key, sizeof ev.key, ne[i].key);
			fn(&ev, arg);
		}
	}
	for (size_t j = 0; fn && j < c->n; j++) {
		bool still = false;

		for (size_t lo = 0, hi = nn; lo < hi && !still;) {
			size_t mid = (lo + hi) / 2;
			int r = strcmp(ne[mid].key, c->e[j].key);

			if (r == 0)
				still = true;
			else if (r < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!still) {
			struct kube_watch_event ev = { .type = KW_DELETED, .object = c->e[j].obj };

			text_copy(ev.rv, sizeof ev.rv, lrv);
			text_copy(ev.key, sizeof ev.key, c->e[j].key);
			fn(&ev, arg);
		}
	}
	entries_free(c->e, c->n);
	c->e = ne;
	c->n = nn;
	c->cap = cap;
	cJSON_Delete(root);
	return 0;
}

bool kube_watch_cache_more(const struct kube_watch_cache *c)
{
	return c && c->more;
}

char *kube_watch_cache_list_json(const struct kube_watch_cache *c)
{
	struct text_buf b = { 0 };

	text_buf_str(&b, "{\"metadata\":{},\"items\":[");
	for (size_t i = 0; c && i < c->n; i++) {
		char *one = cJSON_PrintUnformatted(c->e[i].obj);

		if (!one) {
			text_buf_free(&b);
			return NULL;
		}
		if (i)
			text_buf_str(&b, ",");
		text_buf_str(&b, one);
		free(one);
	}
	text_buf_str(&b, "]}");
	return text_buf_take(&b);
}

/* ---- after a stream's end ---- */

enum kube_watch_next kube_watch_after(const struct kube_watch_end *e, int64_t *delay_ms)
{
	int64_t wait = BACKOFF_FIRST_MS;

	for (int i = 1; i < e->failures && wait < BACKOFF_MAX_MS; i++)
		wait *= 2;
	if (wait > BACKOFF_MAX_MS)
		wait = BACKOFF_MAX_MS;
	*delay_ms = wait;
	if (e->listing) {
		if (e->ok)
			*delay_ms = 0;
		return KW_NEXT_RETRY_LIST;
	}
	if (e->gone || e->status == 410) {
		/* the first relist at once; one that keeps expiring waits */
		*delay_ms = e->failures > 1 ? wait : 0;
		return KW_NEXT_RELIST;
	}
	if (e->status == 403)
		return KW_NEXT_POLL;
	if (e->ok && e->failures == 0 && e->lasted_ms >= CLEAN_LASTED_MS)
		*delay_ms = 0;
	else if (e->failures == 0)
		*delay_ms = BACKOFF_FIRST_MS;
	return KW_NEXT_RESUME;
}

char *kube_watch_path(const char *list_path, const char *rv, int timeout_s)
{
	return text_dup_printf("%s%swatch=1&resourceVersion=%s&allowWatchBookmarks=true&timeoutSeconds=%d",
	                       list_path, strchr(list_path, '?') ? "&" : "?", rv, timeout_s > 0 ? timeout_s : 300);
}
