/* Prometheus' answers the alerts view reads besides Alertmanager's: the
 * alerting rules (GET /api/v1/rules) with their pending alerts; and the
 * text exposition format a new slot's /metrics must speak (first byte: 0
 * rules, 1 metrics text). */
#include "fuzz.h"
#include "warroom/config.h"
#include "alerts/prom_rules.h"
#include "warroom/matrix.h"

static struct config cfg;
static struct model_am am;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256] = "", why[256] = "";
	int samples = -1;

	if (!ready) {
		config_defaults(&cfg);
		ready = 1;
	}
	if (size < 1)
		return 0;
	if (data[0] % 2 == 0) {
		memset(&am, 0, sizeof am);
		prom_rules_parse((const char *)data + 1, size - 1, &cfg, &am, err, sizeof err);
		fuzz_check_err(err, sizeof err);
		if (am.nrules > MODEL_AM_RULES || am.n > MODEL_AM_ALERTS || am.rules_in_error > am.rules_total)
			abort();
	} else {
		bool ok = matrix_metrics_text((const char *)data + 1, size - 1, &samples, why, sizeof why);
		fuzz_check_err(why, sizeof why);
		if (ok && samples < 0)
			abort();
	}
	return 0;
}
