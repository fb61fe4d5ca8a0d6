# SPDX-License-Identifier: GPL-2.0
# make demo: a few processes that share pages, and what rmapctl says about them.
insmod /rmap/rmap_probe.ko
echo "== rmapctl version"
rmapctl version

text_pfn() {	# PID PATTERN: the PFN of the first page of the executable mapping matching PATTERN
	addr=$(grep -m1 "r-xp.*$2" "/proc/$1/maps" | cut -d- -f1)
	rmaptest pfn-of "$1" "0x$addr"
}

for i in 1 2 3; do idle & done
sleep 1
pid=$!
pfn=$(text_pfn "$pid" /bin/idle)
echo "== three 'idle' processes share their text page: rmapctl pfn $pfn"
rmapctl pfn "$pfn"
echo "== the same page as JSON: rmapctl pfn $pfn --json"
rmapctl pfn "$pfn" --json
pfn=$(text_pfn $$ /bin/busybox)
echo "== busybox's first text page, mapped by every shell and tool running now: rmapctl pfn $pfn"
rmapctl pfn "$pfn"
echo "== a free page and a slab page are described, not walked"
rmapctl pfn "$(rmaptest find-pfn buddy)"
rmapctl pfn "$(rmaptest find-pfn slab)"
echo "== bad input gets a clear error"
rmapctl pfn 0x4000000000000
echo "(exit $?)"
rmapctl pfn banana
echo "(exit $?)"
kill %1 %2 %3
rmmod rmap_probe
echo "PASS: demo ran"
