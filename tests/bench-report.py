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
                    recs.append(json.loads(text[len("BENCH "):]))
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
    return max(abs(p - mid) for p in pts) / mid


def report_line(name, recs):
    goals = []
    print("\n=== %s ===" % name)
    shapes = [r for r in recs if r["series"] == "shapes"]
    if shapes:
        rows = [[r["shape"], r["pfns"], r["complete"], fmt_ns(r["ours_ns"]), fmt_ns(r.get("ours_list_ns")),
                 fmt_ns(r["kernel_ns"]), "-" if r["ratio"] is None else "%.2f" % r["ratio"],
                 "-" if r.get("ratio_list") is None else "%.2f" % r["ratio_list"]] for r in shapes]
        table("Against the kernel's own walk (page_idle), per PFN, %d mappers each" % shapes[0]["mappers"],
              ["shape", "pfns", "complete", "query", "listed", "kernel", "ratio", "ratio listed"], rows)
        for r in shapes:
            if r["ratio"] is not None:
                goals.append(("%s: per-PFN cost <= %.1fx the kernel's walk (listed: %.2f, single: %.2f)" %
                              (r["shape"], GOAL_RATIO, r["ratio_list"], r["ratio"]),
                              r["ratio_list"] <= GOAL_RATIO))
            elif "why" in r:
                print("  %s: no ratio: %s" % (r["shape"], r["why"]))
    pm = {r["what"]: r for r in recs if r["series"] == "pagemap"}
    if pm:
        pset, rng = pm.get("pfn_set"), pm.get("range_all_ram")
        rows = []
        for key in ("one_pfn", "one_pfn_busy"):
            one = pm.get(key)
            if not one:
                continue
            rows.append(["one PFN (%d processes)" % one["processes"], fmt_ns(one["scan_ns"]), fmt_ns(one["ours_ns"]),
                         "%.0fx" % one["speedup"]])
            if key == "one_pfn_busy":	# the scan's cost grows with the processes: judged at a server's count
                goals.append(("one PFN among %d processes: >= %dx faster than a pagemap scan (%.0fx)" %
                              (one["processes"], GOAL_ONE_PFN, one["speedup"]), one["speedup"] >= GOAL_ONE_PFN))
        if pset:
            rows.append(["%d PFNs, a scan per PFN vs listed" % pset["pfns"], fmt_ns(pset["scan_per_pfn_ns"]),
                         fmt_ns(pset["lists_ns"]), "%.0fx" % pset["speedup_lists_vs_scan_per_pfn"]])
            rows.append(["%d PFNs, a scan per PFN vs single queries" % pset["pfns"],
                         fmt_ns(pset["scan_per_pfn_ns"]), fmt_ns(pset["singles_ns"]),
                         "%.0fx" % pset["speedup_singles_vs_scan_per_pfn"]])
            rows.append(["%d PFNs, one pass over every pagemap vs listed" % pset["pfns"],
                         fmt_ns(pset["scan_one_pass_ns"]), fmt_ns(pset["lists_ns"]),
                         "%.2fx" % pset["speedup_lists_vs_one_pass"]])
        busy = pm.get("pfn_set_busy")
        if busy:
            rows.append(["%d PFNs among %d processes, a scan per PFN vs listed" % (busy["pfns"], busy["processes"]),
                         fmt_ns(busy["scan_per_pfn_ns"]), fmt_ns(busy["lists_ns"]),
                         "%.0fx" % busy["speedup_lists_vs_scan_per_pfn"]])
            goals.append(("%d PFNs among %d processes: >= %dx faster than a pagemap scan per PFN (%.0fx)" %
                          (busy["pfns"], busy["processes"], GOAL_SET, busy["speedup_lists_vs_scan_per_pfn"]),
                          busy["speedup_lists_vs_scan_per_pfn"] >= GOAL_SET))
        elif pset:
            goals.append(("%d PFNs: >= %dx faster than a pagemap scan per PFN (%.0fx)" %
                          (pset["pfns"], GOAL_SET, pset["speedup_lists_vs_scan_per_pfn"]),
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
        print("\nCost to the inspected system: %s" % r["loop"])
        print("  alone: median %s, p99 %s (%d iterations); during a scan of all RAM (%.1f s, %d pages): median %s,"
              " p99 %s (%d)" % (fmt_ns(r["median_alone_ns"]), fmt_ns(r["p99_alone_ns"]), r["iterations_alone"],
                                r["scan_s"], r["scan_reported"], fmt_ns(r["median_scanned_ns"]),
                                fmt_ns(r["p99_scanned_ns"]), r["iterations_scanned"]))
        print("  the scan's longest lock hold: %s (%s), read from the module's reports" %
              (fmt_ns(r["longest_lock_ns"]), r["longest_lock"]))
        goals.append(("a full-RAM scan adds < %d%% to a concurrent loop's p99 (x%.2f)" %
                      ((GOAL_P99 - 1) * 100, r["p99_ratio"]), r["p99_ratio"] < GOAL_P99))
    worst = [r for r in recs if r["series"] == "worst"]
    if worst:
        rows = []
        for r in worst:
            if r["case"].startswith("ksm"):
                rows.append([r["case"], fmt_ns(r["ours_ns"]) + "/PFN", "x%.2f of the same pages without it" %
                             r["ratio"]])
            else:
                rows.append([r["case"], fmt_ns(r["ns"]), "%d mappings, longest lock %s" %
                             (r["mappings"], fmt_ns(r["longest_lock_ns"]))])
        table("Worst cases", ["case", "query", "note"], rows)
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
