#!/usr/bin/env python3
"""jfr_reference.py JSON TSV - compare flamegate's per-function values of a
JFR recording with the JDK's own reader.

JSON is `jfr print --json --stack-depth 4096 --events ...` output; TSV is
`flamegate top --format tsv --sample-type all` of the same file.  Flat and
cum are computed here from the JSON the way flamegate defines them (flat:
the leaf frame; cum: once per stack for each distinct function), one column
per flamegate sample type, and every value must be equal.  Events without
a stack trace or with an empty one belong to no function and are skipped.
Exit 0 when all agree, 1 otherwise (printing the differences).

With --slack N (several chunks: N = chunks - 1), each count type may
differ by up to N events in all, and then the value types paired with it
are not compared: an event written just before a chunk rotation can name a
stack trace of the previous chunk, and the JDK's reader resolves some of
those and not others (flamegate takes the previous chunk's stack when an
event there used it: the same as jfr print in most recordings, one event
off in a few)."""
import json
import re
import sys
from collections import defaultdict

# event -> [(flamegate type, value of one event)]
EVENTS = {
    "jdk.ExecutionSample": [("samples", lambda v: 1)],
    "jdk.ObjectAllocationSample": [("alloc_sample_objects", lambda v: 1),
                                   ("alloc_sample_bytes", lambda v: v["weight"])],
    "jdk.ObjectAllocationInNewTLAB": [
        ("alloc_in_new_tlab_objects", lambda v: 1),
        ("alloc_in_new_tlab_bytes", lambda v: v["tlabSize"]),
        ("alloc_in_new_tlab_size", lambda v: v["allocationSize"])],
    "jdk.ObjectAllocationOutsideTLAB": [
        ("alloc_outside_tlab_objects", lambda v: 1),
        ("alloc_outside_tlab_bytes", lambda v: v["allocationSize"])],
    "jdk.JavaMonitorEnter": [("lock_contentions", lambda v: 1),
                             ("lock_delay", lambda v: iso_ns(v["duration"]))],
    "jdk.ThreadPark": [("park_contentions", lambda v: 1),
                       ("park_delay", lambda v: iso_ns(v["duration"]))],
}


def iso_ns(s):
    """ISO-8601 duration as `jfr print --json` writes it (PT0.030118512S)."""
    m = re.fullmatch(r"(-)?PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d+))?S)?", s)
    if not m:
        raise ValueError("duration " + s)
    sign, h, mi, sec, frac = m.groups()
    ns = ((int(h or 0) * 60 + int(mi or 0)) * 60 + int(sec or 0)) * 10**9
    ns += int((frac or "").ljust(9, "0")[:9] or 0)
    return -ns if sign else ns


# the per-run parts of generated class names, which flamegate replaces by
# "_" (fg_jfr_class_name in src/input/jfr.h, after Pyroscope's merge)
GENERATED = [
    (re.compile(r"^(.*\$\$Lambda)(\$\d*)?([./+]0x[0-9a-fA-F]+(/\d+)?)?$"),
     lambda m: m.group(1) + "_" if (m.group(2) and len(m.group(2)) > 1)
     or m.group(3) else m.group(0)),
    (re.compile(r"^(.*)/0x[0-9a-fA-F]+$"), lambda m: m.group(1) + "_"),
    (re.compile(r"^(.*(GeneratedMethodAccessor|GeneratedConstructorAccessor"
                r"|GeneratedSerializationConstructorAccessor))\d+$"),
     lambda m: m.group(1) + "_"),
]


def class_name(c):
    for rx, rep in GENERATED:
        m = rx.match(c)
        if m:
            return rep(m)
    return c


def frame_name(f):
    m = f["method"]
    cls = m["type"]["name"] if m.get("type") else None
    return (class_name(cls) + "." if cls else "") + m["name"]


def stem_count(t, types):
    """The count type paired with value type t (longest '_' stem)."""
    best, blen = None, 0
    for c in types:
        if not (c == "samples" or c.endswith(("_objects", "_contentions"))):
            continue
        k = 0
        while k < min(len(t), len(c)) and t[k] == c[k]:
            k += 1
        cut = t.rfind("_", 0, k + 1) if k < len(t) else k
        if cut > blen and c[:cut] == t[:cut]:
            best, blen = c, cut
    return best


def main():
    slack = 0
    if sys.argv[1] == "--slack":
        slack = int(sys.argv[2])
        del sys.argv[1:3]
    with open(sys.argv[1]) as fh:
        events = json.load(fh)["recording"]["events"]
    want = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    totals = defaultdict(int)
    for e in events:
        cols = EVENTS.get(e["type"])
        st = e["values"].get("stackTrace")
        if not cols or not st or not st["frames"]:
            continue
        names = [frame_name(f) for f in st["frames"]]  # leaf first
        for t, get in cols:
            v = get(e["values"])
            totals[t] += v
            want[t][names[0]][0] += v
            for n in set(names):
                want[t][n][1] += v
    got = defaultdict(dict)
    gtotals = {}
    t = None
    with open(sys.argv[2]) as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if f[0] == "#sample_type":
                t = f[1]
                gtotals[t] = int(f[4])
            elif t:
                got[t][f[0]] = [int(f[1]), int(f[2])]
    bad = 0
    # cpu/nanoseconds: CPU samples times the sampling period, which must be
    # one of the recording's "period" settings (jdk.ActiveSetting)
    if "cpu" in got:
        periods = set()
        for e in events:
            v = e["values"]
            if e["type"] == "jdk.ActiveSetting" and v.get("name") == "period":
                m = re.fullmatch(r"(\d+) (ns|us|ms|s)", v.get("value", ""))
                if m:
                    mul = {"ns": 1, "us": 10**3, "ms": 10**6, "s": 10**9}
                    periods.add(int(m.group(1)) * mul[m.group(2)])
        p = gtotals["cpu"] // max(gtotals.get("samples", 0), 1)
        if p not in periods:
            print(f"cpu: period {p} ns is not a period setting {sorted(periods)}")
            bad += 1
        for n, (fl, cu) in got["cpu"].items():
            w = want["samples"].get(n, [0, 0])
            if [fl, cu] != [w[0] * p, w[1] * p]:
                print(f"cpu {n}: {fl}/{cu} is not {w} samples x {p} ns")
                bad += 1
        del got["cpu"]
    loose = set()
    if slack:
        for t in sorted(set(want) | set(got)):
            if not (t == "samples" or t.endswith(("_objects", "_contentions"))):
                continue
            d = sum(abs(want[t].get(n, [0, 0])[0] - got[t].get(n, [0, 0])[0])
                    for n in set(want[t]) | set(got[t]))
            if d and d <= slack and abs(totals.get(t, 0) - gtotals.get(t, 0)) <= slack:
                print(f"{t}: {d} event(s) resolved differently at a chunk rotation (allowed: {slack})")
                loose.add(t)
        for t in sorted(set(want) | set(got)):
            if stem_count(t, set(want) | set(got)) in loose:
                loose.add(t)
    for t in sorted(set(want) | set(got)):
        if t in loose:
            continue
        if totals.get(t, 0) != gtotals.get(t, 0):
            print(f"{t}: total jfr {totals.get(t, 0)}, flamegate {gtotals.get(t)}")
            bad += 1
        for n in sorted(set(want[t]) | set(got[t])):
            w = want[t].get(n, [0, 0])
            g = got[t].get(n, [0, 0])
            if w != g:
                print(f"{t} {n}: jfr flat/cum {w}, flamegate {g}")
                bad += 1
    checked = sum(len(v) for v in want.values())
    print(f"jfr_reference: {len(want)} sample types, {checked} function rows, "
          f"{bad} differences")
    return 1 if bad or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
