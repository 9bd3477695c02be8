/*
 * pool.h - running independent items on the machine's cores.
 *
 * fg_parallel_for starts its threads for one call and joins them before
 * returning: no state outlives the call and nothing is global, so the
 * library stays free of global mutable state.  Used where whole runs are
 * processed independently (decoding, aggregating).
 */
#ifndef FLAMEGATE_CORE_POOL_H
#define FLAMEGATE_CORE_POOL_H

#include <stddef.h>

/* Online processors, at least 1. */
unsigned fg_parallel_cpus(void);

/*
 * Call fn(ctx, i) once for every i in [0, n), on up to max_threads
 * threads, the calling one included (fewer when n is smaller or threads
 * cannot be started: then the caller does the rest).  Items are handed
 * out in order; fn must be safe to run for different i at the same time
 * and reports its own errors through ctx (the caller then looks at them
 * in item order, which keeps errors deterministic).
 */
void fg_parallel_for(size_t n, unsigned max_threads,
                     void (*fn)(void *ctx, size_t i), void *ctx);

#endif
