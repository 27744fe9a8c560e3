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
#include <stdint.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

JNIEXPORT jint JNICALL Java_org_vmckpt_cli_NativeMemory_populateWrite(JNIEnv *env, jclass cls, jlong addr, jlong len) {
    (void) env;
    (void) cls;
    if (madvise((void *) (uintptr_t) addr, (size_t) len, MADV_POPULATE_WRITE) != 0) return errno;
    return 0;
}
