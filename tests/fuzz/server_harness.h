// ServerHarness: one http::Server connection at a time, served on an engine Loop that
// the calling thread runs itself, its bytes fed and read from memory, each piece one
// receive. For the server fuzz target (tests/fuzz/server_fuzz.cc).
//
// The transport is an AF_UNIX stream socket pair: the engine's Connection is one end
// (made by Loop::Connect to a listening socket of the harness, so the engine is used
// as it is), the harness holds the other as a non-blocking socket. Every layer the
// server uses runs for real: the multishot receive into the buffer ring, pauses and
// held pieces, sendmsg batches, deferred work, reaping. (A fake Connection would
// need a second implementation of those inside the engine and would test that
// instead; the socket pair costs a few system calls a piece.)
//
// Life of one Serve():
//   1. A fresh LoopPools for `server`, and a connection: its ServerConnection is made
//      as a listener's accept would make it, with loop index -1 (no loop of the
//      server counts it), and 'connection' is emitted.
//   2. Each piece is written to the peer end, then loop turns run until the server is
//      quiet (see RunUntilQuiet): so the server reads each piece in one receive,
//      unless it paused reading, in which case the pieces wait in the socket as they
//      would from a real peer. Between pieces, `between` runs (the fuzz handler's
//      moment to resume what it paused).
//   3. The peer shuts down its write side (the server sees the end of stream); once
//      quiet, a connection still open is destroyed.
//   4. Everything the server sent is returned; the pools go once the connection is
//      reaped.
// A server that does not go quiet within kMaxTurns loop turns (a busy loop) aborts.
//
// Loop thread only (the caller's); one harness per process (it owns the loop).
#ifndef TESTS_FUZZ_SERVER_HARNESS_H_
#define TESTS_FUZZ_SERVER_HARNESS_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/loop.h"
#include "http/server.h"

namespace http {
class LoopPools;
}

namespace fuzz {

class ServerHarness {
 public:
  static constexpr int kMaxTurns = 20000;

  // The process's harness, made on first use (its loop is never torn down: fuzz
  // targets and the tests that run them end with the process).
  static ServerHarness& Get();

  // Serves one connection of `server` over `stream`, cut into `pieces` (sizes that
  // add up to the stream's). Returns the bytes the server sent.
  std::string Serve(http::Server& server, std::string_view stream,
                    const std::vector<size_t>& pieces, const std::function<void()>& between);

 private:
  ServerHarness();
  // Runs turns until two in a row dispatch no completion, receive nothing from the
  // server, and leave no byte unread by a server that is reading.
  void RunUntilQuiet();
  // Reads what the server sent into out_; true if anything came.
  bool Drain();
  void WriteAll(std::string_view bytes);

  std::unique_ptr<engine::Loop> loop_;
  int listen_fd_ = -1;
  std::string address_;  // the listening socket's abstract name
  // The connection being served.
  http::LoopPools* pools_ = nullptr;
  engine::Connection* conn_ = nullptr;
  http::Socket* socket_ = nullptr;  // null once it closed
  int peer_fd_ = -1;
  bool peer_eof_ = false;
  std::string out_;
};

}  // namespace fuzz

#endif  // TESTS_FUZZ_SERVER_HARNESS_H_
