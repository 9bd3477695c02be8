/* work.c - a C workload for perf_live.sh: a hot loop, recursion, memory
 * traffic (kernel page faults) and a qsort callback, for about a second. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile double sink;

__attribute__((noinline)) static double hot_loop(long n)
{
    double s = 0;
    for (long i = 0; i < n; i++)
        s += (double)(i % 7) * 0.5;
    return s;
}

__attribute__((noinline)) static double rec(int depth)
{
    return depth > 0 ? rec(depth - 1) + 1 : hot_loop(200000);
}

static int cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    time_t end = time(NULL) + 2;
    while (time(NULL) < end) {
        sink += hot_loop(2000000) + rec(10);
        size_t n = 1 << 18;
        int *v = malloc(n * sizeof(int));
        if (!v)
            return 1;
        for (size_t i = 0; i < n; i++)
            v[i] = (int)((i * 2654435761u) & 0xffff);
        qsort(v, n, sizeof(int), cmp);
        char *m = malloc(1 << 22);
        if (m)
            memset(m, 1, 1 << 22);
        sink += v[n / 2] + (m ? m[100] : 0);
        free(m);
        free(v);
    }
    return 0;
}
