#include "benchmarks/http/alloc_count.h"

#include <mimalloc.h>

#include <cstddef>
#include <new>

namespace {
// Per thread, so counting costs one increment and no atomic.
thread_local uint64_t allocs = 0;
}  // namespace

namespace bench {
uint64_t AllocCount() { return allocs; }
}  // namespace bench

void* operator new(std::size_t n) {
  ++allocs;
  return mi_new(n);
}
void* operator new[](std::size_t n) {
  ++allocs;
  return mi_new(n);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  ++allocs;
  return mi_new_nothrow(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  ++allocs;
  return mi_new_nothrow(n);
}
void operator delete(void* p) noexcept { mi_free(p); }
void operator delete[](void* p) noexcept { mi_free(p); }
void operator delete(void* p, std::size_t) noexcept { mi_free(p); }
void operator delete[](void* p, std::size_t) noexcept { mi_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { mi_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { mi_free(p); }
