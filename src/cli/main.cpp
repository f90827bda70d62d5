// barforge's command-line entry point; everything else lives in the library.
#include "cli/cli_main.h"

int main(int argc, char** argv) { return barforge::cli::Main(argc, argv); }
