# Sourced by zsh_complete.zsh in the interactive zsh it starts.
PROMPT=''; RPROMPT=''
fpath=($DIR $fpath)
autoload -Uz compinit; compinit -u -D
# Prints every candidate zsh would offer, instead of inserting it.
compadd () {
    if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi
    typeset -a __hits
    builtin compadd -A __hits "$@"
    local r=$?
    (( $#__hits )) && print -l -- "<hit>"${^__hits}
    return r
}
zstyle ':completion:*' list-prompt ''
zstyle ':completion:*' menu no
finish() { print '<done>' }
zle -N finish
bindkey '^I' complete-word
bindkey '^X' finish
