#include "util/heap_tuning.h"

#include <malloc.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace sidecut {
namespace {

// The heap VMA containing `p`, as its /proc/self/smaps block.
std::string SmapsBlockOf(const void* p) {
  std::ifstream in("/proc/self/smaps");
  std::string line, block;
  bool inside = false;
  auto addr = reinterpret_cast<uintptr_t>(p);
  while (std::getline(in, line)) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
      if (inside) break;
      inside = lo <= addr && addr < hi;
    }
    if (inside) block += line + "\n";
  }
  return block;
}

TEST(HeapTuningTest, GrowsTheHeapAndAdvisesHugePages) {
  uintptr_t before = reinterpret_cast<uintptr_t>(sbrk(0));
  if (!ReserveHugePageHeap(16 << 20)) {
    // Only a replaced allocator (a sanitizer's, whose malloc never moves
    // the program break) may refuse; it must then leave the heap alone.
#if defined(__SANITIZE_ADDRESS__)
    EXPECT_EQ(reinterpret_cast<uintptr_t>(sbrk(0)), before);
    return;
#else
    FAIL() << "glibc's heap was not grown and advised";
#endif
  }
  uintptr_t after = reinterpret_cast<uintptr_t>(sbrk(0));
  EXPECT_GE(after - before, uintptr_t{16} << 20);
  // An 8 MiB block now comes from the heap (not from a fresh mmap), and its
  // upper part lies in the range advised for huge pages.
  void* block = malloc(8 << 20);
  auto b = reinterpret_cast<uintptr_t>(block);
  EXPECT_LT(b + (8 << 20), after);
  std::string smaps = SmapsBlockOf(static_cast<char*>(block) + (6 << 20));
  EXPECT_NE(smaps.find(" hg"), std::string::npos) << smaps;
  free(block);
}

TEST(HeapTuningTest, AdvisesAThreadsArena) {
  bool advised = false;
  std::string smaps;
  std::thread t([&] {
    advised = AdviseHugePagesForThreadArena();
    void* block = malloc(256 << 10);
    smaps = SmapsBlockOf(block);
    free(block);
  });
  t.join();
#if defined(__SANITIZE_ADDRESS__)
  EXPECT_FALSE(advised);
#else
  EXPECT_TRUE(advised);
  EXPECT_NE(smaps.find(" hg"), std::string::npos) << smaps;
#endif
}

}  // namespace
}  // namespace sidecut
