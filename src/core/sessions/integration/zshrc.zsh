# Runsheet shell integration for zsh, part 2 ($ZDOTDIR/.zshrc). Sources the user's
# .zshrc, then emits OSC 133 marks: A at prompt start, B at prompt end, C when a
# command starts, D;<status> when it ends (as VS Code, iTerm2 and WezTerm do).
ZDOTDIR="$RUNSHEET_USER_ZDOTDIR"
[[ -r "$ZDOTDIR/.zshrc" ]] && source "$ZDOTDIR/.zshrc"

# Commands typed by Runsheet start with a space: keep them out of the user's history.
setopt HIST_IGNORE_SPACE

__runsheet_prompted=
__runsheet_precmd() {
  local __runsheet_status=$?
  unset __runsheet_in_step __runsheet_errexit
  if [[ -n "$__runsheet_prompted" ]]; then
    printf '\e]133;D;%s;n=__RUNSHEET_NONCE__\a' "$__runsheet_status"
  fi
  __runsheet_prompted=1
  printf '\e]133;A;n=__RUNSHEET_NONCE__\a'
  [[ "$PS1" == *'133;B'* ]] || PS1="$PS1"$'%{\e]133;B;n=__RUNSHEET_NONCE__\a%}'
  return $__runsheet_status
}
__runsheet_preexec() {
  # The command line as typed, for the log's manual commands (VS Code's OSC 633;E escaping).
  local c="$1"
  c=${c//\\/\\\\}
  c=${c//;/\\x3b}
  c=${c//$'\n'/\\x0a}
  c=${c//$'\a'/\\x07}
  c=${c//$'\e'/\\x1b}
  printf '\e]633;E;%s;n=__RUNSHEET_NONCE__\a\e]133;C;n=__RUNSHEET_NONCE__\a' "$c"
}
# First in line, so no other hook changes $? before the D mark reads it.
precmd_functions=(__runsheet_precmd $precmd_functions)
preexec_functions=(__runsheet_preexec $preexec_functions)

__runsheet_show() {
  local __runsheet_line
  while IFS= read -r __runsheet_line || [[ -n "$__runsheet_line" ]]; do
    printf '\e[2m%s\e[0m\n' "$__runsheet_line"
  done < "$RUNSHEET_STEP_FILE"
  printf '\e]133;C;runsheet=step;n=__RUNSHEET_NONCE__\a'
}

__runsheet_save() {
  [[ -n "$RUNSHEET_STATE_DIR" ]] || return 0
  [[ -d "$RUNSHEET_STATE_DIR" ]] || mkdir -m 700 -p -- "$RUNSHEET_STATE_DIR" 2>/dev/null || return 0
  builtin pwd > "$RUNSHEET_STATE_DIR/cwd"
  export -p > "$RUNSHEET_STATE_DIR/env"
}

alias runsheet_step='__runsheet_save; __runsheet_show; __runsheet_in_step=1; . "$RUNSHEET_STEP_FILE"'
alias runsheet_step_errexit='__runsheet_errexit=1; runsheet_step'

# Every failing command of a step is reported (see the bash integration): zsh runs the ZERR
# trap after each failing command, also inside functions, so the line is the step file's own
# ($funcstack[1] is the file) or, inside a function the step called, the line of that call
# (the step file's frame in $funcfiletrace). zsh gives $? back after the trap. Under errexit
# a failure at the step's own level returns from the sourced step with its status.
trap '__runsheet_s=$?
if [[ -n $__runsheet_in_step ]]; then
  __runsheet_l=
  if [[ ${funcstack[1]} == "$RUNSHEET_STEP_FILE" ]]; then
    __runsheet_l=$LINENO
  else
    for __runsheet_f in $funcfiletrace; do
      [[ $__runsheet_f == "$RUNSHEET_STEP_FILE":<-> ]] && { __runsheet_l=${__runsheet_f##*:}; break; }
    done
  fi
  if [[ -n $__runsheet_l ]]; then
    printf "\e]133;F;%s;%s;n=__RUNSHEET_NONCE__\a" "$__runsheet_l" "$__runsheet_s"
    [[ -n $__runsheet_errexit && ${funcstack[1]} == "$RUNSHEET_STEP_FILE" ]] && return $__runsheet_s
  fi
fi' ZERR

# Runsheet types Ctrl-X Ctrl-Y before a step's command line (bash's integration uses it
# to flag the line); here it does nothing, rather than ring the terminal's bell.
__runsheet_step_keys() { }
zle -N __runsheet_step_keys
bindkey -M emacs '^X^Y' __runsheet_step_keys
bindkey -M viins '^X^Y' __runsheet_step_keys

if [[ -n "$RUNSHEET_RESTORE" && -r "$RUNSHEET_STATE_DIR/cwd" ]]; then
  __runsheet_keep="$RUNSHEET_STEP_FILE"
  builtin cd -- "$(< "$RUNSHEET_STATE_DIR/cwd")" 2>/dev/null
  source "$RUNSHEET_STATE_DIR/env" 2>/dev/null
  RUNSHEET_STEP_FILE="$__runsheet_keep"
  unset __runsheet_keep RUNSHEET_RESTORE
fi
