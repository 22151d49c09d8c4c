/* Kubernetes objects: Service, Deployment, PodList, EndpointSliceList, each
 * then folded into the slot state as a refresh would. The first byte picks
 * the parser; the state carries over inputs as it does over refreshes. */
#include "fuzz.h"
#include "warroom/config.h"
#include "warroom/slots.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	static struct slots_state st;
	static int ready;
	if (!ready) {
		config_defaults(&cfg);
		ready = 1;
	}
	slots_init(&st, &cfg);
	unsigned sel = size ? data[0] : 0;
	const char *json = size ? (const char *)data + 1 : "";
	size_t len = size ? size - 1 : 0;
	char err[256];
	switch (sel % 5) {
	case 0: slots_parse_service(&st, json, len, err, sizeof err); break;
	case 1: slots_parse_deployment(&st.slot[0], json, len, err, sizeof err); break;
	case 2: slots_parse_pods(&st, json, len, err, sizeof err); break;
	case 3: slots_parse_endpointslices(&st, json, len, err, sizeof err); break;
	default:
		/* The same text through every parser, endpoints after pods as documented. */
		slots_parse_service(&st, json, len, err, sizeof err);
		slots_parse_deployment(&st.slot[1], json, len, err, sizeof err);
		slots_parse_pods(&st, json, len, err, sizeof err);
		slots_parse_endpointslices(&st, json, len, err, sizeof err);
		break;
	}
	fuzz_check_err(err, sizeof err);
	return 0;
}
