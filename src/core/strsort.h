/*
 * strsort.h - sorting NUL-terminated strings in byte order (strcmp's).
 *
 * Three-way radix quicksort (Bentley and Sedgewick) on 8 bytes at a time,
 * cached in the entries: a shared prefix costs one pass per 8 bytes over
 * contiguous keys instead of a scattered read per byte, or strcmp's
 * rereading of it at every comparison (long shared prefixes are the rule
 * in function names: "github.com/acme/...").  Used where 10^5-10^6 names
 * are put in order (report rows, flame-graph children).
 */
#ifndef FLAMEGATE_CORE_STRSORT_H
#define FLAMEGATE_CORE_STRSORT_H

#include <stddef.h>
#include <stdint.h>

/* One string to sort and what it stands for; key is scratch. */
struct fg_strsort_ent {
    uint64_t key;
    const unsigned char *s;
    uint32_t id;
};

/* Sort a[0..n) by s; equal strings end up in any order.  s is borrowed. */
void fg_strsort(struct fg_strsort_ent *a, size_t n);

#endif
