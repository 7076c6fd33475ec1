/* test_lib_err.c: error messages stay one line without control characters, whatever the input they
 * quote held: the reproducers the fuzz targets found in each parser of outside bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fetch/kube.h"
#include "fetch/prom.h"
#include "lib/err.h"
#include "playbooks/classify.h"
#include "playbooks/playbook.h"

static void assert_one_line(const struct err *e)
{
	const unsigned char *p;

	assert_true(e->msg[0] != '\0');
	for (p = (const unsigned char *)e->msg; *p; p++)
		assert_true(*p >= 0x20 && *p != 0x7f);
}

static void err_set_flattens(void **state)
{
	struct err e;

	(void)state;
	assert_int_equal(err_set(&e, "a %s b", "x\ny\r\tz\033[2J\x7f"), -1);
	assert_string_equal(e.msg, "a x y  z?[2J? b");
	assert_int_equal(err_set(NULL, "x"), -1);
}

static void prom_sample_value(void **state)
{
	static const char body[] = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":"
				   "[{\"metric\":{},\"values\":[[1,\"148\\n\\u001b]0;x\\u0007\"]]}]}}";
	struct prom_result r;
	struct err e;

	(void)state;
	assert_int_equal(prom_parse(body, strlen(body), &r, &e), -1);
	assert_non_null(strstr(e.msg, "bad sample value"));
	assert_one_line(&e);
	prom_result_done(&r);
}

static void kubeconfig_context(void **state)
{
	static const char json[] = "{\"current-context\":\"v1\\nkind: Confdev\",\"contexts\":[]}";
	static const char yaml[] = "current-context: \"a\\nb\\e[31m\"\ncontexts: []\n";
	struct kube_config kc;
	struct err e;

	(void)state;
	assert_int_equal(kube_config_from_json(json, strlen(json), NULL, "/k", &kc, &e), -1);
	assert_string_equal(e.msg, "kubeconfig: context \"v1 kind: Confdev\" does not exist");
	assert_int_equal(kube_config_from_yaml(yaml, strlen(yaml), NULL, "/k", &kc, &e), -1);
	assert_one_line(&e);
}

static void playbook_step_id(void **state)
{
	static const char text[] = "{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"id\":\"ages\\n  \",\"title\":\"s\"}]}";
	struct err e;

	(void)state;
	assert_null(pb_playbook_parse(text, strlen(text), "f.json", &e));
	assert_non_null(strstr(e.msg, "step 'ages   '"));
	assert_one_line(&e);
}

static void catalogue_field(void **state)
{
	static const char text[] = "{\"ntte[\\n   ars\":[]}";
	struct err e;

	(void)state;
	assert_null(pb_catalogue_parse(text, strlen(text), "f.json", &e));
	assert_string_equal(e.msg, "f.json: unknown field \"ntte[    ars\" in the catalogue");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(err_set_flattens),   cmocka_unit_test(prom_sample_value),
		cmocka_unit_test(kubeconfig_context), cmocka_unit_test(playbook_step_id),
		cmocka_unit_test(catalogue_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
