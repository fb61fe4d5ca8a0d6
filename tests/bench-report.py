#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench's report: gather the guests' "BENCH {json}" lines into results.json, print the tables with the
goals they are held against, and draw the scaling plots with gnuplot (PNG and SVG).

usage: bench-report.py --out RESULTS.json [--plots DIR] LINE=CONSOLE.txt...   (gather, then report)
       bench-report.py --results RESULTS.json [--plots DIR]                   (report an earlier run)
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

# The goals of issue #15, each a (name, test) of the records of one kernel line.
GOAL_RATIO = 1.0          # per-PFN cost against the kernel's own walk, every shape
GOAL_ONE_PFN = 100        # times faster than a pagemap scan for one PFN
GOAL_SET = 1000           # times faster than a pagemap scan per PFN, for the set
GOAL_FLAT = 0.30          # time per mapping within ±30 % from 1 to 10,000 mappers
GOAL_P99 = 1.10           # a full-RAM scan adds less than 10 % to a concurrent loop's p99


def gather(pairs):
    lines = {}
    for pair in pairs:
        name, _, path = pair.partition("=")
        recs = []
        with open(path, errors="replace") as f:
            for text in f:
                if text.startswith("BENCH "):
                    try:
                        recs.append(json.loads(text[len("BENCH "):]))
                    except ValueError as e:   # a line cut by kernel output, or a nan
                        print("bench-report: %s: unreadable BENCH line (%s): %s" % (path, e, text[:120].rstrip()),
                              file=sys.stderr)
        lines[name] = recs
    return {"lines": lines}


def fmt_ns(ns):
    if ns is None:
        return "-"
    if ns >= 1e6:
        return "%.2f ms" % (ns / 1e6)
    if ns >= 1e3:
        return "%.1f us" % (ns / 1e3)
    return "%.0f ns" % ns


def verdict(ok):
    return "met" if ok else "MISSED"


def table(title, head, rows):
    print("\n" + title)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)] if rows else [len(h) for h in head]
    for row in [head] + rows:
        print("  " + "  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip())


def marginal(recs, what):
    """(n, ns per further mapping) for each step up the series: the time a query gained from the step before,
    per mapping gained, so the query's fixed cost (syscalls, the page's own lookup) drops out."""
    pts = sorted((r["n"], r["ns"], r["mappings"]) for r in recs if r.get("what") == what)
    return [(n, (ns - pns) / (m - pm)) for (pn, pns, pm), (n, ns, m) in zip(pts, pts[1:]) if m > pm]


def flatness(recs, what):
    """The largest deviation of the cost per further mapping from its median, as a fraction."""
    pts = sorted(ns for _, ns in marginal(recs, what))
    if len(pts) < 2:
        return None
    mid = pts[len(pts) // 2]
    if mid <= 0:
        return float("inf")   # no positive cost per mapping to be flat around: not met
    return max(abs(p - mid) for p in pts) / mid


def report_line(name, recs):
    goals = []
    print("\n=== %s ===" % name)
    shapes = [r for r in recs if r["series"] == "shapes"]
    if shapes:
        rows = [[r["shape"], r["pfns"], r["complete"], fmt_ns(r["ours_ns"]), fmt_ns(r.get("kernel_ns")),
                 "-" if r["ratio"] is None else "%.2f" % r["ratio"], fmt_ns(r.get("ours_list_ns")),
                 fmt_ns(r.get("kernel_batched_ns")), "-" if r.get("ratio_list") is None else "%.2f" % r["ratio_list"]]
                for r in shapes]
        table("Against the kernel's own walk (page_idle), per PFN, %d mappers each: a query (a write) per PFN; "
              "all in one list, against the cheaper of the kernel's write per PFN and its fewest writes (a bitmap "
              "page each); THPs by their heads" % shapes[0]["mappers"],
              ["shape", "pfns", "complete", "query", "kernel", "ratio", "listed", "kernel, fewest writes", "ratio"],
              rows)
        for r in shapes:
            # ksm_searched: the KSM pages again with ksm_search=1, for comparison (what a module built without
            # its kernel's BTF does), not a shape users have
            if r["ratio"] is not None and r["shape"] != "ksm_searched":
                goals.append(("%s: per-PFN cost <= %.1fx the kernel's walk, a PFN at a time (%.2f)" %
                              (r["shape"], GOAL_RATIO, r["ratio"]), r["ratio"] <= GOAL_RATIO))
                if r.get("ratio_list") is not None:
                    goals.append(("%s: per-PFN cost <= %.1fx the kernel's walk, batched (%.2f, against its cheaper way)" %
                                  (r["shape"], GOAL_RATIO, r["ratio_list"]), r["ratio_list"] <= GOAL_RATIO))
            elif "why" in r:
                print("  %s: no ratio: %s" % (r["shape"], r["why"]))
    pm = {r["what"]: r for r in recs if r["series"] == "pagemap"}
    if pm:
        rng = pm.get("range_all_ram")
        rows = []
        for key in ("one_pfn", "one_pfn_busy"):
            one = pm.get(key)
            if not one:
                continue
            rows.append(["one PFN (%d processes)" % one["processes"], fmt_ns(one["scan_ns"]), fmt_ns(one["ours_ns"]),
                         "%.0fx" % one["speedup"]])
            goals.append(("one PFN among %d processes: >= %dx faster than a pagemap scan (%.0fx)" %
                          (one["processes"], GOAL_ONE_PFN, one["speedup"]), one["speedup"] >= GOAL_ONE_PFN))
        for key in ("pfn_set", "pfn_set_busy"):
            pset = pm.get(key)
            if not pset:
                continue
            who = "%d PFNs among %d processes" % (pset["pfns"], pset["processes"])
            rows.append([who + ": a scan per PFN (extrapolated) vs listed", fmt_ns(pset["scan_per_pfn_extrapolated_ns"]),
                         fmt_ns(pset["lists_ns"]), "%.0fx" % pset["speedup_lists_vs_scan_per_pfn"]])
            rows.append([who + ": a scan per PFN (extrapolated) vs single queries",
                         fmt_ns(pset["scan_per_pfn_extrapolated_ns"]), fmt_ns(pset["singles_ns"]),
                         "%.0fx" % pset["speedup_singles_vs_scan_per_pfn"]])
            rows.append([who + ": one pass over every pagemap vs listed", fmt_ns(pset["scan_one_pass_ns"]),
                         fmt_ns(pset["lists_ns"]), "%.2fx" % pset["speedup_lists_vs_one_pass"]])
            goals.append(("%s: >= %dx faster than a pagemap scan per PFN (%.0fx; one pass over every pagemap: "
                          "%.2fx)" % (who, GOAL_SET, pset["speedup_lists_vs_scan_per_pfn"],
                                      pset["speedup_lists_vs_one_pass"]),
                          pset["speedup_lists_vs_scan_per_pfn"] >= GOAL_SET))
        table("Against what users do today: /proc/PID/maps + pagemap", ["what", "pagemap", "rmap_probe", "speedup"],
              rows)
        if rng:
            print("  range over all RAM: %d PFNs in %.2f s: %.0f PFNs/s, %.0f reports/s" %
                  (rng["pfns"], rng["seconds"], rng["pfns_per_s"], rng["reports_per_s"]))
    sc = [r for r in recs if r["series"] == "scaling"]
    if sc:
        rows = [[r["what"], r["n"], r["mappings"], fmt_ns(r["ns"]), fmt_ns(r["ns_per_mapping"]), r["nodes"],
                 fmt_ns(r["longest_lock_ns"]), fmt_ns(r["kernel_ns"]) if r["kernel_ns"] >= 0 else "-"] for r in sc]
        table("Scaling: one page, n mappers or n vmas", ["what", "n", "mappings", "query", "per mapping", "nodes",
                                                         "longest lock", "kernel"], rows)
        for what in ("anon_processes", "file_processes", "file_vmas"):
            f = flatness(sc, what)
            if f is not None:
                top = max(r["n"] for r in sc if r["what"] == what)
                pts = ", ".join("%d: %s" % (n, fmt_ns(ns)) for n, ns in marginal(sc, what))
                goals.append(("%s: time per further mapping flat within +-%d%% of its median up to %d "
                              "(largest deviation %.0f%%; per step up to n: %s)" % (what, GOAL_FLAT * 100, top, f * 100, pts),
                              f <= GOAL_FLAT))
    for r in (r for r in recs if r["series"] == "impact"):
        print("\nCost to the inspected system: %s; %d pairs of %.0f s phases, alternated" %
              (r["loop"], r["pairs"], r["phase_s"]))
        for name, key in (("alone", "alone"), ("during scans of all RAM", "scanned"), ("beside a spinning process",
                                                                                    "spin")):
            print("  %-26s median %s, p99 %s (%d iterations)" % (name, fmt_ns(r["median_%s_ns" % key]),
                                                                fmt_ns(r["p99_%s_ns" % key]), r["iterations_" + key]))
        print("  the scans reported %d pages; their longest holds, from the module's reports: %s" %
              (r["scan_reported"], ", ".join("%s %s" % (k, fmt_ns(v)) for k, v in r["longest_hold_ns"].items())))
        ok = min(r["iterations_alone"], r["iterations_scanned"], r["iterations_spin"]) >= 100 and r["scan_reported"] > 0
        goals.append(("a full-RAM scan adds < %d%% to a concurrent loop's p99 (x%.2f; a process that only spins: x%.2f)" %
                      ((GOAL_P99 - 1) * 100, r["p99_ratio"], r["p99_ratio_spin"]), ok and r["p99_ratio"] < GOAL_P99))
    worst = [r for r in recs if r["series"] == "worst"]
    if worst:
        rows = []
        for r in worst:
            if r["case"].startswith("ksm"):
                rows.append([r["case"], fmt_ns(r["ours_ns"]) + "/PFN", "x%.2f of the same pages without it "
                             "(page-table locks taken: %s, without: %s)" % (r["ratio"], r.get("tables", "?"),
                                                                           r.get("baseline_tables", "?"))])
            else:
                rows.append([r["case"], fmt_ns(r["ns"]), "x%.2f of an anon page the same 2 processes map; %d "
                             "mappings%s" % (r["ratio"], r["mappings"],
                                             ", one shared PMD table" if r.get("shared_table") else "")])
        table("Worst cases", ["case", "query", "note"], rows)
    for series in ("shapes", "pagemap", "scaling", "impact", "worst"):
        if not any(r["series"] == series for r in recs):
            goals.append(("series %s: NOT MEASURED (skipped or failed: see the console log)" % series, False))
    if goals:
        print("\nGoals:")
        for text, ok in goals:
            print("  %-6s %s" % (verdict(ok), text))
    return goals


def plot(name, recs, plots):
    gnuplot = shutil.which("gnuplot")
    sc = [r for r in recs if r["series"] == "scaling"]
    if not sc:
        return []
    if not gnuplot:
        print("bench-report: no gnuplot (make deps installs gnuplot-nox): no plots", file=sys.stderr)
        return []
    os.makedirs(plots, exist_ok=True)
    made = []
    series = [("anon_processes", "anon page, n processes (fork)"), ("file_processes", "file page, n processes"),
              ("file_vmas", "file page, n vmas of one process"),
              ("anon_vma_tree_vmas", "anon page in an anon_vma tree of n vmas (per query)")]
    data = {}
    for what, _ in series:
        path = os.path.join(plots, "%s-%s.dat" % (name, what))
        pts = sorted((r["n"], r["ns_per_mapping"] / 1e3, r["nodes"]) for r in sc if r["what"] == what)
        if what != "anon_vma_tree_vmas":
            extra = dict(marginal(sc, what))
            pts = [(n, extra[n] / 1e3, nodes) for n, _, nodes in pts if n in extra]
        if pts:
            with open(path, "w") as f:
                for n, us, nodes in pts:
                    f.write("%d %.3f %d\n" % (n, us, nodes))
            data[what] = path
    common = ["set termoption noenhanced", "set logscale x", "set key bottom right", "set grid"]
    for term, ext in (("png size 900,560", "png"), ("svg size 900,560", "svg")):
        out = os.path.join(plots, "scaling-%s.%s" % (name, ext))
        script = ["set terminal %s" % term, "set output '%s'" % out] + common + [
            "set title '%s: what each further mapping adds to a query (TCG)'"
            % name, "set logscale y", "set xlabel 'n: processes mapping the page, or vmas mapping it'",
            "set ylabel 'us per further mapping (median)'"]
        parts = ["'%s' using 1:2 with linespoints title '%s'" % (data[w], label)
                 for w, label in series[:3] if w in data]
        if parts:
            script.append("plot " + ", ".join(parts))
            subprocess.run([gnuplot], input="\n".join(script) + "\n", text=True, check=True)
            made.append(out)
        if "anon_vma_tree_vmas" in data:
            out = os.path.join(plots, "tree-%s.%s" % (name, ext))
            script = ["set terminal %s" % term, "set output '%s'" % out] + common + [
                "set title '%s: a page in an anon_vma tree of n vmas (TCG)'" % name,
                "set xlabel 'n: vmas in the tree (one maps the page)'", "set ylabel 'us per query (median)'",
                "set y2label 'tree nodes visited'", "set y2tics", "set yrange [0:*]", "set y2range [0:*]",
                "plot '%s' using 1:2 with linespoints title 'query', '%s' using 1:3 axes x1y2 with linespoints "
                "title 'nodes visited'" % (data["anon_vma_tree_vmas"], data["anon_vma_tree_vmas"])]
            subprocess.run([gnuplot], input="\n".join(script) + "\n", text=True, check=True)
            made.append(out)
    return made


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out")
    ap.add_argument("--results")
    ap.add_argument("--plots")
    ap.add_argument("consoles", nargs="*")
    a = ap.parse_args()
    if a.consoles:
        res = gather(a.consoles)
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)
    else:
        with open(a.results) as f:
            res = json.load(f)
    made = []
    for name, recs in res["lines"].items():
        if not recs:
            print("\n=== %s ===\n  no results (see its console log)" % name)
            continue
        report_line(name, recs)
        if a.plots:
            made += plot(name, recs, a.plots)
    if made:
        print("\nPlots: " + " ".join(made))
    return 0


if __name__ == "__main__":
    sys.exit(main())
