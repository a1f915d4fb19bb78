#include "engine/connection_pool.h"

#include <mimalloc.h>

#include <new>

namespace engine {

ConnectionPool::~ConnectionPool() {
  for (Connection* chunk : chunks_) {
    for (size_t i = 0; i < kChunk; ++i) chunk[i].~Connection();
    mi_free(chunk);
  }
}

Connection* ConnectionPool::Get() {
  if (free_ == nullptr) {
    void* mem = mi_malloc_aligned(sizeof(Connection) * kChunk, alignof(Connection));
    if (mem == nullptr) throw std::bad_alloc();
    auto* chunk = static_cast<Connection*>(mem);
    for (size_t i = 0; i < kChunk; ++i) {
      Connection* c = new (&chunk[i]) Connection();
      c->list_next_ = free_;
      free_ = c;
    }
    chunks_.push_back(chunk);
  }
  Connection* c = free_;
  free_ = c->list_next_;
  c->list_next_ = nullptr;
  ++live_;
  return c;
}

void ConnectionPool::Put(Connection* c) {
  c->Reset();
  c->list_next_ = free_;
  free_ = c;
  --live_;
}

}  // namespace engine
