#!/usr/bin/env bash
# `meson install --destdir` into a temporary folder, then checks that what
# was installed works as a user would use it: every man page renders
# without a warning and documents the options its command has, the bash and
# zsh completions load and complete commands, options, files and names,
# and the scenario library and the documentation are complete. TAP output;
# the temporary folder is removed whatever happens. No network.
#
# Environment (set by tests/meson.build): MESON, BUILD_ROOT, SOURCE_ROOT,
# the install folders BINDIR MANDIR DATADIR DOCDIR BASHCOMPDIR ZSHCOMPDIR
# (absolute, under the prefix), and MAN_PAGES (empty when scdoc was not
# found and the pages were not built).
set -u
export LC_ALL=C MANPAGER=cat PAGER=cat MANWIDTH=80

missing=()
[ -n "$MAN_PAGES" ] || missing+=("scdoc (the man pages were not built)")
command -v man >/dev/null || missing+=("man (man-db)")
command -v zsh >/dev/null || missing+=("zsh")
[ -r /usr/share/bash-completion/bash_completion ] || missing+=("bash-completion")
if [ ${#missing[@]} -gt 0 ]; then
  echo "1..0 # SKIP missing: ${missing[*]} (see .ci/deps)"
  exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sessim-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
export HOME=$tmp/home
mkdir -p "$HOME"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); failed=1
  echo "not ok $n - $1"
  shift
  local line
  for line in "$@"; do printf '#   %s\n' "$line"; done
}
check() { # check DESCRIPTION COMMAND...: ok if COMMAND succeeds
  local what=$1; shift
  if "$@" >"$tmp/check.out" 2>&1; then ok "$what"
  else not_ok "$what" "$(tail -5 "$tmp/check.out")"; fi
}

# ---- install --------------------------------------------------------------
if ! out=$("$MESON" install -C "$BUILD_ROOT" --destdir "$dest" --no-rebuild \
             --quiet 2>&1); then
  not_ok "meson install --destdir" "$out"
  echo "1..$n"
  exit 1
fi
ok "meson install --destdir"

bin=$dest$BINDIR/sessim
check "the binary is installed and runs" "$bin" --help
commands=$("$bin" --help | sed -n 's/^  \([a-z][a-z0-9-]*\) .*/\1/p')
[ -n "$commands" ] || not_ok "sessim --help lists commands"

# ---- man pages ------------------------------------------------------------
render() { man --warnings=all -l "$1" 2>"$tmp/man.err"; }
for page in $MAN_PAGES; do
  name=${page%.*} section=${page##*.}
  file=$dest$MANDIR/man$section/$page
  if [ ! -f "$file" ]; then
    not_ok "$page is installed" "missing: $MANDIR/man$section/$page"
    continue
  fi
  text=$(render "$file")
  if [ -s "$tmp/man.err" ]; then
    not_ok "$page renders without warnings" "$(head -5 "$tmp/man.err")"
  elif ! grep -q '^NAME$' <<<"$text" \
       || ! grep -q "^       $name - " <<<"$text"; then
    not_ok "$page has a NAME section naming $name" "$(head -5 <<<"$text")"
  else
    ok "$page renders without warnings and names $name"
  fi
done

# Every page installed is one the build lists, and every command this
# build has has its page.
extra=$(cd "$dest$MANDIR" && ls man*/sessim* 2>/dev/null | sed 's|^man[^/]*/||' \
          | while read -r p; do
              case " $MAN_PAGES " in *" $p "*) ;; *) echo "$p" ;; esac
            done)
if [ -z "$extra" ]; then ok "no unlisted man page"
else not_ok "no unlisted man page" $extra; fi
absent=()
for cmd in $commands; do
  [ -f "$dest$MANDIR/man1/sessim-$cmd.1" ] || absent+=("sessim-$cmd.1")
done
if [ ${#absent[@]} -eq 0 ]; then ok "every command in sessim --help has a page"
else not_ok "every command in sessim --help has a page" "${absent[@]}"; fi

# A page documents exactly the options its command has: each option in
# `sessim CMD --help` is in the page, and each option the page's OPTIONS
# section describes exists. Commands whose --help is not GOption's are left
# to the first check.
for cmd in $commands; do
  help=$("$bin" "$cmd" --help 2>/dev/null) || continue
  grep -q '^Usage:' <<<"$help" || continue
  page=$dest$MANDIR/man1/sessim-$cmd.1
  [ -f "$page" ] || continue
  text=$(render "$page")
  in_help=$(sed -n 's/^  *\(-[A-Za-z0-9], \)\{0,1\}\(--[a-z0-9-]*\).*/\2/p' \
              <<<"$help" | sort -u)
  in_page=$(sed -n '/^OPTIONS$/,/^[A-Z]/p' <<<"$text" \
              | grep -E '^       -' | grep -oE -- '--[a-z0-9-]+' | sort -u)
  undocumented=$(comm -23 <(echo "$in_help") <(echo "$in_page"))
  unknown=$(comm -13 <(echo "$in_help") <(echo "$in_page"))
  if [ -z "$undocumented$unknown" ]; then
    ok "sessim-$cmd(1) documents the options of sessim $cmd"
  else
    not_ok "sessim-$cmd(1) documents the options of sessim $cmd" \
      ${undocumented:+"in --help, not in the page:" $undocumented} \
      ${unknown:+"in the page, not in --help:" $unknown}
  fi
done

# ---- bash completion ------------------------------------------------------
bashcomp=$dest$BASHCOMPDIR/sessim
check "bash completion is installed" test -f "$bashcomp"
mkdir -p "$tmp/files/dir"
touch "$tmp/files/a.scn" "$tmp/files/b.txt" "$tmp/files/c.trail" \
      "$tmp/files/d.jsonl"
example=$("$bin" examples | sed -n '1s/ .*//p')
variant=$("$bin" list variants | sed -n '1s/ .*//p')
# Runs in a clean bash: bash-completion finds the script the way it does on
# a user's machine (from XDG_DATA_DIRS, on the first TAB after `sessim`),
# then each line is completed as the shell would and the replies printed.
bash_out=$(cd "$tmp/files" && PATH=$dest$BINDIR:$PATH \
  XDG_DATA_DIRS=$dest$DATADIR bash --norc --noprofile -c '
    source /usr/share/bash-completion/bash_completion
    if declare -F __load_completion >/dev/null; then __load_completion sessim
    else _completion_loader sessim; fi
    complete -p sessim
    complete_line() {
      COMP_LINE=$1 COMP_POINT=${#1}
      read -r -a COMP_WORDS <<<"$1"
      [[ $1 == *" " ]] && COMP_WORDS+=("")
      COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
      COMPREPLY=()
      _sessim sessim "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
      printf "%s|" "$1"; printf " %s" "${COMPREPLY[@]}"; echo
    }
    complete_line "sessim ch"
    complete_line "sessim run --"
    complete_line "sessim run --render "
    complete_line "sessim run --render=s"
    complete_line "sessim list "
    complete_line "sessim example "
    complete_line "sessim run "
    complete_line "sessim replay "
    complete_line "sessim judge "
    complete_line "sessim check a.scn --faults-on "
  ' 2>&1)
replies() { sed -n "s/^$1|//p" <<<"$bash_out"; }
has() { # has LINE WORD...: every WORD is among the replies to LINE
  local line=$1 r w; shift
  r=" $(replies "$line") "
  for w in "$@"; do [[ $r == *" $w "* ]] || return 1; done
}
hasnt() { local r=" $(replies "$1") "; [[ $r != *" $2 "* ]]; }
bash_check() {
  local what=$1; shift
  if "$@"; then ok "bash: $what"
  else not_ok "bash: $what" "$(grep -v '^complete_line' <<<"$bash_out")"; fi
}
bash_check "bash-completion loads the installed script" \
  grep -q -- '-F _sessim sessim$' <<<"$bash_out"
bash_check "sessim ch<TAB> offers check" has "sessim ch" check
bash_check "sessim run --<TAB> offers --seed and --render" \
  has "sessim run --" --seed --render
bash_check "--render <TAB> offers the formats" \
  has "sessim run --render " dot svg png
bash_check "--render=s<TAB> offers svg" has "sessim run --render=s" svg
bash_check "sessim list <TAB> offers the lists" \
  has "sessim list " variants invariants examples
bash_check "sessim example <TAB> offers the examples" \
  has "sessim example " "$example"
bash_check "sessim run <TAB> offers scenarios and folders, not other files" \
  eval 'has "sessim run " a.scn dir && hasnt "sessim run " b.txt'
bash_check "sessim replay <TAB> offers trails only" \
  eval 'has "sessim replay " c.trail && hasnt "sessim replay " a.scn'
bash_check "sessim judge <TAB> offers traces only" \
  eval 'has "sessim judge " d.jsonl && hasnt "sessim judge " a.scn'
printf 'client alpha id=x\nclient beta\n' >"$tmp/files/a.scn"
bash_out=$(cd "$tmp/files" && PATH=$dest$BINDIR:$PATH bash --norc --noprofile -c '
    source "$1"
    COMP_LINE="sessim check a.scn --faults-on " COMP_POINT=${#COMP_LINE}
    _sessim; printf "faults|"; printf " %s" "${COMPREPLY[@]}"; echo
    COMP_LINE="sessim compare a.scn --vary=beta.variant=" COMP_POINT=${#COMP_LINE}
    _sessim; printf "variants|"; printf " %s" "${COMPREPLY[@]}"; echo
  ' bash "$bashcomp" 2>&1)
bash_check "--faults-on <TAB> offers the scenario's clients" \
  has faults alpha beta
# compare is not in every build: offered variant names only where it is.
if grep -qx compare <<<"$commands"; then
  bash_check "--vary CLIENT.variant=<TAB> offers the variants" \
    has variants "$variant"
fi

# ---- zsh completion -------------------------------------------------------
zshcomp=$dest$ZSHCOMPDIR/_sessim
check "zsh completion is installed" test -f "$zshcomp"
check "zsh completion parses (zsh -n)" zsh -n "$zshcomp"
zsh_out=$(HOME=$HOME zsh -f -c '
  fpath=("$1" $fpath)
  autoload -U compinit
  compinit -u -d "$2"
  print -r -- "comp=$_comps[sessim]"
  autoload +X _sessim && (( $+functions[_sessim] )) && print found
' zsh "$dest$ZSHCOMPDIR" "$tmp/zcompdump" 2>&1)
if grep -qx 'comp=_sessim' <<<"$zsh_out" && grep -qx found <<<"$zsh_out"; then
  ok "zsh: compinit binds sessim to _sessim from the installed folder"
else
  not_ok "zsh: compinit binds sessim to _sessim from the installed folder" \
    "$zsh_out"
fi

# The completions a user sees, typed at an interactive zsh on a
# pseudo-terminal (tests/test-install-zsh.zsh).
mkdir -p "$tmp/zfiles/dir" "$tmp/zscratch"
touch "$tmp/zfiles/a.scn" "$tmp/zfiles/f.scn" "$tmp/zfiles/b.txt" \
      "$tmp/zfiles/c.trail" "$tmp/zfiles/e.trail"
while IFS= read -r line; do
  case $line in
    "ok "*)     ok "${line#ok }" ;;
    "not ok "*) not_ok "${line#not ok }" ;;
    "skip "*)   n=$((n + 1)); echo "ok $n # SKIP ${line#skip }" ;;
    *)          not_ok "zsh session: $line" ;;
  esac
done < <(cd "$tmp/zfiles" && PATH=$dest$BINDIR:$PATH timeout 120 \
           zsh -f "$SOURCE_ROOT/tests/test-install-zsh.zsh" \
           "$dest$ZSHCOMPDIR" "$tmp/zfiles" "$tmp/zscratch" 2>&1)

# ---- scenario library and documentation ----------------------------------
same_tree() { # same_tree SRC DEST FILE...: each FILE is installed as is
  local src=$1 dst=$2 f bad=()
  shift 2
  for f in "$@"; do cmp -s "$src/$f" "$dst/$f" || bad+=("$f"); done
  if [ ${#bad[@]} -gt 0 ]; then printf '%s\n' "${bad[@]}"; return 1; fi
}
scn=$(cd "$SOURCE_ROOT/scenarios" && find . -name '*.scn' | sort)
scn_dest=$dest$DATADIR/sessim/scenarios
if [ -z "$scn" ]; then
  not_ok "the scenario library is installed" "no scenarios in the source"
elif bad=$(same_tree "$SOURCE_ROOT/scenarios" "$scn_dest" $scn); then
  ok "the scenario library is installed ($(wc -l <<<"$scn") files)"
else
  not_ok "the scenario library is installed" "missing or different:" $bad
fi
first=$(head -1 <<<"$scn")
check "the installed binary runs an installed scenario" \
  "$bin" run --quiet --out "$tmp/out" "$scn_dest/$first"
docs=$(cd "$SOURCE_ROOT/docs" && find . -maxdepth 1 -name '*.md' | sort;
       cd "$SOURCE_ROOT/docs" && find img -type f | sort)
if bad=$(same_tree "$SOURCE_ROOT/docs" "$dest$DOCDIR" $docs \
         && same_tree "$SOURCE_ROOT" "$dest$DOCDIR" README.md LICENSE); then
  ok "the documentation is installed ($(wc -l <<<"$docs") files and README)"
else
  not_ok "the documentation is installed" "missing or different:" $bad
fi

echo "1..$n"
exit $failed
