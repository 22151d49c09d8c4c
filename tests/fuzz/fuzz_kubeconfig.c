/* A kubeconfig from memory: YAML to JSON, context, cluster and user
 * resolution, and the base64 of certificate-authority-data, client
 * certificates and keys (the one place base64 is decoded). */
#include "fuzz.h"
#include "warroom/kubeconfig.h"
#include <cjson/cJSON.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kubeconfig kc;
	char err[512];
	/* A context named by the input's first line, or the current-context. */
	char ctx[64] = "";
	if (size && data[0] == '@') {
		size_t n = 0;
		while (n + 1 < size && n < sizeof ctx - 1 && data[n + 1] != '\n')
			n++;
		memcpy(ctx, data + 1, n);
		ctx[n] = '\0';
	}
	int rc = kubeconfig_load_text(&kc, "fuzz.kubeconfig", "/nonexistent", (const char *)data, size, ctx,
	                              err, sizeof err);
	fuzz_check_err(err, sizeof err);
	if (rc == 0 && kc.ca_pem && kc.ca_pem[kc.ca_pem_len] != '\0')
		abort();
	kubeconfig_free(&kc);
	cJSON *j = kubeconfig_yaml_to_json((const char *)data, size, err, sizeof err);
	cJSON_Delete(j);
	return 0;
}
