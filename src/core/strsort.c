/* strsort.c - radix quicksort of strings (see strsort.h). */
#include "core/strsort.h"
#include "core/util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct task {
    size_t lo, n, depth;
};

/* Bytes [d, d + 8) of s (d <= strlen(s)) as a big-endian word. */
static inline uint64_t load_key(const unsigned char *s, size_t d)
{
    uint64_t k = 0;
    int i = 0;
    for (; i < 8 && s[d + (size_t)i]; i++)
        k = k << 8 | s[d + (size_t)i];
    return i == 0 ? 0 : k << (8 * (8 - i)); /* i == 8: no shift */
}

static inline bool name_less(const struct fg_strsort_ent *a,
                             const struct fg_strsort_ent *b, size_t depth)
{
    if (a->key != b->key)
        return a->key < b->key;
    if (!(a->key & 0xff))
        return false; /* both ended in these 8 bytes: equal */
    return strcmp((const char *)a->s + depth + 8,
                  (const char *)b->s + depth + 8) < 0;
}

/* An explicit task stack instead of recursion: names may share prefixes
 * of any length.  Keys hold the bytes [depth, depth + 8) of s, big-endian,
 * zeros after its end, so comparing keys compares bytes as strcmp does. */
void fg_strsort(struct fg_strsort_ent *a, size_t count)
{
    struct task *st = NULL;
    size_t nst = 0, cap = 0;
    for (size_t i = 0; i < count; i++)
        a[i].key = load_key(a[i].s, 0);
    st = fg_xgrow(st, &cap, 1, sizeof(*st));
    st[nst++] = (struct task){0, count, 0};
    while (nst) {
        struct task t = st[--nst];
        size_t lo = t.lo, n = t.n, d = t.depth;
        while (n > 1) {
            if (n < 16) {
                for (size_t i = lo + 1; i < lo + n; i++) {
                    struct fg_strsort_ent x = a[i];
                    size_t j = i;
                    while (j > lo && name_less(&x, &a[j - 1], d)) {
                        a[j] = a[j - 1];
                        j--;
                    }
                    a[j] = x;
                }
                break;
            }
            /* median of three keys as the pivot */
            uint64_t x = a[lo].key, y = a[lo + n / 2].key,
                     z = a[lo + n - 1].key;
            uint64_t v = x < y ? (y < z ? y : (x < z ? z : x))
                               : (x < z ? x : (y < z ? z : y));
            size_t lt = lo, i = lo, gt = lo + n;
            while (i < gt) {
                uint64_t c = a[i].key;
                if (c < v) {
                    struct fg_strsort_ent tmp = a[lt];
                    a[lt++] = a[i];
                    a[i++] = tmp;
                } else if (c > v) {
                    struct fg_strsort_ent tmp = a[--gt];
                    a[gt] = a[i];
                    a[i] = tmp;
                } else {
                    i++;
                }
            }
            st = fg_xgrow(st, &cap, nst + 2, sizeof(*st));
            if (lt > lo)
                st[nst++] = (struct task){lo, lt - lo, d};
            if (lo + n > gt)
                st[nst++] = (struct task){gt, lo + n - gt, d};
            if (!(v & 0xff))
                break; /* the middle names are equal: all ended here */
            lo = lt;
            n = gt - lt;
            d += 8;
            for (size_t k = lo; k < lo + n; k++)
                a[k].key = load_key(a[k].s, d);
        }
    }
    free(st);
}

