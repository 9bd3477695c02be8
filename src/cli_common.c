/* cli_common.c - messages and exit helpers of the CLI layer (cli.h). */
#include "flamegate/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
    fputs("flamegate: ", stderr);
    if (kind)
        fputs(kind, stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void fg_msg_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("error: ", fmt, ap);
    va_end(ap);
}

void fg_msg_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("warning: ", fmt, ap);
    va_end(ap);
}

void fg_msg_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(NULL, fmt, ap);
    va_end(ap);
}

int fg_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("error: ", fmt, ap);
    va_end(ap);
    fprintf(stderr, "try 'flamegate %s%s--help'\n", command ? command : "",
            command ? " " : "");
    return FG_EXIT_USAGE;
}

int fg_cli_fail(const struct fg_error *err)
{
    fg_msg_error("%s", err->msg[0] ? err->msg : "unknown error");
    return fg_status_exit_code(err->code ? err->code : FG_EFORMAT);
}

int fg_cli_finish(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fg_msg_error("cannot write standard output: %s", strerror(errno));
        return FG_EXIT_USAGE;
    }
    return rc;
}
