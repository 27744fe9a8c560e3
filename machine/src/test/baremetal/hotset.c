/* Bare-metal workload for migration tests: never ends. Fills 4 MiB once (every page non-zero), then writes
 * pseudo-random words into its first 16 pages only, taking machine timer interrupts as memwalk does: a guest
 * whose working set is small beside the memory it holds (what post-copy after copy rounds pulls). */
typedef unsigned long uint64_t;
#define MTIME (*(volatile uint64_t *)0x0200BFF8UL)
#define MTIMECMP (*(volatile uint64_t *)0x02004000UL)
#define AREA_WORDS (4UL << 20) / 8
#define HOT_WORDS (16UL * 4096) / 8

uint64_t area[AREA_WORDS] __attribute__((aligned(4096)));
volatile uint64_t ticks;
volatile uint64_t tohost __attribute__((section(".tohost")));
volatile uint64_t fromhost __attribute__((section(".tohost")));

void trap_handler(void) __attribute__((interrupt("machine"), aligned(4)));  /* mtvec BASE is 4-byte aligned */
void trap_handler(void) {
    MTIMECMP = MTIME + 1000;   /* 100 us of guest time */
    ticks++;
}

int main(void) {
    for (uint64_t i = 0; i < AREA_WORDS; i++) area[i] = i | 0x8000000000000000UL;
    asm volatile("csrw mtvec, %0" :: "r"(trap_handler));
    MTIMECMP = MTIME + 1000;
    asm volatile("csrs mie, %0" :: "r"(1 << 7));
    asm volatile("csrs mstatus, %0" :: "r"(1 << 3));
    uint64_t x = 88172645463325252UL;
    for (;;) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        area[x % HOT_WORDS] = x;
        if ((x & 0xff) == 0) asm volatile("wfi");
    }
}
