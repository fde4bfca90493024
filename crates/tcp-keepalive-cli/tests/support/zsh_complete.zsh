# Prints what zsh offers at a TAB after $LINE, one candidate a line: an
# interactive zsh in a pseudo-terminal (zpty) with the completion system on,
# $DIR in its fpath, and compadd printing the candidates (zsh_complete_init.zsh).
zmodload zsh/zpty
zpty completing zsh -f -i
zpty -w completing "source ${(q)INIT}"
# The line, TAB, then ^X, bound to print <done> once the completion is over.
zpty -n -w completing "$LINE"$'\t\x18'
out=''
while zpty -r completing chunk; do
    out+=$chunk
    [[ $out == *'<done>'* ]] && break
done
print -r -- $out | grep -a -o '<hit>[^[:cntrl:][:space:]]*' | sed 's/<hit>//' | sort -u
zpty -d completing
