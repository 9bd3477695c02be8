/*
 * pprof.h - decode and encode the pprof protobuf format.
 *
 * Decoding accepts gzip-compressed or raw protobuf (detected by the gzip
 * magic 1f 8b, as pprof does), unpacks with protobuf-c into an arena,
 * validates every id and string index, and builds a struct fg_profile.
 * Malformed input is an error naming the source and the field; it never
 * crashes.  Both packed and unpacked repeated scalars are accepted.
 */
#ifndef FLAMEGATE_PPROF_H
#define FLAMEGATE_PPROF_H

#include "flamegate/buf.h"
#include "flamegate/profile.h"

/*
 * Decode data[0..len) (borrowed) into a new profile (*out, owned by the
 * caller, free with fg_profile_free).  source names the input in errors.
 * Errors: FG_EFORMAT (corrupt, truncated, dangling reference), FG_ELIMIT
 * (a limit in lim exceeded; the message names the flag that raises it).
 */
int fg_pprof_decode(const unsigned char *data, size_t len, const char *source,
                    const struct fg_limits *lim, struct fg_profile **out,
                    struct fg_error *err) FG_MUST_CHECK;

/*
 * The same for a gzipped input the caller hands over: data (malloc'd) is
 * freed as soon as it is inflated, so the compressed bytes, the inflated
 * ones and the profile being built are never all held at once.  data is
 * freed on every path.
 */
int fg_pprof_decode_gz_owned(unsigned char *data, size_t len,
                             const char *source, const struct fg_limits *lim,
                             struct fg_profile **out,
                             struct fg_error *err) FG_MUST_CHECK;

/* True when data looks like pprof (gzip magic, or a protobuf whose first
 * field is a valid Profile field); used for format detection. */
bool fg_pprof_sniff(const unsigned char *data, size_t len);

/*
 * Encode p as an uncompressed pprof protobuf, appending to out.  Each
 * function becomes one Function, each location one Location with one Line
 * per frame.  Used by the synthetic generator and by tests.
 */
int fg_pprof_encode(const struct fg_profile *p, struct fg_buf *out,
                    struct fg_error *err) FG_MUST_CHECK;

#endif
