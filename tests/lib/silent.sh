# silent.sh: a server on 127.0.0.1 that accepts connections and never answers (for timeouts and
# cancellation), for two minutes at most.
#   silent_start   start it on a free port: SILENT_PORT, SILENT_PID; returns once it accepts
#   silent_stop    stop it
SILENT_PID=
silent_start() {
	SILENT_PORT=$(fixture_free_port)
	python3 - "$SILENT_PORT" <<'PY' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
s.settimeout(1)
held, end = [], time.time() + 120
while time.time() < end:
    try:
        held.append(s.accept()[0])
    except socket.timeout:
        pass
PY
	SILENT_PID=$!
	for _ in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$SILENT_PORT") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "the silent server on port $SILENT_PORT did not start"
	return 1
}
silent_stop() {
	[ -z "$SILENT_PID" ] || kill "$SILENT_PID" 2>/dev/null || true
	SILENT_PID=
}
