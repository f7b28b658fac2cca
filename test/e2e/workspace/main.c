/* A tiny guest program for the end-to-end tests: the F5 test sets a breakpoint in add(). */
#include <stdint.h>

static volatile uint64_t total;

int add(int a, int b) {
  return a + b;
}

int main(void) {
  for (int i = 0; i < 10; i++) {
    total += add(i, 1);
  }
  return (int)total;
}
