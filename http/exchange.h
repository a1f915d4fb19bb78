// Exchange: one request and its response on a server connection, and the receive
// buffer its request is read from.
//
// The receive-buffer rule for requests (engine/buffer.h's rule, for the server):
//   1. A request's head is read in place: its views point into the receive buffer
//      it completed in, which the exchange retains (buf) while that is cheap.
//   2. It stays there only while all that is left is work the server finishes soon:
//      the request complete, its response ended and handed to the engine, and the
//      peer reading. Such an exchange is on its loop's list of retaining exchanges
//      (LoopPools) until it is recycled, one loop turn later as a rule.
//   3. Otherwise, at the end of the receive (a handler still working, a body still
//      arriving, an upgraded socket, a response queued behind another, a peer that
//      does not read), or when the loop's ring runs low, MoveOutOfReceiveBuffer()
//      copies the head into the exchange's own arena, re-points every view of it,
//      and releases the buffer. A head that does not complete within its receive
//      never retains one (http/parser.h, rule 4).
// So no receive buffer waits on a peer or on a handler, and the copy happens only
// for those; a request answered within its receive is read with no copy.
//
// Ownership: owned by a LoopPools while free; while in use, by the connection that
// took it (on its live list until recycled). Loop-thread only.
#ifndef HTTP_EXCHANGE_H_
#define HTTP_EXCHANGE_H_

#include <cstdint>
#include <memory>

#include "engine/buffer.h"
#include "http/incoming_message.h"
#include "http/parser.h"
#include "http/server_response.h"

namespace http {

struct Exchange {
  std::unique_ptr<IncomingMessage> req;
  std::unique_ptr<ServerResponse> res;
  MessageHead head;
  engine::BufRef buf;             // the receive buffer the head (or trailers) is read from
  uint64_t head_started_ms = 0;   // loop time when the head began (headersTimeout)
  Exchange* next = nullptr;       // in the connection's response queue
  Exchange* live_next = nullptr;  // in the connection's live list
  Exchange* live_prev = nullptr;
  Exchange* retaining_prev = nullptr;  // in the loop's list of retaining exchanges
  Exchange* retaining_next = nullptr;
  bool request_done = false;
  bool response_done = false;
  bool queued = false;     // in the connection's response queue
  bool retaining = false;  // on the loop's list (rule 2)

  // Rule 3: copies what the request's views point at in `buf` into head.arena,
  // re-points them (the head, the request's members, its built headers), and
  // releases the buffer. Returns the bytes copied. The request's held body chunks
  // keep their own references (IncomingMessage).
  size_t MoveOutOfReceiveBuffer();
};

}  // namespace http

#endif  // HTTP_EXCHANGE_H_
