/*
 * report_folded.c - the folded diff: one "frame;frame;... BASE CAND" line
 * per distinct stack (root first), the input of flamegraph.pl's
 * differential mode (widths from the second column, colour from the
 * difference) and of difffolded.pl-style tools.
 *
 * Counts are the analysed values summed over the runs of each side, not
 * normalized (flamegraph.pl takes them as they are).  Frame names are
 * written in the display form of report.h with ';' turned into ':', so a
 * name can neither add a frame nor end the line.  The first line is a
 * '#' comment naming the version and settings; it ends in '#' rather than
 * a number, so flamegraph.pl skips it (it reports one ignored line) and
 * flamegate's own folded reader skips it as a comment.
 */
#include "flamegate/report.h"
#include "core/util.h"
#include "report/report_common.h"

#include <stdlib.h>
#include <string.h>

static void header(struct fg_rw *w, const struct fg_report_ctx *ctx)
{
    const struct fg_flame *f = ctx->flame;
    fg_rw_addf(w, "# flamegate %s folded diff: stack base candidate (",
               fg_rep_version(ctx));
    fg_rep_escape(w, f->sample_type, strlen(f->sample_type), false);
    fg_rw_addc(w, '/');
    fg_rep_escape(w, f->unit, strlen(f->unit), false);
    fg_rw_addf(w, ", %zu vs %zu runs); settings: ", f->base_runs,
               f->cand_runs);
    const char *s = fg_rep_settings(ctx);
    fg_rep_escape(w, s, strlen(s), false);
    fg_rw_adds(w, " #\n");
}

int fg_report_folded(const struct fg_report_ctx *ctx, struct fg_buf *out,
                     struct fg_error *err)
{
    const struct fg_flame *f = ctx->flame;
    if (!f)
        return fg_error_set(err, FG_EUSAGE,
                            "the folded report needs the profiles' stacks");
    struct fg_rw w;
    fg_rw_init(&w, out);
    header(&w, ctx);

    /* Depth-first in child (name) order; path holds the escaped frames of
     * the current node, plen[d] its length at depth d. */
    struct fg_buf path;
    fg_buf_init(&path, 0);
    struct fg_rw pw;
    fg_rw_init(&pw, &path);
    size_t *plen = fg_xcalloc(f->max_depth + 2, sizeof(size_t));
    uint32_t *stack = fg_xmalloc(f->n_nodes * sizeof(uint32_t));
    size_t sp = 0;
    const struct fg_flame_node *root = &f->nodes[0];
    for (uint32_t i = root->n_children; i-- > 0;)
        stack[sp++] = f->kids[root->child_start + i];
    while (sp && w.rc == FG_OK) {
        const struct fg_flame_node *n = &f->nodes[stack[--sp]];
        path.len = plen[n->depth - 1];
        if (n->depth > 1)
            fg_rw_addc(&pw, ';');
        const char *name = f->names.strs[n->name];
        fg_rep_escape(&pw, name, f->names.lens[n->name], true);
        plen[n->depth] = path.len;
        if (n->base_self || n->cand_self) {
            fg_rw_add(&w, path.data, path.len);
            fg_rw_addf(&w, " %lld %lld\n", (long long)n->base_self,
                       (long long)n->cand_self);
        }
        for (uint32_t i = n->n_children; i-- > 0;)
            stack[sp++] = f->kids[n->child_start + i];
    }
    /* Samples without any frame have nowhere to go in folded text. */
    free(stack);
    free(plen);
    fg_buf_release(&path);
    return fg_rw_finish(&w, "folded", err);
}
