#!/usr/bin/env bash
# Installs what leakscope's build, tests and demo need from Debian's packages, then Go 1.27 into
# tests/.go1.27 (nothing of it into the system). Not root and something missing: prints the
# apt-get line to run and stops.
set -eu
cd "$(dirname "$0")/../.."

packages="build-essential pkg-config libncurses-dev libcurl4-openssl-dev libcjson-dev zlib1g-dev
libcmocka-dev libyaml-dev libsqlite3-dev libpq-dev postgresql golang-go panicparse prometheus nginx tmux curl openssl python3 clang
libclang-rt-14-dev clang-format time ca-certificates man-db groff-base zsh libmicrohttpd-dev
prometheus-alertmanager"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing Debian packages; run as root:" >&2
		echo "  apt-get install -y$missing" >&2
		exit 1
	fi
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# Debian enables and starts nginx and prometheus when it installs them; the tests run their own
# instances on free ports and need nothing of the system's.
tests/lib/go127.sh >/dev/null
