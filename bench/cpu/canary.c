// Fixed CPU work; prints thread CPU seconds of an ALU loop and of a memory-walk loop (4 MiB table, random).
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>
static double cpu(void){struct timespec t;clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(void){
  uint64_t x=88172645463325252ull, s=0; double t0=cpu();
  for(long i=0;i<150000000;i++){x^=x<<13;x^=x>>7;x^=x<<17;s+=x&1?x>>3:x<<1;}
  double t1=cpu();
  uint32_t *tab=malloc(4u<<20); for(int i=0;i<(1<<20);i++) tab[i]=(uint32_t)(i*2654435761u)&((1<<20)-1);
  double t2=cpu(); uint32_t j=1;
  for(long i=0;i<5000000;i++){j=tab[j]^(uint32_t)i; j&=(1<<20)-1; s+=j;}
  double t3=cpu();
  printf("alu %.4f mem %.4f %llu\n",t1-t0,t3-t2,(unsigned long long)(s&1));
  return 0;}
