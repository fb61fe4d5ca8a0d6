#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: for each kernel line, boot a guest that runs rmapbench (tests/guest/rmapbench.c) at full size,
# gather its measurements into build/bench/results.json, print the tables against the goals, and draw the
# scaling plots into build/bench/ (gnuplot). Every number is a ratio or a shape measured in one boot: TCG makes
# absolute times meaningless.
#   KERNELS="debug 6.1 6.12 newest"  the lines (default: all; only the debug kernel has page_idle, the
#                                    kernel's own walk the per-PFN ratios are taken against)
#   BENCH_SCALE=full|quick           full: 10,000 processes, 10,000 vmas, a 1 GiB hugetlb region (a 6 GiB guest)
#   BENCH_SERIES=shapes,pagemap,scaling,impact,worst
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-$top/build}
out=$BUILD/bench
kernels=${KERNELS:-debug 6.1 6.12 newest}
scale=${BENCH_SCALE:-full}
series=${BENCH_SERIES:-shapes,pagemap,scaling,impact,worst}
case $scale in full) mem=6144 ;; quick) mem=1024 ;; *) echo "bench: BENCH_SCALE is full or quick" >&2; exit 2 ;; esac
command -v gnuplot >/dev/null || echo "bench: no gnuplot (make deps installs gnuplot-nox): tables only" >&2
mkdir -p "$out"
make -s guest-progs || exit 1
consoles=() failed=0
for line in $kernels; do
	kdir=$(tests/rig/fetch-kernel.sh "$line") || { echo "bench: kernel line $line: fetch failed" >&2; failed=1; continue; }
	abi=$(basename "$kdir")
	tests/rig/build-module.sh "$kdir" "$out/$abi/module" || { failed=1; continue; }
	echo "bench: $abi: guest running ($scale; progress in $out/$abi/guest/console.log)" >&2
	t=$(date +%s)
	RIG_MEM=$mem RIG_TIMEOUT=3600 tests/rig/run-guest.sh "$kdir" "$out/$abi/module/rmap_probe.ko" "$BUILD/guest" \
		"$out/$abi/guest" RIG_ONLY=t-40-bench RIG_BENCH="$scale" RIG_BENCH_SERIES="$series" \
		> "$out/$abi/verdicts.txt" 2>&1 || { grep -E '^FAIL' "$out/$abi/verdicts.txt" >&2; failed=1; }
	echo "bench: $abi: $(( $(date +%s) - t )) s" >&2
	consoles+=("$abi=$out/$abi/guest/console.txt")
done
[ ${#consoles[@]} -gt 0 ] || exit 1
python3 tests/bench-report.py --out "$out/results.json" --plots "$out" "${consoles[@]}" | tee "$out/report.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || failed=1
echo "bench: results in $out/results.json, the tables in $out/report.txt" >&2
exit $failed
