/* respond_notify.c: --notify: a Slack-compatible {"text": ...} summary after each report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/xmalloc.h"
#include "cli/respond.h"
#include "fetch/http.h"
#include "fetch/source.h"
#include "playbooks/run.h"

/* The summary's text: what paged, the root-cause stack and pattern, the known-leak match, the link. */
static char *summary_text(const struct rsp_job *j, const struct pb_run *r)
{
	char *facts = pb_run_render(r, "{{classify.top_frame}} ({{classify.pattern}}: {{classify.pattern_title}}); "
				       "{{diff.summary}}; known: {{known.summary}}");
	char *text = xasprintf("leakscope: %s on %s — %s\nreport: %s/incidents/%s", j->alertname, j->target, facts,
			       rsp_cfg()->external, j->id);

	free(facts);
	return text;
}

void rsp_notify(const struct rsp_job *j, void *run)
{
	const struct rsp_config *cfg = rsp_cfg();
	struct http_post post = {"application/json", NULL, 0};
	char *text, *body = NULL;
	size_t len = 0;
	struct json js;
	struct err e;
	FILE *f;

	if (!cfg->notify)
		return;
	text = summary_text(j, run);
	f = open_memstream(&body, &len);
	if (!f) {
		free(text);
		rsp_log("incident %s: no notification: out of memory", j->id);
		return;
	}
	json_init(&js, f);
	json_object(&js);
	json_key(&js, "text");
	json_str(&js, text);
	json_object_end(&js);
	fclose(f);
	post.data = body;
	post.len = len;
	if (source_post(cfg->notify, &post, cfg->opts, &e) < 0)
		rsp_log("incident %s: the notification failed: %s", j->id, e.msg);
	else
		rsp_log("incident %s: notified", j->id);
	free(body);
	free(text);
}
