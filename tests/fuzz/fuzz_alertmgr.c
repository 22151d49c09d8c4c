/* Alertmanager GET /api/v2/alerts answers, and the startsAt times in them. */
#include "fuzz.h"
#include "warroom/alertmgr.h"
#include "warroom/config.h"

static struct config cfg;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready) {
		config_defaults(&cfg);
		ready = 1;
	}
	static struct model_alerts out;
	char err[256];
	memset(&out, 0, sizeof out);
	int rc = alertmgr_parse_alerts((const char *)data, size, &cfg, &out, err, sizeof err);
	fuzz_check_err(err, sizeof err);
	if (rc == 0 && (out.n > MODEL_ALERTS || out.n > out.total))
		abort();
	alertmgr_parse_alerts((const char *)data, size, NULL, &out, err, sizeof err);
	char *s = fuzz_cstr(data, size);
	(void)alertmgr_parse_time(s);
	free(s);
	return 0;
}
