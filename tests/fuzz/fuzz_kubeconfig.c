/* fuzz_kubeconfig.c: libFuzzer target for the kubeconfig reader (fetch/kube.c, fetch/kube_yaml.c):
 * the YAML file as libyaml reads it when kubectl is not installed, and kubectl's JSON view. The
 * first byte chooses: bit 0 JSON or YAML, bit 1 the current context or a --context. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fetch/kube.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kube_config kc;
	struct err e;
	const char *text, *context;
	size_t n;
	int rc;

	if (size < 1 || size > 65536)
		return 0;
	text = (const char *)data + 1;
	n = size - 1;
	context = (data[0] & 2) ? "dev" : NULL;
	memset(&e, 0, sizeof(e));
	if (data[0] & 1)
		rc = kube_config_from_json(text, n, context, "/kube", &kc, &e);
	else
		rc = kube_config_from_yaml(text, n, context, "/kube", &kc, &e);
	if (rc < 0) {
		fuzz_check_err(&e);
		return 0;
	}
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(kc.server != NULL && kc.context != NULL);
	FUZZ_CHECK(!context || strcmp(kc.context, context) == 0);
	/* trailing slashes are dropped */
	FUZZ_CHECK(!kc.server[0] || kc.server[strlen(kc.server) - 1] != '/');
	FUZZ_CHECK(!kc.ca_pem || kc.ca_pem_len <= n);
	FUZZ_CHECK(!kc.ca_file || kc.ca_file[0] == '/');
	FUZZ_CHECK(!kc.exec_command || kc.exec_args != NULL);
	kube_config_done(&kc);
	return 0;
}
