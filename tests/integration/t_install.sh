#!/usr/bin/env bash
# `make install PREFIX=DIR` and `make uninstall`: the manual page renders with man -l and holds
# every command of `leakscope --help` with every option of that command's --help; bash completion
# (sourced, COMP_WORDS/COMP_CWORD set) completes commands, verbs, options and pod/NAME from the
# names `leakscope pods` listed through the API-server stand-in; zsh completion does the same
# through stubbed completion builtins; the installed binary finds the bundled playbooks with no
# LEAKSCOPE_PLAYBOOKS and a private HOME; uninstall leaves no file behind.
set -u
. "$ROOT/tests/lib/fixture.sh"
. "$ROOT/tests/lib/nginx.sh"
. "$ROOT/tests/lib/apistub.sh"
. "$ROOT/tests/lib/expect.sh"
trap apistub_stop EXIT
fails=0
x=$WORK/x
mkdir -p "$WORK/home"
export HOME=$WORK/home XDG_CACHE_HOME=$WORK/home/cache XDG_STATE_HOME=$WORK/home/state XDG_CONFIG_HOME=$WORK/home/config
unset LEAKSCOPE_PLAYBOOKS KUBECONFIG

expect_rc 0 "make install PREFIX=$x" make -C "$ROOT" --no-print-directory install PREFIX="$x" || exit 1
bin=$x/bin/leakscope
for f in bin/leakscope share/man/man1/leakscope.1 share/bash-completion/completions/leakscope \
	share/zsh/site-functions/_leakscope share/leakscope/playbooks/goroutine-leak.json; do
	[ -f "$x/$f" ] || fail "make install wrote no $f"
done
[ -e "$x/share/leakscope/playbooks/patterns.json" ] && fail "the pattern catalogue is installed as a playbook"

# ---- the manual page ----
# troff may only say that a word longer than the line (a path, a JSON example) could not be broken
MANWIDTH=80 MANPAGER=cat man -l "$x/share/man/man1/leakscope.1" >"$WORK/man.txt" 2>"$WORK/man.err"
rc=$?
grep -v "warning .*: can't break line" "$WORK/man.err" >"$WORK/man.other"
[ $rc -eq 0 ] && [ ! -s "$WORK/man.other" ] || fail "man -l failed (exit $rc): $(head -3 "$WORK/man.other")"
"$bin" --help >"$WORK/help.txt"
for c in $("$bin" --help | awk '/^commands:$/ { on = 1; next } on && /^$/ { exit } on { print $1 }'); do
	"$bin" "$c" --help >"$WORK/help-$c.txt" 2>&1 || fail "leakscope $c --help exits non-zero"
done
python3 - "$WORK" <<'PY' || fails=$((fails + 1))
import glob, os, re, sys
w = sys.argv[1]
page = open(os.path.join(w, "man.txt")).read()
assert "NAME" in page and "SYNOPSIS" in page and "COMMANDS" in page, "no NAME/SYNOPSIS/COMMANDS"
helps = {os.path.basename(p)[5:-4]: open(p).read() for p in glob.glob(os.path.join(w, "help-*.txt"))}
# the commands every release has had: the list is read from --help, and must hold at least these
for c in ("top", "diff", "snapshot", "pods", "slope", "watch", "budget", "classify", "known", "playbook", "report"):
    assert c in helps, "leakscope --help does not list " + c
heads = [m for m in re.finditer(r"^   (\S+)$", page, re.M)]
sections = {}
for i, m in enumerate(heads):
    end = heads[i + 1].start() if i + 1 < len(heads) else len(page)
    sections[m.group(1)] = page[m.start():end]
flat = lambda s: re.sub(r"\s+", " ", s)
for c, h in helps.items():
    assert c in sections, "the page has no section for " + c
    sec = flat(sections[c])
    for opt in sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", h))):
        assert opt in sec, "%s: %s of --help is not in its section of the page" % (c, opt)
    usage = re.search(r"^usage: (.*)$", h, re.M).group(1)
    assert flat(usage) in flat(page), "%s: its usage line is not in the page" % c
    # the first sentence of the description, as --help words it
    first = flat(h.split("\n\n")[1])[:60]
    assert first in sec, "%s: the page lacks %r" % (c, first)
print("ok: the page has %d command sections, each with every option and the usage of its --help" % len(helps))
PY

# ---- pod names for completion: what `leakscope pods` listed ----
TOKEN="ls-install-token-$RANDOM$RANDOM"
apistub_init "$TOKEN" || exit 1
apistub_pod web-7c9f-a1 1.27 -paused -initial 2 || exit 1
apistub_pod web-7c9f-b2 1.27 -paused -initial 2 || exit 1
apistub_conf shop || exit 1
apistub_serve || exit 1
apistub_kubeconfig "$WORK/kube/config" stand-in shop
expect_rc 0 "leakscope pods through the stand-in" "$bin" pods --kubeconfig "$WORK/kube/config" --port 6060
[ "$(cat "$XDG_CACHE_HOME/leakscope/pods" 2>/dev/null)" = "web-7c9f-a1
web-7c9f-b2" ] || fail "pods left no name cache: $(cat "$XDG_CACHE_HOME/leakscope/pods" 2>&1)"
[ "$(stat -c %a "$XDG_CACHE_HOME/leakscope/pods" 2>/dev/null)" = 600 ] || fail "the pod cache is not 0600"
mkdir -p "$XDG_STATE_HOME/leakscope/snapshots/prod/shop/api-5d8-x9" "$XDG_STATE_HOME/leakscope/snapshots/url/-/127.0.0.1:6060"

# ---- bash completion ----
complete_bash() { # WORDS... (the last one is being completed): prints COMPREPLY, one a line
	PATH=$x/bin:$PATH bash --norc --noprofile -c '
		source "$1/share/bash-completion/completions/leakscope"
		shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_leakscope
		printf "%s\n" "${COMPREPLY[@]}"' _ "$x" "$@" | sort
}
want_cmds=$(awk '/^commands:$/ { on = 1; next } on && /^$/ { exit } on { print $1 }' "$WORK/help.txt" | sort)
[ "$(complete_bash leakscope '')" = "$want_cmds" ] || fail "bash: leakscope <TAB> gave: $(complete_bash leakscope '' | tr '\n' ' ')"
[ "$(complete_bash leakscope sn)" = snapshot ] || fail "bash: leakscope sn<TAB> gave: $(complete_bash leakscope sn)"
[ "$(complete_bash leakscope pl)" = playbook ] || fail "bash: leakscope pl<TAB> gave: $(complete_bash leakscope pl)"
[ "$(complete_bash leakscope playbook r)" = run ] || fail "bash: playbook r<TAB> gave: $(complete_bash leakscope playbook r)"
complete_bash leakscope known '' | grep -qx lookup || fail "bash: known <TAB> lacks lookup"
[ "$(complete_bash leakscope diff --fail-on)" = --fail-on-growth ] || fail "bash: diff --fail-on<TAB> gave: $(complete_bash leakscope diff --fail-on)"
complete_bash leakscope top --kube | grep -qx -- --kubeconfig || fail "bash: top --kube<TAB> lacks --kubeconfig"
[ "$(complete_bash leakscope top pod/)" = "pod/api-5d8-x9
pod/web-7c9f-a1
pod/web-7c9f-b2" ] || fail "bash: top pod/<TAB> gave: $(complete_bash leakscope top pod/ | tr '\n' ' ')"
[ "$(complete_bash leakscope top pod/web-7c9f-b)" = pod/web-7c9f-b2 ] || fail "bash: pod/web-7c9f-b<TAB>"
[ "$(complete_bash leakscope playbook run gor)" = goroutine-leak ] || fail "bash: playbook run gor<TAB> gave: $(complete_bash leakscope playbook run gor)"
[ $fails -eq 0 ] && echo "ok: bash completes commands, verbs, options, playbook and pod names"

# ---- zsh completion (stubbed compadd/_describe/_files record what would be offered) ----
if command -v zsh >/dev/null; then
	complete_zsh() { # WORDS...
		PATH=$x/bin:$PATH zsh -f -c '
			got=()
			compadd() { [[ $1 == -a ]] && got+=(${(P)2}) || got+=("$@") }
			_describe() { got+=(${(P)4}) }
			_files() { got+=(FILES) }
			_directories() { got+=(DIRS) }
			f=$1; shift; words=("$@"); CURRENT=$#words
			source $f
			print -rl -- $got' _ "$x/share/zsh/site-functions/_leakscope" "$@" | sort
	}
	complete_zsh leakscope '' | grep -q '^playbook:incident playbooks' || fail "zsh: commands lack playbook with its summary"
	[ "$(complete_zsh leakscope '' | wc -l)" = "$(echo "$want_cmds" | wc -l)" ] || fail "zsh: not one entry per command"
	complete_zsh leakscope known '' | grep -qx lookup || fail "zsh: known <TAB> lacks lookup"
	complete_zsh leakscope top -- | grep -qx -- --token-file || fail "zsh: top options lack --token-file"
	complete_zsh leakscope top pod/ | grep -qx pod/web-7c9f-a1 || fail "zsh: pod names lack pod/web-7c9f-a1"
	complete_zsh leakscope playbook show '' | grep -qx slope-alert || fail "zsh: playbook show <TAB> lacks slope-alert"
	[ $fails -eq 0 ] && echo "ok: zsh completes commands, verbs, options, playbook and pod names"
else
	fail "zsh is not installed (make deps)"
fi

# ---- the bundled playbooks, found beside the installed binary ----
expect_rc 0 "installed playbook list" "$bin" playbook list
grep -q '^goroutine-leak ' "$WORK/out" || fail "the installed binary does not list goroutine-leak: $(cat "$WORK/out")"
expect_rc 0 "installed playbook show" "$bin" playbook show goroutine-leak
grep -q "$x/share/leakscope/playbooks/goroutine-leak.json" "$WORK/out" "$WORK/err" ||
	fail "playbook show does not name the installed file: $(head -3 "$WORK/out")"

# ---- uninstall ----
expect_rc 0 "make uninstall PREFIX=$x" make -C "$ROOT" --no-print-directory uninstall PREFIX="$x"
left=$(find "$x" -type f)
[ -z "$left" ] || fail "make uninstall left: $left"
[ -e "$x/share/leakscope" ] && fail "make uninstall left share/leakscope"
[ $fails -eq 0 ]
