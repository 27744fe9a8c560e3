/*
 * Guest-side helper of the CPU benchmark (bench/cpu.sh), a static riscv64 program in the benchmark
 * initramfs as /bin/benchtool:
 *
 *   benchtool mark NAME        prints "BENCH-MARK NAME <CLOCK_MONOTONIC ns>" in one write(2); the host
 *                              times the line when it appears, the guest clock is extra information
 *                              (under QEMU -icount shift=0 it counts instructions)
 *   benchtool gen BYTES FILE   writes BYTES of deterministic text (pseudo-random words from a fixed
 *                              vocabulary, lines of varying length) to FILE: compressible like real
 *                              text (gzip -1 gives about a third), the same bytes on every run
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const WORDS[] = {
    "the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on",
    "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had", "they",
    "you", "were", "their", "one", "all", "we", "can", "her", "has", "there", "been", "if", "more",
    "when", "will", "would", "who", "so", "no", "kernel", "module", "page", "memory", "checkpoint",
    "virtual", "machine", "register", "instruction", "translator", "interpreter", "block", "cache",
    "signature", "compress", "process", "thread", "device", "console", "interrupt", "timer", "guest",
    "host", "buffer", "queue", "address", "table", "entry", "pointer", "value", "offset", "length",
    "second", "number", "system", "file", "directory", "network", "packet", "disk", "sector", "inode",
};
#define NWORDS (sizeof WORDS / sizeof WORDS[0])

static uint64_t state = 0x62656e6368637075ULL; /* "benchcpu" */

static uint64_t next(void) /* xorshift64* */
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1dULL;
}

static int mark(const char *name)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    char line[256];
    int n = snprintf(line, sizeof line, "BENCH-MARK %s %lld\n", name,
                     (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
    return write(1, line, n) == n ? 0 : 1;
}

static int gen(unsigned long long bytes, const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    static char buf[1 << 16];
    size_t used = 0;
    unsigned long long written = 0;
    int column = 0;
    while (written < bytes) {
        uint64_t r = next();
        const char *word = WORDS[(r >> 32) % NWORDS];
        char piece[40];
        int n;
        if ((r & 0xff) < 8) {
            n = snprintf(piece, sizeof piece, "%u ", (unsigned)(r >> 40) % 100000);
        } else {
            n = snprintf(piece, sizeof piece, "%s%s", word, (r & 0xf00) == 0 ? ", " : " ");
        }
        column += n;
        if (column > 60 + (int)((r >> 16) & 15)) {
            piece[n - 1] = '\n';
            column = 0;
        }
        if ((unsigned long long)n > bytes - written) {
            n = (int)(bytes - written);
        }
        if (used + n > sizeof buf) {
            if (write(fd, buf, used) != (ssize_t)used) {
                perror("write");
                return 1;
            }
            used = 0;
        }
        memcpy(buf + used, piece, n);
        used += n;
        written += n;
    }
    if (write(fd, buf, used) != (ssize_t)used) {
        perror("write");
        return 1;
    }
    return close(fd) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "mark") == 0) {
        return mark(argv[2]);
    }
    if (argc == 4 && strcmp(argv[1], "gen") == 0) {
        return gen(strtoull(argv[2], NULL, 10), argv[3]);
    }
    fprintf(stderr, "usage: benchtool mark NAME | benchtool gen BYTES FILE\n");
    return 2;
}
