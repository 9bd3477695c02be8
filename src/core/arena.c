/* arena.c - bump allocator (see src/core/arena.h). */
#include "core/arena.h"
#include "core/util.h"

#include <protobuf-c/protobuf-c.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN 16
#define DEFAULT_CHUNK (1u << 20)

struct chunk {
    struct chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    /* data follows, aligned */
};

struct fg_arena {
    struct chunk *head;
    size_t next_size;
    size_t total;
};

#define HDR (((sizeof(struct chunk) + ALIGN - 1) / ALIGN) * ALIGN)

static struct chunk *chunk_new(size_t size)
{
    struct chunk *c = fg_xmalloc(HDR + size);
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

struct fg_arena *fg_arena_new(size_t chunk_hint)
{
    struct fg_arena *a = fg_xcalloc(1, sizeof(*a));
    a->next_size = chunk_hint ? chunk_hint : DEFAULT_CHUNK;
    return a;
}

void fg_arena_free(struct fg_arena *a)
{
    if (!a)
        return;
    struct chunk *c = a->head;
    while (c) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

/* n bytes at offset used rounded up to align (a power of two), or NULL
 * when the head chunk has no room. */
static void *bump(struct fg_arena *a, size_t n, size_t align)
{
    struct chunk *c = a->head;
    if (!c)
        return NULL;
    size_t at = (c->used + align - 1) & ~(align - 1);
    if (at > c->size || c->size - at < n)
        return NULL;
    c->used = at + n;
    a->total += n;
    return (char *)c + HDR + at;
}

/* Allocate n bytes (n a multiple of ALIGN, > 0) in a new chunk. */
static void *alloc_slow(struct fg_arena *a, size_t n)
{
    struct chunk *c = a->head;
    /* Big requests get a chunk of their own behind the head so the
     * head's free space is not wasted. */
    if (n > a->next_size / 4 && c) {
        struct chunk *big = chunk_new(n);
        big->used = n;
        big->next = c->next;
        c->next = big;
        a->total += n;
        return (char *)big + HDR;
    }
    size_t size = a->next_size;
    while (size < n)
        size *= 2;
    c = chunk_new(size);
    c->next = a->head;
    a->head = c;
    if (a->next_size < (64u << 20))
        a->next_size *= 2;
    c->used = n;
    a->total += n;
    return (char *)c + HDR;
}

void *fg_arena_alloc(struct fg_arena *a, size_t n)
{
    if (n > SIZE_MAX - ALIGN)
        return fg_xmalloc(SIZE_MAX); /* fatal */
    n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (n == 0)
        n = ALIGN;
    void *p = bump(a, n, ALIGN);
    return p ? p : alloc_slow(a, n);
}

void *fg_arena_calloc(struct fg_arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return fg_xmalloc(SIZE_MAX); /* fatal */
    void *p = fg_arena_alloc(a, n * size);
    memset(p, 0, n * size);
    return p;
}

char *fg_arena_strndup(struct fg_arena *a, const char *s, size_t n)
{
    /* Strings need no alignment: packed end to end they save 8 bytes per
     * string on average, and function names are millions of them. */
    if (n > SIZE_MAX - 2 * ALIGN)
        return fg_xmalloc(SIZE_MAX); /* fatal */
    char *p = bump(a, n + 1, 1);
    if (!p)
        p = alloc_slow(a, (n + 1 + ALIGN - 1) & ~(size_t)(ALIGN - 1));
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void fg_arena_reset(struct fg_arena *a)
{
    struct chunk *keep = NULL;
    struct chunk *c = a->head;
    while (c) {
        struct chunk *next = c->next;
        if (!keep || c->size > keep->size) {
            free(keep);
            keep = c;
        } else {
            free(c);
        }
        c = next;
    }
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
    }
    a->head = keep;
    a->total = 0;
}

size_t fg_arena_used(const struct fg_arena *a)
{
    return a->total;
}

static void *pb_alloc(void *data, size_t size)
{
    return fg_arena_alloc(data, size);
}

static void pb_free(void *data, void *ptr)
{
    (void)data;
    (void)ptr;
}

void fg_arena_protobuf_allocator(struct fg_arena *a,
                                 struct ProtobufCAllocator *alloc)
{
    alloc->alloc = pb_alloc;
    alloc->free = pb_free;
    alloc->allocator_data = a;
}
