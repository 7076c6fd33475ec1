#compdef leakscope
# zsh completion for leakscope: commands (with their summaries), verbs and options as the
# program's own --help lists them, playbook names from `leakscope playbook list`, file names, and
# pod/NAME from the pods seen before: the names the last `leakscope pods` listed
# ($XDG_CACHE_HOME/leakscope/pods) and the pods of the snapshot store. Installed as
# PREFIX/share/zsh/site-functions/_leakscope (a directory in $fpath).

# NAME:SUMMARY for every command of --help's "commands:" paragraph.
_leakscope_commands() {
	"$1" --help 2>/dev/null | awk '/^commands:$/ { on = 1; next } on && /^$/ { exit }
		on && /^  [a-z]/ { n = $1; sub(/^  [^ ]+ +/, ""); gsub(/:/, "\\:"); print n ":" $0 }'
}

# The verbs of a command: the lowercase word after "leakscope CMD" in its usage lines.
_leakscope_verbs() {
	"$1" "$2" --help 2>/dev/null | awk -v c="$2" '/^usage: / { on = 1 } on && /^$/ { exit }
		on { sub(/^usage: +/, ""); sub(/^ +/, ""); if ($1 == "leakscope" && $2 == c && $3 ~ /^[a-z][a-z-]*$/) print $3 }' |
		sort -u
}

# Every --long and -s option the command's --help names.
_leakscope_options() {
	"$1" "$2" --help 2>/dev/null | grep -oE '(^|[][ ,|(])--?[a-zA-Z][a-zA-Z0-9-]*' | sed 's/^[][ ,|(]//' | sort -u
}

# Pod names seen before, as pod/NAME.
_leakscope_pods() {
	local cache=${XDG_CACHE_HOME:-$HOME/.cache}/leakscope/pods
	local store=${XDG_STATE_HOME:-$HOME/.local/state}/leakscope/snapshots d
	{
		[[ -r $cache ]] && cat -- "$cache"
		for d in "$store"/*/*/*(N/); do
			case ${d#$store/} in url/* | file/* | unix/* | pid/*) continue ;; esac
			print -r -- ${d:t}
		done
	} 2>/dev/null | grep -E '^[a-z0-9][a-z0-9.-]*$' | sort -u | sed 's|^|pod/|'
}

_leakscope() {
	local bin=${words[1]} cmd=${words[2]}
	local -a list
	(( $+commands[$bin] )) || [[ -x $bin ]] || bin=leakscope
	if (( CURRENT == 2 )); then
		list=(${(f)"$(_leakscope_commands $bin)"})
		_describe -t commands 'leakscope command' list
		return
	fi
	case ${words[CURRENT-1]} in
	--kubeconfig | --cacert | --token-file | -o | --output | --answers | --file | --patterns-file | --save)
		_files
		return
		;;
	--incident)
		_directories
		return
		;;
	esac
	if [[ ${words[CURRENT]} == -* ]]; then
		list=(${(f)"$(_leakscope_options $bin $cmd)"})
		compadd -a list
		return
	fi
	if (( CURRENT == 4 )) && [[ $cmd == playbook && ${words[3]} == (show|run) ]]; then
		list=(${(f)"$($bin playbook list 2>/dev/null | awk '{ print $1 }')"})
		compadd -a list
		return
	fi
	if (( CURRENT == 3 )); then
		list=(${(f)"$(_leakscope_verbs $bin $cmd)"})
		if (( $#list )); then
			compadd -a list
			return
		fi
	fi
	list=(${(f)"$(_leakscope_pods)"})
	(( $#list )) && compadd -a list
	[[ ${words[CURRENT]} == pod/* ]] || _files
}

_leakscope "$@"
