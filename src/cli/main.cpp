// barforge's command-line entry point; everything else lives in the library.
#include <malloc.h>

#include "cli/cli_main.h"

int main(int argc, char** argv) {
  // Keep freed blocks up to 64 MiB in the heap for the next allocation
  // instead of handing them back to the kernel: reading raw data allocates
  // and frees buffers of a few MB per column, and every fresh page costs a
  // page fault (a third of a 1M-sample build's faults were such re-faults;
  // bench/RESULTS.md). Peak RSS is unchanged: the blocks are reused.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  return barforge::cli::Main(argc, argv);
}
