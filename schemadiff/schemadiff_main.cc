// sidecut_schemadiff: see schemadiff_cli.h.
#include <iostream>
#include <string>
#include <vector>

#include "cli/live_schema_source.h"
#include "schemadiff/schemadiff_cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return sidecut::schemadiff::RunSchemadiffCli(args, std::cout, std::cerr,
                                               sidecut::cli::LoadLiveSchema);
}
