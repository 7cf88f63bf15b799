// sidecut_schemadiff: see schemadiff_cli.h.
#include <iostream>
#include <string>
#include <vector>

#include "cli/live_schema_source.h"
#include "schemadiff/schemadiff_cli.h"
#include "util/heap_tuning.h"

int main(int argc, char** argv) {
  sidecut::ReserveHugePageHeap(64 << 20);
  std::vector<std::string> args(argv + 1, argv + argc);
  return sidecut::schemadiff::RunSchemadiffCli(args, std::cout, std::cerr,
                                               sidecut::cli::LoadLiveSchema);
}
