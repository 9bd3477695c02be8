/*
 * perf_script.h - the text `perf script` prints for a `perf record -g`
 * recording (Linux perf; C, C++, Rust and anything else perf profiles).
 *
 * Each record is a header line, "comm pid[/tid] [cpu] time: period
 * event:", then one line per frame, leaf first, "ip symbol+0xoff (dso)",
 * then a blank line.  Stacks are built with the rules of FlameGraph's
 * stackcollapse-perf.pl (brendangregg/FlameGraph), so names match the
 * flame graphs people already make:
 *   - the process name (comm, spaces turned into '_') is the root frame;
 *   - "+0x..." offsets are stripped; a symbol "[unknown]" is named by its
 *     object file, "[basename]" ("[unknown]" when that is unknown too);
 *   - "a->b" inline chains become a, b_[i]; ';' becomes ':', quotes are
 *     removed, and everything from the first '(' on is dropped unless it
 *     is "(anonymous namespace)" or the name is a Go method "x.(*T).m";
 *     Java processes lose the 'L' of "Lpkg/Class;" names;
 *   - symbols starting with '(' are skipped;
 *   - only records of the first event type are read (perf script can
 *     interleave several; mixing cycles and instructions would mislead).
 * A record ends at a blank line, a new header or the end of the text
 * (stackcollapse-perf.pl needs the blank line; perf always writes it).
 *
 * Sample types: samples/count (1 per record) and the event with its
 * period, e.g. cpu-clock/nanoseconds (cpu-clock and task-clock count
 * nanoseconds; other events count "events"), the default.  sample_time
 * is the header's timestamp (seconds.fraction) in nanoseconds.
 *
 * Lines the rules do not recognise are skipped, as the script does; a
 * text without any record, a period that overflows or a limit exceeded
 * is an error naming the source and the line.
 */
#ifndef FLAMEGATE_PERF_SCRIPT_H
#define FLAMEGATE_PERF_SCRIPT_H

#include "flamegate/profile.h"

/* True when data looks like `perf script` output: its first line that
 * is neither blank nor a '#' comment is a record header followed by a
 * frame line or ending in "event:". */
bool fg_perf_script_sniff(const unsigned char *data, size_t len);

/* Decode data[0..len) (borrowed) into *out (owned by the caller).  lim
 * may be NULL for the defaults. */
int fg_perf_script_decode(const unsigned char *data, size_t len,
                          const char *source, const struct fg_limits *lim,
                          struct fg_profile **out,
                          struct fg_error *err) FG_MUST_CHECK;

#endif
