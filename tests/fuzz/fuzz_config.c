/* The console's config YAML from memory: every key's checks. A refused text
 * must leave the config as it was. */
#include "fuzz.h"
#include "warroom/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config base, cfg;
	static int ready;
	if (!ready) {
		config_defaults(&base);
		ready = 1;
	}
	memcpy(&cfg, &base, sizeof cfg);
	char err[512];
	int rc = config_load_text(&cfg, "fuzz.yaml", (const char *)data, size, err, sizeof err);
	fuzz_check_err(err, sizeof err);
	if (rc != 0 && memcmp(&cfg, &base, sizeof cfg) != 0)
		abort();
	return 0;
}
