/*
 * flamebearer.h - Pyroscope's flame-graph JSON ("flamebearer"): what
 * GET /render?query=...&format=json returns (Grafana Pyroscope v1's
 * /pyroscope/render and the 0.37 servers' /render), single or two-sided
 * (/render-diff), as encoded by grafana/pyroscope's flamebearer package
 * (pkg/og/structs/flamebearer, pkg/model/flamegraph.go).
 *
 * Layout: "flamebearer": {"names": [...], "levels": [[...], ...],
 * "numTicks", "maxSelf"} and "metadata": {"format": "single"|"double",
 * "units", "sampleRate", "name", "spyName"} (older servers put the
 * metadata fields inside "flamebearer").  Level 0 holds the root node
 * "total", which is not a frame.  Each level is a flat array of nodes:
 *   single: [x_delta, total, self, name_index] per node;
 *   double: [l_x_delta, l_total, l_self, r_x_delta, r_total, r_self,
 *            name_index] per node (left = base, right = candidate).
 * Offsets are delta-encoded per level and per side: a node starts
 * x_delta after the end of the previous node of its level.  A node's
 * parent is the last node of the level above that starts at or before
 * it (Pyroscope's own decoding, flamebearerV1ToTree); every node with
 * self > 0 is one sample whose stack is that chain of names.  A node that
 * lies outside its parent, a negative or overflowing number, a name index
 * out of range or a level whose length is not a multiple of the node size
 * is an FG_EFORMAT error naming the level and node.
 *
 * Sample types, from "units" and "sampleRate" (the values' meaning as
 * the servers write them):
 *   units "samples", sampleRate >= 1e6   Grafana Pyroscope v1 CPU: values
 *                                        are nanoseconds ("cpu" or the
 *                                        metadata name)/nanoseconds
 *   units "samples", smaller sampleRate  0.37 servers: sample counts:
 *                                        samples/count, and
 *                                        cpu/nanoseconds = count * 1e9 /
 *                                        sampleRate (the default type)
 *   units "objects", "goroutines", "lock_samples"   <name>/count
 *   units "bytes"                        <name>/bytes
 *   units "lock_nanoseconds"             <name>/nanoseconds
 *   any other unit u (v1 writes the sample unit)    <name>/u
 * where <name> is metadata.name when it is a plain identifier (v1 writes
 * the sample type there, e.g. alloc_space; 0.37 writes an application
 * name and a date, which is not used) and otherwise cpu, objects,
 * goroutines, lock_samples, space or lock_duration by unit.
 *
 * A flame graph holding Pyroscope's "other" node (what a server folds the
 * nodes beyond its max-nodes into) gets a warning (fg_profile.warning)
 * saying how much of it "other" holds.
 *
 * A two-sided file gives two profiles, base (left) then candidate
 * (right), named "<source> (base side)" and "<source> (candidate side)".
 * The format carries no time per sample (sample_time is NULL).
 */
#ifndef FLAMEGATE_FLAMEBEARER_H
#define FLAMEGATE_FLAMEBEARER_H

#include "flamegate/profile.h"

#include <jansson.h>

/*
 * Decode a parsed flame-graph document (root borrowed) into out[0..*n)
 * (owned by the caller): one profile, or two for "double".  lim may be
 * NULL for the defaults.  Errors: FG_EFORMAT (corrupt), FG_ELIMIT (a
 * limit exceeded; the message names the flag that raises it).
 */
int fg_flamebearer_from_json(const json_t *root, const char *source,
                             const struct fg_limits *lim,
                             struct fg_profile *out[2], size_t *n,
                             struct fg_error *err) FG_MUST_CHECK;

/* The same from the JSON text data[0..len) (borrowed). */
int fg_flamebearer_decode(const unsigned char *data, size_t len,
                          const char *source, const struct fg_limits *lim,
                          struct fg_profile *out[2], size_t *n,
                          struct fg_error *err) FG_MUST_CHECK;

/* True when p holds a function named "other": the node a Pyroscope
 * server folds the nodes beyond its max-nodes into (the tree was pruned,
 * so those functions' own values are lost). */
bool fg_flamebearer_pruned(const struct fg_profile *p);

#endif
