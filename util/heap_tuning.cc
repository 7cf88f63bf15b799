#include "util/heap_tuning.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

namespace sidecut {

bool ReserveHugePageHeap(size_t bytes) {
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
  // Blocks up to 32 MiB (glibc's maximum) come from the heap, which is kept.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(bytes * 2));
  mallopt(M_TOP_PAD, static_cast<int>(bytes));
  uintptr_t before = reinterpret_cast<uintptr_t>(sbrk(0));
  // A block larger than what is left at the heap's top (but below the mmap
  // threshold) makes malloc grow the heap by it plus the top pad.
  // volatile: the compiler may not elide this malloc/free pair.
  void* volatile grow = malloc(size_t{8} << 20);
  free(grow);
  // Later growth comes in large steps too.
  mallopt(M_TOP_PAD, static_cast<int>(bytes / 4));
  uintptr_t after = reinterpret_cast<uintptr_t>(sbrk(0));
  uintptr_t start = (before + kHugePage - 1) & ~(kHugePage - 1);
  if (after <= start + kHugePage) return false;
  return madvise(reinterpret_cast<void*>(start), after - start,
                 MADV_HUGEPAGE) == 0;
}

bool AdviseHugePagesForThreadArena() {
  // glibc gives a thread other than the main one its own arena: heaps of
  // HEAP_MAX_SIZE (2 * the 32 MiB mmap threshold maximum on 64-bit)
  // reserved by mmap and aligned to that size.
#if defined(__SANITIZE_ADDRESS__)
  return false;  // the sanitizer's allocator has no glibc arenas
#endif
  constexpr uintptr_t kHeapMax = uintptr_t{64} << 20;
  void* volatile probe = malloc(64);
  auto p = reinterpret_cast<uintptr_t>(probe);
  free(probe);
  auto brk = reinterpret_cast<uintptr_t>(sbrk(0));
  if (p < brk) return false;  // the main heap: see ReserveHugePageHeap
  return madvise(reinterpret_cast<void*>(p & ~(kHeapMax - 1)), kHeapMax,
                 MADV_HUGEPAGE) == 0;
}

}  // namespace sidecut
