/* Pod logs: bytes as a followed log delivers them (cut into chunks where the
 * input says) through the line assembler, each line's time, template and
 * short form, counted as templates and kept in a small ring; or an
 * EventList, a PodList, a Service. The first byte picks; the templates and
 * the ring carry over inputs as they do over a session. */
#include <stdio.h>

#include "fuzz.h"
#include "warroom/config.h"
#include "warroom/http.h"
#include "warroom/logs.h"

static struct logs_tmpls tmpls;
static struct logs_ring ring;

static void on_line(const struct http_line *l, void *arg)
{
	char tmpl[LOGS_TMPL_TEXT], compact[512];
	int64_t ts;
	size_t at;

	if (strlen(l->text) != l->len && !memchr(l->text, '\0', l->len))
		abort();
	if (!logs_line_time(l->text, l->len, &ts, &at))
		ts = 0;
	if (at > l->len)
		abort();
	logs_template(l->text + at, l->len - at, tmpl, sizeof tmpl);
	if (!memchr(tmpl, '\0', sizeof tmpl))
		abort();
	if (logs_line_compact(l->text + at, l->len - at, compact, sizeof compact) >= sizeof compact)
		abort();
	logs_tmpls_add(&tmpls, (int)(l->len % 2), ts, l->text + at, l->len - at);
	logs_ring_add(&ring, ts, (uint16_t)l->len, (uint8_t)(l->len % 3), l->cut, l->text + at, l->len - at);
	if (ring.used > ring.cap)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	static struct logs_events ev;
	static struct logs_pods pods;
	static int ready;
	unsigned sel = size ? data[0] : 0;
	const char *text = size ? (const char *)data + 1 : "";
	size_t len = size ? size - 1 : 0;
	char err[256] = "", sel_out[128], live[32];
	struct logs_new nw[4];

	if (!ready) {
		config_defaults(&cfg);
		snprintf(cfg.kube.deployments[0], sizeof cfg.kube.deployments[0], "detection-api-blue");
		snprintf(cfg.kube.deployments[1], sizeof cfg.kube.deployments[1], "detection-api-green");
		logs_tmpls_init(&tmpls);
		tmpls.live = 1;
		logs_ring_init(&ring, 8192);
		ready = 1;
	}
	switch (sel % 4) {
	case 0: {
		/* the chunks: each byte of the input's tail picks where the next cut falls */
		struct http_lines *l = http_lines_new(64 + sel % 200);
		char *copy = fuzz_cstr((const uint8_t *)text, len);
		size_t at = 0, step = 1;

		while (at < len) {
			size_t n = len - at < step ? len - at : step;

			http_lines_feed(l, copy + at, n, on_line, NULL);
			step = 1 + (unsigned char)copy[at] % 97;
			at += n;
		}
		http_lines_end(l, on_line, NULL);
		if (memcmp(copy, text, len) != 0)
			abort();   /* the bytes are as they were */
		http_lines_free(l);
		free(copy);
		logs_tmpls_new(&tmpls, 1, 0, 4.0, nw, 4);
		break;
	}
	case 1:
		logs_parse_events(text, len, &cfg, &ev, err, sizeof err);
		{
			struct logs_reason r[8];

			logs_events_by_reason(&ev, -1, r, 8);
			logs_events_by_reason(&ev, LOGS_NO_SLOT_OF, r, 8);
		}
		break;
	case 2:
		logs_parse_pods(text, len, "slot", cfg.kube.slots, 2, &pods, err, sizeof err);
		break;
	default:
		logs_parse_service(text, len, "slot", sel_out, sizeof sel_out, live, sizeof live, err, sizeof err);
		break;
	}
	fuzz_check_err(err, sizeof err);
	return 0;
}
