// Connection: one TCP socket on one loop.
//
// Ownership and lifetime:
//   - The loop owns every Connection (they come from its pool). User code gets a
//     reference in Loop::Connect or AcceptHandler::OnAccept and may keep the pointer
//     until ConnectionHandler::OnClose returns; after that the object is reused.
//   - The ConnectionHandler is the user's and must outlive the connection (until its
//     OnClose has run). OnClose is called exactly once for every connection.
//   - Every callback runs on the loop thread, never synchronously from a call into
//     the Connection: OnConnect, OnData and OnEof from the loop's dispatch phase (or,
//     for data held across a pause, its deferred phase), OnClose from its reap phase.
//
// Receiving (multishot recv into the loop's buffer ring):
//   1. Armed when the connection is handed over; stays armed across completions.
//   2. OnData gets each received piece as a RecvBuf (see buffer.h for how long it
//      lives, and the rule for keeping it). An idle connection holds no buffer.
//   3. When the ring runs dry, the recv ends with ENOBUFS and the connection joins
//      the loop's queue of waiters; nothing is lost, the bytes wait in the socket.
//      In its buffers phase the loop re-arms waiters oldest first, one per free
//      buffer. If the ring stays dry because its buffers are all retained, the loop
//      first asks its pressure handlers to let go (Loop::AddRecvPressureHandler),
//      then gives the oldest waiters a plain recv into an overflow block (memory of
//      the connection's own while it receives, within LoopOptions::overflow_bytes).
//      Past that cap the waiters keep waiting, each watching for its peer's hang-up:
//      a reset closes the connection (OnClose with the error), and a FIN with nothing
//      left unread is reported as OnEof at once; a FIN with bytes still unread moves
//      the connection to the head of the queue.
//   4. PauseRecv() cancels the recv; pieces that were already on their way are held
//      (copied into overflow blocks, past the cap if need be: a pause pins no ring
//      buffer, and what is held is at most what the kernel had received before the
//      cancel) and handed over, in order, after ResumeRecv(). From OnData, a handler
//      that will read no further into its piece for now calls Unread(piece, offset):
//      the rest of the piece is held the same way, first, and receiving pauses; from
//      then on each recv takes one buffer, so that a later pause finds at most one
//      piece on its way (multishot, a peer that floods could fill many first).
//   5. End of stream calls OnEof once (after the held pieces, when paused); the
//      handler decides whether to Close or End. A connection at its end of stream is
//      not read again.
//
// Sending (sendmsg with iovec lists):
//   1. Send() queues a SendReq; nothing leaves yet.
//   2. In its flush phase the loop submits one sendmsg per connection carrying every
//      queued request (up to 1024 iovecs), so a turn's worth of responses leaves in
//      one call.
//   3. A partial send continues from where it stopped, in the next turn.
//   4. Each SendReq's on_done runs once all its bytes were sent, or with a negative
//      errno when the connection failed or closed first. Until then the SendReq, its
//      iovec array and the bytes they point at belong to the engine.
//
// Closing:
//   - Close() cancels everything in flight; queued sends fail with ECANCELED (what
//     they carry, when no send was in flight, is first offered to the kernel in one
//     send that does not wait, unless the socket itself failed). The socket is
//     closed and OnClose runs once every in-flight operation has completed, in the
//     loop's reap phase.
//   - End() lets queued sends finish, shuts down the write side, then lingers: it
//     reads and discards whatever the peer still sends until the peer's FIN, an
//     error, or the loop's linger time (LoopOptions::linger_ms) is up, and only then
//     closes. A socket closed with bytes unread, or that receives bytes after its
//     close, sends a reset, and a reset makes the peer's kernel drop what it had not
//     read yet: the end of the last response. A lingering connection reports nothing
//     more to its handler but OnClose (with 0).
#ifndef ENGINE_CONNECTION_H_
#define ENGINE_CONNECTION_H_

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>
#include <vector>

#include "engine/buffer.h"
#include "engine/op.h"

namespace engine {

class Connection;
class Loop;

// A batch of bytes to send. Caller-owned; see "Sending" above.
struct SendReq {
  const iovec* iov = nullptr;
  uint32_t iovcnt = 0;
  // Runs on the loop thread once every byte is sent (err == 0) or the connection
  // failed (err < 0). Never runs from inside Send().
  void (*on_done)(SendReq* req, int err) = nullptr;
  void* user = nullptr;  // free for the caller

  // Engine-private bookkeeping.
  SendReq* next_ = nullptr;
  uint32_t done_iov_ = 0;    // iovecs fully sent
  size_t done_bytes_ = 0;    // bytes sent of iov[done_iov_]
};

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // Outgoing connections only: the connect finished. err is 0 or a negative errno;
  // on error OnClose follows.
  virtual void OnConnect(Connection& c, int err) { (void)c; (void)err; }
  virtual void OnData(Connection& c, const RecvBuf& data) = 0;
  // The peer closed its write side. Default: Close().
  virtual void OnEof(Connection& c);
  // The last callback. err: 0 after Close()/End(), else the first error seen
  // (negative errno, e.g. -ECONNRESET). The Connection is reused after this returns.
  virtual void OnClose(Connection& c, int err) = 0;
};

class Connection final : public OpOwner {
 public:
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void set_handler(ConnectionHandler* h) { handler_ = h; }
  ConnectionHandler* handler() const { return handler_; }
  Loop& loop() const { return *loop_; }
  int fd() const { return fd_; }

  void Send(SendReq* req);
  // Bytes queued and not yet confirmed sent.
  size_t queued_bytes() const { return queued_bytes_; }

  void PauseRecv();
  void ResumeRecv();
  // From OnData (or a held piece's delivery): pauses receiving and holds the bytes of
  // `piece` from `offset` on, to be handed over first after ResumeRecv(). At most one
  // piece's worth, copied into an overflow block as a held piece is; returns the
  // bytes copied (0 for a piece in an overflow block already, which is kept as is).
  size_t Unread(const RecvBuf& piece, size_t offset);
  bool recv_paused() const { return paused_; }
  // Received bytes wait in held pieces (paused, or unread) for the handler.
  bool holds_input() const { return !held_.empty(); }
  // A sendmsg of this connection is with the kernel and has not completed. Sends to
  // a peer that reads complete in the turn they are submitted, so at dispatch time
  // this says that the peer is not keeping up.
  bool send_in_flight() const { return send_op_.in_flight != 0; }

  // Shut down the write side once queued sends are out; keep receiving.
  void Shutdown();
  // Send what is queued, shut down the write side, then close.
  void End();
  // Close now; see "Closing" above. err is reported to OnClose (0 for a normal close).
  void Close(int err = 0);
  bool closing() const { return closing_; }

  // Free for the user: typically the protocol state for this connection.
  void* user_data = nullptr;

 private:
  friend class Loop;
  friend class ConnectionPool;
  Connection() = default;
  ~Connection() = default;

  void Start(Loop* loop, int fd, bool connecting);
  void OnCompletion(Op& op, const Completion& c) override;
  void OnRecv(const Completion& c);
  void OnSent(const Completion& c);
  void OnConnected(const Completion& c);
  void OnHangup(const Completion& c);
  // poll_first: wait for readable data before taking a buffer (after ENOBUFS).
  void ArmRecv(bool poll_first = false);
  // A plain recv into overflow block `bid` (the ring is dry).
  void ArmOwnRecv(uint16_t bid);
  // After a recv ended: arm the next one, or queue behind connections that wait.
  void RearmRecv();
  // While waiting for receive memory: a poll for the peer's FIN or reset.
  void WatchHangup();
  void StopWatchingHangup();
  // Keeps a piece received while paused (or unread), at index `at` of held_; true
  // when its bytes were copied (out of the ring).
  bool Hold(const RecvBuf& piece, size_t at);
  void ReportEof();
  void CancelOp(Op* op);
  // Builds this connection's sendmsg into the loop's scratch and submits it.
  void FlushSends();
  void MarkSent(size_t n);
  void FailSends(int err);
  uint32_t GatherUnsent(iovec* iov, uint32_t max) const;
  void SendQueuedNow();
  void AfterSendsDrained();
  void Linger();
  void DeliverHeld();
  bool Reapable() const;
  void Reap();
  void Reset();

  Loop* loop_ = nullptr;
  ConnectionHandler* handler_ = nullptr;
  int fd_ = -1;
  int close_err_ = 0;

  Op recv_op_;
  Op send_op_;
  Op cancel_op_;
  Op connect_op_;
  Op hup_op_;

  SendReq* send_head_ = nullptr;
  SendReq* send_tail_ = nullptr;
  size_t queued_bytes_ = 0;

  std::vector<BufRef> held_;  // received while paused; empty (no allocation) normally
  size_t delivering_ = 0;     // while DeliverHeld runs: the index of the next held piece
  int32_t own_bid_ = -1;      // the overflow block the recv in flight fills, if any

  bool paused_ = false;
  bool eof_ = false;
  bool eof_reported_ = false;  // OnEof ran
  bool closing_ = false;
  bool ending_ = false;           // End(): close once sends drain
  bool shutdown_pending_ = false;  // Shutdown(): shut down once sends drain
  bool write_shut_ = false;
  bool lingering_ = false;        // End()ed and shut down: reads are discarded
  bool connecting_ = false;
  bool waiting_buffers_ = false;  // in the loop's queue of receive-memory waiters
  bool flush_listed_ = false;     // on the loop's flush list
  bool reap_listed_ = false;      // on the loop's reap list
  bool deliver_listed_ = false;   // held data to hand over in the deferred phase
  // Unread() was called: the handler falls behind its peer, so each recv takes one
  // buffer (not multishot), and a pause holds at most that one piece more.
  bool one_buffer_recvs_ = false;

  Connection* list_next_ = nullptr;  // intrusive link for the loop's free list
};

}  // namespace engine

#endif  // ENGINE_CONNECTION_H_
