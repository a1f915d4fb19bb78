#include "engine/connection.h"

#include <liburing.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>

#include "engine/buf_ring.h"
#include "engine/connection_pool.h"
#include "engine/loop.h"
#include "engine/ring.h"

namespace engine {
namespace {

// One sendmsg carries at most this many iovecs (the kernel's UIO_MAXIOV).
constexpr uint32_t kMaxIov = 1024;

// Runs one of the user's callbacks: an exception it throws goes to the loop's
// exception handler and closes the connection (engine/loop.h), so that it never
// crosses the engine and the caller's bookkeeping (buffer references, send queue)
// completes.
template <typename Fn>
void Guarded(Connection& c, Fn&& fn) {
  try {
    fn();
  } catch (...) {
    c.loop().ReportException(std::current_exception());
    c.Close(-ECONNABORTED);
  }
}

size_t TotalBytes(const SendReq* req) {
  size_t n = 0;
  for (uint32_t i = 0; i < req->iovcnt; ++i) n += req->iov[i].iov_len;
  return n;
}

}  // namespace

void ConnectionHandler::OnEof(Connection& c) { c.Close(); }

void Connection::Start(Loop* loop, int fd, bool connecting) {
  loop_ = loop;
  fd_ = fd;
  connecting_ = connecting;
  recv_op_ = Op{OpKind::kRecv, 0, generation_, this};
  send_op_ = Op{OpKind::kSend, 0, generation_, this};
  cancel_op_ = Op{OpKind::kCancel, 0, generation_, this};
  connect_op_ = Op{OpKind::kConnect, 0, generation_, this};
  hup_op_ = Op{OpKind::kPoll, 0, generation_, this};
  if (!connecting) RearmRecv();
}

void Connection::Reset() {
  ++generation_;
  loop_ = nullptr;
  handler_ = nullptr;
  fd_ = -1;
  close_err_ = 0;
  send_head_ = send_tail_ = nullptr;
  queued_bytes_ = 0;
  std::vector<BufRef>().swap(held_);  // a pause's memory does not outlive the connection
  own_bid_ = -1;
  paused_ = eof_ = eof_reported_ = closing_ = ending_ = shutdown_pending_ = write_shut_ = false;
  lingering_ = false;
  connecting_ = waiting_buffers_ = flush_listed_ = reap_listed_ = deliver_listed_ = false;
  one_buffer_recvs_ = false;
  user_data = nullptr;
}

void Connection::OnCompletion(Op& op, const Completion& c) {
  switch (op.kind) {
    case OpKind::kRecv: OnRecv(c); break;
    case OpKind::kSend: OnSent(c); break;
    case OpKind::kConnect: OnConnected(c); break;
    case OpKind::kPoll: OnHangup(c); break;
    default: break;  // kCancel: nothing to do; the cancelled ops report themselves
  }
}

// --- receiving -----------------------------------------------------------------

void Connection::ArmRecv(bool poll_first) {
  StopWatchingHangup();
  io_uring_sqe* sqe = loop_->ring().GetSqe();
  if (one_buffer_recvs_) {
    io_uring_prep_recv(sqe, fd_, nullptr, 0, 0);  // one completion, one ring buffer
  } else {
    io_uring_prep_recv_multishot(sqe, fd_, nullptr, 0, 0);
  }
  if (poll_first) sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = loop_->buffers().group();
  io_uring_sqe_set_data(sqe, &recv_op_);
  ++recv_op_.in_flight;
}

void Connection::ArmOwnRecv(uint16_t bid) {
  StopWatchingHangup();
  BufRing& ring = loop_->buffers();
  io_uring_sqe* sqe = loop_->ring().GetSqe();
  io_uring_prep_recv(sqe, fd_, ring.buffer(bid), ring.buffer_size(), 0);
  io_uring_sqe_set_data(sqe, &recv_op_);
  ++recv_op_.in_flight;
  own_bid_ = bid;
  ++loop_->stats_.own_recvs;
}

// A new connection's first recv, or the next one after a recv ended: while the ring
// is empty or others wait for it, the recv waits for data before it takes a buffer,
// so an idle connection joins the queue (with ENOBUFS) only once it has bytes to read
// and a queued waiter is always one that a buffer would serve.
void Connection::RearmRecv() {
  ArmRecv(loop_->buffers().available() == 0 || loop_->buffer_waiters_ != 0);
}

void Connection::CancelOp(Op* op) {
  io_uring_sqe* sqe = loop_->ring().GetSqe();
  io_uring_prep_cancel(sqe, op, 0);
  io_uring_sqe_set_data(sqe, &cancel_op_);
  ++cancel_op_.in_flight;
}

void Connection::WatchHangup() {
  if (hup_op_.in_flight != 0 || closing_ || eof_) return;
  io_uring_sqe* sqe = loop_->ring().GetSqe();
  io_uring_prep_poll_add(sqe, fd_, POLLRDHUP);  // POLLERR and POLLHUP always report
  io_uring_sqe_set_data(sqe, &hup_op_);
  ++hup_op_.in_flight;
  ++loop_->stats_.hangup_polls;
}

void Connection::StopWatchingHangup() {
  if (hup_op_.in_flight != 0) CancelOp(&hup_op_);
}

// The poll of a connection waiting for receive memory (see "Receiving", step 3).
void Connection::OnHangup(const Completion& c) {
  if (c.res <= 0 || closing_ || !waiting_buffers_) return;  // cancelled, or served
  auto events = static_cast<unsigned>(c.res);
  if ((events & POLLERR) != 0) {
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    Close(err != 0 ? -err : -ECONNRESET);
    return;
  }
  int unread = 0;
  if (ioctl(fd_, FIONREAD, &unread) == 0 && unread > 0) {
    loop_->PrioritiseForBuffers(this);  // its last bytes come first; EOF follows them
    return;
  }
  // Nothing left to read: the end of the stream needs no buffer.
  loop_->UnlistForBuffers(this);
  eof_ = true;
  ReportEof();
}

// OnEof, once, and only after the data held across a pause has been handed over.
void Connection::ReportEof() {
  if (lingering_) {
    Close(0);  // the peer's FIN: nothing is left to wait for
    return;
  }
  if (eof_reported_ || closing_ || paused_ || !held_.empty()) return;
  eof_reported_ = true;
  Guarded(*this, [&] { handler_->OnEof(*this); });
}

// Pieces that raced a pause wait in overflow blocks of their own size, whatever the
// cap (they are what the kernel had taken before the pause's cancel took effect), so
// that a paused connection keeps no ring buffer while its handler waits. A piece in
// an overflow block already is retained as it is (so is one whose copy cannot be
// allocated).
bool Connection::Hold(const RecvBuf& piece, size_t at) {
  BufRing& ring = loop_->buffers();
  int id = piece.buffer_id() < ring.count() ? ring.TakeOverflow(piece.size(), /*beyond_cap=*/true)
                                            : -1;
  auto where = held_.begin() + static_cast<std::ptrdiff_t>(at);
  if (id < 0) {
    held_.insert(where, piece.Retain());
    return false;
  }
  auto bid = static_cast<uint16_t>(id);
  std::memcpy(ring.buffer(bid), piece.data(), piece.size());
  held_.insert(where, BufRef(&ring, bid, ring.buffer(bid), piece.size()));
  return true;
}

size_t Connection::Unread(const RecvBuf& piece, size_t offset) {
  if (closing_ || lingering_) return 0;
  one_buffer_recvs_ = true;
  PauseRecv();
  if (offset >= piece.size()) return 0;
  RecvBuf rest(&loop_->buffers(), piece.buffer_id(), piece.data() + offset,
               piece.size() - offset);
  // Before the pieces still held (DeliverHeld hands over from delivering_ on).
  return Hold(rest, delivering_) ? rest.size() : 0;
}

void Connection::OnRecv(const Completion& c) {
  BufRing& ring = loop_->buffers();
  int32_t own = own_bid_;  // a plain recv is single-shot: this is its only completion
  own_bid_ = -1;
  if (c.res > 0 && (own >= 0 || c.has_buffer())) {
    uint16_t bid;
    if (own >= 0) {
      bid = static_cast<uint16_t>(own);  // TakeOverflow's reference is the handler's
    } else {
      bid = c.buffer();
      ring.MarkInUse(bid);
    }
    RecvBuf piece(&ring, bid, ring.buffer(bid), static_cast<size_t>(c.res));
    if (!closing_ && !lingering_) {
      if (paused_ || !held_.empty()) {
        Hold(piece, held_.size());
      } else {
        Guarded(*this, [&] { handler_->OnData(*this, piece); });
      }
    }
    ring.Unref(bid);
    // The kernel may end a multishot recv at any time (no F_MORE); arm a new one.
    if (!c.more() && recv_op_.in_flight == 0 && !closing_ && !paused_) RearmRecv();
    return;
  }
  if (lingering_ && c.res < 0 && c.res != -ENOBUFS && c.res != -ECANCELED) {
    Close(0);  // a reset after our end: the exchange was over
    return;
  }
  if (own >= 0) ring.Unref(static_cast<uint16_t>(own));  // nothing landed in it
  if (c.res == 0) {  // end of stream
    eof_ = true;
    ReportEof();
    return;
  }
  switch (-c.res) {
    case ENOBUFS:
      // The ring is empty; the bytes stay in the socket until buffers return.
      ++loop_->stats_.enobufs;
      if (!closing_ && !paused_) loop_->ListForBuffers(this);
      return;
    case ECANCELED:
      // Cancelled by PauseRecv (or Close). ResumeRecv may have come in between.
      if (!closing_ && !paused_ && !eof_ && held_.empty() && recv_op_.in_flight == 0) {
        RearmRecv();
      }
      return;
    default:
      Close(c.res);
  }
}

void Connection::PauseRecv() {
  if (paused_ || closing_) return;
  paused_ = true;
  if (recv_op_.in_flight) CancelOp(&recv_op_);
}

void Connection::ResumeRecv() {
  if (!paused_ || closing_) return;
  paused_ = false;
  if (!held_.empty() || (eof_ && !eof_reported_)) {
    loop_->ListForDelivery(this);  // hands held data over in the deferred phase
  } else if (!eof_ && recv_op_.in_flight == 0 && !waiting_buffers_) {
    RearmRecv();
  }
}

void Connection::DeliverHeld() {
  size_t i = 0;
  BufRing& ring = loop_->buffers();
  while (i < held_.size() && !paused_ && !closing_ && !lingering_) {
    BufRef ref = std::move(held_[i++]);
    RecvBuf piece(&ring, ref.bid_, ref.data(), ref.size());
    delivering_ = i;
    Guarded(*this, [&] { handler_->OnData(*this, piece); });
    delivering_ = 0;
  }
  // A handler that ended the connection from OnData made it linger, which drops
  // what was held (Linger() may have cleared it under this loop already).
  if (lingering_) {
    held_.clear();
    return;
  }
  held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(i));
  if (paused_ || closing_ || !held_.empty()) return;
  if (eof_) {
    ReportEof();
  } else if (recv_op_.in_flight == 0 && !waiting_buffers_) {
    RearmRecv();
  }
}

// --- sending -------------------------------------------------------------------

void Connection::Send(SendReq* req) {
  req->next_ = nullptr;
  req->done_iov_ = 0;
  req->done_bytes_ = 0;
  if (send_tail_ != nullptr) send_tail_->next_ = req;
  else send_head_ = req;
  send_tail_ = req;
  queued_bytes_ += TotalBytes(req);
  if (send_op_.in_flight == 0) loop_->ListForFlush(this);
}

void Connection::FlushSends() {
  if (closing_ || connecting_ || send_head_ == nullptr || send_op_.in_flight) return;
  uint32_t n = 0;
  for (SendReq* r = send_head_; r != nullptr && n < kMaxIov; r = r->next_) {
    n += std::min(r->iovcnt - r->done_iov_, kMaxIov - n);
  }
  msghdr* msg;
  iovec* iov;
  if (!loop_->ReserveSendScratch(n, &msg, &iov)) {
    loop_->ListForFlush(this);
    return;
  }
  *msg = msghdr{};
  msg->msg_iov = iov;
  msg->msg_iovlen = GatherUnsent(iov, n);
  io_uring_sqe* sqe = loop_->ring().GetSqe();
  io_uring_prep_sendmsg(sqe, fd_, msg, MSG_NOSIGNAL);
  io_uring_sqe_set_data(sqe, &send_op_);
  ++send_op_.in_flight;
  ++loop_->stats_.sendmsgs;
}

void Connection::OnSent(const Completion& c) {
  if (c.res < 0) {
    Close(c.res);
    return;
  }
  MarkSent(static_cast<size_t>(c.res));
  // The requests sent whole are done; the rest goes in the next sendmsg.
  while (send_head_ != nullptr && send_head_->done_iov_ == send_head_->iovcnt) {
    SendReq* r = send_head_;
    send_head_ = r->next_;
    if (send_head_ == nullptr) send_tail_ = nullptr;
    r->next_ = nullptr;
    Guarded(*this, [&] { r->on_done(r, 0); });
  }
  if (closing_) return;
  if (send_head_ != nullptr) {
    loop_->ListForFlush(this);
  } else {
    AfterSendsDrained();
  }
}

// The queued bytes not yet sent, as at most `max` iovecs from the first unsent byte.
uint32_t Connection::GatherUnsent(iovec* iov, uint32_t max) const {
  uint32_t k = 0;
  for (SendReq* r = send_head_; r != nullptr && k < max; r = r->next_) {
    for (uint32_t i = r->done_iov_; i < r->iovcnt && k < max; ++i) {
      iov[k] = r->iov[i];
      if (i == r->done_iov_ && r->done_bytes_ != 0) {
        iov[k].iov_base = static_cast<char*>(iov[k].iov_base) + r->done_bytes_;
        iov[k].iov_len -= r->done_bytes_;
      }
      ++k;
    }
  }
  return k;
}

// Advances the queue's cursor over `n` bytes sent (the requests stay queued).
void Connection::MarkSent(size_t n) {
  queued_bytes_ -= n;
  for (SendReq* r = send_head_; r != nullptr; r = r->next_) {
    while (r->done_iov_ < r->iovcnt) {
      size_t left = r->iov[r->done_iov_].iov_len - r->done_bytes_;
      if (n < left) {
        r->done_bytes_ += n;
        return;
      }
      n -= left;
      ++r->done_iov_;
      r->done_bytes_ = 0;
    }
  }
}

// Best effort, for the close that follows: sendmsgs that do not wait, 64 iovecs at a
// time, until everything queued is out or the socket's buffer is full. The requests
// stay queued, to be failed at the reap.
void Connection::SendQueuedNow() {
  iovec iov[64];
  for (;;) {
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = GatherUnsent(iov, 64);
    if (msg.msg_iovlen == 0) return;
    size_t want = 0;
    for (size_t i = 0; i < msg.msg_iovlen; ++i) want += iov[i].iov_len;
    ssize_t n = sendmsg(fd_, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n <= 0) return;
    MarkSent(static_cast<size_t>(n));
    if (static_cast<size_t>(n) < want) return;
  }
}

void Connection::FailSends(int err) {
  while (send_head_ != nullptr) {
    SendReq* r = send_head_;
    send_head_ = r->next_;
    r->next_ = nullptr;
    Guarded(*this, [&] { r->on_done(r, err); });
  }
  send_tail_ = nullptr;
  queued_bytes_ = 0;
}

void Connection::AfterSendsDrained() {
  if (!shutdown_pending_ && !ending_) return;
  if (!write_shut_) {
    shutdown(fd_, SHUT_WR);
    write_shut_ = true;
  }
  if (ending_) Linger();
}

// After End() has sent everything and shut down the write side: read until the
// peer's FIN (see "Closing"), unless it came already or the loop does not linger.
void Connection::Linger() {
  if (lingering_) return;
  if (eof_ || loop_->linger_ms_ == 0) {
    Close(0);
    return;
  }
  lingering_ = true;
  held_.clear();  // what a pause held is discarded, as every later byte is
  paused_ = false;
  // A pause's cancel in flight re-arms when it completes; a waiter is re-armed by the
  // buffers phase.
  if (recv_op_.in_flight == 0 && !waiting_buffers_) RearmRecv();
  loop_->ListForLinger(this);
}

void Connection::Shutdown() {
  if (closing_) return;
  shutdown_pending_ = true;
  if (send_head_ == nullptr && send_op_.in_flight == 0 && !connecting_) AfterSendsDrained();
}

void Connection::End() {
  if (closing_) return;
  ending_ = true;
  if (send_head_ == nullptr && send_op_.in_flight == 0 && !connecting_) AfterSendsDrained();
}

// --- connecting ----------------------------------------------------------------

void Connection::OnConnected(const Completion& c) {
  connecting_ = false;
  if (closing_) return;
  if (c.res < 0) {
    Guarded(*this, [&] { handler_->OnConnect(*this, c.res); });
    Close(c.res);
    return;
  }
  Guarded(*this, [&] { handler_->OnConnect(*this, 0); });
  if (closing_) return;
  if (!paused_) RearmRecv();  // else ResumeRecv arms it
  if (send_head_ != nullptr) loop_->ListForFlush(this);
  else if (ending_ || shutdown_pending_) AfterSendsDrained();
}

// --- closing -------------------------------------------------------------------

void Connection::Close(int err) {
  if (closing_) return;
  // Bytes a handler queued before it closed (an answer, then a destroy) reach the
  // kernel first, as they would where writes are made at once (Node's): one send
  // that does not wait; what it does not take is dropped with the rest. Not after a
  // failure of the socket itself.
  if (send_head_ != nullptr && send_op_.in_flight == 0 && !connecting_ &&
      (err == 0 || err == -ECONNABORTED)) {
    SendQueuedNow();
  }
  closing_ = true;
  close_err_ = err;
  // Cancel by user_data: the kernel finds those in a hash, where a cancel by fd
  // would scan every pending request of the ring (quadratic over mass closes).
  for (Op* op : {&recv_op_, &send_op_, &connect_op_, &hup_op_}) {
    if (op->in_flight > 0) CancelOp(op);
  }
  loop_->ListForReap(this);
}

bool Connection::Reapable() const {
  return closing_ && recv_op_.in_flight == 0 && send_op_.in_flight == 0 &&
         cancel_op_.in_flight == 0 && connect_op_.in_flight == 0 && hup_op_.in_flight == 0;
}

// Runs in the loop's reap phase, once nothing of this connection is in flight:
//   1. close the socket (fire and forget: no completion unless it fails);
//   2. fail the sends still queued;
//   3. drop held receive buffers;
//   4. tell the handler (exactly once);
//   5. return the object to the pool, which bumps its generation.
void Connection::Reap() {
  io_uring_sqe* sqe = loop_->ring().GetSqe();
  io_uring_prep_close(sqe, fd_);
  sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
  io_uring_sqe_set_data(sqe, &loop_->ignore_op_);
  FailSends(close_err_ != 0 ? close_err_ : -ECANCELED);
  held_.clear();
  Loop* loop = loop_;
  if (handler_ != nullptr) Guarded(*this, [&] { handler_->OnClose(*this, close_err_); });
  ++loop->stats_.connections_freed;
  loop->pool_->Put(this);
}

}  // namespace engine
