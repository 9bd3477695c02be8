/*
 * flamegate.h - the whole public interface of libflamegate.a.
 *
 *   decode:   fg_source_load_file / fg_source_decode (source.h) -> struct
 *             fg_profile (profile.h); fg_aggregate (aggregate.h) for
 *             pprof's flat and cum values
 *   compare:  fg_compare (compare.h) -> struct fg_result
 *   report:   fg_report_write (report.h), with fg_flame_build (flame.h) for
 *             the HTML flame graph and the folded diff
 *   fetch:    fg_backend_fetch_side / fg_backend_fetch_url (backend.h)
 *
 * Every function that can fail returns an int status (fg.h) and fills a
 * struct fg_error.  Link with the libraries "pkg-config --libs
 * libprotobuf-c zlib libcurl gsl jansson" names, -lm and -lpthread.
 */
#ifndef FLAMEGATE_FLAMEGATE_H
#define FLAMEGATE_FLAMEGATE_H

#include "flamegate/fg.h"
#include "flamegate/buf.h"
#include "flamegate/strtab.h"
#include "flamegate/profile.h"
#include "flamegate/aggregate.h"
#include "flamegate/flame.h"
#include "flamegate/source.h"
#include "flamegate/compare.h"
#include "flamegate/report.h"
#include "flamegate/backend.h"

#endif
