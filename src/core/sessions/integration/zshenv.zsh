# Runsheet shell integration for zsh, part 1 ($ZDOTDIR/.zshenv while zsh starts).
# zsh is started with ZDOTDIR pointing at Runsheet's private folder; the user's own
# startup files are sourced from their real location, unchanged and never written.
RUNSHEET_ZDOTDIR="$ZDOTDIR"
ZDOTDIR="${RUNSHEET_USER_ZDOTDIR:-$HOME}"
[[ -r "$ZDOTDIR/.zshenv" ]] && source "$ZDOTDIR/.zshenv"
RUNSHEET_USER_ZDOTDIR="$ZDOTDIR"
# Back to ours, so that zsh reads Runsheet's .zshrc next.
ZDOTDIR="$RUNSHEET_ZDOTDIR"
