/* alert.h: the alert an incident answers, in the report: internal to playbooks/ (it speaks cJSON).
 * The journal's "alert" events (pb_run_alert, pb_incident_alert) become report.json's "alert"
 * object and report.md's Alert section. */
#ifndef PLAYBOOKS_ALERT_H
#define PLAYBOOKS_ALERT_H

#include <cjson/cJSON.h>

/* report.json's "alert" from the journal's events (borrowed): the first firing alert with its
 * labels, every notification (status and time) and the seconds from startsAt to the first report;
 * NULL when the incident answers no alert. Caller cJSON_Deletes. */
cJSON *pb_alert_json(const cJSON *events);
/* report.md's "## Alert" section from the same (every text escaped, lib/md.h), or NULL. Caller
 * frees. */
char *pb_alert_md(const cJSON *events);

#endif
