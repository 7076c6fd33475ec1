#!/usr/bin/env bash
# tests/lib/go127.sh - make Go 1.27 available to the test suite without
# installing anything into the system.
#
# Usage (from the repository root):  tests/lib/go127.sh
#
# Downloads the Debian unstable packages golang-1.27-go and golang-1.27-src
# with `apt-get download` through a private apt configuration kept under
# tests/.apt/ (own sources.list, lists and cache; the system's dpkg status is
# only read), unpacks them with `dpkg -x` into tests/.go1.27/ and prints the
# path of the go binary:
#
#     tests/.go1.27/usr/lib/go-1.27/bin/go
#
# The mirror is the one the machine already uses for its Debian main suite
# (deb822 /etc/apt/sources.list.d/debian.sources, else /etc/apt/sources.list),
# with the suite switched to unstable.
#
# Idempotent: when the toolchain is already unpacked and reports go1.27 the
# script only prints the path. The private package lists are refreshed when
# they are missing or older than one day.
#
# On failure one line goes to stderr and the exit status is 1.

set -uo pipefail

die() { echo "go127.sh: $*" >&2; exit 1; }

root=$(git rev-parse --show-toplevel 2>/dev/null) || root=$(cd "$(dirname "$0")/../.." && pwd)
[ -d "$root/tests" ] || die "cannot locate the repository root"

dest_rel=tests/.go1.27
dest=$root/$dest_rel
gobin_rel=$dest_rel/usr/lib/go-1.27/bin/go
gobin=$root/$gobin_rel
packages=(golang-1.27-go golang-1.27-src)

check_go() {
    local v
    v=$(GOTOOLCHAIN=local GOFLAGS='' "$gobin" version 2>/dev/null) || return 1
    case $v in
        "go version go1.27"*) return 0 ;;
        *) return 1 ;;
    esac
}

# Fast path: already unpacked and working.
if [ -x "$gobin" ] && check_go; then
    echo "$gobin_rel"
    exit 0
fi

command -v apt-get >/dev/null || die "apt-get not found"
command -v dpkg >/dev/null || die "dpkg not found"

# --- find the machine's Debian mirror --------------------------------------
find_mirror() {
    local f=/etc/apt/sources.list.d/debian.sources
    local uri
    if [ -r "$f" ]; then
        # deb822: paragraphs separated by blank lines. Pick the URIs of the
        # paragraph whose Suites holds a main suite (no '-' in the name).
        uri=$(awk '
            BEGIN { RS = ""; FS = "\n" }
            {
                uris = ""; main = 0; enabled = 1
                for (i = 1; i <= NF; i++) {
                    line = $i
                    if (line ~ /^[ \t]*#/) continue
                    if (tolower(line) ~ /^uris:/) { sub(/^[^:]*:[ \t]*/, "", line); uris = line }
                    else if (tolower(line) ~ /^suites:/) {
                        sub(/^[^:]*:[ \t]*/, "", line)
                        n = split(line, s, /[ \t]+/)
                        for (j = 1; j <= n; j++) if (s[j] != "" && s[j] !~ /-/) main = 1
                    }
                    else if (tolower(line) ~ /^enabled:/) { if (tolower(line) ~ /no/) enabled = 0 }
                }
                if (main && enabled && uris != "") {
                    n = split(uris, u, /[ \t]+/)
                    for (j = 1; j <= n; j++) if (u[j] != "" && u[j] !~ /-security/) { print u[j]; exit }
                }
            }' "$f")
        [ -n "$uri" ] && { echo "$uri"; return 0; }
    fi
    f=/etc/apt/sources.list
    if [ -r "$f" ]; then
        # deb [options] URI suite components...
        uri=$(awk '
            $1 == "deb" {
                i = 2
                if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                u = $i; s = $(i + 1)
                if (u ~ /-security/ || s ~ /-/) next
                print u; exit
            }' "$f")
        [ -n "$uri" ] && { echo "$uri"; return 0; }
    fi
    return 1
}

mirror=$(find_mirror) || die "no Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
mirror=${mirror%/}

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || die "missing $keyring (package debian-archive-keyring)"

# --- private apt configuration ----------------------------------------------
aptdir=$root/tests/.apt
mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" \
         "$aptdir/sources.list.d" "$aptdir/download" || die "cannot create $aptdir"

echo "deb [signed-by=$keyring] $mirror unstable main" > "$aptdir/sources.list.new" || die "cannot write $aptdir/sources.list"
# A changed mirror invalidates the cached lists.
if ! cmp -s "$aptdir/sources.list.new" "$aptdir/sources.list"; then
    mv "$aptdir/sources.list.new" "$aptdir/sources.list"
    rm -f "$aptdir/lists/"*_* "$aptdir/.updated"
else
    rm -f "$aptdir/sources.list.new"
fi

cat > "$aptdir/apt.conf" <<EOF || die "cannot write $aptdir/apt.conf"
Dir::Etc::SourceList "$aptdir/sources.list";
Dir::Etc::SourceParts "$aptdir/sources.list.d";
Dir::Etc::Preferences "/dev/null";
Dir::Etc::PreferencesParts "$aptdir/sources.list.d";
Dir::State::Lists "$aptdir/lists";
Dir::Cache "$aptdir/cache";
Dir::Cache::archives "$aptdir/cache/archives";
Dir::Cache::pkgcache "$aptdir/cache/pkgcache.bin";
Dir::Cache::srcpkgcache "$aptdir/cache/srcpkgcache.bin";
Dir::State::status "/var/lib/dpkg/status";
APT::Sandbox::User "root";
Acquire::Languages "none";
APT::Get::List-Cleanup "true";
EOF
export APT_CONFIG=$aptdir/apt.conf

# Refresh the lists when missing or older than a day.
need_update=1
if [ -f "$aptdir/.updated" ] && compgen -G "$aptdir/lists/*_Packages*" >/dev/null; then
    if [ -z "$(find "$aptdir/.updated" -mmin +1440 2>/dev/null)" ]; then
        need_update=0
    fi
fi
if [ "$need_update" = 1 ]; then
    log=$aptdir/update.log
    if ! apt-get -q -o APT::Sandbox::User=root update >"$log" 2>&1; then
        die "apt-get update for unstable failed (see $log)"
    fi
    if grep -qE '^(W|E):' "$log" && ! compgen -G "$aptdir/lists/*_Packages*" >/dev/null; then
        die "apt-get update for unstable fetched no package lists (see $log)"
    fi
    touch "$aptdir/.updated"
fi

# --- download ------------------------------------------------------------------
dl=$aptdir/download
rm -f "$dl"/*.deb
log=$aptdir/download.log
if ! (cd "$dl" && apt-get -q -o APT::Sandbox::User=root download "${packages[@]}") >"$log" 2>&1; then
    # The lists may have been current but the packages moved on: retry once
    # after a forced update.
    apt-get -q -o APT::Sandbox::User=root update >"$aptdir/update.log" 2>&1 \
        || die "apt-get update for unstable failed (see $aptdir/update.log)"
    touch "$aptdir/.updated"
    (cd "$dl" && apt-get -q -o APT::Sandbox::User=root download "${packages[@]}") >"$log" 2>&1 \
        || die "apt-get download ${packages[*]} failed (see $log)"
fi

for p in "${packages[@]}"; do
    compgen -G "$dl/${p}_*.deb" >/dev/null || die "apt-get download did not produce $p"
done

# --- unpack ----------------------------------------------------------------------
tmp=$root/tests/.go1.27.tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp" || die "cannot create $tmp"
for deb in "$dl"/*.deb; do
    dpkg -x "$deb" "$tmp" || { rm -rf "$tmp"; die "dpkg -x $deb failed"; }
done
rm -rf "$dest"
mv "$tmp" "$dest" || die "cannot move unpacked tree to $dest"

[ -x "$gobin" ] || die "unpacked packages contain no $gobin_rel"
check_go || die "$gobin_rel does not report go1.27: $(GOTOOLCHAIN=local "$gobin" version 2>&1 | head -n1)"

echo "$gobin_rel"
