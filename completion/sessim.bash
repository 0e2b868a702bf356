# bash completion for sessim(1)                          -*- shell-script -*-
#
# The commands and each command's options are read from the program being
# completed (`sessim --help`, `sessim COMMAND --help`), and variant,
# invariant and example names from `sessim list`, so the completion offers
# exactly what that build of sessim has. File arguments are filtered by
# kind: scenarios (*.scn), trails (*.trail), traces (*.jsonl), results
# (*.json). Needs nothing from the bash-completion package.

# The commands `sessim --help` lists, one a line.
_sessim_commands()
{
  "$1" --help 2>/dev/null | sed -n 's/^  \([a-z][a-z0-9-]*\) .*/\1/p'
}

# The options of one command, one a line, as --name or --name=METAVAR
# (short forms are left out: the long ones say what they mean).
_sessim_options()
{
  "$1" "$2" --help 2>/dev/null \
    | sed -n 's/^  *\(-[A-Za-z0-9], \)\{0,1\}\(--[a-z0-9-]*\(=[^ ]*\)\{0,1\}\) .*/\2/p'
}

# The first word of each line of `sessim list KIND`: variant, invariant or
# example names.
_sessim_names()
{
  "$1" list "$2" 2>/dev/null | sed -n 's/^\([A-Za-z0-9][^ ]*\).*/\1/p'
}

# The client names declared in the scenario files already on the line.
_sessim_clients()
{
  local w
  for w in "${_sessim_words[@]}"; do
    case $w in
      *.scn) [ -r "$w" ] && sed -n 's/^[ \t]*client[ \t][ \t]*\([A-Za-z][A-Za-z0-9_-]*\).*/\1/p' "$w" ;;
    esac
  done 2>/dev/null
}

# Files whose names end in $2 (and folders, to walk into), matching $1.
_sessim_files()
{
  local cur=$1 ext=$2 f
  compopt -o filenames 2>/dev/null
  while IFS= read -r f; do
    if [ -d "$f" ]; then
      COMPREPLY+=("$f")
    elif [ -z "$ext" ] || [[ $f == *"$ext" ]]; then
      COMPREPLY+=("$f")
    fi
  done < <(compgen -f -- "$cur")
}

_sessim_folders()
{
  compopt -o filenames 2>/dev/null
  local f
  while IFS= read -r f; do COMPREPLY+=("$f"); done < <(compgen -d -- "$1")
}

_sessim_words_matching()
{
  local cur=$1 w
  shift
  for w in "$@"; do
    [[ $w == "$cur"* ]] && COMPREPLY+=("$w")
  done
}

# The value of option $2 (of command $1, whose help calls the value $3),
# being typed as $4.
_sessim_value()
{
  local prog=$1 cmd=$2 opt=$3 meta=$4 cur=$5
  case $cmd:$opt in
    *:--format)               _sessim_words_matching "$cur" text jsonl both ;;
    *:--render)               _sessim_words_matching "$cur" dot svg png ;;
    *:--diagrams|*:--what)    _sessim_words_matching "$cur" lifecycle sequence all ;;
    *:--mqtt)                 _sessim_words_matching "$cur" 3.1.1 5 ;;
    *:--broker)               _sessim_words_matching "$cur" mosquitto ejabberd ;;
    *:--times)                _sessim_words_matching "$cur" seconds readable ;;
    *:--color)                _sessim_words_matching "$cur" auto always never ;;
    *:--hide)
      local done=${cur%"${cur##*,}"}
      _sessim_words_matching "${cur##*,}" ping connect connack publish \
        puback pubrec pubrel pubcomp subscribe suback unsubscribe unsuback \
        disconnect note routed queued
      COMPREPLY=("${COMPREPLY[@]/#/$done}") ;;
    *:--only|*:--faults-on)
      local done=${cur%"${cur##*,}"}
      _sessim_words_matching "${cur##*,}" $(_sessim_clients)
      COMPREPLY=("${COMPREPLY[@]/#/$done}") ;;
    *:--vary)
      # WHO.SETTING=V1,V2: the clients of the scenario (or the broker),
      # then, for a variant, the variant names.
      if [[ $cur == *.variant=* ]]; then
        local done=${cur%"${cur##*[=,]}"}
        _sessim_words_matching "${cur##*[=,]}" $(_sessim_names "$prog" variants)
        COMPREPLY=("${COMPREPLY[@]/#/$done}")
      elif [[ $cur != *.* ]]; then
        _sessim_words_matching "$cur" broker. $(_sessim_clients | sed 's/$/./')
        compopt -o nospace 2>/dev/null
      fi ;;
    *)
      case $meta in
        DIR)                    _sessim_folders "$cur" ;;
        FILE|PATH)              _sessim_files "$cur" "" ;;
        VARIANT|VARIANTS)       _sessim_words_matching "$cur" $(_sessim_names "$prog" variants) ;;
        INVARIANT|INVARIANTS)   _sessim_words_matching "$cur" $(_sessim_names "$prog" invariants) ;;
      esac ;;
  esac
}

# An argument of command $1 that is not an option.
_sessim_argument()
{
  local prog=$1 cmd=$2 cur=$3
  case $cmd in
    run|check|conform|compare) _sessim_files "$cur" .scn ;;
    render)
      _sessim_words_matching "$cur" lifecycle
      _sessim_files "$cur" .scn ;;
    replay)                    _sessim_files "$cur" .trail ;;
    judge)                     _sessim_files "$cur" .jsonl ;;
    merge)                     _sessim_files "$cur" .json ;;
    example)
      [ "$_sessim_nargs" -eq 0 ] \
        && _sessim_words_matching "$cur" $(_sessim_names "$prog" examples) ;;
    list)
      [ "$_sessim_nargs" -eq 0 ] \
        && _sessim_words_matching "$cur" variants invariants examples ;;
    examples|version|help) ;;
    *)                         _sessim_files "$cur" "" ;;
  esac
}

_sessim()
{
  COMPREPLY=()
  # Words split on blanks only: bash also splits at `=` and `:`, which
  # would cut `--render=svg` and `sub.variant=x` into pieces.
  local line=${COMP_LINE:0:COMP_POINT}
  local -a _sessim_words
  read -r -a _sessim_words <<< "$line"
  local cur=""
  [[ $line == *[^[:blank:]] ]] && { cur=${_sessim_words[-1]}; unset '_sessim_words[-1]'; }
  local prog=${_sessim_words[0]:-sessim}
  prog=${prog/#\~/$HOME}

  # The command, whether the word before the cursor still wants a value,
  # and how many arguments the command already has.
  local cmd="" i w pending="" _sessim_nargs=0 opts=""
  for (( i = 1; i < ${#_sessim_words[@]}; i++ )); do
    w=${_sessim_words[i]}
    if [ -z "$cmd" ]; then
      [[ $w != -* ]] && { cmd=$w; opts=$(_sessim_options "$prog" "$cmd"); }
      continue
    fi
    if [ -n "$pending" ]; then
      pending=""
    elif [[ $w == --*=* || $w == - ]]; then
      :
    elif [[ $w == --* ]]; then
      printf '%s\n' "$opts" | grep -q -e "^$w=" && pending=$w
    elif [[ $w == -? ]]; then
      # A short option takes a value when its long form does.
      local long
      long=$("$prog" "$cmd" --help 2>/dev/null \
               | sed -n "s/^  *$w, \(--[a-z0-9-]*=\).*/\1/p")
      [ -n "$long" ] && pending=${long%=}
    else
      _sessim_nargs=$(( _sessim_nargs + 1 ))
    fi
  done

  if [ -z "$cmd" ]; then
    if [[ $cur == -* ]]; then
      _sessim_words_matching "$cur" --help --version
    else
      _sessim_words_matching "$cur" $(_sessim_commands "$prog")
    fi
  elif [ -n "$pending" ]; then
    local meta
    meta=$(printf '%s\n' "$opts" | sed -n "s/^$pending=//p")
    _sessim_value "$prog" "$cmd" "$pending" "$meta" "$cur"
  elif [[ $cur == --*=* ]]; then
    local opt=${cur%%=*} meta
    meta=$(printf '%s\n' "$opts" | sed -n "s/^$opt=//p")
    _sessim_value "$prog" "$cmd" "$opt" "$meta" "${cur#*=}"
    COMPREPLY=("${COMPREPLY[@]/#/$opt=}")
  elif [[ $cur == -* ]]; then
    local o
    for o in $opts; do
      [[ ${o%%=*} == "$cur"* ]] && COMPREPLY+=("${o%%=*}")
    done
  else
    _sessim_argument "$prog" "$cmd" "$cur"
  fi

  # Bash replaces only the part of the word after its last `=` or `:`
  # (when those break words), so drop what comes before from each reply.
  local c prefix=""
  for (( i = ${#cur} - 1; i >= 0; i-- )); do
    c=${cur:i:1}
    if [[ $c == [=:] && $COMP_WORDBREAKS == *"$c"* ]]; then
      prefix=${cur:0:i+1}
      break
    fi
  done
  [ -n "$prefix" ] && COMPREPLY=("${COMPREPLY[@]#"$prefix"}")
  return 0
}

complete -F _sessim sessim
