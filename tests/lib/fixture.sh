# shellcheck shell=bash
# tests/lib/fixture.sh - helpers for integration tests that run the leaky Go
# fixture (tests/fixtures/leaky). Source it from bash:
#
#     . tests/lib/fixture.sh
#
# fixture_go VERSION
#     Prints the go binary for VERSION: 1.19 -> /usr/bin/go,
#     1.27 -> tests/.go1.27/usr/lib/go-1.27/bin/go (fetched with
#     tests/lib/go127.sh when missing). Returns 1 for other versions.
#
# fixture_build VERSION
#     Builds the fixture with that Go (GOTOOLCHAIN=local, GOFLAGS empty,
#     GOCACHE and GOPATH under tests/.run/ so $HOME is untouched) into
#     tests/.run/leaky-VERSION and prints that path. Rebuilds only when
#     main.go or go.mod is newer than the binary.
#
# fixture_start VERSION PORT [ARGS...]
#     Builds if needed, starts the fixture on 127.0.0.1:PORT in the
#     background with the extra ARGS (e.g. -paused -initial 5), waits until
#     /expected answers (FIXTURE_READY_SECONDS, default 20, at most) and sets FIXTURE_PID, FIXTURE_PORT
#     and FIXTURE_LOG (its stderr). GODEBUG and GOTRACEBACK from the caller's
#     environment are passed through (e.g. GODEBUG=tracebacklabels=1).
#
# fixture_stop
#     Kills the fixture started by fixture_start (by FIXTURE_PID) and waits
#     for it. Safe to call twice; meant for `trap fixture_stop EXIT`.
#
# fixture_capture PORT DEBUG OUTFILE [PROFILE]
#     curl -sf /debug/pprof/PROFILE?debug=DEBUG into OUTFILE
#     (PROFILE defaults to goroutine; goroutineleak needs Go 1.26+).
#
# fixture_expected PORT [OUTFILE]
#     Fetches /expected (JSON) to OUTFILE or stdout.
#
# fixture_control PORT PATH
#     GETs a control endpoint, e.g. fixture_control "$port" 'control/leak?pattern=all&n=2'.
#
# fixture_free_port
#     Prints a free TCP port on 127.0.0.1.

FIXTURE_ROOT=${FIXTURE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FIXTURE_RUN=$FIXTURE_ROOT/tests/.run
FIXTURE_SRC=$FIXTURE_ROOT/tests/fixtures/leaky
FIXTURE_PID=
# shellcheck disable=SC2034 # read by the sourcing test
FIXTURE_PORT=
FIXTURE_LOG=

fixture_go() {
    case $1 in
        1.19)
            echo /usr/bin/go
            ;;
        1.27)
            local go=$FIXTURE_ROOT/tests/.go1.27/usr/lib/go-1.27/bin/go
            if [ ! -x "$go" ]; then
                (cd "$FIXTURE_ROOT" && tests/lib/go127.sh >/dev/null) || return 1
            fi
            echo "$go"
            ;;
        *)
            echo "fixture_go: unsupported Go version '$1' (1.19 or 1.27)" >&2
            return 1
            ;;
    esac
}

fixture_build() {
    local version=$1 go out
    go=$(fixture_go "$version") || return 1
    out=$FIXTURE_RUN/leaky-$version
    mkdir -p "$FIXTURE_RUN" || return 1
    if [ -x "$out" ] && [ ! "$FIXTURE_SRC/main.go" -nt "$out" ] && [ ! "$FIXTURE_SRC/go.mod" -nt "$out" ]; then
        echo "$out"
        return 0
    fi
    if ! (cd "$FIXTURE_SRC" &&
          GOTOOLCHAIN=local GOFLAGS='' GO111MODULE=on GOPROXY=off GOWORK=off \
          GOCACHE="$FIXTURE_RUN/gocache-$version" GOPATH="$FIXTURE_RUN/gopath" \
          "$go" build -o "$out.tmp.$$" .) >&2; then
        rm -f "$out.tmp.$$"
        echo "fixture_build: building the fixture with Go $version failed" >&2
        return 1
    fi
    mv -f "$out.tmp.$$" "$out" || return 1
    echo "$out"
}

fixture_start() {
    local version=$1 port=$2 bin
    shift 2
    bin=$(fixture_build "$version") || return 1
    # shellcheck disable=SC2034 # read by the sourcing test
    FIXTURE_PORT=$port
    FIXTURE_LOG=$FIXTURE_RUN/leaky-$version.$port.log
    "$bin" -addr "127.0.0.1:$port" "$@" 2>"$FIXTURE_LOG" &
    FIXTURE_PID=$!
    local deadline=$((SECONDS + ${FIXTURE_READY_SECONDS:-20}))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if curl -sf -o /dev/null --max-time 5 "http://127.0.0.1:$port/expected"; then
            return 0
        fi
        if ! kill -0 "$FIXTURE_PID" 2>/dev/null; then
            echo "fixture_start: fixture exited early: $(tail -n 3 "$FIXTURE_LOG" 2>/dev/null | tr '\n' ' ')" >&2
            wait "$FIXTURE_PID" 2>/dev/null
            FIXTURE_PID=
            return 1
        fi
        sleep 0.1
    done
    echo "fixture_start: fixture not ready on port $port after ${FIXTURE_READY_SECONDS:-20} s" >&2
    fixture_stop
    return 1
}

fixture_stop() {
    if [ -n "$FIXTURE_PID" ]; then
        kill "$FIXTURE_PID" 2>/dev/null
        wait "$FIXTURE_PID" 2>/dev/null
        FIXTURE_PID=
    fi
    return 0
}

fixture_capture() {
    local port=$1 debug=$2 out=$3 profile=${4:-goroutine}
    curl -sf --max-time 120 -o "$out" "http://127.0.0.1:$port/debug/pprof/$profile?debug=$debug"
}

fixture_expected() {
    local port=$1 out=${2:--}
    curl -sf --max-time 120 -o "$out" "http://127.0.0.1:$port/expected"
}

fixture_control() {
    local port=$1 path=$2
    curl -sf --max-time 120 "http://127.0.0.1:$port/$path"
}

fixture_free_port() {
    python3 - <<'EOF' 2>/dev/null && return 0
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
    # Fallback without python: probe random high ports with bash's /dev/tcp.
    local p _
    for _ in $(seq 1 100); do
        p=$(( (RANDOM % 20000) + 30000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}
