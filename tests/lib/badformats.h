/*
 * badformats.h - the bad-input catalogue's files for the input formats of
 * issue 18 (Pyroscope flame-graph JSON, V8 .cpuprofile, speedscope, perf
 * script, OpenTelemetry profiles): each wrong in exactly one way (cut
 * short, a reference out of range, cyclic parents, huge numbers), plus a
 * few valid ones the catalogue compares against.  tests/tools/fg-mkbad.c
 * writes them into testdata/corrupt/ (see its README for what each file
 * is and the error it must give).
 */
#ifndef FLAMEGATE_TEST_BADFORMATS_H
#define FLAMEGATE_TEST_BADFORMATS_H

#include <stddef.h>

/* Calls put(name, data, len, ctx) once per file, in a fixed order; data
 * is only valid during the call. */
void fg_badformats_each(void (*put)(const char *name, const void *data,
                                    size_t len, void *ctx),
                        void *ctx);

#endif
