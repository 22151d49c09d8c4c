/* Argo CD: an Application with its history, the rollback target chosen from
 * it, and the words for an error answer. */
#include "fuzz.h"
#include "warroom/argocd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct argocd_app app;
	char err[256];
	memset(&app, 0, sizeof app);
	if (argocd_parse_app((const char *)data, size, &app, err, sizeof err) == 0) {
		if (app.nhistory > ARGOCD_MAX_HISTORY)
			abort();
		(void)argocd_previous(&app);
		if (app.automated_json) {
			char *b = argocd_autosync_body(app.automated_json);
			free(b);
		}
	} else {
		fuzz_check_err(err, sizeof err);
	}
	argocd_app_free(&app);
	char words[200];
	long status = size ? 400 + data[0] % 200 : 500;
	argocd_error_words(status, (const char *)data, size, words, sizeof words);
	fuzz_check_err(words, sizeof words);
	return 0;
}
