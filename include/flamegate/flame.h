/*
 * flame.h - the merged stack tree of a base and a candidate side, used by
 * the HTML differential flame graph and the folded diff report.
 *
 * A node is one frame on one call path: (function name, parent node).  The
 * tree is rooted at a synthetic node 0 (name FG_FLAME_NONE) that stands for
 * "all samples".  For each side, node.base / node.cand is the total value
 * of the samples whose root-first stack starts with the node's path (like
 * cum, but per path: a recursive function has one node per depth), and
 * base_self / cand_self the part of it whose stack ends at the node (like
 * flat).  Values are summed over the runs of a side; reports show shares
 * (value / side total) so unequal totals compare fairly.
 *
 * Building is one pass over the samples: child lookup through a hash table
 * keyed by (parent, name), and consecutive samples that share a stack
 * prefix reuse the prefix's nodes, so a profile with a million stacks
 * builds in well under a second.
 */
#ifndef FLAMEGATE_FLAME_H
#define FLAMEGATE_FLAME_H

#include "flamegate/profile.h"
#include "flamegate/strtab.h"

#define FG_FLAME_NONE UINT32_MAX

struct fg_flame_node {
    uint32_t name;        /* id in fg_flame.names; FG_FLAME_NONE: root */
    uint32_t parent;      /* node index; FG_FLAME_NONE for the root */
    uint32_t depth;       /* 0 for the root, 1 for outermost frames */
    uint32_t n_children;
    uint32_t child_start; /* children: kids[child_start .. + n_children) */
    int64_t base;         /* value through this path, summed over runs */
    int64_t cand;
    int64_t base_self;    /* value of stacks ending here */
    int64_t cand_self;
};

struct fg_flame {
    size_t n_nodes;               /* >= 1; nodes[0] is the root */
    struct fg_flame_node *nodes;  /* owned */
    uint32_t *kids;               /* owned: child lists, each sorted by
                                   * name (byte order) */
    struct fg_strtab names;       /* owned copies of the function names */
    int64_t base_total;           /* == nodes[0].base */
    int64_t cand_total;           /* == nodes[0].cand */
    size_t base_runs;
    size_t cand_runs;
    size_t max_depth;             /* deepest node */
    char *sample_type;            /* owned: the base side's analysed type */
    char *unit;                   /* owned: its unit */
};

/*
 * Build the merged tree of base[0..k) and cand[0..m) (borrowed; either
 * count may be 0).  base_type is the sample-type index used for every base
 * profile, cand_type for every candidate profile.  Samples with value 0
 * are skipped; a sample without locations counts toward the root only.
 * *out is owned by the caller (fg_flame_free).
 * Errors: FG_EUSAGE when a type index is out of range for a profile (the
 * source is named), FG_ELIMIT when the tree would exceed 2^32-2 nodes,
 * FG_EFORMAT when a sum overflows int64.
 */
int fg_flame_build(struct fg_profile *const *base, size_t k,
                   struct fg_profile *const *cand, size_t m,
                   size_t base_type, size_t cand_type, struct fg_flame **out,
                   struct fg_error *err) FG_MUST_CHECK;

/* Free the tree and everything it owns.  NULL is accepted. */
void fg_flame_free(struct fg_flame *f);

/* Name of node i: the function name, or "" for the root (borrowed). */
const char *fg_flame_node_name(const struct fg_flame *f, size_t i);

#endif
