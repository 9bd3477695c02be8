/*
 * speedscope.h - speedscope's JSON file format
 * (https://www.speedscope.app/file-format-schema.json): what py-spy
 * `--format speedscope`, rbspy and speedscope's own exporter write.
 *
 * "shared": {"frames": [{"name", "file", "line", "col"}]} names the
 * frames; "profiles" holds one or more profiles of two kinds:
 *   sampled  "samples": [[frame, ...] root first, ...] and "weights"
 *            (one per sample; py-spy writes 1 for each, unit "none")
 *   evented  "events": [{"type": "O"|"C", "frame", "at"}], frames opened
 *            and closed at times "at" (speedscope's rules: a close must
 *            match the innermost open frame, times never go back, and
 *            every frame is closed by the end; each is an error here too)
 * Every profile of the file is read and merged into one: py-spy writes
 * one profile per thread and its flame graphs add the threads up, which
 * is what a comparison of two recordings needs (speedscope's viewer shows
 * one profile at a time).  The profiles must share one unit.
 *
 * Sample types, from the profiles' "unit":
 *   "none"                      samples/count = the weights
 *   nanoseconds, microseconds   sampled: samples/count (1 per sample)
 *                               and wall/<unit> = the weights;
 *                               evented: wall/<unit> only
 *   milliseconds, seconds       the same in nanoseconds (the model holds
 *                               integers; fractions would be lost)
 *   bytes                       samples/count and memory/bytes (sampled),
 *                               memory/bytes (evented)
 * Non-integral values are rounded half away from zero (with a warning,
 * fg_profile.warning, counting them).  An evented
 * profile gives one sample per interval in which the stack stays the
 * same (the innermost open frame gets the time until the next event),
 * with sample_time the interval's start (at - startValue, in
 * nanoseconds) when the unit is a time; sampled profiles carry no time.
 * Frame names are shared.frames[i].name.
 *
 * Corrupt input is an FG_EFORMAT error naming the source, the profile and
 * the sample or event: frame indexes out of range, samples and weights of
 * different lengths, mismatched or unclosed frames, time going back.
 */
#ifndef FLAMEGATE_SPEEDSCOPE_H
#define FLAMEGATE_SPEEDSCOPE_H

#include "flamegate/profile.h"

#include <jansson.h>

/* Decode a parsed speedscope file (root borrowed) into *out (owned by
 * the caller).  lim may be NULL for the defaults. */
int fg_speedscope_from_json(const json_t *root, const char *source,
                            const struct fg_limits *lim,
                            struct fg_profile **out,
                            struct fg_error *err) FG_MUST_CHECK;

/* The same from the JSON text data[0..len) (borrowed). */
int fg_speedscope_decode(const unsigned char *data, size_t len,
                         const char *source, const struct fg_limits *lim,
                         struct fg_profile **out,
                         struct fg_error *err) FG_MUST_CHECK;

#endif
