// Helpers shared by the engine tests.
//
// The loop always runs on the test thread. Peers are plain sockets: blocking ones
// driven from std::threads (every blocking call times out, so a hang becomes a
// failure), or non-blocking ones polled between loop turns.
#ifndef TESTS_ENGINE_TEST_UTIL_H_
#define TESTS_ENGINE_TEST_UTIL_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/connection.h"
#include "engine/listener.h"
#include "engine/loop.h"

namespace engine_test {

// Runs loop turns until pred() holds or timeout_ms passes. Returns pred().
bool RunUntil(engine::Loop& loop, const std::function<bool()>& pred, int timeout_ms = 5000);

// Runs loop turns for ms milliseconds, and at least 3 turns, whatever happens: a
// window in which something must not happen (a second callback, an accept after a
// close) then holds the turns the loop would need to show it, even when a loaded
// machine gives the thread little of the time.
void RunFor(engine::Loop& loop, int ms);

// Waits up to timeout_ms until thread `tid` of this process (gettid()) sleeps in
// io_uring_enter, as a loop does once it waits in the kernel for a completion, and
// is still there a millisecond later. Read from /proc/self/task/<tid>/. False at the
// deadline.
bool WaitUntilWaitingInKernel(pid_t tid, int timeout_ms = 5000);

// Raises the soft RLIMIT_NOFILE to the hard limit, for tests with many sockets.
void RaiseFdLimit();

// Owns a file descriptor; closes it on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Close();

 private:
  int fd_ = -1;
};

// The stream of test bytes number `seed`: byte i depends on seed and i, so a lost,
// repeated or reordered byte shows up as a mismatch.
char PatternByte(uint64_t seed, uint64_t i);
void FillPattern(uint64_t seed, uint64_t offset, char* out, size_t n);
std::string Pattern(uint64_t seed, uint64_t offset, size_t n);
// True when data equals the stream `seed` from `offset` on.
bool MatchesPattern(uint64_t seed, uint64_t offset, std::string_view data);

// Listens on 127.0.0.1 with a port the kernel picks. Null (and a test failure) on
// error.
engine::Listener* ListenLoopback(engine::Loop& loop, engine::AcceptHandler* handler);

// Connects a blocking socket to 127.0.0.1:port. rcvbuf > 0 sets SO_RCVBUF before
// the connect. Sends and receives give up after timeout_ms. Invalid on error.
Fd ConnectLoopback(uint16_t port, int rcvbuf = 0, int timeout_ms = 5000);
// The same socket, non-blocking, with the connect finished (loopback handshakes
// complete in the kernel even before the listener accepts).
Fd ConnectLoopbackNonBlocking(uint16_t port);

void SetNonBlocking(int fd, bool non_blocking = true);
// A port on 127.0.0.1 with nothing listening (bound once, then closed).
uint16_t UnusedPort();

// Starts Loop::Connect to 127.0.0.1:port. Null (and a test failure) on error.
engine::Connection* ConnectWithLoop(engine::Loop& loop, uint16_t port,
                                    engine::ConnectionHandler* handler);

// What most socket tests end with: every connection freed exactly once, and no
// completion arrived for an object after it was freed.
void ExpectAllFreed(engine::Loop& loop);

// Blocking I/O on a socket from ConnectLoopback; false on error, EOF or timeout.
bool WriteAll(int fd, std::string_view data);
bool ReadExactly(int fd, size_t n, std::string* out);
// Appends everything up to EOF to *out. False on error or timeout.
bool ReadToEof(int fd, std::string* out);
// True when the next read sees EOF or a reset within timeout_ms.
bool WaitEofOrReset(int fd, int timeout_ms);
// Aborts the connection: SO_LINGER {1, 0} then close, so the peer gets a RST.
void ResetAndClose(Fd& fd);

// One non-blocking client of an echo server: writes stream `seed` in send() calls
// of the planned sizes, shuts down its write side, checks every echoed byte, and
// finishes at the server's EOF.
struct EchoClient {
  Fd fd;
  uint64_t seed = 0;
  std::vector<size_t> writes;  // sizes of the send() calls, in order
  size_t total = 0;            // the sum of writes
  size_t next = 0;             // index into writes
  size_t next_off = 0;         // bytes of writes[next] already sent
  size_t sent = 0;
  size_t received = 0;
  bool eof = false;
  std::string error;  // empty while all is well
};

// Drives the clients with poll() until each finished or failed, or timeout_ms passed
// (then the unfinished ones fail). For a client thread; the loop runs elsewhere.
void DriveEchoClients(const std::vector<EchoClient*>& clients, int timeout_ms);

// An echo server on the engine, like examples/echo_engine.cc: each received piece
// is retained and sent back as it is; the buffer returns to the ring when its send
// completes. EOF ends the connection once the echoes are out. Counts callbacks.
// Must outlive the loop (the loop's destructor closes connections).
class EchoServer : public engine::AcceptHandler, public engine::ConnectionHandler {
 public:
  void OnAccept(engine::Connection& c) override;
  void OnData(engine::Connection& c, const engine::RecvBuf& data) override;
  void OnEof(engine::Connection& c) override;
  void OnClose(engine::Connection& c, int err) override;

  int accepted = 0;
  int eofs = 0;
  int closed = 0;
  int closed_with_error = 0;  // OnClose with err < 0
  int last_error = 0;
  uint64_t bytes = 0;
};

// Accepts connections (or serves one Loop::Connect) and records what happens to
// them; tests add behaviour through the hooks. Must outlive the loop.
class RecordingHandler : public engine::AcceptHandler, public engine::ConnectionHandler {
 public:
  void OnAccept(engine::Connection& c) override;
  void OnConnect(engine::Connection& c, int err) override;
  void OnData(engine::Connection& c, const engine::RecvBuf& data) override;
  // Counts, then runs on_eof, or Close() when there is none.
  void OnEof(engine::Connection& c) override;
  void OnClose(engine::Connection& c, int err) override;

  std::function<void(engine::Connection&)> on_accept;
  std::function<void(engine::Connection&, int)> on_connect;
  std::function<void(engine::Connection&, const engine::RecvBuf&)> on_data;
  std::function<void(engine::Connection&)> on_eof;

  engine::Connection* conn = nullptr;  // the last connection; null after its OnClose
  std::string received;                // every OnData piece, appended
  int accepts = 0;
  int connects = 0;
  int connect_err = 1;  // 1 until OnConnect ran
  int data_calls = 0;
  int eofs = 0;
  int closes = 0;
  int close_err = 1;  // 1 until OnClose ran
};

// A SendReq over bytes it owns, recording how it finished. Stays put (the engine
// points at it) and must outlive the loop.
struct TestSend {
  explicit TestSend(std::string data);
  TestSend(const TestSend&) = delete;
  TestSend& operator=(const TestSend&) = delete;

  std::string bytes;
  iovec iov{};
  engine::SendReq req;
  int done_calls = 0;
  int err = 1;  // 1 until on_done ran
};

}  // namespace engine_test

#endif  // TESTS_ENGINE_TEST_UTIL_H_
