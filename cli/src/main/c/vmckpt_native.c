/*
 * vmckpt's native helper (libvmckpt-native.so, built by ./build; optional: without it the features that use it stay off).
 *
 * NativeMemory.populateWrite(addr, len): faults the pages of [addr, addr + len) in for writing without changing what
 * they hold (madvise MADV_POPULATE_WRITE, Linux 5.14+). A JNI call leaves the calling Java thread "in native", so the
 * JVM's safepoints do not wait for it however long the faults take (OldGenPrefault touches the old generation ahead
 * of the collector's promotions with it). Returns 0, or the errno.
 */
#include <errno.h>
#include <jni.h>
#include <sched.h>
#include <sys/resource.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <limits.h>
#include <linux/futex.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

JNIEXPORT jint JNICALL Java_org_vmckpt_cli_NativeMemory_populateWrite(JNIEnv *env, jclass cls, jlong addr, jlong len) {
    (void) env;
    (void) cls;
    if (madvise((void *) (uintptr_t) addr, (size_t) len, MADV_POPULATE_WRITE) != 0) return errno;
    return 0;
}

/*
 * RealtimeThread.setFifo(priority): the calling thread to the real-time policy SCHED_FIFO at that priority, with
 * SCHED_RESET_ON_FORK so that threads it creates start at the normal policy. Returns 0, or the errno (EPERM without
 * root, CAP_SYS_NICE or an RLIMIT_RTPRIO of at least the priority).
 */
#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

JNIEXPORT jint JNICALL Java_org_vmckpt_cli_RealtimeThread_setFifo(JNIEnv *env, jclass cls, jint priority) {
    (void) env;
    (void) cls;
    struct sched_param param = { .sched_priority = priority };
    if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &param) != 0) return errno;
    return 0;
}

/*
 * NativeThreads.setNice(tid, nice): sets the nice value of one thread of this process (setpriority on its thread id,
 * which Linux applies to that thread alone). CompilerPriority puts HotSpot's compiler threads, which no Java API
 * reaches, ahead of the guest's thread while the guest is cold. Returns 0, or the errno (EACCES/EPERM: a nice below
 * the thread's own needs CAP_SYS_NICE).
 */
JNIEXPORT jint JNICALL Java_org_vmckpt_cli_NativeThreads_setNice(JNIEnv *env, jclass cls, jint tid, jint nice) {
    (void) env;
    (void) cls;
    if (setpriority(PRIO_PROCESS, (id_t) tid, nice) != 0) return errno;
    return 0;
}

/*
 * NativeThreads.setFifo(tid, priority): one thread of this process (tid 0: the calling one) to the real-time policy
 * SCHED_FIFO at that priority, with SCHED_RESET_ON_FORK; NativeThreads.setNormal(tid): back to the normal policy,
 * its nice value as it was (sched_setscheduler keeps it). CaptureRealtime puts the capture thread of a live checkpoint
 * there for the checkpoint's pause. Returns 0, or the errno.
 */
JNIEXPORT jint JNICALL Java_org_vmckpt_cli_NativeThreads_setFifo(JNIEnv *env, jclass cls, jint tid, jint priority) {
    (void) env;
    (void) cls;
    struct sched_param param = { .sched_priority = priority };
    if (sched_setscheduler((pid_t) tid, SCHED_FIFO | SCHED_RESET_ON_FORK, &param) != 0) return errno;
    return 0;
}

JNIEXPORT jint JNICALL Java_org_vmckpt_cli_NativeThreads_setNormal(JNIEnv *env, jclass cls, jint tid) {
    (void) env;
    (void) cls;
    struct sched_param param = { .sched_priority = 0 };
    if (sched_setscheduler((pid_t) tid, SCHED_OTHER, &param) != 0) return errno;
    return 0;
}

/*
 * OldGenWindow.hold(flag, timeoutNanos): enters a JNI critical region on the byte array `flag` and stays in it until
 * flag[0] becomes non-zero (written by another Java thread: while any thread is in a critical region, HotSpot neither
 * collects nor moves the array, so its bytes are the array's own) or `timeoutNanos` pass; flag[1] is set to 1 once
 * inside. While a thread is in a critical region the collector is locked out, and the parallel collector then
 * allocates what does not fit in eden straight in the old generation: an eager restore's pages, allocated meanwhile,
 * are never copied by a young collection (docs/ARCHITECTURE.md, "The collector and restored pages"). The thread is "in
 * native" while it waits, so safepoints do not wait for it; it polls every 100 us. Returns 0 when released by the
 * flag, 1 on the timeout, -1 if the region could not be entered.
 */
#include <time.h>

JNIEXPORT jint JNICALL Java_org_vmckpt_cli_OldGenWindow_hold(JNIEnv *env, jclass cls, jbyteArray flag, jlong timeoutNanos) {
    (void) cls;
    volatile jbyte *p = (*env)->GetPrimitiveArrayCritical(env, flag, NULL);
    if (p == NULL) return -1;
    p[1] = 1;
    struct timespec t0, t, pause = {0, 100000};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    jint result = 0;
    while (p[0] == 0) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((jlong) (t.tv_sec - t0.tv_sec) * 1000000000LL + (t.tv_nsec - t0.tv_nsec) > timeoutNanos) {
            result = 1;
            break;
        }
        nanosleep(&pause, NULL);
    }
    (*env)->ReleasePrimitiveArrayCritical(env, flag, (void *) p, 0);
    return result;
}

/*
 * OldGenWindow.holdBlocking(flag, gate, timeoutNanos): as hold, but the thread sleeps in the kernel until the window is
 * closed instead of polling every 100 us (round 63: the polls cost 17-69 ms of CPU per restore on the cores the loaders
 * need, round 62). `gate` is a direct buffer of at least 8 bytes: its first int is a futex word that
 * OldGenWindow.openGate sets to 1 before waking the waiter; its second int gets this thread's id (tests read the
 * thread's context switches). The closer must not enter a critical region itself (while the collector is locked out
 * and a collection is pending, a thread entering one waits for the window's end), which is why the wait is on native
 * memory and not on the held array: openGate takes the buffer's address with GetDirectBufferAddress, no critical region.
 * The address is taken before the region is entered (GetDirectBufferAddress is not among the calls allowed inside
 * one). Returns 0 when opened, 1 on the timeout, -1 if the region could not be entered or the buffer is unusable.
 */
JNIEXPORT jint JNICALL Java_org_vmckpt_cli_OldGenWindow_holdBlocking(JNIEnv *env, jclass cls, jbyteArray flag, jobject gate,
                                                                   jlong timeoutNanos) {
    (void) cls;
    int32_t *word = (*env)->GetDirectBufferAddress(env, gate);
    if (word == NULL || ((uintptr_t) word & 3) != 0 || (*env)->GetDirectBufferCapacity(env, gate) < 8) return -1;
    word[1] = (int32_t) syscall(SYS_gettid);
    volatile jbyte *p = (*env)->GetPrimitiveArrayCritical(env, flag, NULL);
    if (p == NULL) return -1;
    p[1] = 1;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    jint result = 0;
    while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == 0) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        jlong left = timeoutNanos - ((jlong) (t.tv_sec - t0.tv_sec) * 1000000000LL + (t.tv_nsec - t0.tv_nsec));
        if (left <= 0) {
            result = 1;
            break;
        }
        struct timespec rel = { (time_t) (left / 1000000000LL), (long) (left % 1000000000LL) };
        /* Returns at once if the word is no longer 0 (EAGAIN); on a wake, EINTR or ETIMEDOUT the loop looks again. */
        syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0);
    }
    (*env)->ReleasePrimitiveArrayCritical(env, flag, (void *) p, 0);
    return result;
}

/* OldGenWindow.openGate(gate): sets holdBlocking's futex word and wakes its waiter (any thread; no critical region). */
JNIEXPORT void JNICALL Java_org_vmckpt_cli_OldGenWindow_openGate(JNIEnv *env, jclass cls, jobject gate) {
    (void) cls;
    int32_t *word = (*env)->GetDirectBufferAddress(env, gate);
    if (word == NULL) return;
    __atomic_store_n(word, 1, __ATOMIC_RELEASE);
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/*
 * The JVM's start, warmed (round 70, restore70; off unless the JVM is given this library as an agent:
 * -agentpath:libvmckpt-native.so=warmMiB=N, which the launcher adds for `vmckpt restore` when VMCKPT_JAVA_OPTS holds
 * -Dvmckpt.restore.warmMiB=N).
 *
 * Why: on a host that takes a VM's free memory back (a balloon's free page reporting, as on this project's 2-core VM),
 * memory no process of the VM has used for a few seconds costs its first touch again at the host: ~1.5-2 ms per MiB with
 * huge pages, against ~0.06 ms for memory a process freed just before. An eager restore's pages are that much fresh
 * memory (memdirty's 310 MiB: ~500 ms of CPU of the restore's ~1.2-1.9 s), all after `main`, where both cores are
 * busy, while during the JVM's own start (~130-200 ms before `main`) one core is idle and no Java code can run.
 *
 * What: Agent_OnLoad, which the JVM calls before it creates anything, starts a thread that maps N MiB of anonymous
 * memory with huge pages, faults it in (MADV_POPULATE_WRITE, else a write per 4 KiB page), and unmaps it at once. The
 * kernel's free lists then hold N MiB the host backs, which the process's next faults (the heap's, the restored
 * pages') take instead of fresh ones. Nothing of the JVM's is touched and no byte anyone reads changes: the memory is
 * this thread's own, and freed before the JVM could see it. On a host without such reporting it costs the thread's
 * first touches of N MiB on the idle core and saves as much later.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>

static long warm_mib;
/* What the warming did (for tests and --stats): MiB faulted in, and the thread's CPU and wall time in ns; -1 until done. */
static long warm_done_mib = -1, warm_cpu_ns = -1, warm_wall_ns = -1;

static long now_ns(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void *warm_thread(void *arg) {
    (void) arg;
    prctl(PR_SET_NAME, "vmckpt-warm", 0, 0, 0);
    long w0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    size_t huge = 2UL << 20, len = (size_t) warm_mib << 20;
    char *map = mmap(NULL, len + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    long done = 0;
    if (map != MAP_FAILED) {
        char *p = (char *) (((uintptr_t) map + huge - 1) & ~(uintptr_t) (huge - 1));
        madvise(p, len, MADV_HUGEPAGE);
        int populate = 1;
        for (size_t at = 0; at < len; at += huge) {
            if (populate && madvise(p + at, huge, MADV_POPULATE_WRITE) != 0) {
                /* EINVAL: a kernel before 5.14, touched by writes instead; anything else (ENOMEM: the memory is not
                   there to be had) ends the warming: it must never press the machine for memory. */
                if (errno != EINVAL) break;
                populate = 0;
            }
            if (!populate) {
                for (size_t k = 0; k < huge; k += 4096) p[at + k] = 1;
            }
            done += huge;
        }
        munmap(map, len + huge);
    }
    warm_cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
    warm_wall_ns = now_ns(CLOCK_MONOTONIC) - w0;
    __atomic_store_n(&warm_done_mib, done >> 20, __ATOMIC_RELEASE); /* last: a reader that sees it sees the times */
    return NULL;
}

/*
 * The heap grown by the agent (round 76, restore76; off unless the JVM is given this library as an agent with the
 * option growHeap, which the launcher adds under VMCKPT_HEAP=agent, with VMCKPT_HEAP=grow's heap options and
 * -Dvmckpt.heap.growAtStart=agent).
 *
 * Why: VMCKPT_HEAP=grow (round 75, cli/.../HeapGrow.java) starts the JVM with 24 MiB committed and has a Java thread
 * started by `main` grow the heap to the whole maximum in one expansion (the old generation's card table and start
 * array cleared over fresh memory: ~6,000 page faults). That took ~70 ms out of the JVM's start, but ~45 ms came back
 * after `main`: the expansion runs "in the VM" for ~90-140 ms, and a handshake (the deoptimisation that class loading
 * asks for) waits for a thread in the VM, and the thread that asked waits with it (round 76 measured one of 119 ms).
 * Here the expansion starts at the JVM's VMInit event, the earliest point at which Java objects can be allocated, on an
 * agent thread, while the launcher loads the main class: ~80 ms earlier, so that it is done before the restore's first
 * steps, and before most of the command's class loading.
 *
 * What: Agent_OnLoad asks for the VMInit event; its callback starts a JVMTI agent thread ("vmckpt-heap-grow"), which
 * allocates one byte array larger than the heap's free space, as HeapGrow's thread does (the old generation then
 * expands by MinHeapDeltaBytes, the whole heap), and drops it. Nothing else is touched; an allocation that fails is
 * cleared and reported.
 */
#include <jvmti.h>

/* What the growth did (for tests and --stats): committed bytes before and after, the thread's CPU ns, the growth's
   wall ns, and when it started and ended in ns after Agent_OnLoad; -1 until done (grow_done last). */
static long grow_before = -1, grow_after = -1, grow_cpu_ns = -1, grow_wall_ns = -1, grow_start_ns = -1, grow_end_ns = -1,
        grow_failed = 0, grow_done = 0, agent_loaded_ns = 0;

/* Every JNI call that can throw is checked (and the exception cleared) before the next: -Xcheck:jni stays quiet. */
static int cleared(JNIEnv *env) {
    if (!(*env)->ExceptionCheck(env)) return 0;
    (*env)->ExceptionClear(env);
    return 1;
}

static jlong runtime_long(JNIEnv *env, jobject rt, jclass rc, const char *name) {
    jmethodID m = (*env)->GetMethodID(env, rc, name, "()J");
    if (m == NULL || cleared(env)) return -1;
    jlong v = (*env)->CallLongMethod(env, rt, m);
    return cleared(env) ? -1 : v;
}

static void JNICALL grow_thread(jvmtiEnv *jvmti, JNIEnv *env, void *arg) {
    (void) jvmti;
    (void) arg;
    long w0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    grow_start_ns = w0 - agent_loaded_ns;
    jclass rc = (*env)->FindClass(env, "java/lang/Runtime");
    if (cleared(env)) rc = NULL;
    jmethodID get = rc == NULL ? NULL : (*env)->GetStaticMethodID(env, rc, "getRuntime", "()Ljava/lang/Runtime;");
    if (cleared(env)) get = NULL;
    jobject rt = get == NULL ? NULL : (*env)->CallStaticObjectMethod(env, rc, get);
    if (cleared(env)) rt = NULL;
    if (rt != NULL) {
        jlong total = runtime_long(env, rt, rc, "totalMemory"), max = runtime_long(env, rt, rc, "maxMemory");
        grow_before = total;
        if (total >= 0 && max > 0 && total < max / 2) {
            /* Larger than the heap's free space: it fits neither generation as they are, goes to the old one (larger
               than half of eden) and makes it expand. As small as that allows (the JVM zeroes it). */
            jlong n = runtime_long(env, rt, rc, "freeMemory") + (1 << 20);
            if (n > INT_MAX - 16) n = INT_MAX - 16;
            jbyteArray a = (*env)->NewByteArray(env, (jsize) n);
            if (cleared(env) || a == NULL) grow_failed = 1; /* an OutOfMemoryError */
            else (*env)->DeleteLocalRef(env, a);
        }
        grow_after = runtime_long(env, rt, rc, "totalMemory");
    } else {
        grow_failed = 1;
    }
    if (cleared(env)) grow_failed = 1;
    long w1 = now_ns(CLOCK_MONOTONIC);
    grow_cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
    grow_wall_ns = w1 - w0;
    grow_end_ns = w1 - agent_loaded_ns;
    __atomic_store_n(&grow_done, 1, __ATOMIC_RELEASE); /* last: a reader that sees it sees the rest */
}

/* JDK classes the command loads soon after VMInit whose loading makes the JVM deoptimise code compiled on the assumption
   that they were not loaded (a new subclass): LinkedHashMap (of HashMap), for the jar's manifest, on the main thread
   before `main`; FileChannelImpl (of FileChannel), for the repository's lock and the disks, on the restoring thread;
   zstd-jni's SharedDictBase (of AutoCloseBase; the jar's, no static initialiser of its own), on the class preload
   thread whose zstd the checkpoint step waits for (a class not found is passed over).
   The deoptimisation is a handshake with every Java thread, which waits for a thread "in the VM", as the growing one
   is, and the thread that loads the class waits with it: the main thread waited the whole growth for LinkedHashMap
   (91-201 ms at load 5-7), the restoring thread 39-107 ms for FileChannelImpl (round 76, -Xlog:handshake,class+load).
   Loaded (and initialised, as JNI's FindClass does) here first, before the growth starts. */
static const char *const early_classes[] = {"java/util/LinkedHashMap", "sun/nio/ch/FileChannelImpl",
                                            "com/github/luben/zstd/SharedDictBase", NULL};

static void JNICALL on_vm_init(jvmtiEnv *jvmti, JNIEnv *env, jthread main_thread) {
    (void) main_thread;
    for (int i = 0; early_classes[i] != NULL; i++) {
        jclass c = (*env)->FindClass(env, early_classes[i]);
        if (!cleared(env) && c != NULL) (*env)->DeleteLocalRef(env, c);
    }
    jclass tc = (*env)->FindClass(env, "java/lang/Thread");
    if (cleared(env)) tc = NULL;
    jmethodID ctor = tc == NULL ? NULL : (*env)->GetMethodID(env, tc, "<init>", "(Ljava/lang/String;)V");
    if (cleared(env)) ctor = NULL;
    jstring name = ctor == NULL ? NULL : (*env)->NewStringUTF(env, "vmckpt-heap-grow");
    if (cleared(env)) name = NULL;
    jobject t = name == NULL ? NULL : (*env)->NewObject(env, tc, ctor, name);
    if (cleared(env)) t = NULL;
    if (t == NULL || (*jvmti)->RunAgentThread(jvmti, t, grow_thread, NULL, JVMTI_THREAD_NORM_PRIORITY) != JVMTI_ERROR_NONE) {
        grow_failed = 1;
        __atomic_store_n(&grow_done, 1, __ATOMIC_RELEASE);
    }
}

static void start_grow_agent(JavaVM *vm) {
    jvmtiEnv *jvmti;
    if ((*vm)->GetEnv(vm, (void **) &jvmti, JVMTI_VERSION_1_2) != JNI_OK) return;
    jvmtiEventCallbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.VMInit = on_vm_init;
    if ((*jvmti)->SetEventCallbacks(jvmti, &cb, (jint) sizeof cb) != JVMTI_ERROR_NONE) return;
    (*jvmti)->SetEventNotificationMode(jvmti, JVMTI_ENABLE, JVMTI_EVENT_VM_INIT, NULL);
}

/* NativeMemory.growReport(): {committed before, after, CPU ns, wall ns, start and end in ns after the agent's load,
   failed (0/1)} of the agent's growth, or null while it runs or if it was not asked for. */
JNIEXPORT jlongArray JNICALL Java_org_vmckpt_cli_NativeMemory_growReport(JNIEnv *env, jclass cls) {
    (void) cls;
    if (!__atomic_load_n(&grow_done, __ATOMIC_ACQUIRE)) return NULL;
    jlongArray r = (*env)->NewLongArray(env, 7);
    if (r == NULL) return NULL;
    jlong v[7] = {grow_before, grow_after, grow_cpu_ns, grow_wall_ns, grow_start_ns, grow_end_ns, grow_failed};
    (*env)->SetLongArrayRegion(env, r, 0, 7, v);
    return r;
}

/* The agent's options: "warmMiB=N" (1..65536) or "growHeap"; anything else starts nothing. The JVM starts normally
   either way. (The launcher gives each its own -agentpath: the JVM calls Agent_OnLoad once per option.) */
JNIEXPORT jint JNICALL Agent_OnLoad(JavaVM *vm, char *options, void *reserved) {
    (void) reserved;
    if (options != NULL && strcmp(options, "growHeap") == 0) {
        agent_loaded_ns = now_ns(CLOCK_MONOTONIC);
        start_grow_agent(vm);
        return 0;
    }
    if (options == NULL || strncmp(options, "warmMiB=", 8) != 0) return 0;
    char *end;
    long n = strtol(options + 8, &end, 10);
    if (*end != '\0' || n < 1 || n > 65536) return 0;
    warm_mib = n;
    pthread_t t;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_create(&t, &a, warm_thread, NULL);
    pthread_attr_destroy(&a);
    return 0;
}

/* NativeMemory.warmReport(): {MiB faulted in, CPU ns, wall ns} of the warming (-1 each while it runs or if none ran). */
JNIEXPORT jlongArray JNICALL Java_org_vmckpt_cli_NativeMemory_warmReport(JNIEnv *env, jclass cls) {
    (void) cls;
    jlongArray r = (*env)->NewLongArray(env, 3);
    if (r == NULL) return NULL;
    long mib = __atomic_load_n(&warm_done_mib, __ATOMIC_ACQUIRE);
    jlong v[3] = {mib, mib < 0 ? -1 : warm_cpu_ns, mib < 0 ? -1 : warm_wall_ns};
    (*env)->SetLongArrayRegion(env, r, 0, 3, v);
    return r;
}
