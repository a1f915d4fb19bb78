// Heap allocations made on this thread, for benchmarks that report allocations per
// item. Linking :alloc_count replaces the global operator new and delete (plain,
// array and nothrow forms) with ones that count and then call mimalloc, which is what
// every binary that links //engine uses for them anyway.
#ifndef BENCHMARKS_HTTP_ALLOC_COUNT_H_
#define BENCHMARKS_HTTP_ALLOC_COUNT_H_

#include <cstdint>

namespace bench {

// operator new calls on this thread so far (over-aligned ones are not counted).
uint64_t AllocCount();

}  // namespace bench

#endif  // BENCHMARKS_HTTP_ALLOC_COUNT_H_
