/* sizes — the console's big fixed structs, for the memory row of the
 * benchmarks (what a cut would save). Prints "name bytes" lines. */
#include <stdio.h>

#include "warroom/model.h"
#include "warroom/slots.h"
#include "warroom/timeline.h"

int main(void)
{
	printf("struct model %zu\n", sizeof(struct model));
	printf("model.recent (timeline events) %zu\n", sizeof(((struct model *)0)->recent));
	printf("struct timeline_event %zu\n", sizeof(struct timeline_event));
	printf("struct model_metrics %zu\n", sizeof(struct model_metrics));
	printf("struct model_alert %zu\n", sizeof(struct model_alert));
	printf("struct slots_state (x2 in the poller) %zu\n", sizeof(struct slots_state));
	printf("struct slots_pod %zu\n", sizeof(struct slots_pod));
	printf("struct slots_endpoint %zu\n", sizeof(struct slots_endpoint));
	printf("struct model_am (x2 for the alerts view) %zu\n", sizeof(struct model_am));
	printf("struct model_am_alert %zu\n", sizeof(struct model_am_alert));
	return 0;
}
