# bash completion for leakscope: commands, their verbs and options as the program's own --help
# lists them (so a new command or option completes as soon as its --help names it), playbook
# names from `leakscope playbook list`, file names, and pod/NAME from the pods seen before: the names the last `leakscope pods` listed
# ($XDG_CACHE_HOME/leakscope/pods) and the pods of the snapshot store.
#
# Installed as PREFIX/share/bash-completion/completions/leakscope; or: source cli/completion.bash

# The words of `leakscope ARGS --help` that match the awk program, cached per ARGS for the shell.
declare -gA _leakscope_help_cache 2>/dev/null || true

_leakscope_help() {
	local bin=$1 key=$2
	if [[ -z ${_leakscope_help_cache[_$key]+set} ]]; then
		# shellcheck disable=SC2086
		_leakscope_help_cache[_$key]=$("$bin" $key --help 2>/dev/null)
	fi
	printf '%s\n' "${_leakscope_help_cache[_$key]}"
}

# Commands: the first words of the indented lines of --help's "commands:" paragraph.
_leakscope_commands() {
	_leakscope_help "$1" "" | awk '/^commands:$/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }'
}

# Verbs of a command: the lowercase word after "leakscope CMD" in its usage lines.
_leakscope_verbs() {
	_leakscope_help "$1" "$2" | awk -v c="$2" '/^usage: / { on = 1 } on && /^$/ { exit }
		on { sub(/^usage: +/, ""); sub(/^ +/, ""); if ($1 == "leakscope" && $2 == c && $3 ~ /^[a-z][a-z-]*$/) print $3 }' | sort -u
}

# Options of a command: every --long and -s option its --help names.
_leakscope_options() {
	_leakscope_help "$1" "$2" | grep -oE '(^|[][ ,|(])--?[a-zA-Z][a-zA-Z0-9-]*' | sed 's/^[][ ,|(]//' | sort -u
}

# Pod names seen before, as pod/NAME.
_leakscope_pods() {
	local cache=${XDG_CACHE_HOME:-$HOME/.cache}/leakscope/pods
	local store=${XDG_STATE_HOME:-$HOME/.local/state}/leakscope/snapshots d
	{
		[[ -r $cache ]] && cat -- "$cache"
		for d in "$store"/*/*/*/; do
			[[ -d $d ]] || continue
			case ${d#"$store"/} in url/* | file/* | unix/* | pid/*) continue ;; esac
			d=${d%/}
			printf '%s\n' "${d##*/}"
		done
	} 2>/dev/null | grep -E '^[a-z0-9][a-z0-9.-]*$' | sort -u | sed 's|^|pod/|'
}

_leakscope() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} bin=${COMP_WORDS[0]}
	local cmd=${COMP_WORDS[1]} IFS=$'\n'
	COMPREPLY=()
	command -v "$bin" >/dev/null 2>&1 || bin=leakscope
	if ((COMP_CWORD == 1)); then
		mapfile -t COMPREPLY < <(compgen -W "$(_leakscope_commands "$bin")" -- "$cur")
		return 0
	fi
	case $prev in
	--kubeconfig | --cacert | --token-file | -o | --output | --answers | --file | --patterns-file | --save)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
		;;
	--incident)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return 0
		;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_leakscope_options "$bin" "$cmd")" -- "$cur")
		return 0
	fi
	if ((COMP_CWORD == 3)) && [[ $cmd == playbook && ${COMP_WORDS[2]} =~ ^(show|run)$ ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$("$bin" playbook list 2>/dev/null | awk '{ print $1 }')" -- "$cur")
		return 0
	fi
	if ((COMP_CWORD == 2)); then
		mapfile -t COMPREPLY < <(compgen -W "$(_leakscope_verbs "$bin" "$cmd")" -- "$cur")
		((${#COMPREPLY[@]})) && return 0
	fi
	mapfile -t COMPREPLY < <(compgen -W "$(_leakscope_pods)" -- "$cur"; [[ $cur == pod/* ]] || compgen -f -- "$cur")
	return 0
}

complete -o filenames -F _leakscope leakscope
