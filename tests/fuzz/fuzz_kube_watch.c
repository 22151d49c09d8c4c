/* Kubernetes watch streams: bytes as a watch delivers them (cut into chunks
 * where the input says) through the line assembler, each line parsed as an
 * event and applied to a cache that carries over inputs as it does over a
 * watch's life (first byte even); or the input as a list that replaces the
 * cache and is told as its differences (first byte odd). */
#include "fuzz.h"
#include "warroom/http.h"
#include "warroom/kube_watch.h"

static struct kube_watch_cache *cache;

static void on_line(const struct http_line *l, void *arg)
{
	struct kube_watch_event ev;
	char err[200];

	(void)arg;
	if (kube_watch_parse(l->text, l->len, &ev, err, sizeof err) != 0) {
		fuzz_check_err(err, sizeof err);
		return;
	}
	if (!memchr(ev.rv, '\0', sizeof ev.rv) || !memchr(ev.key, '\0', sizeof ev.key) ||
	    !memchr(ev.message, '\0', sizeof ev.message))
		abort();
	kube_watch_cache_apply(cache, &ev);
	kube_watch_event_clear(&ev);
}

static void on_diff(const struct kube_watch_event *ev, void *arg)
{
	(void)arg;
	if (ev->type != KW_ADDED && ev->type != KW_MODIFIED && ev->type != KW_DELETED)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned sel = size ? data[0] : 0;
	const char *text = size ? (const char *)data + 1 : "";
	size_t len = size ? size - 1 : 0;
	char *copy = fuzz_cstr((const uint8_t *)text, len);
	char rv[32], err[200] = "";

	if (!cache)
		cache = kube_watch_cache_new();
	if (sel % 2 == 0) {
		struct http_lines *l = http_lines_new(256 + sel * 16);
		size_t at = 0, step = 1;

		while (at < len) {
			size_t n = len - at < step ? len - at : step;

			http_lines_feed(l, copy + at, n, on_line, NULL);
			step = 1 + (unsigned char)copy[at] % 61;
			at += n;
		}
		http_lines_end(l, on_line, NULL);
		http_lines_free(l);
	} else if (kube_watch_cache_relist(cache, copy, len, rv, sizeof rv, on_diff, NULL, err, sizeof err) != 0) {
		fuzz_check_err(err, sizeof err);
	}
	for (size_t i = 0; i < kube_watch_cache_count(cache); i++)
		if (!kube_watch_cache_at(cache, i))
			abort();
	free(kube_watch_cache_list_json(cache));
	if (kube_watch_cache_count(cache) > 4096) {
		kube_watch_cache_free(cache);
		cache = NULL;
	}
	free(copy);
	return 0;
}
