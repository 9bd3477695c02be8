/*
 * strtab.h - string interning: maps byte strings to dense ids 0..n-1.
 *
 * Open addressing with FNV-1a-style hashing; the table stores borrowed
 * pointers (the caller keeps the strings alive, e.g. in an arena) unless
 * fg_strtab_intern_copy is used, which copies into the table's own arena.
 */
#ifndef FLAMEGATE_STRTAB_H
#define FLAMEGATE_STRTAB_H

#include "flamegate/fg.h"

struct fg_arena;

struct fg_strtab {
    const char **strs;  /* id -> string (borrowed or in own arena) */
    uint32_t *lens;     /* id -> length */
    uint32_t *hashes;   /* id -> hash */
    size_t n;           /* number of ids */
    size_t cap;         /* capacity of strs/lens/hashes */
    uint64_t *slots;    /* hash slots: hash << 32 | (id + 1), 0 = empty */
    size_t nslots;      /* power of two */
    struct fg_arena *own; /* for copies; created lazily */
};

void fg_strtab_init(struct fg_strtab *t);
void fg_strtab_release(struct fg_strtab *t);

/* Free the hash slots of a table that is complete (4 MiB for 200,000
 * names); the ids, strings, lengths and hashes stay.  fg_strtab_find then
 * reads the ids in order, for rare lookups; interning builds the slots
 * again. */
void fg_strtab_drop_slots(struct fg_strtab *t);

/* Id of s[0..len) if present, else UINT32_MAX. */
uint32_t fg_strtab_find(const struct fg_strtab *t, const char *s, size_t len);

/* Id of s[0..len), adding it (borrowing s, which must outlive t). */
uint32_t fg_strtab_intern(struct fg_strtab *t, const char *s, size_t len);

/* fg_strtab_intern with h = fg_strtab_hash(s, len) already known (e.g.
 * from another table's hashes: every table hashes alike). */
uint32_t fg_strtab_intern_hashed(struct fg_strtab *t, const char *s,
                                 size_t len, uint32_t h);

/* Id of s[0..len), adding a NUL-terminated copy owned by t if new. */
uint32_t fg_strtab_intern_copy(struct fg_strtab *t, const char *s,
                               size_t len);

/* fg_strtab_intern_copy with h = fg_strtab_hash(s, len) already known. */
uint32_t fg_strtab_intern_copy_hashed(struct fg_strtab *t, const char *s,
                                      size_t len, uint32_t h);

/* The hash used by the table (exposed for tests). */
uint32_t fg_strtab_hash(const char *s, size_t len);

#endif
