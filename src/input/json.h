/*
 * json.h - the JSON profile formats: detection, one bounded parse, and
 * dispatch to the reader named by the document's keys.
 *
 * A document is parsed once with jansson and handed to the reader whose
 * top-level keys it has:
 *   "flamebearer"                    Pyroscope flame-graph JSON
 *                                    (input/flamebearer.h)
 *   "nodes" (or "profile": {nodes})  V8/Chrome .cpuprofile
 *                                    (input/cpuprofile.h)
 *   "shared" and "profiles"          speedscope (input/speedscope.h)
 *   "resourceProfiles"               OpenTelemetry profiles, protobuf
 *                                    JSON mapping (input/otlp.h)
 *
 * Limits: jansson holds every value of a document in memory (tens of
 * bytes each), so before parsing the text is scanned and a document of
 * more than 4 x --max-samples + 1,000,000 values is refused (FG_ELIMIT
 * naming --max-samples); nesting is capped by jansson (2048 levels).
 */
#ifndef FLAMEGATE_INPUT_JSON_H
#define FLAMEGATE_INPUT_JSON_H

#include "flamegate/profile.h"

#include <jansson.h>

/* The most profiles one document holds (a two-sided diff: base, then
 * candidate). */
#define FG_JSON_MAX_SIDES 2

/* True when data is a JSON object (its first non-blank byte, after an
 * optional UTF-8 byte order mark, is '{'). */
bool fg_json_sniff(const unsigned char *data, size_t len);

/*
 * Parse data[0..len) (borrowed) into *root (a new reference, owned by
 * the caller: json_decref).  Errors: FG_EFORMAT "source: invalid JSON at
 * line L column C: what", "source: JSON document is not an object",
 * "source: empty file" (also for data NULL);
 * FG_ELIMIT (the value budget above).
 */
int fg_json_parse(const unsigned char *data, size_t len, const char *source,
                  const struct fg_limits *lim, json_t **root,
                  struct fg_error *err) FG_MUST_CHECK;

/*
 * Decode a JSON profile document of any of the formats above into
 * out[0..*n) (owned by the caller): one profile, or two for a two-sided
 * document (Pyroscope's /render-diff JSON: base, then candidate).
 * Errors as the readers give them, or FG_EFORMAT naming source when the
 * document is JSON but none of these formats.
 */
int fg_json_decode(const unsigned char *data, size_t len, const char *source,
                   const struct fg_limits *lim,
                   struct fg_profile *out[FG_JSON_MAX_SIDES], size_t *n,
                   struct fg_error *err) FG_MUST_CHECK;

/*
 * A JSON number or numeric string (the protobuf JSON mapping writes
 * 64-bit integers as strings) as an int64: integers, reals with an
 * integral value in range, and decimal strings.  False otherwise.
 */
bool fg_json_i64(const json_t *v, int64_t *out);

/* A JSON number or numeric string as a finite double; false otherwise. */
bool fg_json_double(const json_t *v, double *out);

/* Member key of object o, or NULL (also when o is not an object); alt, if
 * not NULL, is tried when key is absent (protobuf JSON accepts the
 * original snake_case field names too). */
json_t *fg_json_get(const json_t *o, const char *key, const char *alt);

#endif
