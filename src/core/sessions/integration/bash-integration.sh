# Runsheet shell integration for bash, loaded with `bash --rcfile <this file> -i`.
# It sources the user's own ~/.bashrc unchanged (their dotfiles are never written),
# then emits OSC 133 marks around prompts and commands as VS Code, iTerm2 and WezTerm
# do: A at prompt start, B at prompt end, C when a command starts, D;<status> when it
# ends. Runsheet reads step boundaries and exit codes from these marks only.
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
  if [ -n "$__runsheet_prompted" ]; then
    builtin printf '\e]133;D;%s\a' "$__runsheet_status"
  fi
  __runsheet_prompted=1
  builtin printf '\e]133;A\a'
  # User code may replace PS1 at any time; put the prompt-end mark back.
  case "$PS1" in
    *'133;B'*) ;;
    *) PS1="$PS1"'\[\e]133;B\a\]' ;;
  esac
  return $__runsheet_status
}

# Shows a step's script (dimmed) before it runs, then marks where its output starts.
__runsheet_show() {
  local __runsheet_line
  while IFS= read -r __runsheet_line || [ -n "$__runsheet_line" ]; do
    builtin printf '\e[2m%s\e[0m\n' "$__runsheet_line"
  done < "$RUNSHEET_STEP_FILE"
  builtin printf '\e]133;C;runsheet=step\a'
}

# What Runsheet types to run a step: an alias, so the script is sourced at top level
# (exactly as if typed: `declare`, `cd`, `export` and functions all persist), and the
# terminal shows one short word instead of a temp-file path.
alias runsheet_step='__runsheet_show; . "$RUNSHEET_STEP_FILE"'

PS0="$PS0"'\e]133;C\a'
if [ -n "$PROMPT_COMMAND" ]; then
  PROMPT_COMMAND="__runsheet_precmd
$PROMPT_COMMAND"
else
  PROMPT_COMMAND=__runsheet_precmd
fi
