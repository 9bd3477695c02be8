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
    double cv;          /* this group's run-to-run noise when it differs
                         * from its family's (0: the family's) */
};

struct fg_preset {
    const char *name;     /* "go-runtime-scheduling", ... */
    const char *summary;  /* one line */
    const char *tradeoff; /* what ignoring it can hide, or NULL */
    const struct fg_preset_group *groups;
    size_t n_groups;
    double cv;            /* default run-to-run noise of these frames as a
                           * coefficient of variation of their count,
                           * beyond sampling (analysis: environment class);
                           * a group may set its own */
};

/* Every preset, in documentation order; fg_preset_count entries. */
extern const struct fg_preset fg_presets[];
extern const size_t fg_preset_count;

/* The preset called name, or NULL. */
const struct fg_preset *fg_preset_find(const char *name);

/* The preset's anchored regex, "^(g1|g2|...)$" (malloc'd). */
char *fg_preset_regex(const struct fg_preset *p);

/*
 * Environment classes of a comparison: every group of every family
 * compiled once.  A class is one group, numbered across the families in
 * order; fg_envnoise_classify gives the class of a function name, or -1.
 */
struct fg_envnoise;

/* Compile every group (*out owned by the caller, fg_envnoise_free).
 * Errors: FG_ESTATS if a built-in pattern does not compile (a bug). */
int fg_envnoise_new(struct fg_envnoise **out,
                    struct fg_error *err) FG_MUST_CHECK;
void fg_envnoise_free(struct fg_envnoise *e);
long fg_envnoise_classify(const struct fg_envnoise *e, const char *name);

/* The family and group of class cls (0 <= cls < number of groups). */
const struct fg_preset *fg_envnoise_family(long cls);
const struct fg_preset_group *fg_envnoise_group(long cls);

/* The run-to-run noise (coefficient of variation) of class cls. */
double fg_envnoise_cv(long cls);

/*
 * Whether a leaf frame of this name interrupts the function below it
 * rather than doing work of its own: Go's runtime.asyncPreempt is entered
 * by a signal wherever a goroutine is preempted, and on a loaded machine
 * the profiler's ticks land in it (27% of a CPU profile, 46% of them
 * inside one hot loop of the program), so the interrupted function's own
 * time shrinks with the machine's load.  The analysis counts such a
 * sample as the interrupted function's own time.
 */
bool fg_envnoise_interrupts(const char *name);

/*
 * Whether name is a runtime's own code rather than the program's: Go's
 * runtime package, HotSpot's and V8's C++ internals, libuv.  Work done by
 * such frames under an environment-driven frame (runtime.bgsweep ->
 * runtime.freeSomeWbufs -> runtime.lock2) is the environment's too; the
 * program's own functions under such a frame (a libuv poll loop runs
 * every JavaScript callback) are not.
 */
bool fg_envnoise_internal(const char *name);

#endif
