/*
 * profile.h - the decoded profile model, shared by every input format.
 *
 * A profile is a set of samples; each sample is a stack of locations (leaf
 * first) and one int64 value per sample type.  A location expands to one or
 * more frames (inlined functions, innermost first); a frame is a function
 * index.  Functions are identified by name only (pprof's default
 * "functions" granularity), so two pprof Function records with the same
 * name share one index.
 *
 * Everything a struct fg_profile points to lives in its arena: one
 * fg_profile_free releases all of it.  Strings are NUL-terminated and may
 * contain any byte (names are taken literally from the input).
 */
#ifndef FLAMEGATE_PROFILE_H
#define FLAMEGATE_PROFILE_H

#include "flamegate/fg.h"
#include "flamegate/strtab.h"

struct fg_arena;

struct fg_value_type {
    const char *type; /* e.g. "samples", "cpu", "inuse_space" */
    const char *unit; /* e.g. "count", "nanoseconds", "bytes" */
};

/* Safety limits applied while decoding untrusted input (DESIGN.md s8). */
struct fg_limits {
    size_t max_input;       /* bytes read from a file or stream */
    size_t max_inflated;    /* bytes after gunzip */
    size_t max_strtab;      /* total bytes of the string table */
    size_t max_samples;     /* samples (folded: lines) */
    size_t max_locations;   /* Location records */
    size_t max_functions;   /* Function records */
    size_t max_depth;       /* frames in one sample's stack */
    size_t max_labels;      /* labels in one sample */
    size_t max_http;        /* bytes of one HTTP response body */
    size_t max_runs;        /* profiles per side */
    /* Not a limit but how to read one input: the count column of a
     * folded file holding two ("stack base candidate", as flamegate's
     * --format folded and difffolded.pl write): 1 or 2; 0 refuses such
     * files. */
    unsigned folded_column;
};

/* Fill l with the defaults (documented in README "Limits and safety"). */
void fg_limits_default(struct fg_limits *l);

/* The format a profile was read from (input/source.c detects it by
 * content). */
enum fg_profile_format {
    FG_FORMAT_PPROF = 0,
    FG_FORMAT_FOLDED = 1,       /* folded stacks, also async-profiler's */
    FG_FORMAT_FLAMEBEARER = 2,  /* Pyroscope flame-graph JSON (/render) */
    FG_FORMAT_JFR = 3,          /* Java Flight Recorder */
    FG_FORMAT_CPUPROFILE = 4,   /* V8/Chrome .cpuprofile */
    FG_FORMAT_SPEEDSCOPE = 5,   /* speedscope JSON */
    FG_FORMAT_PERF_SCRIPT = 6,  /* `perf script` text */
    FG_FORMAT_OTLP = 7          /* OpenTelemetry profiles (proto or JSON) */
};

struct fg_profile {
    struct fg_arena *arena;     /* owns everything below */
    const char *source;         /* name used in messages (file path...) */
    enum fg_profile_format format;
    bool gzipped;

    size_t n_types;
    struct fg_value_type *types;
    size_t default_type;        /* default_sample_type, else the last */

    struct fg_value_type period_type; /* {"",""} when absent */
    int64_t period;
    int64_t time_nanos;
    int64_t duration_nanos;

    /* Functions: index -> name; names also interned in func_index. */
    size_t n_funcs;
    const char **func_names;
    struct fg_strtab func_index;

    /* Locations (dense 0..n_locs-1): frames of location i are
     * loc_frames[loc_start[i] .. loc_start[i+1]), innermost first. */
    size_t n_locs;
    uint32_t *loc_start;
    uint32_t *loc_frames;

    /* Samples: locations of sample s are
     * sample_locs[sample_start[s] .. sample_start[s+1]), leaf first;
     * its values are values[s * n_types .. s * n_types + n_types). */
    size_t n_samples;
    uint32_t *sample_start;
    uint32_t *sample_locs;
    int64_t *values;
    /* When each sample was taken, in nanoseconds on the recording's clock
     * (Unix time when the format says so), or NULL when the format carries
     * no time per sample (pprof, folded).  Formats that do (JFR,
     * cpuprofile, perf script, evented speedscope, OTLP) fill it, which
     * lets a long recording be split into time blocks (replicates). */
    int64_t *sample_time;
    /* Sample labels (pprof's Sample.label): those of sample s are
     * labels[label_start[s] .. label_start[s+1]), in file order.  Both
     * are NULL when no sample has a label (and for formats without
     * labels); at most fg_limits.max_labels per sample. */
    uint32_t *label_start;
    struct fg_label *labels;
    size_t n_labels;
    /* A warning about how the input was read, for the user (e.g. counts
     * rounded to whole samples), or NULL.  The CLI prints it. */
    const char *warning;
};

/* One label of a sample: a string label (key=str) or a numeric one
 * (key=num, in unit; str NULL).  Strings live in the profile's arena. */
struct fg_label {
    const char *key;
    const char *str;  /* the value of a string label, NULL if numeric */
    int64_t num;      /* the value of a numeric label */
    const char *unit; /* numeric: its num_unit, "" when not given */
};

/* Free a profile and everything it owns.  NULL is accepted. */
void fg_profile_free(struct fg_profile *p);

/*
 * fg_strtab_hash(name, len) of function f, whose name (func_names[f], or
 * "" for none) is name[0..len): the hash the profile's own name index
 * stored when it holds f's name whole, so interning a profile's names
 * into another table hashes none of them again.  A name with a NUL
 * inside, shorter as a C string than in the index, is hashed anew.
 */
uint32_t fg_profile_name_hash(const struct fg_profile *p, size_t f,
                              const char *name, size_t len);

/*
 * Index of the sample type named name ("type" or "type/unit"), or -1.
 * The match is exact on type, or on type and unit with the slash form.
 */
long fg_profile_find_type(const struct fg_profile *p, const char *name);

/*
 * Choose the sample type to analyse: name if given (error FG_EUSAGE listing
 * the available types when it does not exist), else the profile's default.
 */
int fg_profile_select_type(const struct fg_profile *p, const char *name,
                           size_t *index, struct fg_error *err) FG_MUST_CHECK;

/*
 * Index of the type that holds raw sample counts for statistical tests:
 * "samples/count" (Go CPU), else a type whose unit is "count" and which
 * pairs with the analysed type (e.g. inuse_objects for inuse_space), else
 * -1.  See STATISTICS.md section 1.
 */
long fg_profile_count_type(const struct fg_profile *p, size_t analysed);

/* A "type/unit" label for messages, e.g. "cpu/nanoseconds" (static buffer
 * owned by the caller: buf of size n). */
const char *fg_value_type_str(const struct fg_value_type *t, char *buf,
                              size_t n);

#endif
