/* pool.c - running independent items on several threads (see pool.h). */
#include "core/pool.h"

#include <pthread.h>
#include <unistd.h>

unsigned fg_parallel_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 1 ? (unsigned)n : 1u;
}

struct pool {
    size_t n, next;
    void (*fn)(void *ctx, size_t i);
    void *ctx;
    pthread_mutex_t mu;
};

static void *worker(void *arg)
{
    struct pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        size_t i = p->next++;
        pthread_mutex_unlock(&p->mu);
        if (i >= p->n)
            return NULL;
        p->fn(p->ctx, i);
    }
}

#define MAX_THREADS 64

void fg_parallel_for(size_t n, unsigned max_threads,
                     void (*fn)(void *ctx, size_t i), void *ctx)
{
    struct pool p = {n, 0, fn, ctx, PTHREAD_MUTEX_INITIALIZER};
    size_t want = max_threads < n ? max_threads : n;
    if (want > MAX_THREADS)
        want = MAX_THREADS;
    pthread_t th[MAX_THREADS];
    size_t started = 0;
    while (started + 1 < want &&
           pthread_create(&th[started], NULL, worker, &p) == 0)
        started++;
    worker(&p);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&p.mu);
}
