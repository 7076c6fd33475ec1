# shellcheck shell=bash
# tests/lib/alerting.sh - Debian's prometheus and prometheus-alertmanager on 127.0.0.1, paging a
# webhook: for the test and the bench of `leakscope respond`. Source it after tests/lib/fixture.sh;
# everything lives in $WORK.
#
# alerting_start FIXTURE_PORT PROM_PORT WEBHOOK_URL TOKEN_FILE
#     Prometheus on PROM_PORT scrapes the fixture every second and evaluates the GoroutineLeak
#     rule `deriv(go_goroutines[30s]) > 1 for 10s` every second (resend delay 2 s); Alertmanager
#     (gossip off: --cluster.listen-address= empty) groups by alertname and instance with
#     group_wait 1s, group_interval 2s, repeat_interval 4s, and posts to WEBHOOK_URL with
#     send_resolved and http_config.authorization.credentials_file TOKEN_FILE. Waits until both
#     are ready; sets ALERTING_PROM_PID and ALERTING_AM_PID. Returns 1 (with the log's tail) when
#     either does not start.
#
# alerting_stop
#     Kills both (by PID) and waits; safe to call twice, meant for the EXIT trap.

ALERTING_PROM_PID=
ALERTING_AM_PID=

alerting_ready() { # URL PID LOG
	local i
	for i in $(seq 1 100); do
		curl -sf -o /dev/null "$1" && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.2
	done
	tail -5 "$3" >&2
	return 1
}

alerting_config() { # FIXTURE_PORT AM_PORT WEBHOOK_URL TOKEN_FILE
	cat >"$WORK/rules.yml" <<RULES
groups:
  - name: leaks
    interval: 1s
    rules:
      - alert: GoroutineLeak
        expr: deriv(go_goroutines[30s]) > 1
        for: 10s
        annotations:
          summary: goroutines rising on {{ \$labels.instance }}
RULES
	cat >"$WORK/prometheus.yml" <<PROMCONF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: ['$WORK/rules.yml']
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:$2']
scrape_configs:
  - job_name: leaky
    static_configs:
      - targets: ['127.0.0.1:$1']
PROMCONF
	cat >"$WORK/alertmanager.yml" <<AMCONF
route:
  receiver: leakscope
  group_by: ['alertname', 'instance']
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 4s
receivers:
  - name: leakscope
    webhook_configs:
      - url: $3
        send_resolved: true
        http_config:
          authorization:
            credentials_file: $4
AMCONF
}

alerting_start() {
	local fport=$1 pport=$2 aport
	[ -n "${WORK:-}" ] || { echo "alerting_start: WORK is not set" >&2; return 1; }
	aport=$(fixture_free_port)
	while [ "$aport" = "$pport" ]; do aport=$(fixture_free_port); done
	alerting_config "$fport" "$aport" "$3" "$4"
	prometheus-alertmanager --config.file="$WORK/alertmanager.yml" --storage.path="$WORK/am" \
		--web.listen-address="127.0.0.1:$aport" --cluster.listen-address= --log.level=warn >"$WORK/am.log" 2>&1 &
	ALERTING_AM_PID=$!
	alerting_ready "http://127.0.0.1:$aport/-/ready" "$ALERTING_AM_PID" "$WORK/am.log" || return 1
	prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" --rules.alert.resend-delay=2s \
		--web.listen-address="127.0.0.1:$pport" --log.level=warn >"$WORK/prometheus.log" 2>&1 &
	ALERTING_PROM_PID=$!
	alerting_ready "http://127.0.0.1:$pport/-/ready" "$ALERTING_PROM_PID" "$WORK/prometheus.log"
}

alerting_stop() {
	local p
	for p in $ALERTING_PROM_PID $ALERTING_AM_PID; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ALERTING_PROM_PID=
	ALERTING_AM_PID=
}
