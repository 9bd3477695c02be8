/*
 * report_error.c - the JSON document of a comparison that could not be
 * made (report.h, fg_report_json_error; docs/json-schema.md, "Error
 * document").  "flamegate compare --on-error pass" writes it where the
 * JSON report would have gone, so a consumer of the JSON always gets a
 * document with a verdict, ERROR here, instead of nothing.
 *
 * Same conventions as the report (report_json.c): jansson, keys in this
 * order, two-space indentation, strings made valid UTF-8, a final
 * newline; schema_version is the report's.
 */
#include "flamegate/report.h"
#include "report/report_common.h"

#include <jansson.h>
#include <stdlib.h>

#define JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER)
/* The report's schema_version (report_json.c): both shapes are versioned
 * together (docs/json-schema.json). */
#define SCHEMA_VERSION 2

/* What kind of failure a status is, for consumers that branch on it. */
static const char *kind(int status)
{
    switch (status) {
    case FG_EHTTP: return "fetch";
    case FG_EFORMAT: return "input";
    case FG_EIO: return "io";
    case FG_ELIMIT: return "limit";
    case FG_ESTATS: return "statistics";
    case FG_EUSAGE: return "usage";
    case FG_ENOMEM: return "memory";
    default: return "internal";
    }
}

/* A JSON string from arbitrary bytes (never NULL: fixed to UTF-8). */
static json_t *str(const char *s)
{
    char *fixed = fg_rep_utf8_fix(s ? s : "", NULL);
    json_t *j = json_string(fixed);
    free(fixed);
    return j ? j : json_string("");
}

static void set(json_t *o, const char *key, json_t *v)
{
    json_object_set_new(o, key, v ? v : json_null());
}

static json_t *document(const struct fg_report_ctx *ctx,
                        const struct fg_report_failure *f)
{
    int code = f->error->code ? f->error->code : FG_EFORMAT;
    const char *msg = f->error->msg[0] ? f->error->msg : "unknown error";
    json_t *root = json_object();
    set(root, "schema_version", json_integer(SCHEMA_VERSION));
    json_t *gen = json_object();
    set(gen, "name", json_string("flamegate"));
    set(gen, "version", str(fg_rep_version(ctx)));
    set(gen, "settings", ctx->settings ? str(ctx->settings) : NULL);
    set(root, "generator", gen);
    set(root, "verdict", json_string("ERROR"));
    set(root, "exit_code", json_integer(f->exit_code));
    set(root, "reason", str(msg));
    json_t *e = json_object();
    set(e, "kind", json_string(kind(code)));
    set(e, "message", str(msg));
    set(e, "exit_code", json_integer(fg_status_exit_code(code)));
    set(root, "error", e);
    set(root, "on_error", json_string(f->passed ? "pass" : "fail"));
    return root;
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
    struct fg_rw *w = data;
    fg_rw_add(w, buffer, size);
    return w->rc == FG_OK ? 0 : -1;
}

int fg_report_json_error(const struct fg_report_ctx *ctx,
                         const struct fg_report_failure *f,
                         struct fg_buf *out, struct fg_error *err)
{
    if (!f || !f->error)
        return fg_error_set(err, FG_EUSAGE,
                            "the error document needs an error");
    json_t *root = document(ctx, f);
    struct fg_rw w;
    fg_rw_init(&w, out);
    int rc = json_dump_callback(root, dump_cb, &w, JSON_FLAGS);
    json_decref(root);
    if (rc != 0 && w.rc == FG_OK)
        return fg_error_set(err, FG_EFORMAT,
                            "cannot encode the json error document");
    fg_rw_addc(&w, '\n');
    return fg_rw_finish(&w, "json", err);
}
