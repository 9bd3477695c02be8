/*
 * fg.h - flamegate umbrella definitions: version, status codes, errors.
 *
 * Every library function that can fail for a reason the user should see
 * returns an int status (FG_OK or a negative enum fg_status) and takes a
 * struct fg_error * as its last parameter (which may be NULL).  Only the
 * command-line layer (src/cli/) prints or exits.
 */
#ifndef FLAMEGATE_FG_H
#define FLAMEGATE_FG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define FG_VERSION "0.1.0"

#if defined(__GNUC__)
#define FG_MUST_CHECK __attribute__((warn_unused_result))
#define FG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define FG_NORETURN __attribute__((noreturn))
#else
#define FG_MUST_CHECK
#define FG_PRINTF(a, b)
#define FG_NORETURN
#endif

/* Status codes.  Negative so that "rc < 0" means failure everywhere. */
enum fg_status {
    FG_OK = 0,
    FG_ENOMEM = -1,  /* allocation failed (normally fatal via fg_x*) */
    FG_EIO = -2,     /* a file could not be read or written */
    FG_EFORMAT = -3, /* the input is not a valid profile / document */
    FG_EHTTP = -4,   /* a network fetch failed (exit code 3) */
    FG_ESTATS = -5,  /* a statistical computation failed */
    FG_ELIMIT = -6,  /* a configured safety limit was exceeded */
    FG_EUSAGE = -7   /* bad option, argument or combination */
};

/* Process exit codes (DESIGN.md section 2). */
enum fg_exit {
    FG_EXIT_PASS = 0,
    FG_EXIT_FAIL = 1,
    FG_EXIT_USAGE = 2,
    FG_EXIT_FETCH = 3
};

/*
 * A failure description.  code is the enum fg_status value, msg a single
 * line in git style: lower case, no trailing period, subjects in quotes.
 */
struct fg_error {
    int code;
    char msg[1024];
};

/*
 * Fill err (if not NULL) and return code, so callers can write
 * "return fg_error_set(err, FG_EFORMAT, "...", ...);".
 */
int fg_error_set(struct fg_error *err, int code, const char *fmt, ...)
    FG_PRINTF(3, 4);

/* Like fg_error_set, appending ": strerror(errnum)". */
int fg_error_set_errno(struct fg_error *err, int code, int errnum,
                       const char *fmt, ...) FG_PRINTF(4, 5);

/*
 * Prepend "prefix: " to an already set message (used to add the file name
 * at the layer that knows it).  Returns err->code (or code when err is NULL).
 */
int fg_error_prefix(struct fg_error *err, int code, const char *fmt, ...)
    FG_PRINTF(3, 4);

/* Reset err to FG_OK with an empty message.  NULL is accepted. */
void fg_error_clear(struct fg_error *err);

/* Map a status to the process exit code (FG_EHTTP -> 3, others -> 2). */
int fg_status_exit_code(int status);

#endif
