// sidecut: the command line for sidecutd (see cli/cli.h).
#include <sys/ioctl.h>
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  sidecut::cli::CliOptions o;
  o.tty = isatty(STDOUT_FILENO) != 0;
  o.tty_err = isatty(STDERR_FILENO) != 0;
  struct winsize ws = {};
  if ((ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 ||
       ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0) &&
      ws.ws_col > 0) {
    o.width = ws.ws_col;
  }
  return sidecut::cli::RunCli(args, std::cout, std::cerr, o);
}
