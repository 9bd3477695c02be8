/* cli_common.c - messages and exit helpers of the CLI layer (cli.h). */
#include "cli/cli.h"
#include "config/backend_opts.h"
#include "core/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

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

static bool has_name(const struct option *o, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(o[i].name, name) == 0)
            return true;
    return false;
}

struct option *fg_cli_options(const struct option *fixed, size_t nfixed,
                              const char *const *keys, int key_base,
                              int arg_base, int flag_base)
{
    size_t nk = 0, na = 0, nf = 0;
    while (keys && keys[nk])
        nk++;
    while (fg_backend_arg_options[na])
        na++;
    while (fg_backend_flag_options[nf])
        nf++;
    struct option *o = fg_xcalloc(nfixed + nk + na + nf + 1, sizeof(*o));
    size_t k = 0;
    for (size_t i = 0; i < nfixed; i++)
        o[k++] = fixed[i];
    for (size_t i = 0; i < nk; i++)
        if (!has_name(o, k, keys[i]))
            o[k++] = (struct option){keys[i], required_argument, NULL,
                                     key_base + (int)i};
    for (size_t i = 0; i < na; i++)
        if (!has_name(o, k, fg_backend_arg_options[i]))
            o[k++] = (struct option){fg_backend_arg_options[i],
                                     required_argument, NULL,
                                     arg_base + (int)i};
    for (size_t i = 0; i < nf; i++)
        if (!has_name(o, k, fg_backend_flag_options[i]))
            o[k++] = (struct option){fg_backend_flag_options[i], no_argument,
                                     NULL, flag_base + (int)i};
    return o; /* zeroed terminator from calloc */
}

void fg_cli_malloc_phase(bool loading)
{
#ifdef M_MMAP_THRESHOLD
    mallopt(M_MMAP_THRESHOLD, loading ? 1 << 20 : 8 << 20);
#else
    (void)loading;
#endif
}
