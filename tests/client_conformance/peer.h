// A scripted HTTP server for the client conformance tests: the C++ twin of the peer
// in tools/record_client_fixtures/harness.js, which v12's client was recorded
// against. A replay test starts one with a scenario's responses, points the C++
// client at port(), and compares what the peer received (Received, Answers) and what
// the client emitted with the recording.
//
// What it does, as the JavaScript peer does (the rules are in script.h):
//   1. listens on 127.0.0.1 or ::1, port 0, and numbers connections from 0 in accept
//      order;
//   2. records every byte of each connection, and splits requests off it as they
//      complete;
//   3. gives each complete request the next response string, over all connections
//      (none once they run out), and logs which, as answers.txt does;
//   4. plays a connection's answers one after another, as a queue of steps: wait,
//      write, FIN, reset. A delayed answer holds back the ones behind it on its
//      connection and nothing else;
//   5. answers the client's FIN with its own, drops what is to be written after its
//      FIN, and stops reading a connection once it is closed or reset.
// One difference cannot be helped: when two connections' requests complete in the
// same turn, this peer serves them in connection order, libuv in the kernel's.
//
// Threads: the peer runs on a thread of its own from Start() to Stop(). Every public
// method may be called from any other thread; the accessors return copies, taken
// under the peer's lock. WaitUntil's predicate runs on the caller's thread.
#ifndef TESTS_CLIENT_CONFORMANCE_PEER_H_
#define TESTS_CLIENT_CONFORMANCE_PEER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/client_conformance/fixture.h"
#include "tests/client_conformance/script.h"

namespace client_conformance {

class ScriptedPeer {
 public:
  // `responses` are response strings as in client.js (response.N.bin), directive
  // lines included. Throws std::invalid_argument for a bad directive, before
  // anything runs, as harness.js fails.
  explicit ScriptedPeer(std::vector<std::string> responses, std::string listen = "127.0.0.1");
  explicit ScriptedPeer(const Fixture& fixture);
  ~ScriptedPeer();  // Stop()

  ScriptedPeer(const ScriptedPeer&) = delete;
  ScriptedPeer& operator=(const ScriptedPeer&) = delete;

  // Binds, listens and starts the peer's thread. Returns false, with errno set, when
  // the socket cannot be set up (no IPv6 on the machine, for ::1).
  bool Start();

  // The port it listens on (after Start()).
  uint16_t port() const { return port_; }

  // Blocks until nothing has happened for quiet_ms (no connection accepted, no byte
  // read, no step played) and no step is waiting for its time. False when limit_ms
  // passed first.
  bool WaitForQuiet(int quiet_ms, int limit_ms = 10000) const;

  // Blocks until pred() is true, trying it again after each thing the peer does.
  // False when limit_ms passed first.
  bool WaitUntil(const std::function<bool()>& pred, int limit_ms = 10000) const;

  // Connections accepted so far.
  size_t connections() const;

  // What connection i received, with ":<port>" written ":PORT", as in sent.N.bin;
  // empty for a connection not (yet) accepted.
  std::string Received(size_t i) const;

  // Whether connection i is over: the client closed or reset it, or the peer did.
  bool Closed(size_t i) const;

  // One line per request split off a connection (and per `head` answer), as in
  // answers.txt: "connection C at OFFSET response K" (or "response none").
  std::vector<std::string> Answers() const;

  // Stops the thread and closes every socket (a FIN on those still open). Idempotent.
  void Stop();

 private:
  struct Step {
    enum class Kind { kWait, kWrite, kFin, kReset };
    Kind kind;
    int ms = 0;
    std::string bytes;
  };

  // One accepted connection. Owned by the peer thread; read by the accessors under
  // mu_.
  struct Connection {
    int fd = -1;
    std::string received;  // every byte, as read
    std::string pending;   // the bytes not yet split into requests
    size_t consumed = 0;   // received.size() - pending.size()
    bool head_answered = false;
    std::deque<Step> steps;
    std::optional<std::chrono::steady_clock::time_point> waiting_until;
    bool ended = false;  // a FIN went out: nothing more is written
    bool gone = false;   // closed or reset: nothing more is read
  };

  void Run();
  void Accept();
  void Read(Connection& conn, size_t index);
  void Split(Connection& conn, size_t index);
  void Answer(Connection& conn, size_t index, size_t offset);
  void Pump(Connection& conn);
  void Close(Connection& conn, bool reset);
  void Touch();  // something happened: for WaitForQuiet and WaitUntil

  const std::vector<std::string> texts_;
  const std::vector<Plan> plans_;
  const std::string listen_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // an eventfd: Stop() writes it to end the thread's poll
  std::thread thread_;

  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::vector<std::unique_ptr<Connection>> conns_;  // guarded by mu_
  std::vector<std::string> answers_;                // guarded by mu_
  size_t next_ = 0;                                 // the next response to give
  std::chrono::steady_clock::time_point last_activity_;
  uint64_t generation_ = 0;  // bumped by Touch()
};

}  // namespace client_conformance

#endif  // TESTS_CLIENT_CONFORMANCE_PEER_H_
