#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make install into a scratch root puts rmapctl, its manual page and its bash completion where Debian looks,
# and the completion completes. One PASS:/FAIL: line per case.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
rc=0
result() { if [ "$2" -eq 0 ]; then echo "PASS: unit $1"; else echo "FAIL: unit $1"; rc=1; fi; }

make -s -C "$top" install DESTDIR="$root" PREFIX=/usr >/dev/null 2>&1
result "make install DESTDIR PREFIX=/usr: sbin/rmapctl, man8/rmapctl.8, bash completion" \
	$([ -x "$root/usr/sbin/rmapctl" ] && [ -f "$root/usr/share/man/man8/rmapctl.8" ] &&
	  [ -f "$root/usr/share/bash-completion/completions/rmapctl" ]; echo $?)
# groff, as man formats it, with every warning on: none may be printed
warnings=$(groff -t -man -Tutf8 -ww -z "$root/usr/share/man/man8/rmapctl.8" 2>&1)
[ -z "$warnings" ] || echo "$warnings"
result "the manual page formats without warnings (groff -man -ww)" $([ -z "$warnings" ]; echo $?)
for sub in pfn vaddr pid explain range trace record version; do
	grep -qE "^\.B rmapctl $sub" "$root/usr/share/man/man8/rmapctl.8" && grep -qE "^\.B $sub\b" \
		"$root/usr/share/man/man8/rmapctl.8"
	result "the manual page covers rmapctl $sub (synopsis and description)" $?
done
# complete WORDS...: what the completion offers for the last word
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _rmapctl; echo "${COMPREPLY[*]}"' \
		_ "$root/usr/share/bash-completion/completions/rmapctl" "$@"
}
result "completion: 'rmapctl ra' offers range" $([ "$(complete_words rmapctl ra)" = range ]; echo $?)
result "completion: 'rmapctl trace --st' offers --stack" $([ "$(complete_words rmapctl trace --st)" = --stack ]; echo $?)
result "completion: 'rmapctl trace --attach k' offers kprobe" \
	$([ "$(complete_words rmapctl trace --attach k)" = kprobe ]; echo $?)
result "completion: 'rmapctl record s' offers start, stop, status" \
	$([ "$(complete_words rmapctl record s)" = "start stop status" ]; echo $?)
exit $rc
