# SPDX-License-Identifier: GPL-2.0
# Every JSON output of rmapctl, on success and on its error paths, read by a parser nobody here wrote (jq):
# one document per --json command (an error is {"error":{"message","exit_code"}}), one per line of a
# --json-lines stream, which ends in its summary.
. /tests/lib.sh

# json_ok NAME WANT-EXIT FILTER CMD...: CMD exits WANT-EXIT and its stdout is exactly one JSON document for
# which the jq FILTER is true.
json_ok() {
	name=$1 want=$2 filter=$3
	shift 3
	"$@" >/tmp/j.out 2>/tmp/j.err
	rc=$?
	if [ $rc -ne "$want" ]; then
		head -c 600 /tmp/j.out; tail -3 /tmp/j.err
		fail "$name" "exit $rc, wanted $want"
	elif ! jq -s -e "length == 1 and (.[0] | $filter)" </tmp/j.out >/dev/null 2>/tmp/jq.err; then
		head -c 600 /tmp/j.out; echo; cat /tmp/jq.err
		fail "$name" "stdout is not one JSON document with $filter"
	else
		pass "$name"
	fi
}

# json_error NAME WANT-EXIT CMD...: an error, as one document that names it with the exit code.
json_error() {
	name=$1 want=$2
	shift 2
	json_ok "$name" "$want" ".error.exit_code == $want and (.error.message | length) > 0" "$@"
}

check "load for the JSON checks" load_module
text=$(rmaptest pfn-of $$ 0x401000)	# this shell's text page: busybox's, mapped by every shell
json_ok "pfn --json: a mapped page" 0 '.verdict == "complete" and (.mappings | length) > 0' rmapctl pfn --json "$text"
json_ok "pfn --json: PFN 0, nothing mapped" 0 '.pfn == 0 and (.mappings | length) == 0' rmapctl pfn --json 0
json_error "pfn --json: a bad PFN" 2 rmapctl pfn --json 0x
json_error "pfn --json: no memory there" 5 rmapctl pfn --json 4503599627370496
json_error "pfn --json: an unknown option" 2 rmapctl pfn --json --bogus 1
json_error "pfn --json: no PFN" 2 rmapctl pfn --json
json_error "an unknown command with --json" 2 rmapctl bogus --json
json_ok "version --json: both versions" 0 '(.rmapctl | length) > 0 and (.module | length) > 0' rmapctl version --json

# --history: before the recorder runs, while it runs, and a recorder another rmapctl version left
rmapctl record stop >/dev/null 2>&1
json_error "pfn --history --json: the recorder is not running" 1 rmapctl pfn --history --json "$text"
json_ok "record status --json: stopped" 0 '.running == false' rmapctl record status --json
check "record start" rmapctl record start
json_ok "record status --json: running, its hooks, counts and memory" 0 \
	'.running and (.hooks | length) > 0 and .max_pfns > 0 and .pfns_evicted == 0 and .memlock_bytes.maps > 0 and
	 (.lost_by_cause | length) == 2 and .misclassified_no_task_context == 0' rmapctl record status -j
json_ok "pfn --history --json: a history and the page now" 0 \
	'.pfn > 0 and (.history | type) == "array" and .now_pfn > 0 and .now.verdict != null' \
	rmapctl pfn --history --json "$text"
check "record stop" rmapctl record stop
expect_exit "record stop when stopped succeeds (nothing to stop)" 0 rmapctl record stop
check "record stop when stopped says so" grep -q "not running" /tmp/expect.out
check "a recorder of another version is pinned" rmaptest pin-skewed-history "$text"
json_error "pfn --history --json: a recorder of another version is refused" 1 rmapctl pfn --history --json "$text"
check "the refusal says why" grep -q "another rmapctl version" /tmp/j.err
expect_exit "record status: a recorder of another version is refused" 1 rmapctl record status
check "record stop removes the other version's recorder" rmapctl record stop
check "the other version's recorder is gone" test ! -e /sys/fs/bpf/rmap_probe

# trace: a stream of documents, its summary last; an error there is a document too
rmapctl trace --json-lines --events zap --duration 2 >/tmp/t.out 2>/tmp/t.err &
sleep 1
for i in 1 2 3 4 5; do true | cat >/dev/null; done
wait $!
rc=$?
if [ $rc -eq 0 ] && jq -s -e 'length >= 1 and all(.[:-1][]; has("event") and has("pfn")) and
		(.[-1].summary.events == length - 1)' </tmp/t.out >/dev/null 2>/tmp/jq.err; then
	pass "trace --json-lines: every line is JSON, the last the summary (events: $(($(wc -l </tmp/t.out) - 1)))"
else
	head -5 /tmp/t.out; tail -3 /tmp/t.err; cat /tmp/jq.err
	fail "trace --json-lines: every line is JSON, the last the summary" "exit $rc"
fi
json_error "trace --json-lines: a usage error" 2 rmapctl trace --json-lines --duration 0
check "unload for the checks without the module" unload_module
json_error "pfn --json without the module" 3 rmapctl pfn --json 1
json_ok "version --json without the module" 0 '(.rmapctl | length) > 0 and .module == null' rmapctl version --json
