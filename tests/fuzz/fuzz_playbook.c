/* fuzz_playbook.c: libFuzzer target for playbook files (playbooks/playbook.c): parse and validate,
 * then walk what validation promised (every step reference resolves, the first step leads on). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "playbooks/playbook.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_step(const struct pb_playbook *pb, int i)
{
	const struct pb_step *s = &pb->steps[i];
	int k, next;

	FUZZ_CHECK(s->id != NULL && pb_step_index(pb, s->id) == i);
	FUZZ_CHECK(pb_action_name(s->action) != NULL);
	next = pb_step_next(pb, i);
	FUZZ_CHECK(next >= -1 && next < pb->nsteps);
	FUZZ_CHECK(s->noptions >= 0 && (s->noptions == 0 || s->options != NULL));
	for (k = 0; k < s->noptions; k++) {
		const struct pb_option *o = &s->options[k];

		FUZZ_CHECK(o->key != NULL);
		FUZZ_CHECK(pb_step_option(s, o->key) != NULL);
		next = pb_option_next(pb, o);
		FUZZ_CHECK(next >= -1 && next < pb->nsteps);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_playbook *pb;
	struct err e;
	int i;

	if (size > 65536)
		return 0;
	memset(&e, 0, sizeof(e));
	pb = pb_playbook_parse((const char *)data, size, "fuzz.json", &e);
	if (!pb) {
		fuzz_check_err(&e);
		return 0;
	}
	FUZZ_CHECK(pb->id != NULL && pb->nsteps > 0 && pb->steps != NULL);
	for (i = 0; i < pb->nsteps; i++)
		check_step(pb, i);
	pb_playbook_free(pb);
	return 0;
}
