/*
 * cli.h - the command-line layer.  Only this layer (src/cli/main.c and
 * src/cli*.c) prints to the terminal, reads the environment for settings,
 * or decides the exit code.
 *
 * Each command lives in src/cli_<command>.c and has the signature below:
 * argv[0] is the command name ("top", "compare", ...), the return value is
 * the process exit code (enum fg_exit).  Commands parse their options with
 * getopt_long (optind reset by the caller).
 */
#ifndef FLAMEGATE_CLI_H
#define FLAMEGATE_CLI_H

#include "flamegate/fg.h"

#include <stdbool.h>

int fg_cmd_top(int argc, char **argv);
int fg_cmd_compare(int argc, char **argv);
int fg_cmd_fetch(int argc, char **argv);
int fg_cmd_comment(int argc, char **argv);
int fg_cmd_config(int argc, char **argv);

/*
 * Tune glibc's malloc for a phase of a command (nothing elsewhere).  While
 * profiles are read (loading true, main's default), blocks of 1 MiB and
 * more get mappings of their own, which go back to the system when freed:
 * glibc's threshold otherwise rises with every large free (the compressed
 * file, once inflated), and past it the decoding threads' grown and freed
 * arrays stay resident in their heaps (two 27 MB profiles: peak 171 -> 160
 * MiB).  For the analysis (loading false) the threshold is 8 MiB: its
 * many scratch arrays of a few MiB then reuse freed heap memory, where
 * fresh mappings cost 7% of the time in page faults.
 */
void fg_cli_malloc_phase(bool loading);

/* Messages, all to stderr with the "flamegate: " prefix. */
void fg_msg_error(const char *fmt, ...) FG_PRINTF(1, 2);
void fg_msg_warn(const char *fmt, ...) FG_PRINTF(1, 2);
void fg_msg_note(const char *fmt, ...) FG_PRINTF(1, 2);

/*
 * Report a usage error: one line, then "try 'flamegate COMMAND --help'".
 * Returns FG_EXIT_USAGE so callers can "return fg_usage_error(...)".
 */
int fg_usage_error(const char *command, const char *fmt, ...) FG_PRINTF(2, 3);

/* A command of the program (main.c's table). */
struct fg_cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
};

/*
 * The man page, on standard output: overview (the program's --help) and
 * the --help of every command of cmds[0..n), in roff (cli_help.c; "make
 * man" writes docs/flamegate.1 with it).
 */
int fg_cli_man(const struct fg_cli_command *cmds, size_t n,
               const char *overview);

/*
 * The message for the option getopt_long just refused with '?' (main
 * turns getopt's own message off): "unknown option '--bogus'", "option
 * '--top' needs a value" or "option '--tags' takes no value".  optstring
 * is the short options given to getopt_long.  Returns buf.
 */
const char *fg_cli_option_error(const char *optstring, char **argv, char *buf,
                                size_t n);

/* Print err->msg as an error and return the exit code for err->code. */
int fg_cli_fail(const struct fg_error *err);

/*
 * Flush and check standard output; a failed write (e.g. EPIPE, disk full)
 * is reported and turns rc into FG_EXIT_USAGE.
 */
int fg_cli_finish(int rc);

#endif

#ifndef FLAMEGATE_CLI_LIMITS
#define FLAMEGATE_CLI_LIMITS
#include <getopt.h>
struct fg_limits;

/*
 * The --max-* safety limit flags shared by every command that reads
 * profiles.  FG_CLI_LIMIT_OPTIONS expands to getopt_long entries whose val
 * is FG_OPT_LIMIT_BASE + index; fg_cli_limit_set applies one of them.
 */
enum { FG_OPT_LIMIT_BASE = 1000 };
#define FG_CLI_LIMIT_OPTIONS                                                 \
    {"max-input-size", required_argument, NULL, FG_OPT_LIMIT_BASE + 0},      \
    {"max-decompressed-size", required_argument, NULL,                       \
     FG_OPT_LIMIT_BASE + 1},                                                 \
    {"max-string-table", required_argument, NULL, FG_OPT_LIMIT_BASE + 2},    \
    {"max-samples", required_argument, NULL, FG_OPT_LIMIT_BASE + 3},         \
    {"max-locations", required_argument, NULL, FG_OPT_LIMIT_BASE + 4},       \
    {"max-functions", required_argument, NULL, FG_OPT_LIMIT_BASE + 5},       \
    {"max-stack-depth", required_argument, NULL, FG_OPT_LIMIT_BASE + 6},     \
    {"max-labels", required_argument, NULL, FG_OPT_LIMIT_BASE + 7},          \
    {"max-response-size", required_argument, NULL, FG_OPT_LIMIT_BASE + 8},   \
    {"max-runs", required_argument, NULL, FG_OPT_LIMIT_BASE + 9}
enum { FG_OPT_LIMIT_COUNT = 10 };

/*
 * A getopt_long table (caller frees): fixed[0..nfixed), then one entry per
 * name in keys (NULL-terminated, may be NULL; required argument, val
 * key_base + index), then every backend option (backend.h) not already in
 * the table: those with an argument get val arg_base + index into
 * fg_backend_arg_options, flags flag_base + index into
 * fg_backend_flag_options.  Shared by compare, fetch and config so that
 * every command accepts the same backend flags.
 */
struct option *fg_cli_options(const struct option *fixed, size_t nfixed,
                              const char *const *keys, int key_base,
                              int arg_base, int flag_base);

/* Help text lines for the limit flags (for --help of each command). */
extern const char fg_cli_limits_help[];

/* Apply limit option opt (FG_OPT_LIMIT_BASE + i) with value arg. */
int fg_cli_limit_set(struct fg_limits *lim, int opt, const char *arg,
                     struct fg_error *err);
#endif
