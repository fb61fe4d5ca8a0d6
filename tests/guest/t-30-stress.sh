# SPDX-License-Identifier: GPL-2.0
# A slice of the stress test (make stress runs it longer: RACE_SECONDS on the kernel command line), with every
# tracing program attached meanwhile: its kprobes sit in the rmap paths the stress hammers.
. /tests/lib.sh
rmapctl trace --events migrate,unmap,zap >/dev/null 2>/tmp/stress-trace.err &
tracer=$!
i=0
while ! grep -q 'tracing ' /tmp/stress-trace.err && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
run_group stress "stress run"
kill -TERM $tracer
wait $tracer
rc=$?
# under this load the ring buffer may overflow: the count of lost events is printed, not judged
if [ $rc -eq 0 ] && grep -q ' events (' /tmp/stress-trace.err; then
	pass "rmapctl trace ran through the stress run: $(grep ' events (' /tmp/stress-trace.err)"
else
	cat /tmp/stress-trace.err
	fail "rmapctl trace through the stress run" "exit $rc"
fi
