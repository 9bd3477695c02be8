/*
 * cpuprofile.h - V8/Chrome CPU profiles (.cpuprofile): what `node
 * --cpu-prof` writes and Chrome DevTools saves, the DevTools protocol's
 * Profiler.Profile object (also accepted wrapped as {"profile": {...}},
 * the protocol's Profiler.stop result).
 *
 * "nodes" is the call tree: {"id", "callFrame": {"functionName", "url",
 * ...}, "hitCount", "children": [ids]} (a "parent" id is accepted too);
 * "samples" lists the node hit by each sample, "timeDeltas" the
 * microseconds between consecutive samples (the first from "startTime").
 * Values come from samples[] and timeDeltas[], never from hitCount (which
 * can disagree with samples[]; hitCount is used only when a profile has
 * no samples[] at all):
 *   samples/count        1 per sample
 *   wall/microseconds    the time until the next sample, timeDeltas[i+1]
 *                        (0 for the last sample), the default type
 * and sample_time is startTime + timeDeltas[0..i] in nanoseconds.
 * Frames are callFrame.functionName, "(anonymous)" when it is empty; V8's
 * pseudo-frames "(program)", "(idle)" and "(garbage collector)" are kept
 * as they are, "(root)" is dropped (it is the tree's root, not code).
 * A sample of the root alone has no stack and is skipped.
 *
 * Corrupt input is an FG_EFORMAT error naming the source and the node or
 * sample: duplicate node ids, children or samples referring to ids that
 * are not nodes, a node with two parents, cycles among parents,
 * samples[] and timeDeltas[] of different lengths, times that overflow.
 * Limits: nodes (--max-locations), samples, functions, stack depth.
 */
#ifndef FLAMEGATE_CPUPROFILE_H
#define FLAMEGATE_CPUPROFILE_H

#include "flamegate/profile.h"

#include <jansson.h>

/* Decode a parsed .cpuprofile (root borrowed) into *out (owned by the
 * caller).  lim may be NULL for the defaults. */
int fg_cpuprofile_from_json(const json_t *root, const char *source,
                            const struct fg_limits *lim,
                            struct fg_profile **out,
                            struct fg_error *err) FG_MUST_CHECK;

/* The same from the JSON text data[0..len) (borrowed). */
int fg_cpuprofile_decode(const unsigned char *data, size_t len,
                         const char *source, const struct fg_limits *lim,
                         struct fg_profile **out,
                         struct fg_error *err) FG_MUST_CHECK;

#endif
