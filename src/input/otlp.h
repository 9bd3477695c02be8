/*
 * otlp.h - OpenTelemetry profiles (the OTLP profiles signal,
 * opentelemetry-proto's profiles/v1development, alpha): a ProfilesData
 * message (or the collector's ExportProfilesServiceRequest, which has the
 * same fields) as binary protobuf (src/proto/otlp_profiles.proto), or its
 * protobuf JSON mapping (lowerCamelCase keys, 64-bit integers as
 * strings; snake_case keys are accepted too).
 *
 * All profiles of resource_profiles[*].scope_profiles[*].profiles[*] are
 * read; they share the dictionary's tables (strings, functions,
 * locations, mappings, stacks).  Each profile has one sample type; the
 * model gets one sample type per distinct type/unit pair (in order of
 * appearance, the first profile's is the default), and samples of a
 * profile are 0 in the other types.  A Sample is one observation per
 * element of "values", or, when it has no values, one observation of
 * value 1 per timestamp; with both, the i-th value goes with the i-th
 * timestamp.  Observations with a timestamp get it as sample_time (Unix
 * nanoseconds; the profile has sample_time only when all have one).
 * Samples of an empty stack (stack 0) belong to no function and are
 * skipped (the reference tables leave them out of the total too).
 *
 * A stack lists locations leaf first; a location's lines are its inlined
 * functions, innermost first (the same order as pprof).  A frame is the
 * function's name, else its system name; a location or function without
 * a name is named after its mapping's file ("[libc.so.6]"), else
 * "<unknown>", as pprof does.
 *
 * Corrupt input is an FG_EFORMAT error naming the source and the record:
 * an index out of its table (stack, location, function, mapping, string),
 * a negative index, values and timestamps of different lengths, a sample
 * with neither, truncated or malformed protobuf.  Limits: samples
 * (observations), locations and functions (table sizes), string bytes,
 * stack depth; at most 256 distinct sample types.
 */
#ifndef FLAMEGATE_OTLP_H
#define FLAMEGATE_OTLP_H

#include "flamegate/profile.h"

#include <jansson.h>

/*
 * True when data looks like a binary ProfilesData: only top-level fields
 * 1 and 2, both length-delimited, and their contents made of
 * length-delimited fields (which a pprof Profile, whose field 1 holds
 * varints and which always has a string table, field 6, is not).  A file
 * cut short inside its last field still looks like one (and then fails
 * to decode as truncated).
 */
bool fg_otlp_sniff(const unsigned char *data, size_t len);

/* Decode binary protobuf data[0..len) (borrowed) into *out (owned by the
 * caller).  lim may be NULL for the defaults. */
int fg_otlp_decode(const unsigned char *data, size_t len, const char *source,
                   const struct fg_limits *lim, struct fg_profile **out,
                   struct fg_error *err) FG_MUST_CHECK;

/* Decode the JSON form (root borrowed). */
int fg_otlp_from_json(const json_t *root, const char *source,
                      const struct fg_limits *lim, struct fg_profile **out,
                      struct fg_error *err) FG_MUST_CHECK;

/* The JSON form from its text data[0..len) (borrowed). */
int fg_otlp_decode_json(const unsigned char *data, size_t len,
                        const char *source, const struct fg_limits *lim,
                        struct fg_profile **out,
                        struct fg_error *err) FG_MUST_CHECK;

#endif
