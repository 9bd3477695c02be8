/* strtab.c - string interning (see include/flamegate/strtab.h). */
#include "flamegate/strtab.h"
#include "core/arena.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

void fg_strtab_init(struct fg_strtab *t)
{
    memset(t, 0, sizeof(*t));
}

void fg_strtab_release(struct fg_strtab *t)
{
    free(t->strs);
    free(t->lens);
    free(t->hashes);
    free(t->slots);
    fg_arena_free(t->own);
    memset(t, 0, sizeof(*t));
}

uint32_t fg_strtab_hash(const char *s, size_t len)
{
    /* FNV-1a on 8-byte words then bytes: fast and good enough for names,
     * finished with a murmur-style avalanche so low bits are usable. */
    uint64_t h = 1469598103934665603ull;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 1099511628211ull;
        h ^= h >> 29;
    }
    for (; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (uint32_t)h;
}

/* A slot holds id + 1 in its low half and the hash in its high half: a
 * probe that meets another string's slot is told apart without reading
 * that string's hash, length or bytes (each a cache miss in a large
 * table). */
static inline uint64_t slot_of(uint32_t id, uint32_t h)
{
    return (uint64_t)h << 32 | ((uint64_t)id + 1);
}

static void rehash(struct fg_strtab *t, size_t nslots)
{
    free(t->slots);
    t->slots = fg_xcalloc(nslots, sizeof(uint64_t));
    t->nslots = nslots;
    size_t mask = nslots - 1;
    for (size_t id = 0; id < t->n; id++) {
        size_t i = t->hashes[id] & mask;
        while (t->slots[i])
            i = (i + 1) & mask;
        t->slots[i] = slot_of((uint32_t)id, t->hashes[id]);
    }
}

void fg_strtab_drop_slots(struct fg_strtab *t)
{
    free(t->slots);
    t->slots = NULL;
    t->nslots = 0;
}

static uint32_t lookup(const struct fg_strtab *t, const char *s, size_t len,
                       uint32_t h, size_t *slot)
{
    if (!t->nslots) {
        /* no slots (empty, or dropped): the ids in order */
        *slot = 0;
        for (size_t id = 0; id < t->n; id++)
            if (t->hashes[id] == h && t->lens[id] == len &&
                memcmp(t->strs[id], s, len) == 0)
                return (uint32_t)id;
        return UINT32_MAX;
    }
    size_t mask = t->nslots - 1;
    size_t i = h & mask;
    while (t->slots[i]) {
        uint64_t sl = t->slots[i];
        uint32_t id = (uint32_t)sl - 1;
        if ((uint32_t)(sl >> 32) == h && t->lens[id] == len &&
            memcmp(t->strs[id], s, len) == 0) {
            *slot = i;
            return id;
        }
        i = (i + 1) & mask;
    }
    *slot = i;
    return UINT32_MAX;
}

uint32_t fg_strtab_find(const struct fg_strtab *t, const char *s, size_t len)
{
    size_t slot;
    return lookup(t, s, len, fg_strtab_hash(s, len), &slot);
}

static uint32_t intern(struct fg_strtab *t, const char *s, size_t len,
                       uint32_t h, bool copy)
{
    size_t slot;
    uint32_t id = lookup(t, s, len, h, &slot);
    if (id != UINT32_MAX)
        return id;
    if ((t->n + 1) * 2 > t->nslots) {
        size_t nslots = t->nslots ? t->nslots * 2 : 64;
        while ((t->n + 1) * 2 > nslots) /* slots dropped */
            nslots *= 2;
        rehash(t, nslots);
        lookup(t, s, len, h, &slot);
    }
    if (t->n == t->cap) {
        size_t cap = t->cap;
        t->strs = fg_xgrow(t->strs, &cap, t->n + 1, sizeof(*t->strs));
        cap = t->cap;
        t->lens = fg_xgrow(t->lens, &cap, t->n + 1, sizeof(*t->lens));
        cap = t->cap;
        t->hashes = fg_xgrow(t->hashes, &cap, t->n + 1, sizeof(*t->hashes));
        t->cap = cap;
    }
    if (copy) {
        if (!t->own)
            t->own = fg_arena_new(0);
        s = fg_arena_strndup(t->own, s, len);
    }
    id = (uint32_t)t->n++;
    t->strs[id] = s;
    t->lens[id] = (uint32_t)len;
    t->hashes[id] = h;
    t->slots[slot] = slot_of(id, h);
    return id;
}

uint32_t fg_strtab_intern(struct fg_strtab *t, const char *s, size_t len)
{
    return intern(t, s, len, fg_strtab_hash(s, len), false);
}

uint32_t fg_strtab_intern_hashed(struct fg_strtab *t, const char *s,
                                 size_t len, uint32_t h)
{
    return intern(t, s, len, h, false);
}

uint32_t fg_strtab_intern_copy(struct fg_strtab *t, const char *s,
                               size_t len)
{
    return intern(t, s, len, fg_strtab_hash(s, len), true);
}

uint32_t fg_strtab_intern_copy_hashed(struct fg_strtab *t, const char *s,
                                      size_t len, uint32_t h)
{
    return intern(t, s, len, h, true);
}
