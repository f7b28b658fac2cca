/*
 * Constants shared by crt0.S and C code.
 */
#ifndef SAMPLES_LAYOUT_H
#define SAMPLES_LAYOUT_H

/* Hart ids 0..MAX_HARTS-1 get a stack; a hart with a larger id parks itself. */
#define MAX_HARTS   8
/* 16 KiB of stack per hart. */
#define STACK_SHIFT 14
#define STACK_SIZE  (1 << STACK_SHIFT)

#endif
