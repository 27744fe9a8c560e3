/* Bare-metal self test for `vmckpt run --elf`: exercises M-mode integer, M, A, F/D, CSRs and a trap,
 * prints through HTIF console and exits through tohost (Spike's protocol): 1 = pass, (n<<1)|1 = fail n. */
typedef unsigned long uint64_t; typedef long int64_t; typedef unsigned char uint8_t;

volatile uint64_t tohost __attribute__((section(".tohost")));
volatile uint64_t fromhost __attribute__((section(".tohost")));

static void putc_htif(char c) {
    tohost = (1ULL << 56) | (1ULL << 48) | (uint8_t)c;
    while (tohost != 0) { }
}
static void puts_htif(const char *s) { while (*s) putc_htif(*s++); }
static void exit_htif(uint64_t code) { tohost = (code << 1) | 1; for (;;) { } }

#define CHECK(n, cond) do { if (!(cond)) { puts_htif("FAIL " #n "\n"); exit_htif(n); } } while (0)

volatile uint64_t trap_cause;
void trap_handler(void) __attribute__((interrupt("machine"), aligned(4)));  /* mtvec BASE is 4-byte aligned */
void trap_handler(void) {
    uint64_t cause, epc;
    asm volatile("csrr %0, mcause" : "=r"(cause));
    asm volatile("csrr %0, mepc" : "=r"(epc));
    trap_cause = cause;
    asm volatile("csrw mepc, %0" :: "r"(epc + 4));
}

static volatile double dvals[4] = {1.5, 2.25, -0.0, 3.0};
static volatile uint64_t word = 40;

int main(void) {
    CHECK(1, 6 * 7 == 42);
    volatile int64_t a = -7, b = 2;
    CHECK(2, a / b == -3 && a % b == -1);
    CHECK(3, __atomic_fetch_add(&word, 2, __ATOMIC_SEQ_CST) == 40 && word == 42);
    asm volatile("csrs mstatus, %0" :: "r"(1 << 13));          /* FS = initial */
    double s = dvals[0] * dvals[1] + dvals[3];
    CHECK(4, s == 6.375);
    CHECK(5, __builtin_sqrt(dvals[1]) == 1.5);
    asm volatile("csrw mtvec, %0" :: "r"(trap_handler));
    asm volatile(".word 0xffffffff");                          /* illegal instruction, handler skips it */
    CHECK(6, trap_cause == 2);
    uint64_t misa;
    asm volatile("csrr %0, misa" : "=r"(misa));
    CHECK(7, (misa >> 62) == 2 && (misa & (1 << 2)) && (misa & (1 << 3)));
    puts_htif("selftest: all passed\n");
    exit_htif(0);
    return 0;
}
