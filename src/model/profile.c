/* profile.c - profile model helpers and limits (see profile.h). */
#include "flamegate/profile.h"
#include "core/arena.h"
#include "flamegate/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fg_limits_default(struct fg_limits *l)
{
    l->max_input = (size_t)1 << 30;       /* 1 GiB read */
    l->max_inflated = (size_t)2 << 30;    /* 2 GiB after gunzip */
    l->max_strtab = (size_t)512 << 20;    /* 512 MiB of strings */
    l->max_samples = 50000000;
    l->max_locations = 50000000;
    l->max_functions = 20000000;
    l->max_depth = 1000000;
    l->max_labels = 10000;
    l->max_http = (size_t)1 << 30;        /* 1 GiB response */
    l->max_runs = 1000;
    l->folded_column = 0;
}

void fg_profile_free(struct fg_profile *p)
{
    if (!p)
        return;
    fg_strtab_release(&p->func_index);
    fg_arena_free(p->arena);
    free(p);
}

uint32_t fg_profile_name_hash(const struct fg_profile *p, size_t f,
                              const char *name, size_t len)
{
    const struct fg_strtab *pi = &p->func_index;
    if (pi->n == p->n_funcs && pi->strs == p->func_names && f < pi->n &&
        pi->lens[f] == len)
        return pi->hashes[f];
    return fg_strtab_hash(name, len);
}

long fg_profile_find_type(const struct fg_profile *p, const char *name)
{
    const char *slash = strchr(name, '/');
    size_t tlen = slash ? (size_t)(slash - name) : strlen(name);
    for (size_t i = 0; i < p->n_types; i++) {
        const struct fg_value_type *t = &p->types[i];
        if (strlen(t->type) != tlen || memcmp(t->type, name, tlen) != 0)
            continue;
        if (slash && strcmp(t->unit, slash + 1) != 0)
            continue;
        return (long)i;
    }
    return -1;
}

const char *fg_value_type_str(const struct fg_value_type *t, char *buf,
                              size_t n)
{
    snprintf(buf, n, "%s/%s", t->type, t->unit);
    return buf;
}

int fg_profile_select_type(const struct fg_profile *p, const char *name,
                           size_t *index, struct fg_error *err)
{
    if (!name || !*name) {
        *index = p->default_type;
        return FG_OK;
    }
    long i = fg_profile_find_type(p, name);
    if (i >= 0) {
        *index = (size_t)i;
        return FG_OK;
    }
    struct fg_buf list;
    fg_buf_init(&list, 0);
    for (size_t j = 0; j < p->n_types; j++) {
        char tmp[256];
        if (fg_buf_addf(&list, "%s%s", j ? ", " : "",
                        fg_value_type_str(&p->types[j], tmp, sizeof(tmp))))
            break;
    }
    int rc = fg_error_set(err, FG_EUSAGE,
                          "%s: no sample type '%s' (available: %s)",
                          p->source, name, list.data ? list.data : "none");
    fg_buf_release(&list);
    return rc;
}

long fg_profile_count_type(const struct fg_profile *p, size_t analysed)
{
    const struct fg_value_type *a = &p->types[analysed];
    if (strcmp(a->unit, "count") == 0)
        return (long)analysed;
    /* Several event kinds in one profile (JFR: alloc_sample_bytes with
     * alloc_sample_objects, lock_delay with lock_contentions, next to
     * samples/count): the count type sharing the longest '_'-ended stem. */
    long best = -1;
    size_t best_len = 0;
    for (size_t i = 0; i < p->n_types; i++) {
        const char *t = p->types[i].type;
        if (strcmp(p->types[i].unit, "count") != 0)
            continue;
        for (size_t k = 0; a->type[k] && a->type[k] == t[k]; k++)
            if (a->type[k] == '_' && k > best_len) {
                best_len = k;
                best = (long)i;
            }
    }
    if (best >= 0)
        return best;
    long s = fg_profile_find_type(p, "samples/count");
    if (s >= 0)
        return s;
    /* Go heap: inuse_space pairs with inuse_objects, alloc_space with
     * alloc_objects (same prefix before '_'). */
    const char *us = strchr(a->type, '_');
    size_t plen = us ? (size_t)(us - a->type) : strlen(a->type);
    for (size_t i = 0; i < p->n_types; i++) {
        const struct fg_value_type *t = &p->types[i];
        if (strcmp(t->unit, "count") == 0 &&
            strncmp(t->type, a->type, plen) == 0 && t->type[plen] == '_')
            return (long)i;
    }
    /* Contention profiles: contentions/count next to delay/nanoseconds. */
    for (size_t i = 0; i < p->n_types; i++)
        if (strcmp(p->types[i].unit, "count") == 0)
            return (long)i;
    return -1;
}
