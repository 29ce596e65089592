# Runsheet shell integration for bash, loaded with `bash --rcfile <this file> -i`.
# It sources the user's own ~/.bashrc unchanged (their dotfiles are never written),
# then emits OSC 133 marks around prompts and commands as VS Code, iTerm2 and WezTerm
# do: A at prompt start, B at prompt end, C when a command starts, D;<status> when it
# ends. Runsheet reads step boundaries and exit codes from these marks only, and only
# from marks carrying this session's nonce (n=…): output that prints marks cannot forge them.
if [ -z "$RUNSHEET_SKIP_USER_RC" ] && [ -r "$HOME/.bashrc" ]; then
  . "$HOME/.bashrc"
fi

# Commands typed by Runsheet start with a space: keep them out of the user's history.
case ":$HISTCONTROL:" in
  *:ignorespace:*|*:ignoreboth:*) ;;
  *) HISTCONTROL="ignorespace${HISTCONTROL:+:$HISTCONTROL}" ;;
esac

__runsheet_prompted=
__runsheet_precmd() {
  local __runsheet_status=$?
  unset __runsheet_typed_step __runsheet_in_step __runsheet_errexit
  if [ -n "$__runsheet_prompted" ]; then
    builtin printf '\e]133;D;%s;n=__RUNSHEET_NONCE__\a' "$__runsheet_status"
  fi
  __runsheet_prompted=1
  builtin printf '\e]133;A;n=__RUNSHEET_NONCE__\a'
  # User code may replace PS1 at any time; put the prompt-end mark back.
  case "$PS1" in
    *'133;B'*) ;;
    *) PS1="$PS1"'\[\e]133;B;n=__RUNSHEET_NONCE__\a\]' ;;
  esac
  return $__runsheet_status
}

# Shows a step's script (dimmed) before it runs, then marks where its output starts.
__runsheet_show() {
  local __runsheet_line
  while IFS= read -r __runsheet_line || [ -n "$__runsheet_line" ]; do
    builtin printf '\e[2m%s\e[0m\n' "$__runsheet_line"
  done < "$RUNSHEET_STEP_FILE"
  builtin printf '\e]133;C;runsheet=step;n=__RUNSHEET_NONCE__\a'
}

# Saves the working directory and exported variables before each step, so that if
# the step ends the shell (`exit 3`, `set -e`), the next shell starts where this one was.
__runsheet_save() {
  [ -n "$RUNSHEET_STATE_DIR" ] || return 0
  # A step may have removed it (a "clean /tmp" step): make it again (a fork, only then).
  [ -d "$RUNSHEET_STATE_DIR" ] || mkdir -m 700 -p -- "$RUNSHEET_STATE_DIR" 2>/dev/null || return 0
  builtin pwd > "$RUNSHEET_STATE_DIR/cwd"
  builtin export -p > "$RUNSHEET_STATE_DIR/env"
}

# What Runsheet types to run a step: an alias, so the script is sourced at top level
# (exactly as if typed: `declare`, `cd`, `export` and functions all persist), and the
# terminal shows one short word instead of a temp-file path.
alias runsheet_step='__runsheet_save; __runsheet_show; __runsheet_in_step=1; . "$RUNSHEET_STEP_FILE"'
# The same under errexit (a runbook's or step's `errexit`): the first failing command ends the step.
alias runsheet_step_errexit='__runsheet_errexit=1; runsheet_step'

# Every command of a step that fails is reported, not only the last one: bash runs the ERR
# trap after each failing simple command, pipeline or list (not in conditions, not for the
# left side of && or ||, as with set -e), with LINENO its line in the step file. The F mark
# says which line, which status; Runsheet takes the line's text from the step it sent. Only
# lines of the step file itself count (BASH_SOURCE), so functions the step calls are reported
# at the call, and the `.` that sources the file is not reported again. Under errexit the
# trap returns from the sourced step with the failing status. $? is bash's again after the
# trap, so the step's next line sees the failing status as it would without Runsheet.
# (A user's own ERR trap in ~/.bashrc is replaced by this one.)
__runsheet_failed() {
  builtin printf '\e]133;F;%s;%s;n=__RUNSHEET_NONCE__\a' "$1" "$2"
}
trap '__runsheet_s=$?; if [ -n "$__runsheet_in_step" ] && [ "${BASH_SOURCE[0]}" = "$RUNSHEET_STEP_FILE" ]; then __runsheet_failed "$LINENO" "$__runsheet_s"; [ -z "$__runsheet_errexit" ] || return "$__runsheet_s"; fi' ERR

# A shell started to replace one that a step ended: restore its directory and exports.
if [ -n "$RUNSHEET_RESTORE" ] && [ -r "$RUNSHEET_STATE_DIR/cwd" ]; then
  __runsheet_keep="$RUNSHEET_STEP_FILE"
  builtin cd -- "$(< "$RUNSHEET_STATE_DIR/cwd")" 2>/dev/null
  . "$RUNSHEET_STATE_DIR/env" 2>/dev/null
  RUNSHEET_STEP_FILE="$__runsheet_keep"
  unset __runsheet_keep RUNSHEET_RESTORE
fi

# The command line a person typed, for the log's manual commands (VS Code's OSC 633;E,
# with \\, ; and control characters escaped as \xNN). Runs in PS0's subshell.
__runsheet_cmdline() {
  local c
  c=$(HISTTIMEFORMAT= builtin history 1 2>/dev/null)
  [[ $c =~ ^[[:space:]]*[0-9]+[*]?[[:space:]]+(.*)$ ]] && c=${BASH_REMATCH[1]}
  c=${c//\\/\\\\}
  c=${c//;/\\x3b}
  c=${c//$'\n'/\\x0a}
  c=${c//$'\a'/\\x07}
  c=${c//$'\e'/\\x1b}
  builtin printf '\e]633;E;%s;n=__RUNSHEET_NONCE__\a' "$c"
}

# Runsheet types Ctrl-X Ctrl-Y before a step's command line. The binding runs in this
# shell (no subshell) and flags the line as a step, so PS0 skips the command-line
# capture above, which a step does not need: that capture forks twice, and every
# step on every host would pay ~1 ms of the host's CPU for it. Shells without the
# binding ignore the keys, and the Ctrl-U typed after them erases them anyway.
__runsheet_mark_step() { __runsheet_typed_step=; }
builtin bind -m emacs -x '"\C-x\C-y": __runsheet_mark_step' 2>/dev/null
builtin bind -m vi-insert -x '"\C-x\C-y": __runsheet_mark_step' 2>/dev/null

PS0="$PS0"'${__runsheet_typed_step-$(__runsheet_cmdline)}\e]133;C;n=__RUNSHEET_NONCE__\a'
if [ -n "$PROMPT_COMMAND" ]; then
  PROMPT_COMMAND="__runsheet_precmd
$PROMPT_COMMAND"
else
  PROMPT_COMMAND=__runsheet_precmd
fi
