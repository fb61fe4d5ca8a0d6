#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot one guest: a Debian kernel, a busybox initramfs with the module, rmapctl and the guest tests.
# Usage: run-guest.sh KERNEL-DIR MODULE.ko GUEST-BIN-DIR OUTDIR [kernel args...]
# Writes OUTDIR/console.log (raw) and OUTDIR/console.txt (cleaned); prints PASS:/FAIL:/SKIP: lines, the guest's
# own and the rig's verdicts (exit status, end marker, kernel splats). Exits non-zero when anything failed.
set -uo pipefail
kernel=$1 ko=$2 bin=$3 out=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
name=$(basename "$(readlink -f "$kernel")")
qemu_root=$("$here/fetch-qemu.sh") || exit 1
timeout_s=${RIG_TIMEOUT:-900}
mem=${RIG_MEM:-1024}
# Two NUMA nodes, both CPUs on node 0 (splitting them makes 6.1 warn about the topology): pages can be moved
# on demand with move_pages(2).
numa=(-object "memory-backend-ram,id=m0,size=$((mem / 2))M" -object "memory-backend-ram,id=m1,size=$((mem / 2))M"
	-numa node,nodeid=0,cpus=0-1,memdev=m0 -numa node,nodeid=1,memdev=m1)

mkdir -p "$out"
root=$out/initramfs
rm -rf "$root" && mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,rmap,tests,etc,root}
cp /bin/busybox "$root/bin/busybox"
install -m 755 "$top/tests/guest/init" "$root/init"
cp "$top"/tests/guest/*.sh "$root/tests/"
cp "$ko" "$root/rmap/rmap_probe.ko"
sed -n 's/^#define RMAP_PROBE_VERSION "\(.*\)"/\1/p' "$top/module/rmap_probe.h" > "$root/rmap/version"
for f in "$bin"/*; do cp "$f" "$root/bin/"; done
# jq, with the libraries it links: the tests parse every JSON output of rmapctl with a parser nobody here wrote.
# Any program of GUEST-BIN-DIR that is not static (the packaged rmapctl of check-packages) gets its libraries too.
jq=$(command -v jq) || { echo "run-guest.sh: jq is missing (make deps)" >&2; exit 1; }
cp "$jq" "$root/bin/jq"
for prog in "$jq" "$bin"/*; do
	for f in $(ldd "$prog" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
		mkdir -p "$root$(dirname "$f")" && cp -L "$f" "$root$f"
	done
done
# RIG_SELFTESTS=DIR: the kernel's mm selftests for this line (tests/rig/mm-selftests.sh), run by t-60-selftests.
[ -n "${RIG_SELFTESTS:-}" ] && cp -r "$RIG_SELFTESTS" "$root/selftests"
# the module built with KSM layouts it must refuse (ksm-variants.sh), for t-12-ksm-layout.sh
[ -n "${RIG_KSM_VARIANTS:-}" ] && mkdir -p "$root/rmap/variants" &&
	cp "$RIG_KSM_VARIANTS"/*.ko "$RIG_KSM_VARIANTS"/*.expect "$root/rmap/variants/"
# Kernel modules the tests use (brd for swap), as the image package ships them.
mkdir -p "$root/lib/modules"
# busybox insmod wants them uncompressed (6.12 ships .ko.xz).
for f in $(find -L "$kernel/modules/kernel" -name 'brd.ko*' 2>/dev/null); do
	case $f in
	*.xz) xz -dc "$f" ;;
	*.zst) zstd -dcq "$f" ;;
	*) cat "$f" ;;
	esac > "$root/lib/modules/brd.ko"
done
echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
echo "nobody:x:65534:65534:nobody:/:/bin/sh" >> "$root/etc/passwd"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$out/initramfs.cpio"

log=$out/console.log
rm -f "$log"
start=$(date +%s.%N)
timeout --kill-after=10 "$timeout_s" "$qemu_root/usr/bin/qemu-system-x86_64" \
	-L "$qemu_root/usr/share/seabios" -L "$qemu_root/usr/share/qemu" \
	-m "$mem" "${numa[@]}" -smp 2 -display none -monitor none -serial "file:$log" -no-reboot -net none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	${RIG_QEMU_ARGS:-} \
	-kernel "$kernel/vmlinuz" -initrd "$out/initramfs.cpio" \
	-append "console=ttyS0 panic=-1 $*" </dev/null >"$out/qemu.out" 2>&1
rc=$?
secs=$(echo "$(date +%s.%N) - $start" | bc)
tr -d '\r' < "$log" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' > "$out/console.txt"

failed=0
verdict() { echo "$1: $name: $2"; [ "$1" = FAIL ] && failed=1; return 0; }
grep -E '^(PASS|FAIL|SKIP): ' "$out/console.txt" | sed "s/^\(PASS\|FAIL\|SKIP\): /\1: $name: /"
grep -q '^FAIL: ' "$out/console.txt" && failed=1
case $rc in
1) ;; # the guest wrote status 0 to isa-debug-exit
3) verdict FAIL "guest reported failures" ;;
124|137) verdict FAIL "guest timed out after ${timeout_s}s (hang?)" ;;
0)	# Lockdown forbids ioperm(), so such a guest powers off instead: accept a clean power-down after the
	# end marker (a panic never prints it) and take the verdict from the marker.
	if [ -n "$(grep -E '^RIG-END .*failed=0 ' "$out/console.txt")" ] && grep -q 'reboot: Power down' "$out/console.txt" &&
		grep -q 'guest-exit: ioperm: Operation not permitted' "$out/console.txt"; then
		:
	else
		verdict FAIL "guest ended without reporting (kernel panic or reboot)"
	fi ;;
*) verdict FAIL "qemu exited $rc: $(tail -3 "$out/qemu.out" | tr '\n' ' ')" ;;
esac
grep -q '^RIG-END ' "$out/console.txt" || verdict FAIL "no end marker in the console log"
# Kernel splats anywhere in the log, ours or not, fail the run. Test verdict lines are not kernel output.
splats=$(grep -v -E '^(PASS|FAIL|SKIP): ' "$out/console.txt" |
	grep -E 'WARNING:|BUG:|Oops|Call Trace|Kernel panic|KASAN|kmemleak: .*new suspected|unreferenced object|possible recursive locking|circular locking|INFO: task .* blocked|soft lockup|UBSAN:|general protection fault' |
	sort -u | head -5)
if [ -n "$splats" ]; then
	while IFS= read -r s; do verdict FAIL "kernel report in guest log: $s"; done <<< "$splats"
else
	verdict PASS "guest log free of kernel warnings"
fi
echo "rig: $name: guest run took ${secs%.*}s wall (log: $out/console.txt)" >&2
exit $failed
