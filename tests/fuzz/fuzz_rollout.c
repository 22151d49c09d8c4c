/* Argo Rollouts: the first byte picks the parser of the rest (0 a Rollout,
 * then its slots, steps, pause and words; 1 an AnalysisRunList into it; 2
 * one AnalysisRun; 3 a ReplicaSetList into a Rollout's slots; 4 the undo
 * patch from a Rollout and a ReplicaSetList split at the first NUL). A body
 * that is not JSON is read as YAML first, as the real-world fixtures are. */
#include "fuzz.h"
#include "warroom/config.h"
#include "warroom/kube.h"
#include "warroom/kubeconfig.h"
#include "warroom/rollout.h"
#include "warroom/slots.h"

#include <cJSON.h>

#include <stdio.h>

static char *as_json(const char *s, size_t n, size_t *len)
{
	char err[200];
	if (n && (s[0] == '{' || s[0] == '['))
		return NULL;
	cJSON *tree = kubeconfig_yaml_to_json(s, n, err, sizeof err);
	fuzz_check_err(err, sizeof err);
	char *out = tree ? cJSON_PrintUnformatted(tree) : NULL;
	cJSON_Delete(tree);
	*len = out ? strlen(out) : 0;
	return out;
}

static void words(const struct slots_state *st)
{
	char line[400];
	const struct rollout_state *ro = &st->rollout;
	rollout_summary_line(ro, 0, line, sizeof line);
	rollout_steps_line(ro, line, sizeof line);
	rollout_failure_words(ro, line, sizeof line);
	for (int i = 0; i < ro->nruns; i++) {
		rollout_run_line(&ro->runs[i], line, sizeof line);
		for (int k = 0; k < ro->runs[i].nmetrics; k++)
			rollout_metric_line(&ro->runs[i].metric[k], line, sizeof line);
	}
	for (int i = -1; i <= ro->nsteps; i++)
		rollout_step_words(ro, i, line, sizeof line);
	(void)rollout_pause_left_s(ro, 0);
	char *j = slots_to_json(st, 0);
	free(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct slots_state st;
	static struct config cfg;
	static struct rollout_analysis a;
	char err[256];
	if (size < 1)
		return 0;
	if (!cfg.kube.rollout[0]) {
		config_defaults(&cfg);
		snprintf(cfg.kube.rollout, sizeof cfg.kube.rollout, "canary-demo");
	}
	const char *body = (const char *)data + 1;
	size_t n = size - 1, yl = 0;
	char *y = as_json(body, n, &yl);
	if (y)
		body = y, n = yl;
	slots_init(&st, &cfg);
	switch (data[0] % 5) {
	case 0:
		if (rollout_parse(&st.rollout, body, n, err, sizeof err) == 0) {
			slots_rollout_setup(&st);
			slots_derive(&st);
			slots_rollout_derive(&st);
			words(&st);
		}
		break;
	case 1:
		if (rollout_parse_analysisruns(&st.rollout, body, n, err, sizeof err) == 0) {
			if (st.rollout.nruns > ROLLOUT_MAX_RUNS)
				abort();
			words(&st);
		}
		break;
	case 2:
		if (rollout_parse_analysisrun(&a, body, n, err, sizeof err) == 0 &&
		    (a.nmetrics > ROLLOUT_MAX_METRICS || a.metric[0].nm > ROLLOUT_MAX_MEASUREMENTS))
			abort();
		break;
	case 3:
		st.rollout.found = true;
		slots_rollout_setup(&st);
		snprintf(st.slot[0].name, sizeof st.slot[0].name, "aaa111");
		if (slots_parse_replicasets(&st, body, n, err, sizeof err) == 0)
			slots_derive(&st);
		break;
	default: {
		const char *nul = memchr(body, '\0', n);
		size_t first = nul ? (size_t)(nul - body) : n / 2;
		char *patch = NULL;
		long rev = 0;
		if (kube_argo_undo_patch(body, first, body + first + (nul ? 1 : 0), n - first - (nul ? 1 : 0), &patch,
		                         &rev, err, sizeof err) == 0 && !patch)
			abort();
		free(patch);
	}
	}
	fuzz_check_err(err, sizeof err);
	free(y);
	return 0;
}
