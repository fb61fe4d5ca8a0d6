# SPDX-License-Identifier: GPL-2.0
# Unmap and migration history (bpf/, rmapctl trace/record): attach points, bad input, and the triggers of
# tests/guest/rmaptest.c's trace group checked against pagemap.
. /tests/lib.sh

# Swap on a ramdisk, for MADV_PAGEOUT of anonymous memory (built in on the debug kernel, a module elsewhere).
[ -b /dev/ram0 ] || insmod /lib/modules/brd.ko rd_nr=1 rd_size=65536
if [ -b /dev/ram0 ] && mkswap /dev/ram0 >/dev/null && swapon /dev/ram0; then
	pass "swap on a brd ramdisk"
else
	fail "swap on a brd ramdisk"
fi

# Attach points come from the running kernel's BTF, in either attach mode: the rmap removal hook of each
# line, said with -v, checked against the kernel's symbols.
attach_points() { # MODE ENTRY-KIND RETURN-KIND
	rmapctl trace -v --attach "$1" --duration 1 >/tmp/v.out 2>&1
	rc=$?
	[ $rc -eq 0 ] && pass "trace -v --attach $1 exits 0" || { cat /tmp/v.out; fail "trace -v --attach $1" "exit $rc"; }
	for f in try_to_unmap_one try_to_migrate_one move_to_new_folio page_remove_rmap folio_remove_rmap_ptes mm_update_next_owner \
		folio_remove_rmap_pmd; do
		if grep -q " $f\$" /proc/kallsyms; then
			grep -qE "attach +($2|$3):$f " /tmp/v.out && pass "trace -v --attach $1: attaches $f (in kallsyms)" ||
				{ cat /tmp/v.out; fail "trace -v --attach $1: $f is in kallsyms but not attached"; }
		else
			grep -qE "skip +($2|$3):$f .*not in this kernel's BTF" /tmp/v.out &&
				pass "trace -v --attach $1: skips $f and says why (not in kallsyms)" ||
				{ cat /tmp/v.out; fail "trace -v --attach $1: $f is not in kallsyms; -v does not say so"; }
		fi
	done
}
attach_points auto fentry fexit
attach_points kprobe kprobe kretprobe

expect_exit "trace: unknown event type is a usage error" 2 rmapctl trace --events migrate,bogus
expect_exit "trace: --pfn with --pid is a usage error" 2 rmapctl trace --pfn 1 --pid 1
expect_exit "trace: duration 0 is a usage error" 2 rmapctl trace --duration 0
expect_exit "trace: bad PFN is a usage error" 2 rmapctl trace --pfn 12abc
expect_exit "trace: unknown attach mode is a usage error" 2 rmapctl trace --attach uprobe
expect_exit "record: unknown subcommand is a usage error" 2 rmapctl record begin
expect_exit "record: stop takes no options" 2 rmapctl record stop --events zap
expect_exit "record stop when stopped succeeds" 0 rmapctl record stop
expect_exit "trace as nobody is refused" 4 rmaptest as-nobody rmapctl trace --duration 1
# what the kernel asks for, not uid 0: CAP_BPF and CAP_PERFMON, and CAP_SYSLOG to read vmemmap_base
expect_exit "trace as nobody with CAP_BPF, CAP_PERFMON and CAP_SYSLOG traces" 0 \
	rmaptest as-nobody-with-caps bpf,perfmon,syslog rmapctl trace --duration 1
expect_exit "trace as nobody with CAP_BPF and CAP_SYSLOG but no CAP_PERFMON is refused" 4 \
	rmaptest as-nobody-with-caps bpf,syslog rmapctl trace --duration 1
# kprobes go through perf_event_open(), which perf_event_paranoid 3 (Debian's) opens to CAP_SYS_ADMIN only
if [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -gt 2 ]; then
	expect_exit "trace --attach kprobe as nobody with CAP_BPF and CAP_PERFMON: refused, perf_event_paranoid 3" 4 \
		rmaptest as-nobody-with-caps bpf,perfmon,syslog rmapctl trace --attach kprobe --duration 1
	grep -q 'perf_event_paranoid' /tmp/expect.out && pass "... and says why (perf_event_paranoid)" ||
		{ cat /tmp/expect.out; fail "... and says why (perf_event_paranoid)"; }
else
	skip "trace --attach kprobe as nobody with capabilities" "perf_event_paranoid is not above 2 here"
fi

# One hook the kernel refuses: its BPF trampoline filled by another tool. By default that hook alone falls back
# to its kprobe and everything still traces; with --attach fentry its events are dropped, said, and the rest
# still traces.
rmaptest hog-trampoline move_to_new_folio >/tmp/hog.out 2>&1 &
hog=$!
i=0
while ! grep -q hogging /tmp/hog.out && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
if grep -q 'hogging .*refused' /tmp/hog.out; then
	pass "a full trampoline on move_to_new_folio: $(cat /tmp/hog.out)"
	expect_exit "trace -v with fexit:move_to_new_folio refused exits 0" 0 rmapctl trace -v --duration 1
	check "that hook alone falls back to its kretprobe" grep -q 'fexit:move_to_new_folio refused (.*): kretprobe instead' /tmp/expect.out
	check "and the other hooks stay on fentry" grep -qE 'attach fentry:try_to_unmap_one ' /tmp/expect.out
	check "load for the trace with one hook refused" load_module
	rmaptest trace-move
	check "unload after the trace with one hook refused" unload_module
	expect_exit "trace --attach fentry with it refused still traces the rest" 0 \
		rmapctl trace --attach fentry --events migrate,unmap --duration 1
	check "and says which events were dropped and why" grep -q 'migrate events dropped: cannot attach move_to_new_folio' /tmp/expect.out
else
	cat /tmp/hog.out
	fail "a full trampoline on move_to_new_folio"
fi
kill $hog 2>/dev/null
wait $hog 2>/dev/null

# --comm, -j and -T: only that process name's events, JSON lines, wall-clock times under a header.
# trace_cats ARGS...: rmapctl trace ARGS while a few cat processes exit (their zaps), once it is attached.
trace_cats() {
	rmapctl trace "$@" --duration 3 >/tmp/c.out 2>/tmp/c.err &
	tracer=$!
	i=0
	while ! grep -q 'tracing ' /tmp/c.err && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
	for i in 1 2 3 4; do cat /proc/self/maps >/dev/null; done
	wait $tracer
}
trace_cats -j --events zap --comm cat
if jq -s -e '(.[:-1] | length) > 0 and all(.[:-1][]; .comm == "cat") and .[-1].summary.events == length - 1' \
	</tmp/c.out >/dev/null 2>&1; then
	pass "trace -j --comm cat: $(($(wc -l </tmp/c.out) - 1)) zaps, every one in a process named cat"
else
	head -3 /tmp/c.out; tail -2 /tmp/c.err
	fail "trace -j --comm cat: only cat's zaps"
fi
trace_cats -T --events zap
if head -1 /tmp/c.out | grep -q '^TIME ' && sed -n 2p /tmp/c.out | grep -qE '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} zap '; then
	pass "trace -T: a header, then wall-clock times ($(sed -n 2p /tmp/c.out | cut -c1-40))"
else
	head -3 /tmp/c.out; tail -2 /tmp/c.err
	fail "trace -T: a header, then wall-clock times"
fi
expect_exit "trace --comm with a name longer than a comm is a usage error" 2 rmapctl trace --comm 0123456789abcdefg
trace_cats --stack --events zap --comm cat
if head -1 /tmp/c.out | grep -q '^TIME' && grep -qE '^ +unmap_vmas\+0x' /tmp/c.out && grep -qE '^ +.*exit_mmap' /tmp/c.out
then
	pass "trace --stack: exiting cats' zaps each under their kernel stack (exit_mmap, unmap_vmas)"
else
	head -20 /tmp/c.out
	fail "trace --stack: exiting cats' zaps each under their kernel stack"
fi

run_group trace "tracing scenarios"
# the same triggers through kprobes, the fallback for kernels without BPF trampolines
check "load for the tracing scenarios through kprobes" load_module
TRACE_ATTACH=kprobe rmaptest trace-move trace-move-all trace-pageout trace-record trace-exit-zap-elsewhere \
	trace-zap-stack
check "unload after the tracing scenarios through kprobes" unload_module
swapoff /dev/ram0 2>/dev/null
