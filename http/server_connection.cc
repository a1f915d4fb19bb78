#include "http/server_connection.h"

#include <llhttp.h>

#include <algorithm>
#include <array>

#include "engine/loop.h"
#include "http/ascii.h"
#include "http/header_validation.h"
#include "http/server.h"
#include "http/uncaught.h"

namespace http {

// An idle keep-alive connection costs this object and the engine's Connection: keep
// it within the allocator's 256-byte size class.
static_assert(sizeof(ServerConnection) <= 256);
namespace {

// Node v12's parser hands a head's fields to JavaScript in batches of 31 once it has
// 32 or more, and drops a batch once max_fields fields are kept (0: no limit). So
// rawHeaders (and rawTrailers) hold this many of the n fields received.
size_t NodeVisibleFields(size_t n, size_t max_fields) {
  constexpr size_t kBatch = 31;
  if (n <= kBatch || max_fields == 0) return n;
  size_t kept = 0;
  for (size_t start = 0; start < n; start += kBatch) {
    if (kept < max_fields) kept += std::min(kBatch, n - start);
  }
  return kept;
}

}  // namespace

// --- the connection ----------------------------------------------------------------

ServerConnection::ServerConnection(LoopPools* pools, engine::Connection* conn,
                                   int loop_index)
    : pools_(pools), conn_(conn), loop_index_(static_cast<int16_t>(loop_index)) {
  fd_ = conn->fd();
  conn_->set_handler(this);
  conn_->user_data = this;
  idle_timer_.set_callback([this] { OnTimer(); });
  accepted_ms_ = static_cast<uint32_t>(conn->loop().now_ms());
  SetIdleTimeout(server()->timeout);
  ArmTimerBy(RequestDeadline());
}

ServerConnection::~ServerConnection() = default;

ServerConnection::Extras& ServerConnection::extras() {
  if (!extras_) extras_ = std::make_unique<Extras>();
  return *extras_;
}

Parser& ServerConnection::parser() {
  if (parser_ == nullptr) parser_ = pools_->TakeParser(this);
  return *parser_;
}

// --- receiving -----------------------------------------------------------------

// A listener that throws here is the engine's to catch (it reports it through the
// loop's exception handler, http/uncaught.h, and closes the connection); the receive's
// bookkeeping is finished first.
void ServerConnection::OnData(engine::Connection&, const engine::RecvBuf& data) {
  // Reading is activity: Node's socket timeout restarts (on an upgraded socket too,
  // where v12 keeps the server's timeout and its 'timeout' event).
  if (idle_ms_ != 0 && !keep_alive_wait_) ArmIdleTimer(idle_ms_);
  if (upgraded_) {
    emit<"data">(data.view());
    return;
  }
  if (ignore_input_) return;
  current_input_ = &data;
  try {
    Parse(data.view());
  } catch (...) {
    current_input_ = nullptr;
    ignore_input_ = true;  // the parser failed: nothing more is parsed
    ReleaseInput();
    throw;
  }
  current_input_ = nullptr;
  ReleaseInput();
  ArmRequestTimer();
  MaybeGoIdle();
  MaybeEnterKeepAliveWait();
}

// An exchange keeps its receive buffer past the receive only when all that is left
// is the server's own work: its request complete, its response ended and handed to
// the engine, and the peer reading (no send of ours waits on it). Every other one
// moves its bytes out now (http/exchange.h).
void ServerConnection::ReleaseInput() {
  bool peer_slow = conn_->send_in_flight() || paused_by_backpressure_;
  for (Exchange* ex = live_; ex != nullptr; ex = ex->live_next) {
    if (!ex->buf || (ex->retaining && !peer_slow)) continue;
    if (!peer_slow && ex->request_done && ex->res->ended_ && !ex->queued) {
      pools_->ListRetaining(ex);
    } else {
      MoveOutOfReceiveBuffer(ex);
    }
  }
}

void ServerConnection::MoveOutOfReceiveBuffer(Exchange* ex) {
  pools_->UnlistRetaining(ex);
  pools_->AddCopied(ex->MoveOutOfReceiveBuffer());
}

// Between messages a connection needs no parser: it goes back to the pool, unless
// the parser must stay as it is (after an error or an upgrade, later bytes are not
// parsed as a new message).
void ServerConnection::MaybeGoIdle() {
  if (parser_ == nullptr || parsing_ != nullptr || upgraded_ || ignore_input_ ||
      closed_) {
    return;
  }
  pools_->Give(parser_);
  parser_ = nullptr;
}

void ServerConnection::Parse(std::string_view data) {
  while (!data.empty() && !closed_ && !conn_->closing()) {
    ParseResult r = parser().Execute(data);
    if (r.error != 0) {
      OnParseError(r, data);
      return;
    }
    if (r.stopped && ignore_input_) return;  // after the last request: dropped
    if (r.stopped) {
      // Too many requests live (OnMessageComplete): the engine keeps the rest, out
      // of the ring, and hands it back once receiving resumes.
      size_t offset = static_cast<size_t>(data.data() + r.consumed - current_input_->data());
      CountCopied(conn_->Unread(*current_input_, offset));
      UpdateBackpressure();
      return;
    }
    if (!r.upgraded) return;
    std::string_view rest = data.substr(r.consumed);
    if (upgraded_) {
      // A 'connect' or 'upgrade' listener owns the socket from here on.
      IncomingMessage& req = *queue_tail_->req;
      bool is_connect = req.method == "CONNECT";
      bool had = is_connect
                     ? server()->emit<"connect">(req, static_cast<Socket&>(*this), rest)
                     : server()->emit<"upgrade">(req, static_cast<Socket&>(*this), rest);
      if (!had) destroy();  // CONNECT without a listener
      return;
    }
    // An Upgrade nobody takes was served as a request; v12's parser then stays
    // stopped, and every later byte on the connection is ignored.
    ignore_input_ = true;
    return;
  }
}

void ServerConnection::OnEof(engine::Connection&) {
  if (upgraded_) {
    emit<"end">();
    return;
  }
  if (parser_ != nullptr && !ignore_input_) {
    // v12's socketOnEnd: a message cut short by the end of the stream is a parse
    // error (HPE_INVALID_EOF_STATE, "Parse Error", no bytes parsed), handled as any
    // other: 'clientError', or the default 400 and close.
    ParseResult r = parser_->Finish();
    if (r.error != 0) {
      r.consumed = 0;
      OnParseError(r, {}, "Parse Error");
      return;
    }
  }
  // v12 (httpAllowHalfOpen false) ends its side at once: what was written goes out,
  // requests still open are aborted, responses not yet written are lost.
  EndOutput();
}

MessageHead* ServerConnection::OnMessageBegin() {
  parsing_ = NewExchange();
  began_ = true;
  parsing_->head_started_ms = conn_->loop().now_ms();
  if (keep_alive_wait_) {
    keep_alive_wait_ = false;
    ArmIdleTimer(idle_ms_);
  }
  return &parsing_->head;
}

// The head, or later the trailers, completes in this receive. (The head's earlier
// buffer, if any, was left at the end of its receive: the request was incomplete.)
void ServerConnection::OnRetainInput() {
  if (parsing_->buf) MoveOutOfReceiveBuffer(parsing_);
  parsing_->buf = current_input_->Retain();
}

int ServerConnection::OnHeadersComplete(MessageHead& head) {
  Exchange* ex = parsing_;
  IncomingMessage& req = *ex->req;
  ServerResponse& res = *ex->res;
  // The server shuts down: this request is the connection's last (Server::shutdown).
  if (server()->shutting_down() && !head.upgrade) {
    parser().CloseAfterMessage();
    last_for_shutdown_ = true;
  }
  head.headers.resize(NodeVisibleFields(head.headers.size(), server()->maxHeadersCount));
  req.Attach(this, this, &head, server()->maxHeadersCount);
  req.method = llhttp_method_name(static_cast<llhttp_method_t>(head.method));
  req.url = head.url;
  req.httpVersionMajor = head.http_major;
  req.httpVersionMinor = head.http_minor;
  req.httpVersion = VersionString(head.http_major, head.http_minor);

  // Node's ServerResponse: a request with major or minor version below 1 (HTTP/1.0,
  // but also HTTP/2.0) gets chunked bodies only if its TE asks for them; Expect is
  // honoured on exactly HTTP/1.1, when present at all (an empty value too).
  bool old_version = head.http_major < 1 || head.http_minor < 1;
  bool http11 = head.http_major == 1 && head.http_minor == 1;
  bool chunked_ok = !old_version;
  bool has_host = false;
  bool has_expect = false;
  bool expect_continue = false;  // some Expect line has the word 100-continue
  for (const HeaderView& h : head.headers) {
    if (old_version && EqualsIgnoreCase(h.name, "te") && HasWordIgnoreCase(h.value, "chunked")) {
      chunked_ok = true;
    } else if (EqualsIgnoreCase(h.name, "expect")) {
      has_expect = true;
      expect_continue = expect_continue || HasWordIgnoreCase(h.value, "100-continue");
    } else if (EqualsIgnoreCase(h.name, "host")) {
      has_host = true;
    }
  }
  res.Attach(this, this, head.method == HTTP_HEAD, head.keep_alive, chunked_ok,
             server()->keepAliveTimeout);
  res.exchange_ = ex;
  PushQueue(ex);
  res.active_ = queued_ == 1 && !output_ended_;
  UpdateBackpressure();

  if (head.upgrade) {
    bool is_connect = head.method == HTTP_CONNECT;
    if (is_connect || server()->listenerCount<"upgrade">() > 0) {
      upgraded_ = true;
      return 2;  // no body; Parse() hands the socket over
    }
  }
  if (http11 && !has_host && !server()->options().insecureHTTPParser) {
    // Current Node's requireHostHeader (the default mode follows current Node; v12,
    // as insecureHTTPParser here, served such requests). Nothing after it is parsed
    // (its body neither): the connection closes after this answer.
    res.writeHead(400, {{"Connection", "close"}});
    res.end();
    return 2;
  } else if (has_expect && http11) {
    HandleExpect(ex, expect_continue);
  } else {
    server()->emit<"request">(req, res);
  }
  return 0;
}

void ServerConnection::HandleExpect(Exchange* ex, bool expect_continue) {
  IncomingMessage& req = *ex->req;
  ServerResponse& res = *ex->res;
  if (expect_continue) {
    res.expect_continue_ = true;  // answered without 100 Continue: v12 closes
    if (server()->listenerCount<"checkContinue">() > 0) {
      server()->emit<"checkContinue">(req, res);
    } else {
      res.writeContinue();
      server()->emit<"request">(req, res);
    }
  } else if (server()->listenerCount<"checkExpectation">() > 0) {
    server()->emit<"checkExpectation">(req, res);
  } else {
    res.writeHead(417);
    res.end();
  }
}

void ServerConnection::OnBody(std::string_view data) {
  // Body bytes lie in the receive buffer being parsed (Parse runs only from OnData).
  if (parsing_ != nullptr) parsing_->req->PushData(data, *current_input_);
}

void ServerConnection::OnMessageComplete(MessageHead& head) {
  head.trailers.resize(NodeVisibleFields(head.trailers.size(), server()->maxHeadersCount));
  bool last = (!head.keep_alive && !upgraded_ && !server()->options().insecureHTTPParser) ||
              last_for_shutdown_;
  last_for_shutdown_ = false;
  Exchange* ex = parsing_;
  parsing_ = nullptr;
  ex->request_done = true;
  ex->req->complete = true;
  ex->req->PushEnd();  // 'end' follows on a later tick (v12's push(null))
  if (ex->response_done) Recycle(ex);  // (which clears the head)
  if (last) {
    ReadLastRequest();
    // Nothing after it is parsed (the lenient machine would go on to the next).
    if (current_input_ != nullptr) parser().StopAfterMessage();
  } else if (live_count_ >= kMaxLive && current_input_ != nullptr) {
    // A peer that pipelines faster than its responses leave: nothing more is parsed
    // until half of these have gone (Parse holds the rest of the input). (Not at the
    // end of the stream, where nothing is left to hold.)
    parser().StopAfterMessage();
  }
}

void ServerConnection::CloseIfIdle() {
  // Between requests: no exchange (not even one whose bytes are still leaving), no
  // message begun, and not handed to an upgrade listener. Ended, not destroyed: a
  // request already on its way is read and dropped while the socket lingers, where
  // a close would reset the connection (engine/connection.h, "Closing").
  if (live_ == nullptr && parsing_ == nullptr && !upgraded_) EndOutput();
}

bool ServerConnection::TakeHeldBuffer() {
  if (held_buffers_ >= IncomingMessage::kMaxHeldBuffers || !pools_->TakeHeldBuffer()) return false;
  ++held_buffers_;
  return true;
}

void ServerConnection::GiveHeldBuffer() {
  --held_buffers_;
  pools_->GiveHeldBuffer();
}

void ServerConnection::HoldReceiving(bool stop) {
  if (stop) ++held_stops_;
  else --held_stops_;
  UpdateReceiving();
}

// The socket is read unless its user paused it, a request holds too much of its
// body, or the peer does not read its responses.
void ServerConnection::UpdateReceiving() {
  if (closed_) return;
  if (paused_by_user_ || held_stops_ != 0 || paused_by_backpressure_) conn_->PauseRecv();
  else conn_->ResumeRecv();
}

// Exchanges are listed newest first; one attached to its request has had its head
// parsed (v12 makes parser.incoming at the end of the head).
bool ServerConnection::IsParserIncoming(const IncomingMessage* req) const {
  for (const Exchange* e = live_; e != nullptr && e->req.get() != req; e = e->live_next) {
    if (e->req->socket() != nullptr) return false;
  }
  return true;
}

void ServerConnection::ReleaseInputLater() {
  conn_->loop().Defer([c = conn_, gen = conn_->generation()] {
    if (c->generation() == gen) static_cast<ServerConnection*>(c->handler())->ReleaseInput();
  });
}

void ServerConnection::OnClose(engine::Connection&, int err) {
  closed_ = true;
  destroyed_ = true;
  conn_->loop().timers().Cancel(&idle_timer_);
  // Every listener below may throw: each is reported (http/uncaught.h) and the close
  // goes on, so that everything is given back and the server counts the close.
  // What v12 would have run before the close; unsent 'finish' is 'close'. A tick that
  // throws ends a run, so runs repeat until the queue is empty.
  while (!ticks_.empty()) RunReportingExceptions([this] { ticks_.RunAll(); });
  // v12's abortIncoming: every request whose head was parsed and whose response has
  // not finished is aborted (complete or not); responses not finished are closed.
  std::vector<Exchange*> open;
  for (Exchange* ex = queue_head_; ex != nullptr; ex = ex->next) open.push_back(ex);
  if (parsing_ != nullptr && std::find(open.begin(), open.end(), parsing_) == open.end()) {
    open.push_back(parsing_);
  }
  for (Exchange* ex : open) {
    if (ex->req->socket() != nullptr && !ex->res->finished_) {
      ex->req->aborted = true;
      RunReportingExceptions([ex] { ex->req->emit<"aborted">(); });
    }
    // Each 'close' once, whatever ran before.
    RunReportingExceptions([ex] { ex->req->EmitClose(); });
    RunReportingExceptions([ex] { ex->res->EmitClose(); });
  }
  RunReportingExceptions([this, err] { emit<"close">(err != 0); });
  // Everything lent goes back (the engine has reported every send by now).
  while (live_ != nullptr) Recycle(live_);
  if (parser_ != nullptr) pools_->Give(parser_);
  parser_ = nullptr;
  conn_->user_data = nullptr;
  RunReportingExceptions([this] { server()->ConnectionClosed(loop_index_); });
  delete this;
}

}  // namespace http
