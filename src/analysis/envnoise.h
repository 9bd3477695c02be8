/*
 * envnoise.h - frames whose share follows the machine rather than the code:
 * preemption, the scheduler, garbage collection, safepoints, idle waits,
 * for the Go, JVM, glibc/kernel, Python and Node.js runtimes.
 *
 * Each family ("preset") is a list of regular expressions matched against
 * whole function names.  The analysis gives these functions an extra
 * run-to-run variance by default (their family's cv), so they need a much
 * larger change to fail and say why; a config file can instead ignore a
 * family altogether (config.h, fg_preset_apply).
 */
#ifndef FLAMEGATE_ANALYSIS_ENVNOISE_H
#define FLAMEGATE_ANALYSIS_ENVNOISE_H

#include "flamegate/fg.h"

/* Frames matched by one regular expression, and why they are noise. */
struct fg_preset_group {
    const char *regex;  /* POSIX ERE fragment that must match the whole
                         * function name (the preset anchors it) */
    const char *frames; /* example names it matches, ", "-separated */
    const char *why;    /* one sentence: why these frames are noise */
};

struct fg_preset {
    const char *name;     /* "go-runtime-scheduling", ... */
    const char *summary;  /* one line */
    const char *tradeoff; /* what ignoring it can hide, or NULL */
    const struct fg_preset_group *groups;
    size_t n_groups;
    double cv;            /* default run-to-run noise of these frames as a
                           * coefficient of variation of their count,
                           * beyond sampling (analysis: environment class) */
};

/* Every preset, in documentation order; fg_preset_count entries. */
extern const struct fg_preset fg_presets[];
extern const size_t fg_preset_count;

/* The preset called name, or NULL. */
const struct fg_preset *fg_preset_find(const char *name);

/* The preset's anchored regex, "^(g1|g2|...)$" (malloc'd). */
char *fg_preset_regex(const struct fg_preset *p);

/*
 * Environment classes of a comparison: every family's anchored regex
 * compiled once.  fg_envnoise_classify gives the family index of a
 * function name, or -1.
 */
struct fg_envnoise;

/* Compile every family (*out owned by the caller, fg_envnoise_free).
 * Errors: FG_ESTATS if a built-in pattern does not compile (a bug). */
int fg_envnoise_new(struct fg_envnoise **out,
                    struct fg_error *err) FG_MUST_CHECK;
void fg_envnoise_free(struct fg_envnoise *e);
long fg_envnoise_classify(const struct fg_envnoise *e, const char *name);

#endif
