// OutgoingMessage: the message layer that a response and a request share (Node v12's
// OutgoingMessage, lib/_http_outgoing.js): the header store, the head's framing
// (Connection, Content-Length, chunked, trailers, Date), write(), end(), cork(), the
// high-water mark and 'drain', and the iovec path to the connection. ServerResponse
// (http/server_response.h) is one; the client's request is the other.
//
// Lifetime and threads:
//   - Owned by its connection's side of the library (the server owns a response);
//     the subclass's header says for how long it may be used.
//   - All calls and callbacks on the loop thread of its connection.
//   - Events after end(), as v12 (http/next_tick.h has the mechanism): 'finish' once
//     the last bytes have been handed to the kernel, its listeners in the order they
//     were added (end()'s callback is one, added by end()); then, on a later tick,
//     'close'. If the connection closes first, 'close' without 'finish'. The
//     subclass owns the listeners (its EventEmitter); this layer says when to emit.
//   - Bytes passed as std::string_view are copied before the call returns; a
//     std::string&& is adopted without a copy.
//
// Bounds: the bytes a message buffers are its caller's (write() returns false past
// kHighWaterMark, and the connection stops reading requests whose responses pile up:
// http/server_connection.h); the rendered head is bounded by the headers set.
//
// Errors Node throws are thrown here as http::Error with Node's code and message:
// ERR_HTTP_HEADERS_SENT, ERR_INVALID_HTTP_TOKEN, ERR_INVALID_CHAR,
// ERR_HTTP_INVALID_HEADER_VALUE, ERR_HTTP_TRAILER_INVALID.
// Errors Node emits (ERR_STREAM_WRITE_AFTER_END) are emitted as 'error' events.
#ifndef HTTP_OUTGOING_MESSAGE_H_
#define HTTP_OUTGOING_MESSAGE_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/errors.h"
#include "http/message_transport.h"
#include "http/next_tick.h"
#include "http/out_buffer.h"
#include "http/outgoing_headers.h"

namespace http {

class ServerConnection;
class Socket;

// Headers given with a head, as v12 takes them: one value each (an object), or a
// list of values each (an object with array values: one line per value, "; "-joined
// for Cookie).
using HeaderList = std::initializer_list<std::pair<std::string_view, std::string_view>>;
// Name the type at the call (HeaderValuesList{{"X", {"a", "b"}}}): a bare {"a", "b"}
// would also be a std::string_view (its iterator-pair constructor).
using HeaderValuesList =
    std::initializer_list<std::pair<std::string_view, std::initializer_list<std::string_view>>>;
// A write callback: called with nullptr once the bytes were handed to the kernel, or
// with ERR_STREAM_WRITE_AFTER_END (see write()).
using WriteCallback = std::function<void(const Error*)>;

class OutgoingMessage {
 public:
  OutgoingMessage() = default;
  virtual ~OutgoingMessage() = default;
  OutgoingMessage(const OutgoingMessage&) = delete;
  OutgoingMessage& operator=(const OutgoingMessage&) = delete;

  // v12's plain property: a Date header is added unless one was set. (v12's default
  // is false; a ServerResponse sets it.)
  bool sendDate = false;

  void setHeader(std::string_view name, std::string_view value);
  void setHeader(std::string_view name, std::vector<std::string> values);
  void setHeader(std::string_view name, int64_t value);
  // v12's setHeader(name, undefined): throws ERR_HTTP_INVALID_HEADER_VALUE.
  void setHeader(std::string_view name, std::nullopt_t);
  // nullptr when absent; else the name as last set and its values (is_array tells
  // whether it was set from a list, as v12's getHeader returns an array then, and
  // is_number whether from an integer, as v12 returns the number then).
  const OutgoingHeaders::Entry* getHeader(std::string_view name) const;
  std::vector<std::string> getHeaderNames() const;
  bool hasHeader(std::string_view name) const;
  void removeHeader(std::string_view name);
  const OutgoingHeaders& getHeaders() const { return headers_; }
  bool headersSent() const { return head_written_; }

  // Returns false once the queued bytes pass the high-water mark (16 KiB); 'drain'
  // follows when they have been sent. After end(), as v12: returns true and emits
  // ERR_STREAM_WRITE_AFTER_END as an 'error' event on a later tick (never from inside
  // the call; before 'finish'), once per call; the bytes are dropped.
  bool write(std::string_view chunk);
  bool write(std::string&& chunk);
  // C++ addition, as v12's write(buffer) with a Buffer: the bytes leave from *chunk
  // itself, never copied; the message holds the pointer until they are sent.
  bool write(std::shared_ptr<const std::string> chunk);
  bool write(const char* chunk) { return write(std::string_view(chunk)); }
  // v12's write(chunk, cb): after end() the callback is never called (only the
  // 'error' event fires), as in v12.
  bool write(std::string_view chunk, WriteCallback cb);
  // v12's write(chunk, encoding, cb): the bytes Buffer.from(chunk, encoding) gives
  // (http/encodings.h: utf8, latin1, binary and ascii as given; hex, base64 and
  // ucs2/utf16le decoded), in any case; a name Node does not know is utf8, as in
  // v12. After end() cb gets the error.
  bool write(std::string_view chunk, std::string_view encoding, WriteCallback cb = {});
  // v12's end(): cb is added as a once-listener of 'finish' (it runs after the
  // 'finish' listeners added before end(), and not at all if the connection closes
  // before the message is sent); never synchronously.
  void end(std::function<void()> cb = {});
  void end(std::string_view chunk, std::function<void()> cb = {});
  void end(std::string&& chunk, std::function<void()> cb = {});
  // C++ addition, as v12's end(buffer): see write(std::shared_ptr<const std::string>).
  void end(std::shared_ptr<const std::string> chunk, std::function<void()> cb = {});
  void end(const char* chunk, std::function<void()> cb = {}) {
    end(std::string_view(chunk), std::move(cb));
  }
  // end(data, encoding[, cb]): encodings as write().
  void end(std::string_view chunk, std::string_view encoding, std::function<void()> cb = {});
  void end(const char* chunk, const char* encoding, std::function<void()> cb = {}) {
    end(std::string_view(chunk), std::string_view(encoding), std::move(cb));
  }

  // Replaces the trailers (v12: each call starts over). Pairs may repeat a name.
  void addTrailers(HeaderList trailers);
  void flushHeaders();
  void cork();
  void uncork();

  bool finished() const { return ended_; }
  bool writableEnded() const { return ended_; }
  bool writableFinished() const { return finished_; }
  size_t writableLength() const;
  size_t writableHighWaterMark() const { return kHighWaterMark; }

  Socket* socket() const { return socket_; }
  Socket* connection() const { return socket_; }

  static constexpr size_t kHighWaterMark = 16 * 1024;

 protected:
  // The events this layer emits; the subclass's emitter has them.
  enum class OutgoingEvent : uint8_t { kFinish, kClose, kDrain, kError };
  // One header line as a head's list gives it (before any setHeader()).
  struct HeadField {
    std::string_view name;
    const std::string_view* values;
    size_t count;
    bool is_array;
  };

  // v12's _implicitHeader: the head from the current state, before the first bytes.
  virtual void ImplicitHeader() = 0;
  // The head's first line, CRLF included (v12's firstLine argument of _storeHeader).
  virtual void AppendFirstLine(std::string& head) const = 0;
  // v12's statusCode 204 or 304: a chunked head is sent unchunked and closes.
  virtual bool BodilessStatus() const { return false; }
  // Emits the event to the subclass's listeners (err: kError's).
  virtual void Emit(OutgoingEvent event, const Error* err) = 0;
  // Adds cb as a once-listener of 'finish' (end()'s callback).
  virtual void OnceFinish(std::function<void()> cb) = 0;
  // v12's listeners that run before the user's 'finish' (the server's resOnFinish).
  virtual void BeforeFinish() {}
  // After 'close' was emitted: the owner may take the message back.
  virtual void AfterClose() {}
  // v12's emitCloseNT after 'finish': a ServerResponse emits 'close' on the tick after
  // its 'finish'; a ClientRequest's 'close' comes from its socket instead.
  virtual bool ClosesAfterFinish() const { return true; }

  // Binds the message to its connection, for one exchange.
  void AttachOutgoing(MessageTransport* transport, Socket* socket, bool has_body, bool keep_alive,
                      bool chunked_ok, uint64_t keep_alive_ms);
  // A message written before it had a connection (a client request waiting for its
  // socket: v12's outputData) is bound to one and becomes its first: what it buffered
  // is handed over (now, or with flush false at the caller's next Flush()), and
  // write-after-end errors still owed are queued.
  void BindTransport(MessageTransport* transport, Socket* socket, bool flush = true);
  // The connection is done with this message (a client request that handed its
  // socket back, or whose socket closed): its ticks leave the connection's queue and
  // it no longer reaches the connection; its state stays as it is, for reading.
  void DetachTransport();
  // A message that ended without a body (its bytes are the head alone, and the
  // chunked terminator) can be sent again from the start, on another connection: a
  // client's retry. False, and nothing changed, when it wrote a body.
  bool RewindHeadOnly();
  // Back to a new message's state; emits write-after-end errors still owed first.
  void ResetOutgoing();
  // v12's _storeHeader: renders the first line, `fields` (null: the setHeader()
  // store) and the framing headers into header_, sent with the first bytes. The head
  // replaces header_ only when nothing threw; state changed before a throw stays
  // changed, as in v12.
  void StoreHeader(const HeadField* fields, size_t count);
  // Hands pending bytes to the transport when the message may send (see .cc).
  void Flush();
  // What the transport reports: `bytes` of this message were sent.
  void OnSent(size_t bytes);
  // v12's emitCloseNT, once; also run by a connection that closes.
  void EmitClose();

  MessageTransport* transport_ = nullptr;
  Socket* socket_ = nullptr;
  OutgoingHeaders headers_;
  bool headers_object_ = false;  // v12's kOutHeaders is not null: setHeader() was used
  OutBuf out_;
  bool has_body_ = true;       // v12's _hasBody
  bool keep_alive_ = true;     // v12's shouldKeepAlive
  bool last_ = false;          // v12's _last: close the connection after this message
  // v12's `this.agent` in _storeHeader's keep-alive rule: a client request made
  // through an Agent says keep-alive (when it should) whatever its framing.
  bool via_agent_ = false;
  bool head_written_ = false;  // v12's _header is set
  bool header_sent_ = false;   // v12's _headerSent
  bool ended_ = false;
  bool finished_ = false;
  bool close_emitted_ = false;
  bool active_ = false;         // first in its connection's queue: may send
  uint64_t keep_alive_ms_ = 0;  // v12's _keepAliveTimeout: Keep-Alive: timeout=

 private:
  friend class ServerConnection;
  friend class ClientSocket;
  // What v12's _storeHeader learns from the headers (its `state`).
  struct HeadState {
    bool connection = false, content_length = false, te = false, date = false;
    bool expect = false, trailer = false;
  };
  // The bytes of a chunk, and what keeps them: copied (neither), adopted, or shared.
  struct Chunk {
    std::string_view bytes;
    std::string* adopt = nullptr;
    std::shared_ptr<const std::string>* share = nullptr;
  };

  void MatchHeader(HeadState& st, std::string_view name, std::string_view value);
  // v12's _send: the head first if it has not gone yet, then the bytes.
  void Send(Chunk chunk);
  void Send(std::string_view bytes) { Send(Chunk{bytes}); }
  bool WriteChunk(Chunk chunk, WriteCallback cb, bool from_end);
  bool WriteAfterEnd(WriteCallback cb);
  void EndImpl(Chunk chunk, std::function<void()> cb);
  void EmitPendingErrors();
  void RunCallbacks(std::vector<WriteCallback> cbs);
  // The bytes this message buffers while it waits behind an earlier one, as its
  // connection counts them.
  void CountWaiting(size_t bytes);
  // v12's afterWrite tick: 'finish'; or 'close' when the connection closed before
  // the bytes were sent.
  void FinishTick();

  std::string header_;           // the rendered head (v12's _header)
  std::string scratch_;          // where the next head is rendered
  std::string trailers_;         // rendered "Name: value\r\n" lines
  int64_t content_length_ = -1;  // v12's _contentLength (set by end()); -1: none
  uint64_t sent_total_ = 0;      // bytes of this message sent so far
  std::vector<std::pair<uint64_t, WriteCallback>> write_cbs_;  // by byte watermark
  std::vector<WriteCallback> pending_errors_;  // write-after-end, emitted by error_tick_
  size_t queued_ = 0;                          // bytes handed to the transport and not yet sent
  size_t counted_waiting_ = 0;      // out_'s bytes counted in the connection's waiting bytes
  bool chunked_ok_ = true;          // v12's useChunkedEncodingByDefault
  bool chunked_ = false;            // v12's chunkedEncoding
  bool default_keep_alive_ = true;  // no user Keep-Alive header
  bool removed_connection_ = false, removed_content_length_ = false, removed_te_ = false;
  bool corked_ = false;
  bool need_drain_ = false;
  bool wrote_body_ = false;  // some body byte was written (RewindHeadOnly)
  // v12's afterWrite tick ('finish'; held until the bytes are sent), emitCloseNT and
  // writeAfterEndNT.
  Tick finish_tick_{this, [](void* m) { static_cast<OutgoingMessage*>(m)->FinishTick(); }};
  Tick close_tick_{this, [](void* m) { static_cast<OutgoingMessage*>(m)->EmitClose(); }};
  Tick error_tick_{this, [](void* m) { static_cast<OutgoingMessage*>(m)->EmitPendingErrors(); }};
};

}  // namespace http

#endif  // HTTP_OUTGOING_MESSAGE_H_
