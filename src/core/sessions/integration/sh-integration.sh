# Runsheet shell integration for POSIX sh (dash, busybox ash), loaded through $ENV.
# These shells have no prompt hooks, so the marks come from the prompt string itself:
# D;$? (the last status, expanded at each prompt), A and B around the prompt; the
# step wrapper emits C before a step's output. A step that Ctrl-C aborts still ends
# with a prompt, so its D;130 is never lost.
if [ -n "$RUNSHEET_USER_ENV" ] && [ -r "$RUNSHEET_USER_ENV" ]; then
  . "$RUNSHEET_USER_ENV"
fi

__runsheet_esc=$(printf '\033')
__runsheet_bel=$(printf '\007')
PS1="${__runsheet_esc}]133;D;"'$?'";n=__RUNSHEET_NONCE__${__runsheet_bel}${__runsheet_esc}]133;A;n=__RUNSHEET_NONCE__${__runsheet_bel}${PS1:-\$ }${__runsheet_esc}]133;B;n=__RUNSHEET_NONCE__${__runsheet_bel}"

__runsheet_show() {
  while IFS= read -r __runsheet_line || [ -n "$__runsheet_line" ]; do
    case $__runsheet_line in
      '__runsheet_st '[0-9]*) continue ;;
    esac
    printf '\033[2m%s\033[0m\n' "$__runsheet_line"
  done < "$RUNSHEET_STEP_FILE"
  unset __runsheet_line
  printf '\033]133;C;runsheet=step;n=__RUNSHEET_NONCE__\007'
}

__runsheet_save() {
  [ -n "$RUNSHEET_STATE_DIR" ] || return 0
  [ -d "$RUNSHEET_STATE_DIR" ] || mkdir -m 700 -p -- "$RUNSHEET_STATE_DIR" 2>/dev/null || return 0
  pwd > "$RUNSHEET_STATE_DIR/cwd"
  export -p > "$RUNSHEET_STATE_DIR/env"
}

alias runsheet_step='__runsheet_save; __runsheet_show; . "$RUNSHEET_STEP_FILE"'
alias runsheet_step_errexit='runsheet_step'

# dash has no ERR trap, so every failing command of a step is reported another way: Runsheet
# writes the step file with a line `__runsheet_st N` after each top-level command (N: its
# line in the step as written; the display above leaves these lines out). It reports a
# failing status and hands the same status on, so the next line's $? is unchanged; under
# errexit the line reads `__runsheet_st N || return`. busybox ash reads the same file.
# Under the step's own `set -e` a failing status has already ended the shell, or was in a
# place set -e exempts: there it reports and does not hand on the status, which would end it.
__runsheet_st() {
  __runsheet_s=$?
  [ "$__runsheet_s" -eq 0 ] && return 0
  printf '\033]133;F;%s;%s;n=__RUNSHEET_NONCE__\007' "$1" "$__runsheet_s"
  case $- in *e*) return 0 ;; esac
  return "$__runsheet_s"
}

if [ -n "$RUNSHEET_RESTORE" ] && [ -r "$RUNSHEET_STATE_DIR/cwd" ]; then
  __runsheet_keep="$RUNSHEET_STEP_FILE"
  cd "$(cat "$RUNSHEET_STATE_DIR/cwd")" 2>/dev/null
  . "$RUNSHEET_STATE_DIR/env" 2>/dev/null
  RUNSHEET_STEP_FILE="$__runsheet_keep"
  unset __runsheet_keep RUNSHEET_RESTORE
fi
