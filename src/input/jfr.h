/*
 * jfr.h - Java Flight Recorder files (.jfr), as written by OpenJDK 11+ and
 * async-profiler: a sequence of chunks, each with a 68-byte header, a
 * metadata event describing every type and its fields, constant pools
 * (checkpoint events linked backwards from the header's offset) and
 * events.  Type ids are taken from each chunk's metadata, never assumed;
 * constant-pool keys and ids restart in every chunk.
 *
 * Events read (each its own sample types, as Pyroscope's converter does):
 *   jdk.ExecutionSample            samples/count (1 per event), and
 *                                  cpu/nanoseconds when the recording's
 *                                  jdk.ActiveSetting gives one sampling
 *                                  "period" for it
 *   jdk.ObjectAllocationSample     alloc_sample_objects/count,
 *                                  alloc_sample_bytes/bytes (weight)
 *   jdk.ObjectAllocationInNewTLAB  alloc_in_new_tlab_objects/count,
 *                                  alloc_in_new_tlab_bytes/bytes (tlabSize),
 *                                  alloc_in_new_tlab_size/bytes
 *                                  (allocationSize of the object)
 *   jdk.ObjectAllocationOutsideTLAB alloc_outside_tlab_objects/count,
 *                                  alloc_outside_tlab_bytes/bytes
 *   jdk.JavaMonitorEnter           lock_contentions/count,
 *                                  lock_delay/nanoseconds (duration)
 *   jdk.ThreadPark                 park_contentions/count,
 *                                  park_delay/nanoseconds (duration)
 * Only the types of events present in the file are kept; the default is
 * samples/count when there are CPU samples.  Events whose stack trace is
 * null or empty are skipped (they belong to no function), as in
 * `jfr print`-based tables and Pyroscope.  An event whose stack trace key
 * is missing from its chunk's constant pools (real recordings have a few
 * written just before a chunk rotation) takes the stack of that key in
 * the previous chunk when an event there used it, which agrees with the
 * JDK's reader of the whole file in most recordings (it resolves some such
 * keys and not others: tests/cli/jfr_live.sh allows one event per chunk
 * rotation), and is skipped otherwise (the JDK resolves null) -
 * but a chunk where more than half of the events' keys are missing is an
 * error.
 *
 * A frame is named "<class>.<method>" with the class symbol as JFR stores
 * it (slash form, e.g. "java/lang/String.indexOf"), as Pyroscope and
 * async-profiler show Java frames, except that the parts of generated
 * class names that change from one JVM run to the next are replaced by
 * "_" (fg_jfr_class_name), as Pyroscope merges them; stacks are stored top (leaf) first in
 * JFR, which is the model's order.  Each sample gets its event's start
 * time in Unix nanoseconds (sample_time), converted with the chunk's
 * start ticks, ticks per second and start nanoseconds.
 *
 * Limits (struct fg_limits): samples (events kept), functions (distinct
 * frame names, which are also the locations), string bytes, stack depth.
 * A corrupt file is an FG_EFORMAT error naming the source, the problem and
 * the byte offset; never a crash, never an unbounded allocation.
 */
#ifndef FLAMEGATE_JFR_H
#define FLAMEGATE_JFR_H

#include "flamegate/profile.h"

/* True when data starts with a JFR chunk header ("FLR\0"). */
bool fg_jfr_sniff(const unsigned char *data, size_t len);

/*
 * Decode a JFR file (data borrowed) into *out (owned by the caller, free
 * with fg_profile_free; NULL on error).  lim may be NULL for the defaults.
 * Errors: FG_EFORMAT (corrupt or unsupported input, or no event of the
 * kinds above), FG_ELIMIT (a limit was exceeded; the message names the
 * option that raises it).
 */
int fg_jfr_decode(const unsigned char *data, size_t len, const char *source,
                  const struct fg_limits *lim, struct fg_profile **out,
                  struct fg_error *err) FG_MUST_CHECK;

/*
 * Write class symbol s[0..n) to out (room for n + 1 bytes) with the parts
 * that differ between JVM runs replaced by "_", and return its length:
 *   Foo$$Lambda$88+0x00007f660c007a08/1790421142  ->  Foo$$Lambda_
 *   Foo$$Lambda$88/0x0000000800c0a000, Foo$$Lambda.0x00007ffa600c4da0
 *                                                 ->  Foo$$Lambda_
 *   java/lang/invoke/LambdaForm$MH/0x0000000800c08400,
 *   java.lang.invoke.LambdaForm$MH+0x00007fc748009400/927327686
 *                                                 ->  ...LambdaForm$MH_
 *   jdk/internal/reflect/GeneratedMethodAccessor31 -> ...Accessor_
 * (also GeneratedConstructorAccessor and
 * GeneratedSerializationConstructorAccessor).  Without normalization a
 * lambda's frames would be new in every comparison of two JVM runs and
 * fail the gate.  Any other name is copied unchanged.
 */
size_t fg_jfr_class_name(const char *s, size_t n, char *out);

#endif
