#!/usr/bin/env zsh
# Drives an interactive zsh on a pseudo-terminal (zpty), as a user at a
# prompt would: with the installed _sessim on $fpath and compinit run, types
# a command line and TAB, and reads the completions zsh lists. Used by
# test-install.sh; prints one "ok WHAT" or "not ok WHAT" a line.
# Arguments: the folder holding _sessim, a folder of files to complete in,
# a scratch folder; `sessim` must be on PATH.
emulate -L zsh
zmodload zsh/zpty 2>/dev/null || { print "skip zsh/zpty is not available"; exit 0 }
local fdir=$1 files=$2 scratch=$3

# A chroot or container may have no pseudo-terminals to give.
zpty sh zsh -f -i 2>/dev/null || { print "skip no pseudo-terminal"; exit 0 }
zpty -w sh "PS1='> '; fpath=(${(q)fdir} \$fpath); autoload -U compinit; compinit -u -d ${(q)scratch}/zcompdump; zstyle ':completion:*' list-prompt ''; zstyle ':completion:*' menu no; LISTMAX=10000; cd ${(q)files}; print RE\"\"ADY"

# Reads what the terminal shows until every word in $@ is there, for at
# most ten seconds; the text read is left in $seen.
local seen
wait_for() {
  local chunk w missing deadline=$(( SECONDS + 10 ))
  seen=
  while (( SECONDS < deadline )); do
    if zpty -r -t sh chunk 2>/dev/null; then
      seen+=${chunk//$'\r'/}
    else
      sleep 0.1
    fi
    missing=0
    for w in "$@"; do [[ $seen == *$w* ]] || missing=1; done
    (( missing )) || return 0
  done
  return 1
}

# Waits until the shell has run a command typed now, so that nothing an
# earlier line made it print is mistaken for this line's completions.
local -i mark=1000
sync_shell() {
  local chunk
  (( mark++ ))
  zpty -w sh "print \$(( $mark - 1 + 1 ))"
  wait_for "$mark" || return 1
  sleep 0.2
  while zpty -r -t sh chunk 2>/dev/null; do :; done
  seen=
}

# complete WHAT LINE WORD... [-- ABSENT...]: LINE + TAB lists every WORD
# and no ABSENT one.
complete() {
  local what=$1 line=$2; shift 2
  sync_shell || { print -r -- "not ok $what (the shell did not answer)"; return }
  local -a want absent
  local -i sep=${@[(i)--]}
  want=(${@[1,sep-1]})
  absent=(${@[sep+1,-1]})
  zpty -w -n sh "$line"$'\t'
  if wait_for $want; then
    local more
    sleep 0.3
    while zpty -r -t sh more 2>/dev/null; do seen+=$more; done
    local a bad=
    for a in $absent; do [[ $seen == *$a* ]] && bad+=" $a"; done
    if [[ -n $bad ]]; then print -r -- "not ok $what (also offered:$bad)"
    else print -r -- "ok $what"; fi
  else
    print -r -- "not ok $what (saw: ${${seen//$'\n'/ }[1,300]})"
  fi
  # Abandon the line.
  zpty -w -n sh $'\x03'
}

wait_for READY || { print "not ok zsh did not start"; zpty -d sh; exit 0 }
complete "zsh: sessim <TAB> lists the commands" "sessim " check run replay version
complete "zsh: sessim run --<TAB> lists the options" "sessim run --" --seed --render --quiet
complete "zsh: sessim run --render <TAB> lists the formats" "sessim run --render " dot svg png
complete "zsh: sessim list <TAB> lists the lists" "sessim list " variants invariants examples
complete "zsh: sessim example <TAB> lists the examples" "sessim example " $(sessim examples | sed 's/ .*//')
complete "zsh: sessim replay <TAB> lists trails only" "sessim replay " c.trail e.trail -- a.scn
complete "zsh: sessim run <TAB> lists scenarios only" "sessim run " a.scn f.scn -- c.trail b.txt
zpty -d sh
