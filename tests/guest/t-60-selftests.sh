# SPDX-License-Identifier: GPL-2.0
# The kernel's own mm selftests (built from Debian's source of this line by tests/rig/mm-selftests.sh): the
# adversary nobody here wrote. Each runs once alone and once while rmap_probe queries every PFN of RAM in a loop
# with every tracing hook attached. Its result must be the same both times, and no answer may be a mismatch;
# the guest log is checked for kernel reports as in every run.
. /tests/lib.sh
if [ ! -s /selftests/tests ]; then
	skip "kernel mm selftests" "none built for this kernel line: make check runs them on 6.12 and the debug kernel, where the suite has time for them"
	exit 0
fi
limit=${SELFTEST_TIMEOUT:-300}
# ksm_tests -N asserts its count right after exactly two full scans, but KSM's smart scan (6.7+, on by
# default) visits an unmerged page only on its 1st, 2nd, 3rd, 4th, 6th, 9th... scan: whether the merge lands
# in time then hangs on scheduling (it failed alone too). Off for every run, alone and loaded alike.
[ -w /sys/kernel/mm/ksm/smart_scan ] && echo 0 > /sys/kernel/mm/ksm/smart_scan
mkdir -p /tmp/huge
mount -t hugetlbfs none /tmp/huge
echo 64 > /proc/sys/vm/nr_hugepages

# run_all TAG: every test of /selftests/tests; "NAME ARGS|EXIT|SECONDS|N" lines in /tmp/st-TAG, the output of
# the Nth in /tmp/st-TAG-N.log.
run_all() {
	n=0
	: > "/tmp/st-$1"
	while read -r t args; do
		n=$((n + 1))
		start=$(date +%s)
		# shellcheck disable=SC2086
		(cd /tmp && timeout "$limit" "/selftests/$t" $args) > "/tmp/st-$1-$n.log" 2>&1 < /dev/null
		echo "$t $args|$?|$(($(date +%s) - start))|$n" >> "/tmp/st-$1"
	done < /selftests/tests
}

run_all alone
check "load for the mm selftests" load_module
rmapctl trace --events migrate,unmap,zap >/dev/null 2>/tmp/st-trace.err &
tracer=$!
rmaptest query-loop > /tmp/st-loop.out 2>&1 &
loop=$!
run_all loaded
kill -TERM $loop
wait $loop
looprc=$?
kill -TERM $tracer
wait $tracer
tracerc=$?

# A test whose result beside rmap_probe differs from its first run alone is run alone twice more: some are
# flaky on their own (ksm_tests -N waits on ksmd's timing). It passes if its loaded result is one it also
# gives alone, or a pass, and says so; otherwise it fails.
# exit codes: 0 pass, 4 skip (kselftest), 124/137/143 timeout; anything else a failure
while IFS='|' read -r test rc secs n; do
	loaded=$(grep "|$n\$" /tmp/st-loaded)
	lrc=$(echo "$loaded" | cut -d'|' -f2)
	lsecs=$(echo "$loaded" | cut -d'|' -f3)
	what="mm selftest '$test' beside rmap_probe's queries and tracing"
	alone=$rc
	if [ "$rc" != "$lrc" ]; then
		t=${test%% *} args=${test#"$t"}
		for again in 1 2; do
			# shellcheck disable=SC2086
			(cd /tmp && timeout "$limit" "/selftests/$t" $args) > "/tmp/st-again-$n.log" 2>&1 < /dev/null
			alone="$alone $?"
		done
	fi
	case " $alone " in
	*" $lrc "*) ;;
	*)
		# passing beside rmap_probe is never its fault: the test is flaky on its own (ksm_tests -N on 6.12)
		if [ "$lrc" = 0 ]; then
			pass "$what: passes beside rmap_probe, though alone it failed (exits $alone): flaky on its own"
			continue
		fi
		echo "--- alone:"
		tail -12 "/tmp/st-alone-$n.log"
		echo "--- loaded:"
		tail -12 "/tmp/st-loaded-$n.log"
		fail "$what" "exit $lrc loaded; alone: $alone"
		continue ;;
	esac
	[ "$alone" != "$rc" ] && flaky=" (flaky alone too: exits $alone)" || flaky=
	case $lrc in
	0) pass "$what: passes as alone$flaky (${secs}s alone, ${lsecs}s loaded)" ;;
	4) pass "$what: skips as alone$flaky (its own reason, in its log)" ;;
	*) pass "$what: exit $lrc as alone$flaky: the test fails on this kernel even without rmap_probe" ;;
	esac
done < /tmp/st-alone
cat /tmp/st-loop.out | tail -8
if [ "$looprc" -eq 0 ]; then
	pass "queries of every PFN beside the mm selftests: $(grep '^query-loop:' /tmp/st-loop.out)"
else
	fail "queries of every PFN beside the mm selftests" "$(grep '^query-loop:' /tmp/st-loop.out)"
fi
if [ "$tracerc" -eq 0 ]; then
	pass "rmapctl trace ran beside the mm selftests: $(grep ' events (' /tmp/st-trace.err)"
else
	cat /tmp/st-trace.err
	fail "rmapctl trace beside the mm selftests" "exit $tracerc"
fi
check "unload after the mm selftests" unload_module
