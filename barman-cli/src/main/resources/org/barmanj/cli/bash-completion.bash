
# ---- barmanj: server names and backup ids, from a running barman ----
#
# picocli's functions above complete the commands and options. _barmanj_complete reads the command line the way
# barman parses it (barman's options, the subcommand, its options and their values, then its positional
# parameters) and completes a server name or a backup id where the subcommand takes one, as Barman's completers
# do: every server for a command on one server; the servers not yet given, and 'all' first, for a command on
# several; the backups of the server given before, newest first, and Barman's aliases when it has any. Anything
# else goes to picocli's function for the subcommand.

# _barmanj_unquote WORD: WORD as the shell will pass it, for the simple cases (quotes around it, backslashes,
# a leading ~/); puts it in _barmanj_word.
_barmanj_unquote() {
  local w=$1
  case $w in
    \'*\') w=${w:1:${#w}-2} ;;
    \"*\") w=${w:1:${#w}-2} ;;
    *)
      w=${w//\\\\/$'\001'}
      w=${w//\\/}
      w=${w//$'\001'/\\}
      ;;
  esac
  [[ $w == "~/"* ]] && w=$HOME/${w#"~/"}
  _barmanj_word=$w
}

# _barmanj_run ARG...: runs the barman being completed (as typed), with the configuration file of the command
# line if any, no input, its errors silenced and at most 5 seconds (a configuration file that blocks, a slow
# disk: no completion rather than a hung shell); prints its standard output.
_barmanj_run() {
  _barmanj_unquote "${COMP_WORDS[0]}"
  local -a cmd=("$_barmanj_word")
  [[ -n $_barmanj_config ]] && cmd+=(-c "$_barmanj_config")
  cmd+=("$@")
  if type -P timeout &>/dev/null; then
    timeout -k 1 5 "${cmd[@]}" </dev/null 2>/dev/null
  else
    "${cmd[@]}" </dev/null 2>/dev/null
  fi
}

# _barmanj_has WORD LIST: whether WORD is one of the space-separated LIST.
_barmanj_has() {
  [[ " $2 " == *" $1 "* ]]
}

# _barmanj_scan FROM VALUE_OPTS OPTIONAL_OPTS TOP: reads COMP_WORDS[FROM..COMP_CWORD-1] with these options
# (taking a value; taking an optional one). Sets _barmanj_value_of (the option whose value the current word is,
# or empty), _barmanj_positionals (the other words, in order; after '--' every word is one) and _barmanj_at (the
# index of the first of them). With TOP=1 it stops at the first positional word (the subcommand) and records the
# value of -c/--config in _barmanj_config.
_barmanj_scan() {
  local i=$1 values=$2 optional=$3 top=$4 w opt value has_value
  local cword=$COMP_CWORD dashdash=0
  _barmanj_value_of=
  _barmanj_positionals=()
  _barmanj_at=-1
  while (( i < cword )); do
    w=${COMP_WORDS[i]}
    if (( dashdash )) || [[ $w != -* || $w == - ]]; then
      (( _barmanj_at < 0 )) && _barmanj_at=$i
      _barmanj_positionals+=("$w")
      (( top )) && return 0
      (( i++ ))
      continue
    fi
    if [[ $w == -- ]]; then
      dashdash=1
      (( i++ ))
      continue
    fi
    opt= value= has_value=0
    if [[ $w == --*=* ]]; then
      # --option=value in one word (when '=' does not break words).
      opt=${w%%=*} value=${w#*=} has_value=1
    elif _barmanj_has "$w" "$values" || _barmanj_has "$w" "$optional"; then
      opt=$w
      local next=$(( i + 1 ))
      if [[ ${COMP_WORDS[next]} == = ]]; then
        # --option=value split by bash into three words.
        (( next++ ))
      elif _barmanj_has "$w" "$optional" && { (( next >= cword )) || [[ ${COMP_WORDS[next]} == -* ]]; }; then
        # An optional value: the next word is one unless it is an option. At the cursor, offer the values.
        if (( next >= cword )); then
          _barmanj_value_of=$w
          return 0
        fi
        (( i++ ))
        continue
      fi
      if (( next >= cword )); then
        _barmanj_value_of=$w
        return 0
      fi
      value=${COMP_WORDS[next]} has_value=1
      i=$next
    elif [[ $w != --* && ${#w} -gt 2 ]] && _barmanj_has "${w:0:2}" "$values"; then
      # -cVALUE
      opt=${w:0:2} value=${w:2} has_value=1
    fi
    if (( top && has_value )) && _barmanj_has "$opt" "$_barmanj_config_opts"; then
      _barmanj_unquote "$value"
      _barmanj_config=$_barmanj_word
    fi
    (( i++ ))
  done
  # The current word itself may be --option=value, value being completed.
  w=${COMP_WORDS[cword]}
  if (( ! dashdash )) && [[ $w == --*=* ]]; then
    opt=${w%%=*}
    if _barmanj_has "$opt" "$values" || _barmanj_has "$opt" "$optional"; then
      _barmanj_value_of=$opt
    fi
  fi
  return 0
}

# _barmanj_reply PREFIX WORD...: COMPREPLY becomes the WORDs starting with PREFIX, in the order given.
_barmanj_reply() {
  local prefix=$1 w
  shift
  COMPREPLY=()
  for w in "$@"; do
    [[ $w == "$prefix"* ]] && COMPREPLY+=("$w")
  done
}

# _barmanj_value COMMAND OPTION CUR: completes the value of an option: its choices, the configuration file,
# or what picocli's function does for it (the files, or nothing).
_barmanj_value() {
  local command=$1 opt=$2 cur=$3 fn=$4
  if _barmanj_choices "$command" "$opt"; then
    type compopt &>/dev/null && compopt +o default 2>/dev/null
    _barmanj_reply "$cur" "${_barmanj_words[@]}"
  elif [[ -z $command ]] && _barmanj_has "$opt" "$_barmanj_config_opts"; then
    type compopt &>/dev/null && compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  elif [[ ${COMP_WORDS[COMP_CWORD-1]} == "$opt" ]]; then
    "$fn"
  else
    COMPREPLY=()
  fi
}

_barmanj_complete() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  local _barmanj_config= _barmanj_value_of _barmanj_at _barmanj_word
  local -a _barmanj_positionals _barmanj_words _barmanj_roles
  local _barmanj_fn _barmanj_value_opts _barmanj_optional_opts _barmanj_repeat
  [[ $cur == = ]] && cur=
  [[ $cur == --*=* ]] && cur=${cur#*=}

  # barman's own options, up to the subcommand.
  _barmanj_scan 1 "$_barmanj_global_value_opts" "$_barmanj_global_optional_opts" 1
  if [[ -n $_barmanj_value_of ]]; then
    _barmanj_value "" "$_barmanj_value_of" "$cur" _picocli_barman
    return 0
  fi
  if (( _barmanj_at < 0 )); then
    # The current word is an option of barman or the subcommand.
    _picocli_barman
    return 0
  fi
  local command=${_barmanj_positionals[0]}
  _barmanj_command "$command" || { COMPREPLY=(); return 0; }

  # The subcommand's options and positional parameters.
  local fn=$_barmanj_fn
  _barmanj_scan $(( _barmanj_at + 1 )) "$_barmanj_value_opts" "$_barmanj_optional_opts" 0
  if [[ -n $_barmanj_value_of ]]; then
    _barmanj_value "$command" "$_barmanj_value_of" "$cur" "$fn"
    return 0
  fi
  local -a given=("${_barmanj_positionals[@]}")
  local n=${#given[@]} dashdash=0 w
  for w in "${COMP_WORDS[@]:_barmanj_at+1:COMP_CWORD-_barmanj_at-1}"; do
    [[ $w == -- ]] && dashdash=1
  done
  if (( ! dashdash )) && [[ $cur == -* ]]; then
    "$fn"
    return 0
  fi
  local role=${_barmanj_roles[n]}
  if [[ -z $role ]] && (( _barmanj_repeat && ${#_barmanj_roles[@]} > 0 )); then
    role=${_barmanj_roles[${#_barmanj_roles[@]}-1]}
  fi
  local -a found=()
  case $role in
    server|servers)
      type compopt &>/dev/null && compopt +o default 2>/dev/null
      local listed name
      # Nothing when barman fails (a broken configuration); 'all' is Barman's, when no server is given yet.
      if listed=$(_barmanj_run list-servers --minimal); then
        while IFS= read -r name; do
          [[ -z $name ]] && continue
          if [[ $role == servers ]]; then
            local seen=0 g
            for g in "${given[@]}"; do [[ $g == "$name" ]] && seen=1; done
            (( seen )) && continue
          fi
          found+=("$name")
        done <<< "$listed"
        if [[ $role == servers ]] && (( n == 0 )); then
          found=(all "${found[@]}")
        fi
      fi
      _barmanj_reply "$cur" "${found[@]}"
      ;;
    backup)
      type compopt &>/dev/null && compopt +o default 2>/dev/null
      local server= k id
      for k in "${!_barmanj_roles[@]}"; do
        [[ ${_barmanj_roles[k]} == server ]] && server=${given[k]}
      done
      if [[ -n $server ]]; then
        _barmanj_unquote "$server"
        while IFS= read -r id; do
          [[ -n $id ]] && found+=("$id")
        done < <(_barmanj_run list-backups "$_barmanj_word" --minimal)
        (( ${#found[@]} > 0 )) && found+=("${_barmanj_backup_aliases[@]}")
      fi
      _barmanj_reply "$cur" "${found[@]}"
      ;;
    directory)
      type compopt &>/dev/null && compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      ;;
    *)
      "$fn"
      ;;
  esac
  return 0
}

complete -F _barmanj_complete -o default barman
