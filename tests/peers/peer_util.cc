#include "tests/peers/peer_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

extern char** environ;

namespace peers {

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

namespace {

bool Executable(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// The child's side of a fork: stdio, the death signal, then exec. Only
// async-signal-safe calls: the parent has other threads.
[[noreturn]] void ExecChild(char* const* argv, int out_fd, int err_fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
  if (out_fd >= 0) dup2(out_fd, STDOUT_FILENO);
  if (err_fd >= 0) dup2(err_fd, STDERR_FILENO);
  // Undo what a test runner may block or ignore, so that signals work in the child.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGPIPE, SIG_DFL);
  execve(argv[0], argv, environ);
  _exit(127);
}

std::vector<char*> Argv(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  return argv;
}

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

std::string FindBinary(const std::string& name) {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream ss(path);
    std::string dir;
    while (std::getline(ss, dir, ':')) {
      if (!dir.empty()) dirs.push_back(dir);
    }
  }
  for (const char* d : {"/usr/bin", "/usr/sbin", "/bin", "/sbin"}) dirs.push_back(d);
  for (const std::string& dir : dirs) {
    std::string candidate = dir + "/" + name;
    if (Executable(candidate)) return candidate;
  }
  return "";
}

std::string Runfile(const std::string& path) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr || workspace == nullptr) return path;  // run by hand from bazel-bin
  return std::string(srcdir) + "/" + workspace + "/" + path;
}

std::string TestTmpDir() {
  static const std::string dir = [] {
    if (const char* d = std::getenv("TEST_TMPDIR")) {
      mkdir(d, 0755);
      return std::string(d);
    }
    char tmpl[] = "/tmp/peers_test.XXXXXX";
    const char* d = mkdtemp(tmpl);
    return std::string(d != nullptr ? d : "/tmp");
  }();
  return dir;
}

std::string MakeTempDir(const std::string& prefix) {
  std::string tmpl = TestTmpDir() + "/" + prefix + ".XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  const char* d = mkdtemp(buf.data());
  return d != nullptr ? std::string(d) : std::string();
}

bool WriteFile(const std::string& path, std::string_view bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  return std::fclose(f) == 0 && ok;
}

std::string ReadFile(const std::string& path) {
  std::string s;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return s;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) s.append(buf, n);
  std::fclose(f);
  return s;
}

std::string PseudoRandomBytes(size_t n, uint64_t seed) {
  std::string s(n, '\0');
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    s[i] = static_cast<char>(x >> 56);
  }
  return s;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  close(fd);
  return ok;
}

bool RunResult::ok() const { return !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0; }

std::string RunResult::Describe() const {
  std::string s;
  if (timed_out) {
    s = "killed at the deadline";
  } else if (WIFEXITED(status)) {
    s = "exit status " + std::to_string(WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    s = "killed by signal " + std::to_string(WTERMSIG(status));
  }
  auto tail = [](const std::string& t) {
    return t.size() <= 4000 ? t : "..." + t.substr(t.size() - 4000);
  };
  return s + "\n--- stdout ---\n" + tail(out) + "\n--- stderr ---\n" + tail(err);
}

RunResult Run(const std::vector<std::string>& args, int timeout_ms) {
  RunResult r;
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return r;
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return r;
  }
  std::vector<char*> argv = Argv(args);
  int64_t deadline = NowMs() + timeout_ms;
  pid_t pid = fork();
  if (pid == 0) ExecChild(argv.data(), out[1], err[1]);
  close(out[1]);
  close(err[1]);
  if (pid < 0) {
    close(out[0]);
    close(err[0]);
    r.err = std::string("fork: ") + std::strerror(errno);
    return r;
  }
  // Drain both pipes until EOF on each (the child exited, or closed them).
  pollfd p[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sink[2] = {&r.out, &r.err};
  int open_fds = 2;
  while (open_fds > 0) {
    int64_t left = deadline - NowMs();
    if (left <= 0) break;
    if (poll(p, 2, static_cast<int>(left)) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (p[i].fd < 0 || p[i].revents == 0) continue;
      char buf[65536];
      ssize_t n = read(p[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sink[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(p[i].fd);
        p[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (pollfd& q : p) {
    if (q.fd >= 0) close(q.fd);
  }
  for (;;) {
    int status;
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) {
      r.status = status;
      break;
    }
    if (NowMs() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      r.timed_out = true;
      break;
    }
    usleep(5000);
  }
  return r;
}

bool Process::Start(const std::vector<std::string>& args) {
  Kill();
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return false;
  std::vector<char*> argv = Argv(args);
  pid_t pid = fork();
  if (pid == 0) ExecChild(argv.data(), out[1], -1);
  close(out[1]);
  if (pid < 0) {
    close(out[0]);
    return false;
  }
  pid_ = pid;
  out_ = out[0];
  status_ = -1;
  return true;
}

std::string Process::ReadLine(int timeout_ms) {
  std::string s;
  int64_t deadline = NowMs() + timeout_ms;
  while (out_ >= 0 && !(!s.empty() && s.back() == '\n')) {
    int64_t left = deadline - NowMs();
    pollfd p{out_, POLLIN, 0};
    if (left <= 0 || poll(&p, 1, static_cast<int>(left)) <= 0) break;
    char c;
    if (read(out_, &c, 1) != 1) break;  // a line: not a byte more
    s.push_back(c);
  }
  return s;
}

std::string Process::ReadSome(size_t max, int timeout_ms) {
  std::string s;
  pollfd p{out_, POLLIN, 0};
  if (out_ < 0 || poll(&p, 1, timeout_ms) <= 0) return s;
  s.resize(max);
  ssize_t n = read(out_, s.data(), max);
  s.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return s;
}

int Process::Wait(int timeout_ms) {
  int64_t deadline = NowMs() + timeout_ms;
  while (Running()) {
    if (NowMs() >= deadline) {
      Kill();
      return -1;
    }
    usleep(5000);
  }
  int status = status_;
  Kill();
  return status;
}

bool Process::Running() {
  if (pid_ <= 0) return false;
  int status;
  pid_t w = waitpid(pid_, &status, WNOHANG);
  if (w == 0) return true;
  if (w == pid_) status_ = status;
  pid_ = -1;
  return false;
}

int Process::Stop(int sig, int timeout_ms) {
  if (!Running()) {
    int status = status_;
    Kill();
    return status;
  }
  kill(pid_, sig);
  int64_t deadline = NowMs() + timeout_ms;
  while (NowMs() < deadline) {
    if (!Running()) {
      int status = status_;
      Kill();
      return status;
    }
    usleep(5000);
  }
  Kill();
  return -1;
}

void Process::Kill() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  if (out_ >= 0) close(out_);
  out_ = -1;
}

const std::string* Response::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

bool HttpClient::Connect(int port, int timeout_ms) {
  Close();
  int64_t deadline = NowMs() + timeout_ms;
  for (;;) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) break;
    error_ = std::string("connect: ") + std::strerror(errno);
    Close();
    if (NowMs() >= deadline) return false;
    usleep(10000);
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  SetNonBlocking(fd_);
  in_.clear();
  return true;
}

void HttpClient::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

bool HttpClient::Exchange(const std::string& head, std::string_view body, size_t chunk,
                          int timeout_ms, Response* response) {
  error_.clear();
  if (fd_ < 0) {
    error_ = "not connected";
    return false;
  }
  std::string out = head;
  head_request_ = head.rfind("HEAD ", 0) == 0;
  if (chunk == 0 && body.empty() && (head_request_ || head.rfind("GET ", 0) == 0)) {
    out += "\r\n";
  } else if (chunk == 0) {
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    out.append(body);
  } else {
    out += "Transfer-Encoding: chunked\r\n\r\n";
    char size[32];
    for (size_t at = 0; at < body.size(); at += chunk) {
      size_t n = std::min(chunk, body.size() - at);
      std::snprintf(size, sizeof(size), "%zx\r\n", n);
      out += size;
      out.append(body.substr(at, n));
      out += "\r\n";
    }
    out += "0\r\n\r\n";
  }

  int64_t deadline = NowMs() + timeout_ms;
  size_t sent = 0;
  bool eof = false;
  for (;;) {
    if (ParseResponse(response, eof)) {
      if (sent < out.size()) {
        error_ = "a response (" + std::to_string(response->status) +
                 ") came before the request was sent";
        return false;
      }
      return true;
    }
    if (!error_.empty()) return false;
    if (eof) {
      error_ = "the connection closed before the response was complete (" +
               std::to_string(in_.size()) + " bytes received)";
      return false;
    }
    int64_t left = deadline - NowMs();
    if (left <= 0) {
      error_ = "timed out with " + std::to_string(sent) + " of " + std::to_string(out.size()) +
               " request bytes sent and " + std::to_string(in_.size()) + " response bytes received";
      return false;
    }
    pollfd p{fd_, static_cast<short>(POLLIN | (sent < out.size() ? POLLOUT : 0)), 0};
    if (poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000))) <= 0) continue;
    if ((p.revents & POLLOUT) && sent < out.size()) {
      ssize_t n = send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        error_ = std::string("send: ") + std::strerror(errno);
        return false;
      }
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[65536];
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n > 0) {
        in_.append(buf, static_cast<size_t>(n));
      } else if (n == 0) {
        eof = true;
      } else if (errno != EAGAIN && errno != EINTR) {
        error_ = std::string("recv: ") + std::strerror(errno);
        return false;
      }
    }
  }
}

bool HttpClient::ParseResponse(Response* r, bool eof) {
  size_t start = 0;
  for (;;) {  // interim (1xx) responses are skipped
    size_t end = in_.find("\r\n\r\n", start);
    if (end == std::string::npos) return false;
    *r = Response();
    std::string status_line = in_.substr(start, in_.find("\r\n", start) - start);
    if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) {
      error_ = "bad status line: " + status_line.substr(0, 100);
      return false;
    }
    r->status = std::atoi(status_line.c_str() + 9);
    size_t line = in_.find("\r\n", start) + 2;
    int64_t content_length = -1;
    while (line < end + 2) {
      size_t eol = in_.find("\r\n", line);
      std::string field = in_.substr(line, eol - line);
      size_t colon = field.find(':');
      if (colon == std::string::npos) {
        error_ = "bad header line: " + field.substr(0, 100);
        return false;
      }
      std::string name = Lower(field.substr(0, colon));
      std::string value = Trim(field.substr(colon + 1));
      if (name == "content-length") content_length = std::atoll(value.c_str());
      if (name == "transfer-encoding" && Lower(value) == "chunked") r->chunked = true;
      if (name == "connection" && Lower(value) == "close") r->close = true;
      r->headers.emplace_back(std::move(name), std::move(value));
      line = eol + 2;
    }
    size_t body = end + 4;
    if (r->status >= 100 && r->status < 200) {
      start = body;
      continue;
    }
    if (head_request_ || r->status == 204 || r->status == 304) {
      in_.erase(0, body);
      return true;
    }
    if (r->chunked) {
      // Walk the chunk sizes first and copy the data only once the body is complete:
      // this runs after every read.
      for (bool copy : {false, true}) {
        size_t p = body;
        for (;;) {
          size_t eol = in_.find("\r\n", p);
          if (eol == std::string::npos) return false;
          char* hex_end = nullptr;
          std::string size_text = in_.substr(p, eol - p);
          unsigned long long n = std::strtoull(size_text.c_str(), &hex_end, 16);
          if (hex_end == size_text.c_str()) {
            error_ = "bad chunk size: " + size_text.substr(0, 100);
            return false;
          }
          p = eol + 2;
          if (n == 0) {
            if (in_.size() < p + 2) return false;
            if (in_.compare(p, 2, "\r\n") == 0) {
              p += 2;
            } else {
              size_t t = in_.find("\r\n\r\n", p);
              if (t == std::string::npos) return false;
              p = t + 4;
            }
            if (copy) in_.erase(0, p);
            break;
          }
          if (in_.size() < p + n + 2) return false;
          if (copy) r->body.append(in_, p, n);
          if (in_.compare(p + n, 2, "\r\n") != 0) {
            error_ = "a chunk is not followed by CRLF";
            return false;
          }
          p += n + 2;
        }
      }
      return true;
    }
    if (content_length >= 0) {
      if (in_.size() < body + static_cast<size_t>(content_length)) return false;
      r->body = in_.substr(body, static_cast<size_t>(content_length));
      in_.erase(0, body + static_cast<size_t>(content_length));
      return true;
    }
    // Neither: the body runs until the connection closes.
    if (!eof) return false;
    r->body = in_.substr(body);
    r->close = true;
    in_.clear();
    return true;
  }
}

}  // namespace peers
