// Helpers for the tests against real peers (curl, nginx, wrk): finding the peer's
// binary, running it as a child process with a deadline, files in the test's
// temporary folder, and a blocking HTTP/1.1 client for checking bytes end to end.
//
// Every child is killed on every exit path: Run() kills it at its deadline, and a
// Process kills it when destroyed. Children are started with PR_SET_PDEATHSIG, so
// that they die with the test even if the test itself is killed (a Bazel timeout).
// Fork from the test's main thread only: the death signal follows the forking
// thread.
#ifndef TESTS_PEERS_PEER_UTIL_H_
#define TESTS_PEERS_PEER_UTIL_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace peers {

int64_t NowMs();

// The absolute path of `name` from $PATH or /usr/bin, /usr/sbin, /bin, /sbin; empty
// when it is nowhere.
std::string FindBinary(const std::string& name);

// A path in the test's runfiles ("examples/hello_http").
std::string Runfile(const std::string& path);

// $TEST_TMPDIR (a fresh folder under /tmp when run by hand), created if missing.
std::string TestTmpDir();
// A fresh folder under TestTmpDir() whose name starts with `prefix`.
std::string MakeTempDir(const std::string& prefix);

bool WriteFile(const std::string& path, std::string_view bytes);
std::string ReadFile(const std::string& path);

// `n` bytes from a seed: every byte value occurs, CR, LF and NUL included.
std::string PseudoRandomBytes(size_t n, uint64_t seed);

// A loopback port nothing listens on right now (the kernel's pick for a bind).
int FreePort();
// Whether something accepts TCP connections on 127.0.0.1:port.
bool Accepts(int port);

// The outcome of Run(): `status` is waitpid's, or -1 when the child was killed at
// the deadline (then `timed_out`).
struct RunResult {
  int status = -1;
  bool timed_out = false;
  std::string out;               // everything the child wrote to stdout
  std::string err;               // and to stderr
  bool ok() const;               // exited with status 0
  std::string Describe() const;  // status, stdout and stderr, for failure messages
};

// Runs args[0] (an absolute path) with args[1..], no stdin, until it exits or
// `timeout_ms` pass; then it is killed.
RunResult Run(const std::vector<std::string>& args, int timeout_ms);

// A long-running child (a server). Its stdout can be read line by line; its stderr
// goes to the test's log.
class Process {
 public:
  Process() = default;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() { Kill(); }

  bool Start(const std::vector<std::string>& args);
  // Reads stdout until a newline, EOF or the deadline; returns what was read.
  std::string ReadLine(int timeout_ms);
  // Reads up to `max` bytes of stdout, waiting up to `timeout_ms` for some; empty at
  // EOF or the deadline.
  std::string ReadSome(size_t max, int timeout_ms);
  // Waits up to `timeout_ms` for the exit; returns the wait status, or -1 after
  // killing it at the deadline.
  int Wait(int timeout_ms);
  bool Running();
  pid_t pid() const { return pid_; }
  // Sends `sig` and waits up to `timeout_ms` for the exit, then SIGKILL. Returns
  // the wait status, or -1 when it had to be killed (or was not running).
  int Stop(int sig, int timeout_ms);
  void Kill();

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  int status_ = -1;
};

// A blocking HTTP/1.1 client on one kept-alive connection, for checking every byte
// of a response. It sends and receives at the same time, so that a server (or a
// proxy) that answers while the request body is still arriving cannot deadlock it.
struct Response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;                                          // de-chunked
  bool chunked = false;
  bool close = false;  // Connection: close
  const std::string* Header(std::string_view lower_name) const;
};

class HttpClient {
 public:
  HttpClient() = default;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  ~HttpClient() { Close(); }

  bool Connect(int port, int timeout_ms);
  void Close();
  bool connected() const { return fd_ >= 0; }
  // Sends `head` (the request line and header lines, without the blank line), then
  // the body: with Content-Length, or in chunks of `chunk` bytes when chunk > 0
  // (head then must not carry a Content-Length); a GET or HEAD without a body gets
  // neither. The response to a HEAD has no body, whatever its head says. Returns false, with
  // `error` set, when the connection fails, the response is malformed or `timeout_ms` pass.
  bool Exchange(const std::string& head, std::string_view body, size_t chunk, int timeout_ms,
                Response* response);
  const std::string& error() const { return error_; }

 private:
  // Parses one whole response from the front of in_; returns false while incomplete.
  // Sets error_ (and returns false) when it is malformed.
  bool ParseResponse(Response* response, bool eof);

  int fd_ = -1;
  bool head_request_ = false;  // the request in flight is a HEAD
  std::string in_;
  std::string error_;
};

}  // namespace peers

#endif  // TESTS_PEERS_PEER_UTIL_H_
