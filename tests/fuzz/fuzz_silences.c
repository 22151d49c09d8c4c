/* Alertmanager's silences, groups and full alert list (first byte picks:
 * 0 silences, 1 groups, 2 alerts, 3 all three into one model as an HA pair
 * would fill it), then the rest as a `silence` action's text and as
 * matchers. Counts stay inside the model's arrays. */
#include "fuzz.h"
#include "warroom/actions.h"
#include "warroom/alertmgr.h"
#include "warroom/config.h"

static struct config cfg;
static struct model_am am;
static int ready;

static void check(void)
{
	if (am.n > MODEL_AM_ALERTS || am.ngroups > MODEL_AM_GROUPS || am.nsilences > MODEL_AM_SILENCES ||
	    am.nrules > MODEL_AM_RULES)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256] = "", matchers[512], comment[256];
	struct alertmgr_matchers ms;
	long secs;

	if (!ready) {
		config_defaults(&cfg);
		ready = 1;
	}
	if (size < 1)
		return 0;
	const char *json = (const char *)data + 1;
	size_t len = size - 1;
	memset(&am, 0, sizeof am);
	switch (data[0] % 4) {
	case 0:
		alertmgr_parse_silences(json, len, 0, &am, err, sizeof err);
		break;
	case 1:
		alertmgr_parse_groups(json, len, &am, err, sizeof err);
		break;
	case 2:
		alertmgr_parse_all(json, len, &cfg, 0, &am, err, sizeof err);
		break;
	default:
		alertmgr_parse_all(json, len, &cfg, 0, &am, err, sizeof err);
		alertmgr_parse_silences(json, len, 1, &am, err, sizeof err);
		alertmgr_parse_groups(json, len, &am, err, sizeof err);
		alertmgr_parse_silences(json, len, 0, &am, err, sizeof err);
		break;
	}
	fuzz_check_err(err, sizeof err);
	check();
	alertmgr_sort(&am);
	check();
	char *s = fuzz_cstr(data + 1, size - 1);
	if (actions_silence_parse(s, &ms, matchers, sizeof matchers, &secs, comment, sizeof comment, err,
	                           sizeof err) == 0) {
		if (ms.n > ALERTMGR_MATCHERS || secs <= 0)
			abort();
		alertmgr_matchers_free(&ms);
	}
	fuzz_check_err(err, sizeof err);
	memset(&ms, 0, sizeof ms);
	if (alertmgr_matchers_parse(s, &ms, err, sizeof err) == 0)
		alertmgr_matchers_free(&ms);
	fuzz_check_err(err, sizeof err);
	(void)alertmgr_parse_duration(s);
	free(s);
	return 0;
}
