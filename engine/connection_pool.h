// ConnectionPool: the loop's store of Connection objects.
//
// Connections are allocated in chunks (from mimalloc) that are never returned while
// the pool lives, so a pointer to a Connection always points at a Connection; each
// reuse bumps its generation, which is how a late completion is recognised as stale
// (see op.h). Engine-internal; loop thread only.
#ifndef ENGINE_CONNECTION_POOL_H_
#define ENGINE_CONNECTION_POOL_H_

#include <cstddef>
#include <vector>

#include "engine/connection.h"

namespace engine {

class ConnectionPool {
 public:
  static constexpr size_t kChunk = 64;

  ConnectionPool() = default;
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  Connection* Get();
  void Put(Connection* c);
  size_t live() const { return live_; }
  // Calls fn(c) for every connection handed out and not yet put back.
  template <typename Fn>
  void ForEachLive(Fn fn) {
    for (Connection* chunk : chunks_) {
      for (size_t i = 0; i < kChunk; ++i) {
        if (chunk[i].fd_ >= 0) fn(&chunk[i]);
      }
    }
  }

 private:
  std::vector<Connection*> chunks_;
  Connection* free_ = nullptr;
  size_t live_ = 0;
};

}  // namespace engine

#endif  // ENGINE_CONNECTION_POOL_H_
