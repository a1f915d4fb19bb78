// IncomingMessage: a request as the server's 'request' listener sees it (Node v12's
// http.IncomingMessage). Public names follow Node's spelling; see docs/API.md.
//
// Lifetime and threads:
//   - The server owns every IncomingMessage. It is valid from the 'request' event
//     until both it and its ServerResponse have emitted 'close'.
//   - Callbacks run on the loop thread of the message's connection, never from
//     inside a call into the message.
//   - The body flows as in v12's Readable: the request flows once resume() is called
//     or a 'data' listener is added (unless pause() was called first), or when its
//     response has finished (v12's _dump: 'data' listeners are dropped). 'data' is
//     emitted as the bytes are parsed while the request flows and has been read
//     once; otherwise the chunks are held (views, each retaining its receive buffer
//     until its 'data' listener returns: no copy) and emitted in order once it
//     flows, on a later tick. pause() stops the flow, not the socket: as v12, the
//     socket stops being read once 16 KiB are held (readableHighWaterMark; here also
//     once kMaxHeldBuffers receive buffers or kMaxHeldChunks chunks are), and is
//     read again once the request flows and holds less. Held chunks keep receive
//     buffers within a budget per connection (kMaxHeldBuffers) and per loop (a
//     quarter of its ring); past it a chunk is copied into the request's own memory
//     (counted by Server::copiedBytes()) and the socket stops being read, so that
//     paused requests cannot hold the ring dry. A request whose response has
//     finished without reading it drops its later chunks (v12's _dump).
//   - 'end' is emitted on a later tick once the message is complete and flowing
//     (v12's push(null), then endReadable on process.nextTick); a request that never
//     flows never emits 'end' before its response finishes. 'close' follows the
//     response's 'finish' (at once when 'end' was emitted or a later request's head
//     has been parsed, else right after 'end'), or the connection's close. See
//     http/next_tick.h for the ordering.
//   - method, url, headers(), trailers(), rawHeaders() and rawTrailers() are views.
//     A view read from them is valid until the listener (or callback) that read it
//     returns. The members themselves stay valid as long as the message: read them
//     again in a later callback. Between callbacks the message may move its bytes
//     out of the receive buffer into memory of its own and re-point its members
//     (http/exchange.h: a request that outlives its receive must not hold the
//     buffer); a url the user re-pointed into the request's bytes moves with them.
//     The std::string_view passed to 'data' is valid only during the listener:
//     copy what you keep.
#ifndef HTTP_INCOMING_MESSAGE_H_
#define HTTP_INCOMING_MESSAGE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/buffer.h"
#include "http/events.h"
#include "http/message_transport.h"
#include "http/next_tick.h"
#include "http/parser.h"

namespace http {

class ServerConnection;
class ServerResponse;
class Socket;

// Node's req.headers: names lower-cased; duplicates merged by Node's rules. Names and
// values are views, valid as long as the message: into its receive buffers (as
// rawHeaders()) where a name arrived lower-case and a value unmerged, else into this
// object's arena (a name lower-cased, values joined). Building copies nothing else,
// and costs O(n log n) in the n fields whatever their names (beyond kScanLines fields
// a sort, not a hash table a client could fill with colliding names); get() and has()
// are linear scans.
// Memory: the entries, and the sort's scratch of 25 bytes per field of the largest
// head of more than kScanLines fields seen, kept with the (pooled) message; the fields
// are bounded by the head's size limit and maxHeadersCount.
class IncomingHeaders {
 public:
  IncomingHeaders() = default;
  IncomingHeaders(const IncomingHeaders&) = delete;
  IncomingHeaders& operator=(const IncomingHeaders&) = delete;
  // The value of a single-valued header (joined where Node joins), or nullopt.
  std::optional<std::string_view> get(std::string_view lower_name) const;
  // set-cookie's values (Node keeps it as an array); empty if absent.
  const std::vector<std::string_view>& setCookie() const { return set_cookie_; }
  bool has(std::string_view lower_name) const;
  // Name/value pairs in first-seen order (set-cookie once, joined by ", " here).
  const std::vector<std::pair<std::string_view, std::string_view>>& entries() const {
    return entries_;
  }

 private:
  friend class IncomingMessage;
  friend class ClientRequest;  // an 'information' event's headers
  // Heads of up to this many fields are merged by a scan of the names seen (quicker
  // there than a sort, and at most 496 name comparisons); larger ones by a sort.
  static constexpr uint32_t kScanLines = 32;
  static constexpr uint32_t kNoLine = UINT32_MAX;
  void Build(const std::vector<HeaderView>& raw, size_t max_count);
  void BuildByScan(const std::vector<HeaderView>& raw, uint32_t n);
  void BuildBySort(const std::vector<HeaderView>& raw, uint32_t n);
  std::string_view Merged(const std::vector<HeaderView>& raw, std::string_view name, uint32_t line,
                          const uint32_t* next);
  void MoveViews(const ViewMove& move);
  std::string_view Lowered(std::string_view name);
  std::vector<std::pair<std::string_view, std::string_view>> entries_;
  std::vector<std::string_view> set_cookie_;
  // BuildBySort()'s scratch, kept across requests and read only during the build:
  // each line's lower-cased name, the lines in name order, each line's next line of
  // the same name (kNoLine after the last), and whether a line follows one of its
  // name.
  std::vector<std::string_view> names_;
  std::vector<uint32_t> order_;
  std::vector<uint32_t> next_;
  std::vector<uint8_t> repeat_;
  Arena arena_;  // lower-cased names and joined values; kept across requests
};

// IncomingMessage's events (it hides on/once to watch for 'data' listeners).
using IncomingMessageEvents =
    EventEmitter<Event<"data", std::string_view>, Event<"end">, Event<"aborted">, Event<"close">,
                 Event<"timeout">>;

class IncomingMessage : public IncomingMessageEvents {
  using Emitter = IncomingMessageEvents;

 public:
  IncomingMessage() = default;
  virtual ~IncomingMessage() = default;
  IncomingMessage(const IncomingMessage&) = delete;
  IncomingMessage& operator=(const IncomingMessage&) = delete;

  // Node's plain properties.
  std::string_view method;
  std::string_view url;      // writable, as in Node (routers rewrite it)
  std::string_view httpVersion;
  int httpVersionMajor = 1;
  int httpVersionMinor = 1;
  bool complete = false;     // the whole body was received
  bool aborted = false;      // the connection closed before the message completed
  int statusCode = 0;        // responses (client side) only
  std::string_view statusMessage;

  // Built on first use (so a handler that never looks pays nothing).
  const IncomingHeaders& headers();
  const IncomingHeaders& trailers();
  const std::vector<HeaderView>& rawHeaders() const { return head_->headers; }
  const std::vector<HeaderView>& rawTrailers() const { return head_->trailers; }

  Socket* socket() const { return socket_; }
  Socket* connection() const { return socket_; }

  // As Readable.on: adding a 'data' listener resumes the flow unless pause() was
  // called. Other events as EventEmitter::on/once.
  template <EventName Name, typename Fn>
  void on(Fn&& fn) {
    Emitter::template on<Name>(std::forward<Fn>(fn));
    if constexpr (Name == EventName("data")) OnDataListener();
  }
  template <EventName Name, typename Fn>
  void once(Fn&& fn) {
    Emitter::template once<Name>(std::forward<Fn>(fn));
    if constexpr (Name == EventName("data")) OnDataListener();
  }

  // Stop or restart the flow (v12's readableFlowing); 'end' can follow only while
  // flowing. Neither touches the socket directly: see the held body above.
  IncomingMessage& pause();
  IncomingMessage& resume();
  bool isPaused() const { return flowing_ == Flowing::kNo; }
  // v12's readableHighWaterMark: held body bytes past it stop the socket's receiving.
  static constexpr size_t kHighWaterMark = 16 * 1024;
  // Receive buffers the held chunks of a connection's requests may keep out of the
  // engine's ring (small chunks must not drain the ring shared by every connection of
  // the loop); a request that holds this many stops the socket's receiving.
  static constexpr size_t kMaxHeldBuffers = 4;
  // ... or this many chunks (tiny chunked pieces must not grow the list unbounded).
  static constexpr size_t kMaxHeldChunks = 1024;
  // Sets the socket's idle timeout; cb is added as a 'timeout' listener of the
  // request, emitted (as v12's socketOnTimeout does) while the request is incomplete.
  IncomingMessage& setTimeout(uint64_t ms, std::function<void()> cb = {});
  // Destroys the socket (the connection closes; the response emits 'close').
  void destroy();

 private:
  friend class ServerConnection;
  friend class ServerResponse;
  friend class ClientSocket;
  friend class ClientRequest;
  friend struct Exchange;
  enum class Flowing : uint8_t { kNull, kYes, kNo };  // v12's readableFlowing

  void Attach(MessageTransport* transport, Socket* socket, MessageHead* head, size_t max_headers);
  void Detach();
  // v12's push(chunk): emitted at once while the request flows and has been read;
  // otherwise held, retaining `input` (the receive buffer the chunk lies in) until
  // the chunk's 'data' returns. Dropped after _dump.
  void PushData(std::string_view chunk, const engine::RecvBuf& input);
  // v12's push(null): the parser reached the end of the message.
  void PushEnd();
  // The message's bytes moved out of their receive buffer (http/exchange.h).
  void MoveViews(const ViewMove& move);
  // v12's resOnFinish, for this request: _dump() unless it is read, then
  // clearIncoming(). `res` is told when the request has emitted 'end' and 'close'.
  void OnResponseFinish(ServerResponse* res);
  // v12's _dump(): nobody reads the body, so it is read to nowhere ('data' listeners
  // dropped, the flow resumed). Once.
  void Dump();
  void EmitClose();

  // v12's Readable: the flow, the held body chunks, and when 'end' comes.
  void OnDataListener();
  void ResumeFlow();
  void Read();
  void Flow();
  void ResumeTick();
  void EndTick();
  void NextTick(Tick& t);
  void StopReceiving(bool stop);
  bool HoldsTooMuch() const;

  MessageTransport* transport_ = nullptr;
  Socket* socket_ = nullptr;
  MessageHead* head_ = nullptr;
  ServerResponse* response_ = nullptr;  // set once the response has finished
  size_t max_headers_ = 2000;
  Flowing flowing_ = Flowing::kNull;
  bool eof_ = false;  // v12's state.ended: push(null) happened
  bool end_emitted_ = false;
  bool close_emitted_ = false;
  bool close_after_end_ = false;  // v12's clearIncoming waits for 'end'
  bool resume_scheduled_ = false;
  bool consuming_ = false;  // v12's _consuming: _read() ran before the end
  bool dumped_ = false;
  bool stops_receiving_ = false;  // held_ passed a limit: the socket is not read
  // Body chunks not yet emitted (v12's readable buffer), emitted in order once the
  // request flows; each holds a reference to its receive buffer.
  // Each held chunk keeps its receive buffer (buf), or lies in copies_ (buf empty).
  struct HeldChunk {
    std::string_view data;
    engine::BufRef buf;
    bool counted = false;  // carries its buffer's place in the budgets
  };
  void ReleaseHeldBuffer();
  std::vector<HeldChunk> held_;
  size_t held_next_ = 0;
  size_t held_bytes_ = 0;
  size_t held_buffers_ = 0;  // counted in the connection's and loop's budgets
  bool held_copies_ = false;  // some held chunk lies in copies_
  Arena copies_;
  bool headers_built_ = false;
  bool trailers_built_ = false;
  IncomingHeaders headers_;
  IncomingHeaders trailers_;
  // v12's resume_, emitReadable_ and endReadableNT ticks.
  Tick resume_tick_{this, [](void* m) { static_cast<IncomingMessage*>(m)->ResumeTick(); }};
  Tick readable_tick_{this, [](void* m) { static_cast<IncomingMessage*>(m)->Flow(); }};
  Tick end_tick_{this, [](void* m) { static_cast<IncomingMessage*>(m)->EndTick(); }};
};

}  // namespace http

#endif  // HTTP_INCOMING_MESSAGE_H_
