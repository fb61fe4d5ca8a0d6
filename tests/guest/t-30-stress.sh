# SPDX-License-Identifier: GPL-2.0
# A slice of the stress test (make stress runs it longer: RACE_SECONDS on the kernel command line), with every
# tracing program attached meanwhile: its kprobes sit in the rmap paths the stress hammers.
. /tests/lib.sh
# The events go through a pipe to a reader, as to a user's script: how many are lost is the consumer's measure.
mkfifo /tmp/stress-trace.fifo
wc -l </tmp/stress-trace.fifo >/tmp/stress-trace.lines &
reader=$!
rmapctl trace --events migrate,unmap,zap --json-lines >/tmp/stress-trace.fifo 2>/tmp/stress-trace.err &
tracer=$!
i=0
while ! grep -q 'tracing ' /tmp/stress-trace.err && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
run_group stress "stress run"
kill -TERM $tracer
wait $tracer
rc=$?
wait $reader
rm -f /tmp/stress-trace.fifo
# under this load the ring buffer may overflow: the count of lost events is printed, not judged
if [ $rc -eq 0 ] && grep -q ' events (' /tmp/stress-trace.err; then
	pass "rmapctl trace ran through the stress run: $(grep ' events (' /tmp/stress-trace.err); $(cat /tmp/stress-trace.lines) lines read"
else
	cat /tmp/stress-trace.err
	fail "rmapctl trace through the stress run" "exit $rc"
fi
