// ServerResponse: the response to one request (Node v12's http.ServerResponse).
// Public names follow Node's spelling; see docs/API.md.
//
// Lifetime and threads:
//   - The server owns it, alongside its IncomingMessage. It is valid from the
//     'request' event until it has emitted 'close'; do not touch it after that.
//   - All calls and callbacks on the loop thread of its connection. Events are
//     emitted from the loop, never from inside the call that causes them, except
//     where noted.
//   - Events after end(), as v12 (http/next_tick.h has the mechanism): 'finish' once
//     the last bytes have been handed to the kernel, its listeners in the order they
//     were added (end()'s callback is one, added by end()); then, each on a later
//     tick, 'close' (and the request's 'end' and 'close', see incoming_message.h).
//     If the connection closes first, 'close' without 'finish'.
//   - Bytes passed as std::string_view are copied before the call returns; a
//     std::string&& is adopted without a copy.
//
// Errors Node throws are thrown here as http::Error with Node's code and message:
// ERR_HTTP_HEADERS_SENT, ERR_INVALID_HTTP_TOKEN, ERR_INVALID_CHAR,
// ERR_HTTP_INVALID_HEADER_VALUE, ERR_HTTP_INVALID_STATUS_CODE,
// ERR_HTTP_TRAILER_INVALID. Errors Node emits (ERR_STREAM_WRITE_AFTER_END) are
// emitted as 'error' events.
#ifndef HTTP_SERVER_RESPONSE_H_
#define HTTP_SERVER_RESPONSE_H_

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
#include "http/events.h"
#include "http/next_tick.h"
#include "http/out_buffer.h"
#include "http/outgoing_headers.h"

namespace http {

class ServerConnection;
class Socket;

// writeHead's headers, as v12 takes them: one value each (an object), or a list of
// values each (an object with array values: one line per value, "; "-joined for
// Cookie). Before any setHeader() they are rendered as given, duplicates included
// (v12's array of [name, value] pairs); after one, each goes through setHeader().
using HeaderList = std::initializer_list<std::pair<std::string_view, std::string_view>>;
// Name the type at the call (HeaderValuesList{{"X", {"a", "b"}}}): a bare {"a", "b"}
// would also be a std::string_view (its iterator-pair constructor).
using HeaderValuesList =
    std::initializer_list<std::pair<std::string_view, std::initializer_list<std::string_view>>>;
// A write callback: called with nullptr once the bytes were handed to the kernel, or
// with ERR_STREAM_WRITE_AFTER_END (see write()).
using WriteCallback = std::function<void(const Error*)>;

class ServerResponse : public EventEmitter<Event<"finish">, Event<"close">, Event<"drain">,
                                           Event<"error", const Error&>, Event<"timeout">> {
 public:
  ServerResponse() = default;
  virtual ~ServerResponse() = default;
  ServerResponse(const ServerResponse&) = delete;
  ServerResponse& operator=(const ServerResponse&) = delete;

  // Node's plain properties.
  int statusCode = 200;
  std::string statusMessage;  // empty: STATUS_CODES[statusCode], or "unknown"
  bool sendDate = true;

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

  // v12's writeHead. As in v12: a status message given once stays for a later
  // writeHead without one ("HTTP/1.1 404 OK"); without setHeader() a second
  // writeHead before any body replaces the head, with setHeader() it throws
  // ERR_HTTP_HEADERS_SENT. An empty status_message means none was given.
  ServerResponse& writeHead(int status_code, std::string_view status_message = {},
                            HeaderList headers = {});
  ServerResponse& writeHead(int status_code, HeaderList headers) {
    return writeHead(status_code, {}, headers);
  }
  ServerResponse& writeHead(int status_code, std::string_view status_message,
                            HeaderValuesList headers);
  ServerResponse& writeHead(int status_code, HeaderValuesList headers) {
    return writeHead(status_code, {}, headers);
  }

  // Returns false once the queued bytes pass the high-water mark (16 KiB); 'drain'
  // follows when they have been sent. After end(), as v12: returns true and emits
  // ERR_STREAM_WRITE_AFTER_END as an 'error' event on a later tick (never from inside
  // the call; before 'finish'), once per call; the bytes are dropped.
  bool write(std::string_view chunk);
  bool write(std::string&& chunk);
  // C++ addition, as v12's write(buffer) with a Buffer: the bytes leave from *chunk
  // itself, never copied; the response holds the pointer until they are sent.
  bool write(std::shared_ptr<const std::string> chunk);
  bool write(const char* chunk) { return write(std::string_view(chunk)); }
  // v12's write(chunk, cb): after end() the callback is never called (only the
  // 'error' event fires), as in v12.
  bool write(std::string_view chunk, WriteCallback cb);
  // v12's write(chunk, encoding, cb): encoding "utf8", "latin1", "binary", "ascii"
  // (the bytes as given) or "hex" (decoded), in any case; a name Node does not know
  // is utf8, as in v12. Node's "base64", "ucs2" and "utf16le" are not decoded here:
  // they throw ERR_UNKNOWN_ENCODING. After end() cb gets the error.
  bool write(std::string_view chunk, std::string_view encoding, WriteCallback cb = {});
  // v12's end(): cb is added as a once-listener of 'finish' (it runs after the
  // 'finish' listeners added before end(), and not at all if the connection closes
  // before the response is sent); never synchronously.
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
  void writeContinue();
  void writeProcessing();
  void flushHeaders();
  void cork();
  void uncork();

  bool finished() const { return ended_; }
  bool writableEnded() const { return ended_; }
  bool writableFinished() const { return finished_; }
  size_t writableLength() const;
  size_t writableHighWaterMark() const { return kHighWaterMark; }

  ServerResponse& setTimeout(uint64_t ms, std::function<void()> cb = {});
  Socket* socket() const { return socket_; }
  Socket* connection() const { return socket_; }

  static constexpr size_t kHighWaterMark = 16 * 1024;

 private:
  friend class ServerConnection;
  friend class IncomingMessage;
  // One header line as writeHead's list gives it (before any setHeader()).
  struct HeadField {
    std::string_view name;
    const std::string_view* values;
    size_t count;
    bool is_array;
  };
  // What v12's _storeHeader learns from the headers (its `state`).
  struct HeadState {
    bool connection = false, content_length = false, te = false, date = false;
    bool expect = false, trailer = false;
  };

  void Attach(ServerConnection* conn, Socket* socket, bool head_request, bool keep_alive,
              bool chunked_ok, uint64_t keep_alive_ms);
  void Reset();
  ServerResponse& WriteHeadFields(int status_code, std::string_view status_message,
                                  const HeadField* fields, size_t count);
  // v12's _storeHeader: renders the head into header_, sent with the first bytes.
  void StoreHeader(const HeadField* fields, size_t count);
  void MatchHeader(HeadState& st, std::string_view name, std::string_view value);
  // v12's _send: the head first if it has not gone yet, then the bytes.
  // The bytes of a chunk, and what keeps them: copied (neither), adopted, or shared.
  struct Chunk {
    std::string_view bytes;
    std::string* adopt = nullptr;
    std::shared_ptr<const std::string>* share = nullptr;
  };
  void Send(Chunk chunk);
  void Send(std::string_view bytes) { Send(Chunk{bytes}); }
  bool WriteChunk(Chunk chunk, WriteCallback cb, bool from_end);
  bool WriteAfterEnd(WriteCallback cb);
  void EndImpl(Chunk chunk, std::function<void()> cb);
  void EmitPendingErrors();
  void RunCallbacks(std::vector<WriteCallback> cbs);
  void Flush();
  // The bytes this response buffers while it waits behind an earlier one, as its
  // connection counts them.
  void CountWaiting(size_t bytes);
  void OnSent(size_t bytes);
  // v12's afterWrite tick: 'finish' (after the server's resOnFinish); or 'close'
  // when the connection closed before the bytes were sent.
  void FinishTick();
  void EmitClose();
  // Hands the exchange back to the connection once this response has emitted
  // 'close' after 'finish' and its request 'end' and 'close'. Nothing of this
  // response (or its request) may be touched after the call.
  void MaybeRecycle();
  bool HasBody() const { return has_body_; }

  ServerConnection* conn_ = nullptr;
  Socket* socket_ = nullptr;
  OutgoingHeaders headers_;
  bool headers_object_ = false;  // v12's kOutHeaders is not null: setHeader() was used
  std::string header_;           // the rendered head (v12's _header)
  std::string scratch_;          // where the next head is rendered
  std::string trailers_;         // rendered "Name: value\r\n" lines
  OutBuf out_;
  int64_t content_length_ = -1;  // v12's _contentLength (set by end()); -1: none
  uint64_t sent_total_ = 0;      // bytes of this response sent so far
  std::vector<std::pair<uint64_t, WriteCallback>> write_cbs_;  // by byte watermark
  std::vector<WriteCallback> pending_errors_;  // write-after-end, emitted by error_tick_

  bool head_request_ = false;
  bool has_body_ = true;
  bool keep_alive_ = true;          // v12's shouldKeepAlive
  bool chunked_ok_ = true;          // v12's useChunkedEncodingByDefault
  bool chunked_ = false;            // v12's chunkedEncoding
  bool last_ = false;               // v12's _last: close the connection after this response
  bool default_keep_alive_ = true;  // no user Keep-Alive header
  bool removed_connection_ = false, removed_content_length_ = false, removed_te_ = false;
  // Set by the connection when the request has Expect: 100-continue (v12's
  // _expect_continue): a final status before writeContinue() closes the connection.
  bool expect_continue_ = false;
  bool sent100_ = false;
  bool head_written_ = false;  // v12's _header is set
  bool header_sent_ = false;   // v12's _headerSent
  bool ended_ = false;
  bool finished_ = false;
  bool close_emitted_ = false;
  bool corked_ = false;
  bool need_drain_ = false;
  bool active_ = false;  // first in its connection's queue: may send
  uint64_t keep_alive_ms_ = 5000;
  size_t queued_ = 0;         // bytes handed to the socket and not yet sent
  size_t counted_waiting_ = 0;  // out_'s bytes counted in the connection's waiting bytes
  void* exchange_ = nullptr;  // the connection's record of this request
  // v12's afterWrite tick ('finish'; held until the bytes are sent), emitCloseNT and
  // writeAfterEndNT.
  Tick finish_tick_{this, [](void* r) { static_cast<ServerResponse*>(r)->FinishTick(); }};
  Tick close_tick_{this, [](void* r) { static_cast<ServerResponse*>(r)->EmitClose(); }};
  Tick error_tick_{this, [](void* r) { static_cast<ServerResponse*>(r)->EmitPendingErrors(); }};
};

}  // namespace http

#endif  // HTTP_SERVER_RESPONSE_H_
