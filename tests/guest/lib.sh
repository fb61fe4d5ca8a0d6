# SPDX-License-Identifier: GPL-2.0
# Helpers for guest-side test scripts. Every case ends in exactly one PASS:, FAIL: or SKIP: line.
RESULTS=/tmp/results

pass() { echo "PASS: $1" | tee -a $RESULTS; }
fail() { echo "FAIL: $1${2:+ ($2)}" | tee -a $RESULTS; }
skip() { echo "SKIP: $1 ($2)" | tee -a $RESULTS; }

# check NAME CMD...: pass when CMD exits 0, fail with its output otherwise.
check() {
	name=$1
	shift
	if out=$("$@" 2>&1); then
		pass "$name"
	else
		echo "$out" | tail -20
		fail "$name" "exit $?"
	fi
}

# expect_exit NAME WANTED-EXIT CMD...: CMD must exit with WANTED-EXIT (its output in /tmp/expect.out).
expect_exit() {
	name=$1 want=$2
	shift 2
	"$@" >/tmp/expect.out 2>&1
	rc=$?
	if [ $rc -eq "$want" ]; then
		pass "$name"
	else
		tail -5 /tmp/expect.out
		fail "$name" "exit $rc, wanted $want"
	fi
}

load_module() { insmod /rmap/rmap_probe.ko; }

# swap_on WHY-NOT: a 64 MiB swap device in RAM (brd), or say what follows without one
swap_on() {
	[ -b /dev/ram0 ] || insmod /lib/modules/brd.ko rd_nr=1 rd_size=65536
	{ [ -b /dev/ram0 ] && mkswap /dev/ram0 >/dev/null && swapon /dev/ram0; } || echo "  no swap device: $1"
}
swap_off() { swapoff /dev/ram0 2>/dev/null; }
unload_module() { rmmod rmap_probe; }

# run_group GROUP WHAT: load the module, run every rmaptest scenario of GROUP (rmaptest list GROUP), unload.
run_group() {
	check "load for the $2" load_module
	for s in $(rmaptest list "$1"); do
		rmaptest "$s"
		rc=$?
		# a scenario that crashed or bailed out before printing its verdicts must still fail
		[ $rc -le 1 ] || fail "scenario $s" "rmaptest exited $rc"
	done
	check "unload after the $2" unload_module
}
