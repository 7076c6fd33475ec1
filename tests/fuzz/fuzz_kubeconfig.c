/* fuzz_kubeconfig.c: libFuzzer target for the kubeconfig reader (fetch/kube.c, fetch/kube_yaml.c):
 * the YAML file as libyaml reads it when kubectl is not installed, and kubectl's JSON view. The
 * first byte chooses: bit 0 JSON or YAML, bit 1 the current context or a --context, bit 2 the YAML
 * cut at NUL bytes into up to three files merged as $KUBECONFIG is (fetch/kube_merge.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fetch/kube.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Up to three files, cut at NUL bytes, each with its own directory. */
static int merged(const char *text, size_t n, const char *context, struct kube_config *kc, struct err *e)
{
	static const char *const dirs[] = {"/kube/a", "/kube/b", "/kube/c"};
	struct kube_file files[3];
	size_t k = 0;

	while (k < 3) {
		const char *nul = memchr(text, '\0', n);
		size_t len = nul && k < 2 ? (size_t)(nul - text) : n;

		files[k] = (struct kube_file){.name = dirs[k], .text = text, .len = len, .dir = dirs[k]};
		k++;
		if (len == n)
			break;
		text += len + 1;
		n -= len + 1;
	}
	return kube_config_merge_yaml(files, k, context, kc, e);
}

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
	if (data[0] & 4)
		rc = merged(text, n, context, &kc, &e);
	else if (data[0] & 1)
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
