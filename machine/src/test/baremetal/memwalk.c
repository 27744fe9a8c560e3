/* Bare-metal workload for checkpoint tests: never ends. Writes pseudo-random words over 4 MiB of memory,
 * takes machine timer interrupts from the CLINT (counting them), and prints a heartbeat line on the UART
 * every 64 timer ticks. Deterministic under `--deterministic`. */
typedef unsigned long uint64_t;
typedef unsigned int uint32_t;
#define UART ((volatile unsigned char *)0x10000000UL)
#define MTIME (*(volatile uint64_t *)0x0200BFF8UL)
#define MTIMECMP (*(volatile uint64_t *)0x02004000UL)
#define AREA_WORDS (4UL << 20) / 8

uint64_t area[AREA_WORDS] __attribute__((aligned(4096)));
volatile uint64_t ticks;
volatile uint64_t tohost __attribute__((section(".tohost")));
volatile uint64_t fromhost __attribute__((section(".tohost")));

static void putc_uart(char c) { UART[0] = c; }
static void print_num(uint64_t v) {
    char buf[24]; int n = 0;
    do { buf[n++] = '0' + v % 10; v /= 10; } while (v);
    while (n) putc_uart(buf[--n]);
}

void trap_handler(void) __attribute__((interrupt("machine"), aligned(4)));  /* mtvec BASE is 4-byte aligned */
void trap_handler(void) {
    MTIMECMP = MTIME + 1000;   /* 100 us of guest time */
    ticks++;
    if ((ticks & 63) == 0) {
        const char *s = "memwalk heartbeat ";
        while (*s) putc_uart(*s++);
        print_num(ticks >> 6);
        putc_uart('\n');
    }
}

int main(void) {
    asm volatile("csrw mtvec, %0" :: "r"(trap_handler));
    MTIMECMP = MTIME + 1000;
    asm volatile("csrs mie, %0" :: "r"(1 << 7));
    asm volatile("csrs mstatus, %0" :: "r"(1 << 3));
    uint64_t x = 88172645463325252UL;
    for (;;) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        area[x % AREA_WORDS] = x;
        if ((x & 0xff) == 0) asm volatile("wfi");
    }
}
