// Server: Node v12's http.Server on the engine. Public names follow Node's spelling
// (createServer, listen, close, setTimeout, keepAliveTimeout, ...); see docs/API.md.
//
//   auto server = http::createServer([](http::IncomingMessage& req,
//                                       http::ServerResponse& res) {
//     res.setHeader("Content-Type", "text/plain");
//     res.end("Hello, World!");
//   });
//   server->listen(8080);
//   server->join();  // C++ addition: block until the server is closed
//
// Threads: listen(port, host, threads) runs `threads` loops, which accept on one
// listening socket in turns (engine/listener.h), so that no other socket can take
// the port: a second server on it fails with EADDRINUSE, as in Node, unless both set
// ServerOptions::reusePort. A connection lives on the loop that accepted it, and every
// listener of a request, response or socket runs on that loop's thread. Register
// listeners before listen(); the server-level settings (timeouts, limits) are read by
// every loop, so change them before listen() too. No listener runs synchronously
// from inside a call into the server: 'listening' and the listen callback run on the
// first loop's thread once every loop accepts; a failed listen()'s 'error' on a
// thread of the server's own, after listen() has returned (as v12 emits it on the
// next tick; see listen()); 'close' and the close callbacks on
// the loop that closes last (or, for a server that does not run, on a thread of the
// server's own: see close()); 'connection', 'request', 'checkContinue',
// 'checkExpectation', 'clientError', 'connect', 'upgrade' and 'timeout' on the
// connection's loop thread, as its bytes are parsed or its timer fires.
// Exceptions a listener throws: see http/uncaught.h (reported, and the socket destroyed).
// Views: a request's method, url and headers are read again in each callback (see
// http/incoming_message.h); the `head` bytes given to 'connect' and 'upgrade' (what
// followed the request's head in the same receive) and a ClientError's fields are
// valid only during the listener: copy what you keep.
#ifndef HTTP_SERVER_H_
#define HTTP_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "http/errors.h"
#include "http/events.h"
#include "http/incoming_message.h"
#include "http/server_response.h"
#include "http/socket.h"

namespace engine {
class Runtime;
}

namespace http {

class ServerConnection;

// The error passed to 'clientError' (Node's parse error: code, reason, rawPacket).
struct ClientError {
  std::string code;        // "HPE_INVALID_METHOD", "HPE_HEADER_OVERFLOW", ...
  std::string reason;      // llhttp's explanation, "Invalid method", ...
  std::string message;     // err.message: "Parse Error: " + reason
  std::string rawPacket;   // the bytes that could not be parsed
  size_t bytesParsed = 0;
};

struct ServerOptions {
  bool insecureHTTPParser = false;
  size_t maxHeaderSize = 0;  // 0: http::maxHeaderSize
  // Subclassing (Node's IncomingMessage/ServerResponse options): factories for the
  // objects handed to listeners, called once per request (as Node constructs them;
  // without a factory the server reuses its objects).
  std::function<std::unique_ptr<::http::IncomingMessage>()> IncomingMessage;
  std::function<std::unique_ptr<::http::ServerResponse>()> ServerResponse;
  // C++ additions: each loop's receive memory (engine::LoopOptions; the engine's
  // defaults). A ring of recvBuffers buffers (a power of two) of recvBufferSize bytes
  // each, and at most recvOverflowBytes more for when the ring runs dry (see
  // engine/connection.h, "Receiving", and http/exchange.h for what the server keeps).
  uint32_t recvBuffers = 1024;
  uint32_t recvBufferSize = 16384;
  size_t recvOverflowBytes = size_t{16} << 20;
  // C++ addition, named as Node's later listen option: SO_REUSEPORT, one socket per
  // loop. Other servers that set it too, in this process or another of the same
  // user, may then listen on the port, and the kernel spreads the connections over
  // every socket by a hash of the peer's address (to hand a port over to a new
  // process without a gap). Without it, as in v12, a port in use fails with
  // EADDRINUSE.
  bool reusePort = false;
};

// Node's http.maxHeaderSize (8 KiB), settable for servers created afterwards.
extern std::atomic<size_t> maxHeaderSize;

class Server
    : public EventEmitter<Event<"request", IncomingMessage&, ServerResponse&>,
                          Event<"connection", Socket&>, Event<"close">, Event<"listening">,
                          Event<"error", const Error&>,
                          Event<"checkContinue", IncomingMessage&, ServerResponse&>,
                          Event<"checkExpectation", IncomingMessage&, ServerResponse&>,
                          Event<"clientError", const ClientError&, Socket&>,
                          Event<"connect", IncomingMessage&, Socket&, std::string_view>,
                          Event<"upgrade", IncomingMessage&, Socket&, std::string_view>,
                          Event<"timeout", Socket&>> {
 public:
  explicit Server(ServerOptions options = {});
  ~Server();  // stops the loops; not from a listener or callback of the server
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Starts accepting. 'listening' is emitted (and cb called) on the first loop's
  // thread once every loop accepts. Failing to listen (EADDRINUSE, EMFILE, ...)
  // leaves the server as before the call and emits 'error' (Node's code, syscall
  // and message) later and on another thread: there is no loop, so on the thread
  // of the server's own that close() uses (join() and the destructor wait for it;
  // a listen() from the listener works).
  // As v12's net.Server, a server that is listening (or still closing) throws
  // ERR_SERVER_ALREADY_LISTEN, and one that has closed listens again; but not from a
  // listener or callback of its own loops (ERR_SERVER_LISTEN_FROM_LOOP: its loops'
  // threads must end first), where Node allows it.
  Server& listen(uint16_t port, std::string host = "0.0.0.0", int threads = 1,
                 std::function<void()> cb = {});
  // Stops accepting, and closes the connections that are idle between requests, so
  // that a close does not wait out their keepAliveTimeout (v12 left them open; later
  // Node's close() closes them too). A connection with a request in flight, or a
  // request partly received, is left to finish it, and then to its keep-alive
  // timeout or the peer, as in v12. 'close' is emitted (and cb called)
  // once every connection is gone. Any thread; the idle ones are those idle when
  // each loop runs the close, in the loop turn of the call when called from a
  // listener. cb gets a null error, as Node's gets undefined.
  // As v12's net.Server, on a server that does not run (before listen(), after a
  // failed one, or once it has closed) 'close' is emitted and cb gets
  // ERR_SERVER_NOT_RUNNING, later and on another thread: there is no loop, so the
  // server starts a thread of its own for them (one at a time; join() and the
  // destructor wait for it, and so does a later listen(), which then works). A
  // close() while the server closes passes its cb ERR_SERVER_NOT_RUNNING, after the
  // callbacks of the close() that started it. The error is valid during the call.
  Server& close(std::function<void(const Error*)> cb);
  Server& close(std::function<void()> cb = {});  // the same, without the error
  // C++ addition: close() for a restart or a rolling deploy, where another process
  // takes the port (ServerOptions::reusePort) and no client may see a request lost.
  // It stops accepting as close() does (a connection the kernel accepted already is
  // still served), and then:
  //   - each request whose head arrives from now on is its connection's last: its
  //     response says `Connection: close` (Node's shouldKeepAlive false; unless its
  //     listener set a Connection header itself, which v12 sends as it is), nothing
  //     after it is parsed, and the connection ends once it is answered;
  //   - a connection between requests (or with none yet) stays open for graceMs
  //     (at most Socket::kTimeoutMax), so that a request already on its way, sent
  //     as the close began, is answered (with Connection: close) rather than met by
  //     a closed connection; after graceMs, the idle connections end as close()
  //     ends them, and so does a connection that goes idle later;
  //   - a response under way finishes as with close().
  // 'close' and cb then come as with close(); on a server that does not run, or one
  // that closes already, as close()'s too (ERR_SERVER_NOT_RUNNING). Any thread.
  Server& shutdown(uint64_t graceMs, std::function<void(const Error*)> cb = {});
  // C++ addition: blocks until the server has closed (or was never started), and
  // until the 'error' of a failed listen() and the callbacks of a close() on a
  // server that did not run have returned.
  // Not from a listener or callback of the server.
  void join();
  // A C++ addition (later Node's server.closeIdleConnections(); v12 has none):
  // closes every connection that is between requests (or has not sent one yet), on
  // its loop thread. Any thread; does nothing once the server has closed (its loops have
  // ended), after a failed listen(), or before listen().
  void closeIdleConnections();

  bool listening() const { return listening_.load(); }
  uint16_t port() const { return port_; }  // the bound port (useful with port 0)
  // C++ addition: bytes of requests copied out of receive buffers: a head that did
  // not complete within one receive (its earlier fields), a field that straddled two,
  // a head that outlived its receive (http/exchange.h), and body chunks held past the
  // budget (http/incoming_message.h). Every other byte is read in place. Counted as
  // copied, except a parser's (counted when its connection goes idle between requests
  // or closes). Any thread.
  uint64_t copiedBytes() const;
  // C++ addition: sendmsg operations the server's loops submitted (each carries all
  // that one connection had to send in one loop turn). Any thread.
  uint64_t sendCalls() const;
  // C++ addition: the receive memory of the server's loops, summed (engine::Runtime::
  // Totals: ring buffers still referenced after their receive, overflow bytes in use,
  // connections waiting for a buffer, and how often the ring ran dry). Any thread.
  struct RecvMemory {
    uint64_t ringInUse = 0;
    uint64_t overflowBytes = 0;
    uint64_t waiters = 0;
    uint64_t enobufs = 0;
    uint64_t overflowRecvs = 0;
  };
  RecvMemory recvMemory() const;

  // Timeouts in ms (0: none). A socket timeout above Node's TIMEOUT_MAX (2^31 - 1 ms)
  // is clamped to it, as Node clamps it.
  Server& setTimeout(uint64_t ms, std::function<void()> cb = {});
  uint64_t timeout = 120000;           // socket idle timeout: 'timeout', or destroyed
  // Deadlines of a request, from its first byte (a new connection's first request:
  // from the accept): the head within headersTimeout, the whole request within
  // requestTimeout (a C++ addition, as in later Node). None between requests on a
  // kept-alive connection, where keepAliveTimeout applies. A timer enforces them,
  // whatever server.timeout and its 'timeout' listeners, so that a peer that sends
  // part of a head and then nothing is timed out too (v12 checked headersTimeout
  // only when bytes arrived): past a deadline the server emits
  // 'clientError' with ERR_HTTP_REQUEST_TIMEOUT, or without a listener answers
  // 408 Request Timeout (unless the response being sent has begun) and closes.
  uint64_t headersTimeout = 60000;
  uint64_t requestTimeout = 300000;
  uint64_t keepAliveTimeout = 5000;    // ms an idle keep-alive connection stays
  // Header fields req.headers keeps (0: no limit). v12's default is null, which
  // its parser reads as 2000 name/value entries: 1000 fields.
  size_t maxHeadersCount = 1000;

  const ServerOptions& options() const { return options_; }
  size_t max_header_size() const;

 private:
  friend class ServerConnection;
  struct LoopState;
  Server& Close(bool graceful, uint64_t grace_ms, std::function<void(const Error*)> cb);
  void ConnectionClosed(int loop_index);
  // For ServerConnection: shutdown() has begun (every request from now on is its
  // connection's last), and its grace is over on the loop (idle connections end).
  bool shutting_down() const { return shutting_down_.load(std::memory_order_relaxed); }
  bool GraceOver(int loop_index) const;
  void LoopClosed(LoopState& st);
  void EmitListenError(Error error);
  void NotifyLocked(std::function<void()> fn);
  void NotifyNotRunning();
  void JoinNotifier();

  ServerOptions options_;
  std::unique_ptr<engine::Runtime> runtime_;
  std::vector<std::unique_ptr<LoopState>> loops_;
  std::atomic<bool> listening_{false};
  std::atomic<bool> shutting_down_{false};  // set once, by the first shutdown()
  bool closing_ = false;  // guarded by mu_: close() has started closing the loops
  uint16_t port_ = 0;
  std::mutex mu_;
  struct CloseCallback {
    std::function<void(const Error*)> fn;
    bool not_running;  // given ERR_SERVER_NOT_RUNNING: the server was closing already
  };
  std::vector<CloseCallback> close_cbs_;  // guarded by mu_
  bool closed_ = false;  // guarded by mu_: the last loop has run the close callbacks
  // What a server that does not run emits, run in order on notifier_ (which runs
  // while notifying_): a failed listen()'s 'error'; for each close(), 'close' and its
  // callback.
  std::vector<std::function<void()>> not_running_;  // guarded by mu_
  bool notifying_ = false;                          // guarded by mu_
  std::thread notifier_;                            // guarded by mu_
  std::atomic<int> open_loops_{0};
};

std::unique_ptr<Server> createServer(
    std::function<void(IncomingMessage&, ServerResponse&)> listener = {});
std::unique_ptr<Server> createServer(
    ServerOptions options, std::function<void(IncomingMessage&, ServerResponse&)> listener = {});

}  // namespace http

#endif  // HTTP_SERVER_H_
