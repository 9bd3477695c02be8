/*
 * arena.h - bump allocator.  Many small allocations, one free.
 *
 * Used for protobuf-c unpacking (a large profile is millions of small
 * messages; one arena turns millions of malloc/free pairs into a few
 * chunk allocations) and for the derived profile model.
 */
#ifndef FLAMEGATE_ARENA_H
#define FLAMEGATE_ARENA_H

#include "flamegate/fg.h"

struct fg_arena;
struct ProtobufCAllocator;

/* New arena; chunk_hint is the first chunk's size (0: a default).  Fatal on
 * out of memory like the fg_x* allocators. */
struct fg_arena *fg_arena_new(size_t chunk_hint);
/* Free every allocation made from the arena.  NULL is accepted. */
void fg_arena_free(struct fg_arena *a);

/* 16-byte aligned allocation of n bytes; never NULL (fatal on OOM). */
void *fg_arena_alloc(struct fg_arena *a, size_t n);
/* Zeroed allocation of n * size bytes (overflow is fatal). */
void *fg_arena_calloc(struct fg_arena *a, size_t n, size_t size);
/* Copy of a byte string, NUL-terminated. */
char *fg_arena_strndup(struct fg_arena *a, const char *s, size_t n);

/* Forget every allocation but keep the first chunk for reuse (a scratch
 * arena reset between records). */
void fg_arena_reset(struct fg_arena *a);

/* Bytes handed out so far (for limits and benchmarks). */
size_t fg_arena_used(const struct fg_arena *a);

/*
 * Fill alloc with a protobuf-c allocator that draws from a; its free is a
 * no-op (memory goes with fg_arena_free).
 */
void fg_arena_protobuf_allocator(struct fg_arena *a,
                                 struct ProtobufCAllocator *alloc);

#endif
