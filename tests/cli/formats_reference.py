#!/usr/bin/env python3
"""formats_reference.py - per-function flat and cum of a recording, computed
by its format's own rules, against flamegate's `top --format tsv
--sample-type all` output: they must agree exactly.

  formats_reference.py cpuprofile FILE.cpuprofile FLAMEGATE.tsv
  formats_reference.py perf SCRIPT.txt FLAMEGATE.tsv
  formats_reference.py golden GOLDEN.tsv FLAMEGATE.tsv

golden: a table of ../shared/corpus/formats (function, then flat and cum
per column), its columns in flamegate's order of sample types.

cpuprofile: the DevTools protocol's Profiler.Profile: samples[] and
timeDeltas[] (not hitCount); a sample's time is timeDeltas[i+1] (0 for the
last); names are callFrame.functionName, "(anonymous)" when empty, "(root)"
left out.  Types samples/count and wall/microseconds.

perf: FlameGraph's stackcollapse-perf.pl rules (its Perl regular
expressions, run here by Python's re): the process name as the root frame,
+0x offsets stripped, [unknown] named by its object file, inline chains,
tidying of names, records of the first event type only; each record counts
1 (samples/count) and its period (the event's type).

flat = value of the samples whose leaf is the function; cum = of those
whose stack holds it (once per stack).  Prints a summary; exits 1 on any
difference.
"""
import collections
import json
import re
import sys


def aggregate(stacks):
    """stacks: list of (frames root first, [values]) -> per type (flat, cum)."""
    ntypes = len(stacks[0][1]) if stacks else 0
    flat = [collections.Counter() for _ in range(ntypes)]
    cum = [collections.Counter() for _ in range(ntypes)]
    for frames, values in stacks:
        if not frames:
            continue
        for t, v in enumerate(values):
            flat[t][frames[-1]] += v
            for f in set(frames):
                cum[t][f] += v
    return flat, cum


def cpuprofile(path):
    with open(path) as f:
        p = json.load(f)
    nodes = {n["id"]: n for n in p["nodes"]}
    parent = {}
    for n in p["nodes"]:
        for c in n.get("children", []):
            parent[c] = n["id"]
    deltas = p["timeDeltas"]
    stacks = []
    for i, sid in enumerate(p["samples"]):
        chain = []
        at = sid
        while at is not None:
            chain.append(at)
            at = parent.get(at)
        names = []
        for nid in reversed(chain):
            name = nodes[nid]["callFrame"].get("functionName") or "(anonymous)"
            if name != "(root)":
                names.append(name)
        us = deltas[i + 1] if i + 1 < len(deltas) else 0
        stacks.append((names, [1, us]))
    return ["samples/count", "wall/microseconds"], stacks


HEADER = re.compile(r"^(\S.+?)\s+(\d+)\/*(\d+)*\s+")
EVENT = re.compile(r":\s*(\d+)*\s+(\S+):\s*$")
FRAME = re.compile(r"^\s*(\w+)\s*(.+) \((.*)\)")


def tidy(func, mod, pname, inlined):
    if func == "[unknown]":
        func = "[" + re.sub(r".*/", "", mod) + "]" if mod != "[unknown]" else "[unknown]"
    func = func.replace(";", ":")
    if not re.search(r"\.\(.*\)\.", func):
        func = re.sub(r"\((?!anonymous namespace\)).*", "", func)
    func = func.replace('"', "").replace("'", "")
    if pname.startswith("java") and "/" in func:
        func = re.sub(r"^L", "", func)
    if inlined and "_[i]" not in func:
        func += "_[i]"
    return func


def perf(path):
    stacks = []
    event_filter = None
    event_unit = None
    pname = None
    stack = []
    period = 1
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        lines = f.read().split("\n")
    for line in lines:
        if line.startswith("#"):
            continue
        if line == "":
            if pname is not None:
                stacks.append(([pname] + stack, [1, period]))
            pname, stack = None, []
            continue
        m = HEADER.match(line)
        if m:
            ev = EVENT.search(line)
            period = 1
            if ev:
                if event_filter is None:
                    event_filter = ev.group(2)
                elif ev.group(2) != event_filter:
                    continue
                if ev.group(1):
                    period = int(ev.group(1))
            pname = m.group(1).replace(" ", "_")
            continue
        m = FRAME.match(line)
        if m and pname is not None:
            raw = re.sub(r"\+0x[\da-f]+$", "", m.group(2))
            if raw.startswith("("):
                continue
            parts = raw.split("->")
            while parts and parts[-1] == "":
                parts.pop()
            chain = [tidy(fn, m.group(3), pname, i > 0) for i, fn in enumerate(parts)]
            stack = chain + stack
    base = (event_filter or "").split(":")[0]
    unit = "nanoseconds" if base in ("cpu-clock", "task-clock") else "events"
    return ["samples/count", "%s/%s" % (event_filter, unit)], stacks


def read_tsv(path):
    types, rows = [], []
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f.read().split("\n"):
            if not line:
                continue
            parts = line.split("\t")
            if parts[0] == "#sample_type":
                types.append("%s/%s" % (parts[1], parts[2]))
                rows.append({})
            elif not line.startswith("#"):
                rows[-1][parts[0]] = (int(parts[1]), int(parts[2]))
    return types, rows


def golden(path, tsv):
    """A corpus golden table against flamegate's TSV: the golden columns
    (flat, cum pairs) in order are flamegate's sample types in order (for
    a two-sided file: the base side's, then the candidate's)."""
    want, header = {}, None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#") or not line:
                continue
            parts = line.split("\t")
            if header is None:
                header = parts
                continue
            want[parts[0]] = [int(x) for x in parts[1:]]
    types, rows = read_tsv(tsv)
    ncols = (len(header) - 1) // 2
    bad = 0
    if len(types) != ncols:
        print("flamegate has %d sample types, the golden table %d" % (len(types), ncols))
        return 1
    for t in range(ncols):
        funcs = set(want) | set(rows[t])
        for fn in sorted(funcs):
            w = tuple(want.get(fn, [0] * (2 * ncols))[2 * t:2 * t + 2])
            if rows[t].get(fn, (0, 0)) != w:
                bad += 1
                if bad <= 20:
                    print("%s %s: flamegate %s, golden %s" % (types[t], fn, rows[t].get(fn), w))
        print("%s (%s): %d functions" % (types[t], header[1 + 2 * t], len(funcs)))
    return 1 if bad else 0


def main():
    if sys.argv[1] == "golden":
        return golden(sys.argv[2], sys.argv[3])
    kind, src, tsv = sys.argv[1:4]
    want_types, stacks = cpuprofile(src) if kind == "cpuprofile" else perf(src)
    flat, cum = aggregate(stacks)
    types, rows = read_tsv(tsv)
    bad = 0
    if types != want_types:
        print("types: flamegate %s, reference %s" % (types, want_types))
        bad += 1
    for t, name in enumerate(want_types):
        got = rows[t] if t < len(rows) else {}
        funcs = set(flat[t]) | set(cum[t]) | set(got)
        for fn in sorted(funcs):
            want = (flat[t][fn], cum[t][fn])
            if got.get(fn, (0, 0)) != want:
                bad += 1
                if bad <= 20:
                    print("%s %s: flamegate %s, reference %s" % (name, fn, got.get(fn), want))
        print("%s: %d functions, total %d" % (name, len(funcs), sum(flat[t].values())))
    print("%d records" % len(stacks))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
