/* error.c - struct fg_error helpers (see include/flamegate/fg.h). */
#include "flamegate/fg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int fg_error_set(struct fg_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

int fg_error_set_errno(struct fg_error *err, int code, int errnum,
                       const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof(err->msg) - n, ": %s",
                 strerror(errnum));
        err->code = code;
    }
    return code;
}

int fg_error_prefix(struct fg_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    char prefix[512];
    char old[sizeof(err->msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    /* Truncation is acceptable: messages are one line for a human. */
    size_t n = strlen(prefix);
    if (n > sizeof(err->msg) - 3)
        n = sizeof(err->msg) - 3;
    memcpy(err->msg, prefix, n);
    memcpy(err->msg + n, ": ", 2);
    size_t rest = sizeof(err->msg) - n - 3;
    size_t olen = strnlen(old, rest);
    memcpy(err->msg + n + 2, old, olen);
    err->msg[n + 2 + olen] = '\0';
    if (err->code == FG_OK)
        err->code = code;
    return err->code;
}

void fg_error_clear(struct fg_error *err)
{
    if (err) {
        err->code = FG_OK;
        err->msg[0] = '\0';
    }
}

int fg_status_exit_code(int status)
{
    if (status == FG_OK)
        return FG_EXIT_PASS;
    if (status == FG_EHTTP)
        return FG_EXIT_FETCH;
    return FG_EXIT_USAGE;
}
