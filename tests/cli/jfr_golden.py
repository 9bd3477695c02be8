#!/usr/bin/env python3
"""jfr_golden.py TSV GOLDEN... - the corpus JFR golden tables
(formats/jfr/*.golden.tsv, from `jfr print --json`) against `flamegate top
--format tsv --sample-type all --top 0` of the same recording (TSV): every
golden flat, cum and total must be equal, and no other function may carry
a value of those types.  Golden names keep the per-run parts of generated
class names, which flamegate merges (jfr_reference.class_name)."""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jfr_reference import class_name  # noqa: E402

# (event, golden column suffix) -> flamegate sample type
COLUMNS = {
    ("ExecutionSample", "samples"): "samples",
    ("ObjectAllocationSample", "count"): "alloc_sample_objects",
    ("ObjectAllocationSample", "weight_bytes"): "alloc_sample_bytes",
    ("ObjectAllocationInNewTLAB", "count"): "alloc_in_new_tlab_objects",
    ("ObjectAllocationInNewTLAB", "tlab_bytes"): "alloc_in_new_tlab_bytes",
    ("ObjectAllocationInNewTLAB", "alloc_bytes"): "alloc_in_new_tlab_size",
}


def norm(fn):
    cls, _, method = fn.rpartition(".")
    return class_name(cls) + "." + method


def main():
    got, totals, t = {}, {}, None
    with open(sys.argv[1]) as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if f[0] == "#sample_type":
                t = f[1]
                totals[t] = int(f[4])
                got[t] = {}
            elif t and not f[0].startswith("#"):
                got[t][f[0]] = (int(f[1]), int(f[2]))
    bad = checked = 0
    for path in sys.argv[2:]:
        event = os.path.basename(path).split(".")[1]
        header, gtotals, rows = None, [], []
        for line in open(path):
            f = line.rstrip("\n").split("\t")
            if f[0] == "# total":
                gtotals = [int(x) for x in f[1:]]
            elif f[0] == "function":
                header = f
            elif header and not f[0].startswith("#"):
                rows.append(f)
        types = [COLUMNS[(event, c.split("_", 1)[1])] for c in header[1::2]]
        for k, ty in enumerate(types):
            if totals.get(ty) != gtotals[k]:
                print(f"{event} {ty}: total {totals.get(ty)}, golden {gtotals[k]}")
                bad += 1
            seen = set()
            for r in rows:
                name = norm(r[0])
                seen.add(name)
                want = (int(r[1 + 2 * k]), int(r[2 + 2 * k]))
                have = got.get(ty, {}).get(name, (0, 0))
                checked += 1
                if want != have:
                    print(f"{event} {ty} {name}: flamegate {have}, golden {want}")
                    bad += 1
            for name, v in got.get(ty, {}).items():
                if name not in seen and v != (0, 0):
                    print(f"{event} {ty} {name}: {v} not in the golden table")
                    bad += 1
    print(f"jfr_golden: {checked} golden values, {bad} differences")
    return 1 if bad or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
