/*
 * envnoise.c - the families of frames whose share is driven by the
 * machine, the scheduler or the collector rather than by the code under
 * test (envnoise.h): the analysis models their extra noise by default, a
 * config file may ignore a family (docs/config.md).
 *
 * Every group is matched against the whole function name (the preset is
 * applied as "^(g1|g2|...)$"), so "runtime.asyncPreempt" is ignored and a
 * user's "main.asyncPreemptHandler" is not.  Native frames are matched with
 * or without the "libc-2.31.so." style library prefix that the JFR and
 * async-profiler converters put in front of symbols.
 */
#include "analysis/envnoise.h"
#include "flamegate/buf.h"
#include "core/util.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Optional library prefixes seen in converted profiles. */
#define LIBC_PREFIX "((libc|libpthread)[-.0-9]*\\.so(\\.[0-9]+)*\\.)?"
#define JVM_PREFIX "(libjvm\\.so\\.)?"

static const struct fg_preset_group go_sched[] = {
    {"runtime\\.(asyncPreempt2?|preemptM|preemptone|signalM|tgkill|"
     "doSigPreempt|wantAsyncPreempt|isAsyncSafePoint)",
     "runtime.asyncPreempt, runtime.asyncPreempt2, runtime.preemptM, "
     "runtime.signalM, runtime.tgkill",
     "asynchronous preemption interrupts goroutines that run for more than "
     "10 ms, so how often it fires depends on how many goroutines compete "
     "for the CPUs: runtime.asyncPreempt moved from 1.7% to 11-17% share "
     "between identical runs on a loaded CI machine",
     1.0},
    {"runtime\\.(sighandler|sigtramp|sigtrampgo|sigfwdgo|sigreturn|"
     "sigreturn__sigaction|cgoSigtramp|sigprof|sigprofNonGoPC)",
     "runtime.sighandler, runtime.sigtramp, runtime.sigtrampgo, "
     "runtime.sigprof",
     "signal delivery for preemption and for the profiler's own SIGPROF "
     "ticks; its cost scales with the number of threads and signals, not "
     "with the work done",
     0.6},
    {"runtime\\.(schedule|findRunnable|findrunnable|stealWork|runqgrab|"
     "runqsteal|checkTimers|mcall|park_m|goschedImpl|gosched_m|gopreempt_m|"
     "preemptPark|resetspinning|wakep|startm|stopm|mPark|handoffp|"
     "exitsyscall0|injectglist)",
     "runtime.schedule, runtime.findRunnable, runtime.findrunnable, "
     "runtime.stealWork, runtime.mcall, runtime.park_m, runtime.stopm",
     "the scheduler loop: its cost depends on how often goroutines block "
     "and wake and on how many idle threads spin looking for work, which "
     "changes with the machine's load and core count",
     0.6},
    {"runtime\\.(futex|futexsleep|futexwakeup|notesleep|notetsleep|"
     "notetsleep_internal|notetsleepg|notewakeup|semasleep|semawakeup|"
     "usleep|usleep_no_g|epollwait|netpoll|"
     "kevent|pthread_cond_wait|pthread_cond_timedwait_relative_np|sysmon|"
     "retake)",
     "runtime.futex, runtime.usleep, runtime.notesleep, "
     "runtime.epollwait, runtime.netpoll, runtime.sysmon",
     "threads parking and waking, and the background monitor "
     "thread; wake-up latency and contention on the machine set these "
     "counts",
     0.6},
    {"runtime\\.(procyield|osyield|osyield_no_g)",
     "runtime.procyield, runtime.osyield",
     "spin-waits: a thread spins while another one finishes, e.g. while "
     "the collector suspends a goroutine to scan its stack; between "
     "identical runs on a loaded machine runtime.procyield went from 0 to "
     "16% of the samples",
     2.0},
    {"runtime\\.(nanotime|nanotime1|walltime|walltime1)",
     "runtime.nanotime, runtime.nanotime1, runtime.walltime",
     "clock reads done by the scheduler and timers on every round; their "
     "cost depends on the machine's clock source (a vDSO read on bare "
     "metal, a much slower one on some VMs)",
     0.5},
};

static const struct fg_preset_group go_gc[] = {
    {"runtime\\.(gcBgMarkWorker|gcBgMarkWorker\\.func[0-9]+|gcDrain|"
     "gcDrainN|gcDrainMarkWorkerDedicated|gcDrainMarkWorkerIdle|"
     "gcDrainMarkWorkerFractional|markroot|markrootBlock|markrootSpans|"
     "markrootFreeGStacks|scanobject|scanblock|scanstack|scanframeworker|"
     "scanConservative|greyobject|findObject|gcFlushBgCredit|"
     "\\(\\*gcWork\\)\\.[A-Za-z0-9_]+)",
     "runtime.gcBgMarkWorker, runtime.gcDrain, runtime.scanobject, "
     "runtime.greyobject, runtime.markroot, runtime.(*gcWork).balance",
     "the background mark workers: whether a GC cycle falls inside a short "
     "profile window, and how much of it, is largely chance",
     2.0},
    {"runtime\\.(gcStart|gcMarkDone|gcMarkTermination|gcMarkTinyAllocs|"
     "gcResetMarkState|gcSweep|gcBgMarkStartWorkers|gcBgMarkPrepare|"
     "finishsweep_m|\\(\\*gcControllerState\\)\\.[A-Za-z0-9_]+)",
     "runtime.gcStart, runtime.gcMarkDone, runtime.gcMarkTermination, "
     "runtime.(*gcControllerState).revise",
     "cycle start and termination and the pacer; once per cycle, so the "
     "count follows the number of cycles that happened in the window",
     0.5},
    {"runtime\\.(bgsweep|bgscavenge|bgscavenge\\.func[0-9]+|sweepone|"
     "\\(\\*sweepLocked\\)\\.sweep|\\(\\*mspan\\)\\.sweep|"
     "\\(\\*activeSweep\\)\\.(begin|end)|"
     "\\(\\*scavengerState\\)\\.[A-Za-z0-9_]+|"
     "\\(\\*pageAlloc\\)\\.scavenge[A-Za-z0-9_]*)",
     "runtime.bgsweep, runtime.bgscavenge, runtime.sweepone, "
     "runtime.(*mspan).sweep, runtime.(*scavengerState).run",
     "sweeping and returning memory to the OS in the background; timing "
     "depends on the heap limit and memory pressure of the machine",
     1.0},
};

static const struct fg_preset_group jvm[] = {
    {JVM_PREFIX "(SafepointSynchronize|SafepointMechanism|"
     "ThreadSafepointState|RuntimeService)::[A-Za-z0-9_~]+",
     "SafepointSynchronize::begin, SafepointSynchronize::block, "
     "SafepointMechanism::process_if_requested_with_exit_check, "
     "RuntimeService::record_safepoint_begin",
     "bringing every thread to a safepoint takes as long as the slowest "
     "thread needs to reach one, which depends on what all the other "
     "threads and the machine are doing",
     0},
    {JVM_PREFIX "(VMThread|VM_Operation|VM_[A-Za-z0-9]+)::[A-Za-z0-9_~]+",
     "VMThread::loop, VMThread::run, VMThread::evaluate_operation, "
     "VM_G1CollectForAllocation::doit",
     "the VM thread runs safepoint operations (GC pauses, deoptimization, "
     "thread dumps) when the JVM decides to, not when the code asks",
     0},
    {JVM_PREFIX "((GangWorker|WorkerThread|WorkGang|WorkerThreads|"
     "ConcurrentGCThread|G1ConcurrentRefineThread|G1YoungRemSetSamplingThread|"
     "G1ServiceThread|G1ConcurrentMarkThread|G1CMConcurrentMarkingTask|"
     "G1CMTask|G1CMBitMapClosure|G1CMRootRegionScanTask|G1RebuildRemSetTask|"
     "G1ParallelCleaningTask|G1EvacuateRegionsTask|G1EvacuateRegionsBaseTask|"
     "G1ParScanThreadState|G1ParEvacuateFollowersClosure|G1RootProcessor|"
     "G1RemSet|G1ScanHRForRegionClosure|TaskTerminator|"
     "ParallelTaskTerminator|ZDriver|ZWorkers|ShenandoahControlThread)"
     "(::[A-Za-z0-9_~]+)+|SpinPause)",
     "GangWorker::loop, WorkerThread::run, ConcurrentGCThread::run, "
     "G1CMTask::do_marking_step, G1ParScanThreadState::trim_queue, "
     "TaskTerminator::offer_termination, SpinPause",
     "collector threads run beside the application; how much CPU they get "
     "inside a window depends on heap size, the GC thread count chosen "
     "from the machine's CPUs and where the cycle falls",
     0},
    {"(jdk[./]internal[./]misc|sun[./]misc)[./]Unsafe\\.park|"
     "java[./]lang[./]Object\\.wait0?|"
     "java[./]lang[./]Thread\\.(sleep|sleep0|yield|yield0|onSpinWait)|"
     JVM_PREFIX "(Unsafe_Park|Parker::park|os::PlatformEvent::park|"
     "os::PlatformParker::park|os::PlatformMonitor::wait|ObjectMonitor::wait|"
     "Monitor::wait|Monitor::IWait|JVM_Sleep|JVM_MonitorWait|JVM_Yield)",
     "jdk/internal/misc/Unsafe.park, jdk.internal.misc.Unsafe.park, "
     "sun/misc/Unsafe.park, java/lang/Object.wait, Unsafe_Park, "
     "libjvm.so.Parker::park",
     "parked and waiting threads are idle: a CPU profile samples only the "
     "park and wake-up path, which grows with contention, and a wall-clock "
     "profile counts the idle time itself, which follows the load",
     0},
};

static const struct fg_preset_group glibc[] = {
    {LIBC_PREFIX "(futex_wait|futex_wait_cancelable|futex_wake|"
     "__futex_abstimed_wait_common|__futex_abstimed_wait_common64|"
     "__futex_abstimed_wait_cancelable64|__lll_lock_wait|"
     "__lll_lock_wait_private|__lll_lock_wake|__lll_lock_wake_private)",
     "futex_wait, __futex_abstimed_wait_common64, __lll_lock_wait, "
     "libc.so.6.__lll_lock_wait",
     "futex waits: the thread sleeps until another one wakes it; the "
     "sampled entry and exit cost follows contention and wake-ups",
     0},
    {LIBC_PREFIX "(__)?pthread_cond_(wait|timedwait|clockwait)(_common)?"
     "(64)?",
     "pthread_cond_wait, __pthread_cond_wait, __pthread_cond_timedwait, "
     "libpthread-2.31.so.__pthread_cond_timedwait",
     "condition-variable waits of idle worker threads",
     0},
    {LIBC_PREFIX "(__GI_)?(__)?(epoll_wait|epoll_pwait|epoll_pwait2|poll|"
     "ppoll|select|pselect|pselect6)",
     "epoll_wait, __GI___poll, __poll, select, libc-2.31.so.epoll_wait",
     "event loops waiting for I/O: how often they wake up depends on the "
     "traffic and timers, not on the work done per event",
     0},
    {LIBC_PREFIX "(__GI_)?(__)?(nanosleep|clock_nanosleep|"
     "clock_nanosleep_time64|usleep|sleep|sched_yield)",
     "nanosleep, __nanosleep, __GI___nanosleep, clock_nanosleep, usleep, "
     "sched_yield, __sched_yield",
     "sleeping and yielding threads: the sampled cost is the system call, "
     "whose frequency follows timers and the scheduler",
     0},
    {"(__x64_sys_|__arm64_sys_|__se_sys_|__do_sys_)(futex|epoll_wait|"
     "epoll_pwait|nanosleep|clock_nanosleep|sched_yield|poll|ppoll|select|"
     "pselect6)|do_futex|futex_wait_queue|futex_wait_queue_me|do_epoll_wait|"
     "ep_poll|do_nanosleep|hrtimer_nanosleep|do_sched_yield|__schedule|"
     "schedule_hrtimeout_range|schedule_hrtimeout_range_clock|do_sys_poll|"
     "do_select|core_sys_select",
     "__x64_sys_futex, do_futex, futex_wait_queue_me, ep_poll, "
     "do_nanosleep, __schedule",
     "the kernel side of the same waits, as seen by perf and eBPF "
     "profilers (Parca Agent)",
     0},
};

static const struct fg_preset_group python[] = {
    {"(take_gil|drop_gil|PyEval_RestoreThread|PyEval_SaveThread|"
     "PyThread_acquire_lock_timed|PyThread_acquire_lock|PyCOND_WAIT|"
     "PyCOND_TIMEDWAIT|PyMUTEX_LOCK)",
     "take_gil, drop_gil, PyEval_RestoreThread, PyThread_acquire_lock_timed",
     "waiting for the global interpreter lock: threads queue for it longer "
     "the more threads compete and the busier the machine is",
     0},
    {"(gc_collect_main|gc_collect_with_callback|gc_collect_impl|"
     "collect_generations|_PyObject_GC_Link|_PyGC_CollectNoFail|"
     "subtract_refs|update_refs|move_unreachable|visit_reachable)",
     "gc_collect_main, collect_generations, subtract_refs, "
     "move_unreachable",
     "the cyclic garbage collector runs when allocation counters cross "
     "thresholds, so whether a collection falls inside a window is "
     "largely chance",
     0},
};

static const struct fg_preset_group node[] = {
    {"\\((idle|program|garbage collector)\\)",
     "(idle), (program), (garbage collector)",
     "V8's pseudo-frames: idle time and native work outside JavaScript "
     "follow the load and the event loop's wake-ups, collections follow "
     "the allocation pacing",
     0},
    {"(uv__io_poll|uv__run_timers|uv__epoll_ctl|"
     "v8::internal::Heap::[A-Za-z0-9_]+|"
     "v8::internal::(Scavenger|MarkCompactCollector|MinorMarkCompactCollector"
     "|ConcurrentMarking|IncrementalMarking)::[A-Za-z0-9_]+)",
     "uv__io_poll, v8::internal::Heap::CollectGarbage, "
     "v8::internal::Scavenger::ScavengePage",
     "libuv's poll loop and V8's collectors: their share follows traffic, "
     "timers and heap pacing rather than the work per request",
     0},
};

#define GROUPS(g) g, sizeof(g) / sizeof(g[0])

const struct fg_preset fg_presets[] = {
    {"go-runtime-scheduling",
     "Go preemption, scheduler, futex, sleep and clock frames",
     "a change that makes your code block or wake far more often also "
     "shows up here first; the callers' cum values still show it, and "
     "time.Now in a hot loop lands in runtime.nanotime",
     GROUPS(go_sched), 0.6},
    {"go-gc", "Go garbage collector background work",
     "GC work is driven by your allocation rate and live heap, so a real "
     "allocation regression often appears here first: turn this on only "
     "when GC timing is the noise, and gate allocations with an alloc_space "
     "comparison instead; assists (runtime.gcAssistAlloc) and write "
     "barriers, paid by your goroutines, are deliberately not ignored",
     GROUPS(go_gc), 0.5},
    {"jvm-safepoints-gc",
     "HotSpot safepoints, the VM thread, GC worker threads and parking",
     "a regression that makes the application allocate more also makes "
     "the GC threads work more; gate allocations separately (alloc "
     "profiles) when you turn this on",
     GROUPS(jvm), 0.5},
    {"glibc-idle",
     "glibc and kernel wait frames: futex, condition variables, poll, "
     "sleep, yield",
     "lock contention you introduce shows up as __lll_lock_wait and futex "
     "time; with this preset the gate only sees it through the callers' "
     "cum values",
     GROUPS(glibc), 0.6},
    {"python-runtime", "CPython's GIL waits and cyclic garbage collector",
     "a change that adds lock contention or allocates many cyclic objects "
     "shows up here first; the callers' cum values still show it",
     GROUPS(python), 0.5},
    {"node-runtime",
     "V8's idle, program and GC pseudo-frames, libuv polling and V8's "
     "collectors",
     "a change that allocates much more shows up in (garbage collector) "
     "first; gate allocations with a heap profile",
     GROUPS(node), 0.5},
};

const size_t fg_preset_count = sizeof(fg_presets) / sizeof(fg_presets[0]);

const struct fg_preset *fg_preset_find(const char *name)
{
    for (size_t i = 0; i < fg_preset_count; i++)
        if (strcmp(fg_presets[i].name, name) == 0)
            return &fg_presets[i];
    return NULL;
}

char *fg_preset_regex(const struct fg_preset *p)
{
    struct fg_buf b;
    fg_buf_init(&b, 0);
    int rc = fg_buf_adds(&b, "^(");
    for (size_t i = 0; i < p->n_groups && !rc; i++)
        rc = fg_buf_addf(&b, "%s%s", i ? "|" : "", p->groups[i].regex);
    if (!rc)
        rc = fg_buf_adds(&b, ")$");
    /* An unlimited buffer only fails on out of memory, which is fatal. */
    return fg_buf_detach(&b, NULL);
}

/* ---- classification ------------------------------------------------------ */

struct fg_envnoise {
    regex_t any;  /* every group at once: most names match none, and one
                   * match attempt per name keeps 10^5 functions cheap */
    bool any_ok;
    regex_t *re;  /* one anchored regex per class */
    size_t n;
};

/* The class numbered cls: its family index and group index. */
static bool class_at(long cls, size_t *fam, size_t *grp)
{
    if (cls < 0)
        return false;
    size_t c = (size_t)cls;
    for (size_t i = 0; i < fg_preset_count; i++) {
        if (c < fg_presets[i].n_groups) {
            *fam = i;
            *grp = c;
            return true;
        }
        c -= fg_presets[i].n_groups;
    }
    return false;
}

const struct fg_preset *fg_envnoise_family(long cls)
{
    size_t f, g;
    return class_at(cls, &f, &g) ? &fg_presets[f] : NULL;
}

const struct fg_preset_group *fg_envnoise_group(long cls)
{
    size_t f, g;
    return class_at(cls, &f, &g) ? &fg_presets[f].groups[g] : NULL;
}

double fg_envnoise_cv(long cls)
{
    size_t f, g;
    if (!class_at(cls, &f, &g))
        return 0.0;
    double cv = fg_presets[f].groups[g].cv;
    return cv > 0 ? cv : fg_presets[f].cv;
}

static int compile(regex_t *re, const char *body, const char *what,
                   struct fg_error *err)
{
    struct fg_buf b;
    fg_buf_init(&b, 0);
    if (fg_buf_addf(&b, "^(%s)$", body) == 0 &&
        regcomp(re, b.data, REG_EXTENDED | REG_NOSUB) == 0) {
        fg_buf_release(&b);
        return FG_OK;
    }
    fg_buf_release(&b);
    return fg_error_set(err, FG_ESTATS,
                        "built-in pattern of '%s' does not compile", what);
}

int fg_envnoise_new(struct fg_envnoise **out, struct fg_error *err)
{
    struct fg_envnoise *e = fg_xcalloc(1, sizeof(*e));
    size_t total = 0;
    for (size_t i = 0; i < fg_preset_count; i++)
        total += fg_presets[i].n_groups;
    e->re = fg_xcalloc(total ? total : 1, sizeof(regex_t));
    struct fg_buf all;
    fg_buf_init(&all, 0);
    int rc = FG_OK;
    for (size_t i = 0; i < fg_preset_count && rc == FG_OK; i++)
        for (size_t g = 0; g < fg_presets[i].n_groups && rc == FG_OK; g++) {
            const char *body = fg_presets[i].groups[g].regex;
            rc = compile(&e->re[e->n], body, fg_presets[i].name, err);
            if (rc == FG_OK) {
                e->n++;
                rc = fg_buf_addf(&all, "%s(%s)", e->n > 1 ? "|" : "", body);
            }
        }
    if (rc == FG_OK && all.len) {
        rc = compile(&e->any, all.data, "all families", err);
        e->any_ok = rc == FG_OK;
    }
    fg_buf_release(&all);
    if (rc != FG_OK) {
        fg_envnoise_free(e);
        e = NULL;
    }
    *out = e;
    return rc;
}

void fg_envnoise_free(struct fg_envnoise *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n; i++)
        regfree(&e->re[i]);
    if (e->any_ok)
        regfree(&e->any);
    free(e->re);
    free(e);
}

bool fg_envnoise_interrupts(const char *name)
{
    return strcmp(name, "runtime.asyncPreempt") == 0;
}

bool fg_envnoise_internal(const char *name)
{
    static const char *const prefix[] = {
        "runtime.", "internal/runtime/", "libjvm.so.", "libjvm.so::",
        "uv_", "uv__",
    };
    for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
        if (strncmp(name, prefix[i], strlen(prefix[i])) == 0)
            return true;
    /* C++ (HotSpot, V8, Node's own): Class::method, without a Java or
     * Python frame's dots and slashes before it */
    const char *cc = strstr(name, "::");
    return cc && !memchr(name, '/', (size_t)(cc - name)) &&
           !memchr(name, '(', (size_t)(cc - name));
}

long fg_envnoise_classify(const struct fg_envnoise *e, const char *name)
{
    if (!e || !e->any_ok || regexec(&e->any, name, 0, NULL, 0) != 0)
        return -1;
    for (size_t i = 0; i < e->n; i++)
        if (regexec(&e->re[i], name, 0, NULL, 0) == 0)
            return (long)i;
    return -1;
}
