/* behave MODE [TEXT]: the failure and capture behaviours a pipeline host must contain.
 *   print   writes TEXT to stdout and "warning: TEXT" to stderr, returns 0
 *   exit    writes "bad input: TEXT" to stderr, returns 3
 *   trap    traps (unreachable), as a C++ throw does in ITK-Wasm's WASI builds
 *   loop    never returns
 *   grow    allocates 16 MiB blocks until malloc fails, then reports "out of memory" and aborts
 *   recurse recurses without end, on the wasm call stack (no address-taken locals, so not the C shadow stack)
 *   scribble grows memory by 48 MiB and fills it with 0xAB
 *   inspect grows memory by 48 MiB and prints "zero" if every byte of the new pages reads 0 (a fresh memory) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "itk_wasm_shim.h"

static const char *description =
    "{\"description\":\"Misbehaves on request.\",\"name\":\"behave\",\"version\":\"1.0.0\","
    "\"inputs\":[{\"description\":\"What to do\",\"name\":\"mode\",\"type\":\"TEXT\",\"required\":true,"
    "\"itemsExpected\":1,\"itemsExpectedMin\":1,\"itemsExpectedMax\":1},"
    "{\"description\":\"Text to print\",\"name\":\"text\",\"type\":\"TEXT\",\"required\":false,"
    "\"itemsExpected\":1,\"itemsExpectedMin\":1,\"itemsExpectedMax\":1}],\"outputs\":[],\"parameters\":[]}";

static volatile unsigned long sink;

/* Keeps n across the call, so every level needs a wasm stack frame and no compiler can turn it into a loop. */
__attribute__((noinline)) static unsigned long deep(unsigned long n) {
  if (n == 0) return sink;
  unsigned long below = deep(n - 1);
  sink += below;
  return below ^ n;
}

int main(int argc, char **argv) {
  shim_interface_json(argc, argv, description);
  const char *mode = argc > 1 ? argv[1] : "";
  const char *text = argc > 2 ? argv[2] : "";
  if (strcmp(mode, "print") == 0) {
    printf("%s\n", text);
    fprintf(stderr, "warning: %s\n", text);
    return 0;
  }
  if (strcmp(mode, "exit") == 0) {
    fprintf(stderr, "bad input: %s\n", text);
    return 3;
  }
  if (strcmp(mode, "trap") == 0) __builtin_trap();
  if (strcmp(mode, "loop") == 0) {
    volatile unsigned long spins = 0;
    for (;;) spins++;
  }
  if (strcmp(mode, "grow") == 0) {
    unsigned long total = 0;
    for (;;) {
      /* volatile: otherwise the compiler may elide an allocation nobody reads */
      char *volatile block = malloc(16 << 20);
      if (block == NULL) {
        fprintf(stderr, "out of memory after %lu MiB\n", total >> 20);
        abort();
      }
      memset(block, 1, 16 << 20);
      total += 16 << 20;
    }
  }
  if (strcmp(mode, "recurse") == 0) return (int)deep(~0ul);
  if (strcmp(mode, "scribble") == 0 || strcmp(mode, "inspect") == 0) {
    const unsigned long pages = 768; /* 48 MiB */
    long first = __builtin_wasm_memory_grow(0, pages);
    if (first < 0) { fprintf(stderr, "memory.grow failed\n"); return 1; }
    unsigned char *start = (unsigned char *)(first * 65536ul);
    if (mode[0] == 's') {
      memset(start, 0xAB, pages * 65536ul);
      return 0;
    }
    for (unsigned long i = 0; i < pages * 65536ul; i++) {
      if (start[i] != 0) { printf("dirty at +%lu\n", i); return 0; }
    }
    printf("zero\n");
    return 0;
  }
  fprintf(stderr, "unknown mode '%s'\n", mode);
  return 2;
}
