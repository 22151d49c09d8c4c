/* What a kubeconfig exec plugin prints: an ExecCredential for v1 or v1beta1. */
#include "fuzz.h"
#include "warroom/kubeconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const versions[] = {
		"client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1",
	};
	struct kubeconfig_cred cred;
	char err[256];
	for (int v = 0; v < 2; v++) {
		memset(&cred, 0, sizeof cred);
		int rc = kubeconfig_parse_exec_credential((const char *)data, size, versions[v], &cred, err,
		                                          sizeof err);
		fuzz_check_err(err, sizeof err);
		/* A good parse hands back a token or a whole cert/key pair. */
		if (rc == 0 && !cred.token && !(cred.cert_pem && cred.key_pem))
			abort();
		kubeconfig_cred_free(&cred);
	}
	return 0;
}
