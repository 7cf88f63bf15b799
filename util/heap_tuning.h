// Heap tuning for short-lived, allocation-heavy command-line tools.
//
//   int main(int argc, char** argv) {
//     sidecut::ReserveHugePageHeap(64 << 20);
//     ...
//   }
//
// ReserveHugePageHeap grows glibc's main heap by `bytes` at once, asks the
// kernel to back that range with transparent huge pages (MADV_HUGEPAGE,
// honoured when THP is "madvise" or "always"), and stops glibc from
// returning freed memory or serving large blocks from fresh mmaps, so the
// tool's allocations reuse that range. On a virtual machine, where a page
// fault costs microseconds, this removes most of the faults of building
// large in-memory models (sidecut_schemadiff on two 1,000-table schemas: 8.5k
// faults to under 1k). Pages are only backed when touched. Returns false
// (and changes nothing but the malloc options) when the heap cannot be grown
// in place, e.g. under a sanitizer's allocator. Call once, early, from main.
#ifndef SIDECUT_UTIL_HEAP_TUNING_H_
#define SIDECUT_UTIL_HEAP_TUNING_H_

#include <cstddef>

namespace sidecut {

bool ReserveHugePageHeap(size_t bytes);

// For a thread other than the main one, which glibc serves from an arena of
// its own: advises that arena's heap for huge pages as well. Call first
// thing in the thread. Returns false if the thread allocates from the main
// heap (or under a sanitizer's allocator).
bool AdviseHugePagesForThreadArena();

}  // namespace sidecut

#endif  // SIDECUT_UTIL_HEAP_TUNING_H_
