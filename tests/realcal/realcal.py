#!/usr/bin/env python3
"""Helper of evaluate.sh (tests/realcal): plans the comparisons of every
design over a recorded data set, and summarizes flamegate's verdicts as a
markdown table.  Standard library only.

  realcal.py plan DATADIR WORKDIR --kinds cpu,alloc --designs 1v1,... \
                  --variants "..." --pairs 5
  realcal.py summarize WORKDIR
  realcal.py shares DATADIR      (what shares.sh prints)
"""
import argparse
import collections
import json
import os
import re
import sys

KINDS = ["cpu", "alloc"]
DESIGNS = ["1v1", "3v3", "5v5", "hist10v1"]
VARIANTS = ["none", "long", "improve", "regex", "debuglog", "marshal2",
            "hotleaf", "manycallers"]
HISTORY = 10  # base runs of the hist10v1 design

# What each comparison is, per variant.
LABEL = {
    "none": "none vs none (A/A)",
    "long": "none vs long (2x duration)",
    "improve": "improve (improvement elsewhere)",
    "regex": "regex (new callee subtree)",
    "debuglog": "debuglog (spread change)",
    "marshal2": "marshal2 (marshal twice)",
    "hotleaf": "hotleaf (hot leaf x1.5)",
    "manycallers": "manycallers (many callers x1.6)",
}

# Functions whose flagging "names the change" of a regression variant.
EXPECT = {
    "regex": r"^(main\.matchRecord$|regexp[./])",
    "debuglog": r"^(main\.debugLog$|fmt\.|reflect\.|strconv\.|io\.|internal/fmtsort\.)",
    "marshal2": r"^(main\.marshalResult$|encoding/json\.|bytes\.)",
    "hotleaf": r"^main\.checksum$",
    "manycallers": r"^main\.normalizeField$",
}


def role(kind, variant):
    """'aa' when every FAIL is a false FAIL, else 'regression'."""
    if variant in ("none", "long", "improve"):
        return "aa"
    if kind == "alloc" and variant in ("hotleaf", "manycallers"):
        return "aa"  # they change CPU work only, not allocations
    return "regression"


def label(kind, variant):
    if kind == "alloc" and variant in ("hotleaf", "manycallers"):
        return variant + " (no allocation change)"
    return LABEL[variant]


def runs_of(datadir, variant, kind):
    d = os.path.join(datadir, variant)
    if not os.path.isdir(d):
        return []
    pat = re.compile(r"^%s-([0-9]+)\.pb\.gz$" % kind)
    found = []
    for name in os.listdir(d):
        m = pat.match(name)
        if m:
            found.append(int(m.group(1)))
    return sorted(found)


# --------------------------------------------------------------------------
# Designs.  Every function returns (base runs, candidate runs) pairs of run
# numbers, deterministically.

def partitions(runs, k):
    """Partitions of the runs into m = n // k disjoint groups of k: the
    consecutive blocks at every offset that fits, and one strided partition
    (runs i, i+m, i+2m, ...)."""
    n = len(runs)
    m = n // k
    if m < 2:
        return []
    parts = []
    for o in range(n - m * k + 1):
        parts.append([runs[o + i * k:o + (i + 1) * k] for i in range(m)])
    parts.append([runs[j::m][:k] for j in range(m)])
    return parts


def dedupe(items):
    seen, out = set(), []
    for it in items:
        key = json.dumps(it)
        if key not in seen:
            seen.add(key)
            out.append(it)
    return out


def kxk_aa(none, k):
    comps = []
    for part in partitions(none, k):
        for a in part:
            for b in part:
                if a is not b:
                    comps.append((sorted(a), sorted(b)))
    return dedupe(comps)


def cyclic_windows(runs, k):
    n = len(runs)
    if n < k:
        return []
    if n == k:
        return [list(runs)]
    return [sorted(runs[(s + i) % n] for i in range(k)) for s in range(n)]


def kxk_variant(none, var, k):
    ng = dedupe([sorted(g) for part in partitions(none, k) for g in part])
    if not ng and len(none) >= k:
        ng = [none[:k]]
    vg = cyclic_windows(var, k)
    if not ng or not vg:
        return []
    return [(ng[i % len(ng)], vg[i % len(vg)]) for i in range(max(len(ng), len(vg)))]


def one_aa(none):
    return [([a], [b]) for a in none for b in none if a != b]


def one_variant(none, var, cap):
    return [([a], [b]) for a in none[:cap] for b in var[:cap]]


def hist_aa(none):
    n = len(none)
    if n < HISTORY + 1:
        return []
    return [(sorted(none[(i + j) % n] for j in range(1, HISTORY + 1)), [none[i]])
            for i in range(n)]


def hist_variant(none, var):
    n = len(none)
    if n < HISTORY:
        return []
    bases = dedupe([none[:HISTORY], none[n - HISTORY:]])
    return [(b, [r]) for b in bases for r in var]


def plan(args):
    kinds = [k for k in args.kinds.split(",") if k]
    designs = [d for d in args.designs.split(",") if d]
    variants = args.variants.split()
    for k in kinds:
        if k not in KINDS:
            sys.exit("evaluate.sh: unknown kind %r (known: %s)" % (k, ",".join(KINDS)))
    for d in designs:
        if d not in DESIGNS:
            sys.exit("evaluate.sh: unknown design %r (known: %s)" % (d, ",".join(DESIGNS)))
    for v in variants:
        if v not in VARIANTS:
            sys.exit("evaluate.sh: unknown variant %r (known: %s)" % (v, " ".join(VARIANTS)))
    os.makedirs(os.path.join(args.workdir, "jobs"), exist_ok=True)
    index = []
    notes = []
    jid = 0
    for kind in kinds:
        none = runs_of(args.datadir, "none", kind)
        if len(none) < 2:
            sys.exit("evaluate.sh: %s: fewer than 2 %s runs of 'none'" % (args.datadir, kind))
        for design in designs:
            for variant in [v for v in VARIANTS if v in variants]:
                if variant == "none":
                    var = none
                else:
                    var = runs_of(args.datadir, variant, kind)
                    if not var:
                        note = "%s: no %s runs, skipped" % (kind, variant)
                        if note not in notes:
                            notes.append(note)
                        continue
                if design == "1v1":
                    comps = one_aa(none) if variant == "none" else one_variant(none, var, args.pairs)
                elif design in ("3v3", "5v5"):
                    k = int(design[0])
                    comps = kxk_aa(none, k) if variant == "none" else kxk_variant(none, var, k)
                else:
                    comps = hist_aa(none) if variant == "none" else hist_variant(none, var)
                if not comps:
                    notes.append("%s %s %s: too few runs (none %d, %s %d), skipped"
                                 % (kind, design, variant, len(none), variant, len(var)))
                    continue
                for base, cand in comps:
                    jid += 1
                    argv = []
                    if kind == "alloc":
                        argv += ["--sample-type", "alloc_space"]
                    for r in base:
                        argv += ["--base", os.path.join(args.datadir, "none", "%s-%d.pb.gz" % (kind, r))]
                    for r in cand:
                        argv += ["--candidate", os.path.join(args.datadir, variant, "%s-%d.pb.gz" % (kind, r))]
                    with open(os.path.join(args.workdir, "jobs", "%05d.args" % jid), "wb") as f:
                        f.write(b"".join(a.encode() + b"\0" for a in argv))
                    index.append({"id": "%05d" % jid, "kind": kind, "design": design,
                                  "variant": variant, "base": base, "cand": cand})
    with open(os.path.join(args.workdir, "index.json"), "w") as f:
        json.dump({"datadir": args.datadir, "jobs": index, "notes": notes}, f)
    with open(os.path.join(args.workdir, "ids"), "wb") as f:
        f.write(b"".join(j["id"].encode() + b"\0" for j in index))
    for n in notes:
        print("evaluate.sh: " + n, file=sys.stderr)
    print(len(index))


# --------------------------------------------------------------------------
# Shares: what each variant changes, measured with `go tool pprof -top` on
# every recorded run (README.md reports them).

TOP_RE = re.compile(r"^\s*(\S+)\s+([0-9.]+)%\s+([0-9.]+)%\s+(\S+)\s+([0-9.]+)%\s+(.*?)\s*$")
_top_cache = {}


def pprof_top(path, sample_index=None, focus=None):
    """{function: [flat%, cum%]} and the number of functions, from go tool
    pprof -top (percentages of the whole profile's total)."""
    import subprocess
    key = (path, sample_index, focus)
    if key in _top_cache:
        return _top_cache[key]
    cmd = ["go", "tool", "pprof", "-top", "-nodecount=1000000", "-nodefraction=0", "-edgefraction=0"]
    if sample_index:
        cmd.append("-sample_index=" + sample_index)
    if focus:
        cmd.append("-focus=" + focus)
    cmd.append(path)
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, check=True).stdout
    rows = {}
    started = False
    for line in out.splitlines():
        if line.strip().startswith("flat"):
            started = True
            continue
        m = TOP_RE.match(line) if started else None
        if not m:
            continue
        name = m.group(6)
        if name.endswith(" (inline)"):
            name = name[:-len(" (inline)")]
        r = rows.setdefault(name, [0.0, 0.0])
        r[0] += float(m.group(2))
        r[1] = max(r[1], float(m.group(5)))
    _top_cache[key] = rows
    return rows


def metric_value(path, spec):
    si = "alloc_space" if spec["kind"] == "alloc" else None
    rows = pprof_top(path, si, spec.get("focus"))
    what = spec["what"]
    if what == "flat":
        return rows.get(spec["fn"], [0, 0])[0]
    if what == "cum":
        return rows.get(spec["fn"], [0, 0])[1]
    pat = re.compile(spec["fn"])
    sel = [v[0] for n, v in rows.items() if pat.search(n) and v[0] > 0]
    if what == "flatsum":
        return sum(sel)
    if what == "flatmax":
        return max(sel) if sel else 0.0
    if what == "count":
        return len(sel)
    raise ValueError(what)


SHARE_SPECS = [
    # variant, kind, description, function, what, focus
    ("regex", "cpu", "`main.matchRecord` cum", "main.matchRecord", "cum", None),
    ("regex", "cpu", "flat of all `regexp*` functions", r"^regexp", "flatsum", None),
    ("regex", "cpu", "functions with samples under `regexp.MustCompile`", r".", "count", "regexp.MustCompile"),
    ("regex", "cpu", "largest flat of one function under `regexp.MustCompile`", r".", "flatmax", "regexp.MustCompile"),
    ("debuglog", "cpu", "`main.debugLog` cum", "main.debugLog", "cum", None),
    ("debuglog", "cpu", "functions with samples under `main.debugLog`", r".", "count", "main.debugLog"),
    ("debuglog", "cpu", "largest flat of one function under `main.debugLog`", r".", "flatmax", "main.debugLog"),
    ("marshal2", "cpu", "`main.marshalResult` cum", "main.marshalResult", "cum", None),
    ("hotleaf", "cpu", "`main.checksum` flat", "main.checksum", "flat", None),
    ("hotleaf", "cpu", "`main.checksum` cum (its flat plus preemption landing in it)", "main.checksum", "cum", None),
    ("manycallers", "cpu", "`main.normalizeField` flat", "main.normalizeField", "flat", None),
    ("manycallers", "cpu", "`main.normalizeField` cum", "main.normalizeField", "cum", None),
    ("improve", "cpu", "`main.stageScratch` cum", "main.stageScratch", "cum", None),
    ("improve", "cpu", "`runtime.mallocgc` cum", "runtime.mallocgc", "cum", None),
    ("improve", "cpu", "`runtime.gcBgMarkWorker` cum", "runtime.gcBgMarkWorker", "cum", None),
    ("improve", "cpu", "`crypto/sha256.block` flat (unchanged function)", "crypto/sha256.block", "flat", None),
    ("none", "cpu", "`runtime.asyncPreempt` flat (environment)", "runtime.asyncPreempt", "flat", None),
    ("regex", "alloc", "`main.matchRecord` cum", "main.matchRecord", "cum", None),
    ("debuglog", "alloc", "`main.debugLog` cum", "main.debugLog", "cum", None),
    ("marshal2", "alloc", "`main.marshalResult` cum", "main.marshalResult", "cum", None),
    ("marshal2", "alloc", "`encoding/json.Marshal` flat", "encoding/json.Marshal", "flat", None),
    ("improve", "alloc", "`main.stageScratch` flat", "main.stageScratch", "flat", None),
]


def run_counts(path, kind):
    """Samples of a CPU run (samples/count total), or the run's alloc_space
    total in MB."""
    import subprocess
    si = "alloc_space" if kind == "alloc" else "samples"
    out = subprocess.run(["go", "tool", "pprof", "-top", "-nodecount=1", "-sample_index=" + si, path],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                         check=True).stdout
    m = re.search(r"of ([0-9.]+)([A-Za-z]*) total", out)
    if not m:
        return 0.0
    v = float(m.group(1))
    unit = m.group(2)
    scale = {"": 1, "B": 1e-6, "kB": 1e-3, "MB": 1, "GB": 1e3, "TB": 1e6}.get(unit, 1)
    return v * scale if kind == "alloc" else v


def shares(args):
    def fmt(vals, what):
        if not vals:
            return "-"
        if what == "count":
            return "%d [%d-%d]" % (median(vals), min(vals), max(vals))
        return "%.1f%% [%.1f-%.1f]" % (median(vals), min(vals), max(vals))

    files = {}
    for kind in KINDS:
        for v in VARIANTS:
            files[(kind, v)] = [os.path.join(args.datadir, v, "%s-%d.pb.gz" % (kind, r))
                                for r in runs_of(args.datadir, v, kind)]
    print("Data: `%s`; median [min-max] over the runs of each variant, shares of the whole profile"
          % args.datadir)
    print("(CPU: samples; alloc: `alloc_space`), from `go tool pprof -top` (`-focus` where named).")
    print("")
    print("| variant | kind | measure | none | variant |")
    print("|---|---|---|---|---|")
    for v in VARIANTS:
        for kind in KINDS:
            if not files[(kind, v)]:
                continue
            vals = [run_counts(f, kind) for f in files[(kind, v)]]
            unit = "samples per run" if kind == "cpu" else "MB allocated per run"
            base = [run_counts(f, kind) for f in files[(kind, "none")]]
            print("| %s | %s | %s | %.0f [%.0f-%.0f] | %s |" % (
                v, kind, unit, median(base), min(base), max(base),
                "%.0f [%.0f-%.0f]" % (median(vals), min(vals), max(vals)) if v != "none" else ""))
        for (sv, kind, desc, fn, what, focus) in SHARE_SPECS:
            if sv != v or not files[(kind, v)]:
                continue
            spec = {"kind": kind, "fn": fn, "what": what, "focus": focus}
            base = [metric_value(f, spec) for f in files[(kind, "none")]]
            vals = [metric_value(f, spec) for f in files[(kind, v)]]
            print("| %s | %s | %s | %s | %s |" % (v, kind, desc, fmt(base, what),
                                                 fmt(vals, what) if v != "none" else ""))
    return 0


# --------------------------------------------------------------------------
# Summary.

def pct(n, d):
    return "%.1f%%" % (100.0 * n / d) if d else "-"


def frac(n, d):
    return "%d/%d (%s)" % (n, d, pct(n, d))


def median(xs):
    xs = sorted(xs)
    if not xs:
        return 0
    m = len(xs) // 2
    return xs[m] if len(xs) % 2 else (xs[m - 1] + xs[m]) / 2


def fail_findings(doc):
    """FAIL findings (schema_version 2): [(label, [function, caller])]."""
    out = []
    for f in doc.get("findings") or []:
        if f.get("level") != "FAIL":
            continue
        fn = f.get("function") or "?"
        label = "%s [%s]" % (fn, f.get("kind") or "?")
        if f.get("caller") and f.get("kind") == "new_call_path":
            label = "%s -> %s [%s]" % (f["caller"], fn, f["kind"])
        out.append((label, [n for n in (fn, f.get("caller")) if n]))
    return out


def flagged_rows(doc):
    out = []
    for row in doc.get("functions") or []:
        if row.get("status") == "regression" or "regression" in (row.get("flags") or []):
            name = row.get("name", "?")
            if row.get("metric") == "cum":
                name += " (cum)"
            out.append(name)
    return out


def summarize(args):
    with open(os.path.join(args.workdir, "index.json")) as f:
        index = json.load(f)
    groups = collections.OrderedDict()
    errors = []
    totals = collections.defaultdict(list)  # (kind, variant) -> samples per run
    noise = collections.defaultdict(list)   # (kind, design) -> overdispersion of A/A
    wolves = collections.defaultdict(collections.Counter)  # kind -> function -> count
    wolf_where = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
    misnamed = collections.defaultdict(collections.Counter)
    mis_where = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
    for job in index["jobs"]:
        key = (job["kind"], job["design"], job["variant"])
        g = groups.setdefault(key, collections.Counter())
        out = os.path.join(args.workdir, "out", job["id"])
        desc = "%s %s %s: base %s, candidate %s" % (
            job["kind"], job["design"], job["variant"],
            ",".join("none/%d" % r for r in job["base"]),
            ",".join("%s/%d" % (job["variant"], r) for r in job["cand"]))
        try:
            with open(out + ".rc") as f:
                rc = int(f.read().strip())
        except (OSError, ValueError):
            rc = -1
        doc = None
        if rc in (0, 1):
            try:
                with open(out + ".json") as f:
                    doc = json.load(f)
            except (OSError, ValueError) as e:
                errors.append("%s: unreadable JSON (%s)" % (desc, e))
        if doc is None or "verdict" not in doc:
            msg = ""
            try:
                with open(out + ".err") as f:
                    msg = " ".join(f.read().split())[:300]
            except OSError:
                pass
            if rc not in (0, 1) or doc is not None:
                errors.append("%s: exit %s %s" % (desc, rc, msg))
            g["error"] += 1
            continue
        verdict = doc["verdict"]
        g["n"] += 1
        g[verdict] += 1
        inp = doc.get("inputs") or {}
        for side, name in (("base", "none"), ("candidate", job["variant"])):
            rt = (inp.get(side) or {}).get("run_totals") or []
            srcs = (inp.get(side) or {}).get("sources") or []
            for src, t in zip(srcs, rt):
                totals[(job["kind"], name, src)] = [t]
        if job["variant"] == "none":
            od = (doc.get("method") or {}).get("overdispersion")
            if od is not None:
                noise[(job["kind"], job["design"])].append(od)
        if verdict == "FAIL":
            if "findings" in doc:  # schema 2: one finding per change
                finds = fail_findings(doc)
                names = [lab for lab, _ in finds]
                named = [n for _, fns in finds for n in fns]
                g["findings"] += len(finds)
                g["with_findings"] += 1
            else:  # schema 1: the flagged rows
                names = flagged_rows(doc)
                named = [n.replace(" (cum)", "") for n in names]
            if role(job["kind"], job["variant"]) == "aa":
                for n in names:
                    wolves[job["kind"]][n] += 1
                    wolf_where[job["kind"]][n]["%s %s" % (job["design"], job["variant"])] += 1
            else:
                pat = re.compile(EXPECT[job["variant"]])
                if any(pat.search(n) for n in named):
                    g["named"] += 1
                else:
                    for n in names:
                        misnamed[job["kind"]][n] += 1
                        mis_where[job["kind"]][n]["%s %s" % (job["design"], job["variant"])] += 1

    lines = []
    w = lines.append
    w("Data: `%s`" % index["datadir"])
    w("")
    per_run = collections.defaultdict(list)
    for (kind, variant, _src), v in totals.items():
        per_run[(kind, variant)] += v
    for kind in KINDS:
        none_tot = per_run.get((kind, "none"))
        if none_tot:
            w("- %s: samples per run of `none`: median %d, min %d, max %d%s" % (
                kind, median(none_tot), min(none_tot), max(none_tot),
                "" if kind == "cpu" else " (sampled objects recovered from the heap profile)"))
    for (kind, design), ods in sorted(noise.items(), key=lambda kv: (KINDS.index(kv[0][0]), DESIGNS.index(kv[0][1]))):
        w("- %s %s A/A: `method.overdispersion` median %.3g (%.0f%% per stack), range %.3g-%.3g"
          % (kind, design, median(ods), 100 * median(ods) ** 0.5, min(ods), max(ods)))
    w("")
    w("| kind | design | comparison | n | false FAIL | detected (FAIL) | FAIL naming the change | findings per FAIL | MARGINAL | INCONCLUSIVE | errors |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    for (kind, design, variant), g in groups.items():
        n = g["n"]
        isaa = role(kind, variant) == "aa"
        w("| %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |" % (
            kind, design, label(kind, variant), n,
            frac(g["FAIL"], n) if isaa else "",
            "" if isaa else frac(g["FAIL"], n),
            "" if isaa else frac(g["named"], n),
            "%.1f" % (g["findings"] / g["with_findings"]) if g["with_findings"] else "-",
            pct(g["MARGINAL"], n), pct(g["INCONCLUSIVE"], n),
            ("**%d**" % g["error"]) if g["error"] else "0"))
    w("")
    w("What the false FAILs flagged (A/A, none vs long, improvement elsewhere, and for allocations")
    w("the CPU-only variants): the FAIL findings (`function [kind]`; with a JSON report before")
    w("schema_version 2, the regression rows), as `function: count` (where):")
    w("")
    anyw = False
    for kind in KINDS:
        for name, c in sorted(wolves[kind].items(), key=lambda kv: (-kv[1], kv[0])):
            anyw = True
            where = ", ".join("%s %d" % (k, v) for k, v in sorted(wolf_where[kind][name].items()))
            w("- %s `%s`: %d (%s)" % (kind, name, c, where))
    if not anyw:
        w("- none")
    if any(misnamed.values()):
        w("")
        w("What FAILs of a regression variant flagged when they named none of its changed functions")
        w("(\"FAIL naming the change\" looks at a finding's function and caller, see `EXPECT` in realcal.py):")
        w("")
        for kind in KINDS:
            for name, c in sorted(misnamed[kind].items(), key=lambda kv: (-kv[1], kv[0])):
                where = ", ".join("%s %d" % (k, v) for k, v in sorted(mis_where[kind][name].items()))
                w("- %s `%s`: %d (%s)" % (kind, name, c, where))
    if index.get("notes"):
        w("")
        for n in index["notes"]:
            w("- note: " + n)
    if errors:
        w("")
        w("**ERRORS: %d comparisons did not produce a verdict:**" % len(errors))
        w("")
        for e in errors[:20]:
            w("- " + e)
        if len(errors) > 20:
            w("- ... and %d more" % (len(errors) - 20))
        for e in errors[:20]:
            print("evaluate.sh: ERROR: " + e, file=sys.stderr)
        print("evaluate.sh: ERROR: %d comparisons failed" % len(errors), file=sys.stderr)
    print("\n".join(lines))
    return 1 if errors else 0


def main():
    ap = argparse.ArgumentParser(prog="realcal.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("plan")
    p.add_argument("datadir")
    p.add_argument("workdir")
    p.add_argument("--kinds", default=",".join(KINDS))
    p.add_argument("--designs", default=",".join(DESIGNS))
    p.add_argument("--variants", default=" ".join(VARIANTS))
    p.add_argument("--pairs", type=int, default=5)
    s = sub.add_parser("summarize")
    s.add_argument("workdir")
    h = sub.add_parser("shares")
    h.add_argument("datadir")
    args = ap.parse_args()
    if args.cmd == "plan":
        plan(args)
        return 0
    if args.cmd == "shares":
        return shares(args)
    return summarize(args)


if __name__ == "__main__":
    sys.exit(main())
