// The per-loop pools of what a server connection needs only while it has a request:
// exchanges (a request and its response), send batches and parsers. See
// http/server_connection.h for how a connection takes and gives them back.
//
// Internal to http/. Loop-thread only, except LoopPools::copied_bytes().
#ifndef HTTP_LOOP_POOLS_H_
#define HTTP_LOOP_POOLS_H_

#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/buffer.h"
#include "engine/connection.h"
#include "http/incoming_message.h"
#include "http/parser.h"
#include "http/server_response.h"

namespace http {

class Server;
class ServerConnection;

// One request and its response. Owned by a LoopPools while free; while in use, by
// the connection that took it (on its live list until recycled).
struct Exchange {
  std::unique_ptr<IncomingMessage> req;
  std::unique_ptr<ServerResponse> res;
  MessageHead head;
  std::vector<engine::BufRef> bufs;
  uint64_t head_started_ms = 0;   // loop time when the head began (headersTimeout)
  Exchange* next = nullptr;       // in the connection's response queue
  Exchange* live_next = nullptr;  // in the connection's live list
  bool request_done = false;
  bool response_done = false;
};

// The iovecs of one sendmsg handed to the engine; lent like an Exchange, back in the
// pool once the engine reports the send done.
struct SendBatch {
  engine::SendReq req;
  std::vector<iovec> iov;
  size_t bytes = 0;
  ServerConnection* owner = nullptr;
  ServerResponse* res = nullptr;  // null for raw socket writes
};

// The free exchanges, send batches and parsers of one loop of one server. Loop-thread
// only; owned by the server's per-loop state, which outlives its connections. At most
// kKeep of each are kept free; the rest are freed when returned.
class LoopPools {
 public:
  static constexpr size_t kKeep = 256;
  explicit LoopPools(Server* server) : server_(server) {}
  LoopPools(const LoopPools&) = delete;
  LoopPools& operator=(const LoopPools&) = delete;

  Exchange* TakeExchange();
  void Give(Exchange* ex);
  SendBatch* TakeBatch();
  void Give(SendBatch* b);
  // A parser at the start of a message, reporting to `events`.
  Parser* TakeParser(ParserEvents* events);
  void Give(Parser* p);
  // Bytes the loop's parsers copied (Parser::copied_bytes()), counted as each parser
  // is given back. Readable from any thread.
  uint64_t copied_bytes() const { return copied_bytes_.load(std::memory_order_relaxed); }

 private:
  Server* server_;
  std::atomic<uint64_t> copied_bytes_{0};
  std::vector<std::unique_ptr<Exchange>> exchanges_;
  std::vector<std::unique_ptr<SendBatch>> batches_;
  std::vector<std::unique_ptr<Parser>> parsers_;
};

}  // namespace http

#endif  // HTTP_LOOP_POOLS_H_
