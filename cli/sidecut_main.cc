// sidecut: the command line for sidecutd (see cli/cli.h).
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  sidecut::cli::CliOptions o;
  o.tty = isatty(STDOUT_FILENO) != 0;
  return sidecut::cli::RunCli(args, std::cout, std::cerr, o);
}
