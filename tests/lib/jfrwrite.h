/*
 * jfrwrite.h - small synthetic Java Flight Recorder files for tests: a
 * valid two-chunk recording and variants that are wrong in exactly one
 * way (the bad-input catalogue, testdata/corrupt/jfr-*.jfr, is written by
 * fg-mkbad gen through this).
 *
 * The valid file ("jfr-valid.jfr") has two chunks with different type
 * ids and constant-pool keys, in LEB128 integers as the JDK writes them
 * (`jfr print` reads it); "jfr-fixed-ints.jfr" is one such chunk with the
 * compressed-integers flag off and fixed big-endian integers (as JMC
 * reads them; the JDK's own parser does not look at the flag).  Each chunk holds metadata, one checkpoint with
 * the pools (symbols as UTF-8, Latin-1, char-array and string-pool
 * references), five jdk.ExecutionSample (3 on Main.work < Main.main,
 * 2 on java/lang/String.indexOf < Main.work < Main.main), one
 * jdk.ObjectAllocationSample (weight 4096 on the deeper stack), one
 * jdk.ThreadPark (5 ms on the shorter stack), a jdk.ActiveSetting giving
 * the sampling period (10 ms) and an event of a type flamegate skips.
 * Events are 100 ms apart from the chunk start (chunk 2 starts 10 s after
 * chunk 1, at JFRW_START_NANOS + 10 s).
 */
#ifndef FLAMEGATE_TEST_JFRWRITE_H
#define FLAMEGATE_TEST_JFRWRITE_H

#include "flamegate/buf.h"

#define JFRW_START_NANOS 1700000000000000000LL

enum jfrw_variant {
    JFRW_VALID,           /* the valid two-chunk file */
    JFRW_TRUNCATED,       /* one chunk cut at two thirds */
    JFRW_BAD_VERSION,     /* major version 3 */
    JFRW_BAD_MAGIC,       /* the second chunk's magic is "FLX\0" */
    JFRW_CP_RANGE,        /* a method's name refers to symbol 99 */
    JFRW_MISSING_STACK,   /* 4 of 7 events name stack trace 7, which is
                           * not defined */
    JFRW_HUGE_COUNT,      /* a stack trace claims 2^31-1 frames */
    JFRW_CHUNK_SIZE,      /* the chunk size runs 1000 bytes past the end */
    JFRW_VARINT_OVERFLOW, /* an event size varint of 35 bits */
    JFRW_FIXED_INTS,      /* valid, one chunk, fixed-width integers */
    JFRW_PREV_STACK,      /* valid: as JFRW_VALID, but the second chunk's
                           * first CPU sample names stack trace 1 of the
                           * first chunk, which the second lacks */
    JFRW_N
};

/* File name of a variant in testdata/corrupt ("jfr-valid.jfr", ...). */
const char *fg_jfrw_name(enum jfrw_variant v);

/* Write variant v into b (initialised by the caller). */
void fg_jfrw_build(struct fg_buf *b, enum jfrw_variant v);

#endif
