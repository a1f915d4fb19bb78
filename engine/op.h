// Operation records: what a submission queue entry's user_data points at.
//
// Every submission carries a pointer to an Op that lives inside the object that
// submitted it (its owner). The Op names the kind of operation and the owner's
// generation at the time of submission. Owners are freed only once no operation of
// theirs is in flight (deferred close), and connection owners are pooled and never
// handed back to the system while their loop lives, so reading the owner of a late
// completion is always safe; a generation that no longer matches marks the completion
// as stale, and the loop drops it.
//
// Engine-internal: included by engine sources only.
#ifndef ENGINE_OP_H_
#define ENGINE_OP_H_

#include <cstdint>

namespace engine {

enum class OpKind : uint8_t {
  kAccept,   // a listener's accept: multishot, or single-shot on a shared socket
  kRecv,     // multishot recv into the provided buffer ring, or a plain recv into
             // an overflow block (engine/buf_ring.h)
  kSend,     // sendmsg of a connection's queued iovecs
  kConnect,  // outgoing connect
  kPoll,     // a poll for the peer's hang-up while a connection waits for memory
  kCancel,   // async cancel of a connection's operations
  kWake,     // read on the loop's eventfd, for Post()
  kIgnore,   // fire-and-forget (close): any completion is dropped
};

// A completion as the engine's owners see it; mirrors the two fields of io_uring_cqe
// that matter, so that owners need not include <liburing.h> in their headers.
struct Completion {
  int32_t res;
  uint32_t flags;
  bool more() const;         // IORING_CQE_F_MORE: a multishot op stays armed
  bool has_buffer() const;   // IORING_CQE_F_BUFFER: res bytes landed in buffer()
  uint16_t buffer() const;   // provided-buffer id
};

class OpOwner;

struct Op {
  OpKind kind = OpKind::kIgnore;
  uint16_t in_flight = 0;  // submissions whose final completion has not arrived
  uint32_t generation = 0;
  OpOwner* owner = nullptr;
};

// An object that submits operations. OnCompletion runs on the loop thread, from the
// loop's dispatch phase, never from inside a submission call.
class OpOwner {
 public:
  virtual void OnCompletion(Op& op, const Completion& c) = 0;
  uint32_t generation() const { return generation_; }

 protected:
  ~OpOwner() = default;
  uint32_t generation_ = 0;
};

}  // namespace engine

#endif  // ENGINE_OP_H_
