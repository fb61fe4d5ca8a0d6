#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench's report (tests/bench-report.py) on a sample console log: results.json parses (python3's json),
# the goals are judged from the numbers, gnuplot draws the plots (PNG, and SVG that python3's XML parser reads).
# One PASS:/FAIL: line per case.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
rc=0
result() { if [ "$2" -eq 0 ]; then echo "PASS: unit $1"; else echo "FAIL: unit $1"; rc=1; fi; }

# a guest's console: kernel noise, verdicts and BENCH lines, as rmapbench prints them
cat > "$dir/console.txt" <<'LOG'
[    1.0] Linux version 6.1.0
PASS: bench shapes: anon: 128 of 128 queries complete
BENCH {"series":"shapes","shape":"anon","pfns":128,"mappers":5,"complete":128,"listed":128,"ours_ns":140000,"ours_list_ns":120000,"kernel_ns":150000,"kernel_batched_ns":140000,"ratio":0.933,"ratio_list":0.857}
BENCH {"series":"shapes","shape":"ksm","pfns":64,"mappers":5,"complete":64,"listed":64,"ours_ns":500000,"ours_list_ns":450000,"kernel_ns":200000,"kernel_batched_ns":190000,"ratio":2.5,"ratio_list":2.368}
BENCH {"series":"shapes","shape":"ksm_searched","pfns":64,"mappers":5,"complete":64,"listed":64,"ours_ns":900000,"ours_list_ns":850000,"kernel_ns":200000,"kernel_batched_ns":190000,"ratio":4.5,"ratio_list":4.474}
BENCH {"series":"shapes","shape":"hugetlb","pfns":1024,"mappers":5,"complete":1024,"listed":1024,"ours_ns":160000,"ours_list_ns":110000,"kernel_ns":null,"kernel_batched_ns":null,"ratio":null,"ratio_list":null,"why":"page_idle does not walk hugetlb folios (they are not on the LRU)"}
BENCH {"series":"pagemap","what":"one_pfn_busy","processes":300,"ours_ns":100000,"scan_ns":50000000,"speedup":500.0}
BENCH {"series":"pagemap","what":"pfn_set_busy","pfns":10000,"processes":300,"scan_per_pfn_extrapolated_ns":500000000000,"scan_one_pass_ns":1000000000,"singles_ns":1500000000,"lists_ns":1000000000,"speedup_lists_vs_scan_per_pfn":500.0,"speedup_singles_vs_scan_per_pfn":333.3,"speedup_lists_vs_one_pass":1.00}
BENCH {"series":"scaling","what":"anon_processes","n":1,"mappings":1,"ns":30000,"ns_per_mapping":30000.0,"nodes":1,"longest_lock_ns":2000,"longest_ptl_ns":900,"kernel_ns":-1}
BENCH {"series":"scaling","what":"anon_processes","n":10,"mappings":10,"ns":75000,"ns_per_mapping":7500.0,"nodes":19,"longest_lock_ns":10000,"longest_ptl_ns":900,"kernel_ns":-1}
BENCH {"series":"scaling","what":"anon_processes","n":100,"mappings":100,"ns":525000,"ns_per_mapping":5250.0,"nodes":199,"longest_lock_ns":100000,"longest_ptl_ns":900,"kernel_ns":-1}
BENCH {"series":"scaling","what":"anon_vma_tree_vmas","n":10,"mappings":1,"ns":27000,"ns_per_mapping":27000.0,"nodes":4,"longest_lock_ns":1700,"longest_ptl_ns":900,"kernel_ns":-1}
BENCH {"series":"scaling","what":"anon_vma_tree_vmas","n":1000,"mappings":1,"ns":29000,"ns_per_mapping":29000.0,"nodes":11,"longest_lock_ns":1900,"longest_ptl_ns":900,"kernel_ns":-1}
BENCH {"series":"impact","loop":"mmap loop","pairs":2,"phase_s":1,"iterations_alone":7000,"iterations_scanned":700,"iterations_spin":800,"median_alone_ns":290000,"median_scanned_ns":292000,"median_spin_ns":291000,"p99_alone_ns":1890000,"p99_scanned_ns":2200000,"p99_spin_ns":2100000,"p99_ratio":1.164,"p99_ratio_spin":1.111,"scan_reported":31521,"longest_hold_ns":{"folio":82700,"anon_vma":50000,"i_mmap":0,"mmap":0,"ptl":3000}}
BENCH {"series":"shapes","shape":"cut
LOG
python3 "$top/tests/bench-report.py" --out "$dir/results.json" --plots "$dir/plots" line="$dir/console.txt" \
	> "$dir/report.txt" 2>&1
result "bench-report: runs on a console log" $?
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); r = d["lines"]["line"]
assert len(r) == 12 and r[0]["shape"] == "anon" and r[3]["ratio"] is None' "$dir/results.json"
result "bench-report: results.json holds every whole BENCH line (python3's json), nulls kept, a cut one left out" $?
grep -q '^  met    anon: per-PFN cost <= 1.0x the kernel.s walk, a PFN at a time (0.93)' "$dir/report.txt" &&
	grep -q '^  met    anon: per-PFN cost <= 1.0x the kernel.s walk, batched (0.86, against its cheaper way)' "$dir/report.txt" &&
	grep -q '^  MISSED ksm: per-PFN cost <= 1.0x the kernel.s walk, batched (2.37, against its cheaper way)' "$dir/report.txt" &&
	grep -q 'hugetlb: no ratio: page_idle does not walk hugetlb' "$dir/report.txt" &&
	grep -q '^  ksm_searched  *64 ' "$dir/report.txt" && ! grep -q 'ksm_searched:' "$dir/report.txt" &&
	grep -q '^  met    one PFN among 300 processes: >= 100x' "$dir/report.txt" &&
	grep -q '^  MISSED 10000 PFNs among 300 processes: >= 1000x faster than a pagemap scan per PFN (500x; one pass over every pagemap: 1.00x)' "$dir/report.txt" &&
	grep -q '^  met    anon_processes: time per further mapping flat' "$dir/report.txt" &&
	grep -q '^  MISSED a full-RAM scan adds < 10% to a concurrent loop.s p99 (x1.16; a process that only spins: x1.11)' "$dir/report.txt" &&
	grep -q '^  MISSED series worst: NOT MEASURED' "$dir/report.txt"
rc1=$?
[ $rc1 -eq 0 ] || cat "$dir/report.txt"
result "bench-report: each goal met or missed as the numbers say, the reason for a missing ratio shown, the search's KSM row a comparison, no goal" $rc1
[ "$(head -c 8 "$dir/plots/scaling-line.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
	[ "$(head -c 8 "$dir/plots/tree-line.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
result "bench-report: gnuplot draws the scaling and tree plots as PNG" $?
python3 -c 'import sys, xml.etree.ElementTree as E; [E.parse(f) for f in sys.argv[1:]]' \
	"$dir/plots/scaling-line.svg" "$dir/plots/tree-line.svg"
result "bench-report: and as SVG (python3's XML parser)" $?
exit $rc
