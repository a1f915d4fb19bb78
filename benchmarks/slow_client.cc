// The slow side of //benchmarks:slow_clients (benchmarks/slow_clients.py): many HTTP
// connections that each send their request in two parts and hold in between, as a slow
// or hostile client does. epoll and non-blocking sockets, no engine code, so that it
// loads every server alike.
//
//   slow_client --port P --connections N --first BYTES --rest BYTES
//               [--host 127.0.0.1] [--sources 16] [--responses 1] [--hold stdin|SECONDS]
//               [--max-connecting 256] [--connect-timeout 3] [--connect-phase-timeout 30]
//               [--answer-timeout 10] [--hold-max 600] [--trickle SECONDS]
//
// BYTES take C escapes (\r \n \t \\ \xHH), so that a request head fits on a command line.
// Durations are in seconds.
//
// One run, step by step:
//   1. Opens N connections, at most --max-connecting at once: more would overflow the
//      server's accept queue, where the kernel drops the SYNs it cannot queue and each
//      costs the client a second's retransmission. To a loopback server they come from
//      the source addresses 127.0.0.2 .. 127.0.0.(1+S), so that 10,000 of them beside
//      wrk's do not run one address out of ephemeral ports (--sources 0: no bind).
//   2. Each sends --first as soon as it is connected.
//   3. Once every connection has sent --first or failed, or --connect-phase-timeout has
//      passed, prints "SLOW_HELD {json}" and holds: until a line or EOF on stdin
//      (--hold stdin, the default; at most --hold-max), or for SECONDS.
//      With --trickle, each connection sends the next byte of --rest every SECONDS
//      while it holds (a slowloris client).
//   4. Sends --rest (what is left of it) on every connection still open.
//   5. Reads until each connection has --responses complete responses or is closed, or
//      --answer-timeout has passed since step 4; prints "SLOW_JSON {json}" and exits 0.
// Responses are read all along, while holding too: a server may answer before the
// request is complete (nginx's `return` answers a POST before its body has arrived).
// Bad arguments exit with status 2.
//
// Every connection ends in exactly one outcome, counted in SLOW_JSON's "outcomes":
// connect_failed; complete (all --responses, then closed by this client); closed_answered
// or reset_answered (the server closed it with a FIN, or a reset, after at least one
// response); closed_unanswered or reset_unanswered; timeout_answered or
// timeout_unanswered (still open at the deadline). "answered" counts the connections
// with at least one complete response, whenever it came; answered_before_rest and
// ended_before_rest those answered, and those closed by the server, before step 4
// (ended_before_rest_max_ms: the longest of those connections' lives).
// Times are in milliseconds: last_answer_ms is from step 4 to the last connection's
// first response (0 if every one was answered before step 4), last_done_ms from step 4
// to the last complete or closed connection; either is null when none got there.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace {

double NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  int connections = 1;
  std::string first;
  std::string rest;
  int sources = 16;
  int responses = 1;
  double hold_s = -1;  // < 0: until a line or EOF on stdin
  int max_connecting = 256;
  double connect_timeout_s = 3;
  double connect_phase_timeout_s = 30;
  double answer_timeout_s = 10;
  double hold_max_s = 600;
  double trickle_s = 0;  // 0: no byte of --rest before step 4
};

enum Outcome {
  kConnectFailed,
  kComplete,
  kClosedAnswered,
  kResetAnswered,
  kClosedUnanswered,
  kResetUnanswered,
  kTimeoutAnswered,
  kTimeoutUnanswered,
  kOutcomes
};
constexpr const char* kOutcomeNames[kOutcomes] = {
    "connect_failed",    "complete",         "closed_answered",  "reset_answered",
    "closed_unanswered", "reset_unanswered", "timeout_answered", "timeout_unanswered"};

enum class State { kNotStarted, kConnecting, kOpen, kDone };

struct Conn {
  int fd = -1;
  State state = State::kNotStarted;
  bool want_out = false;  // EPOLLOUT is in its epoll mask
  double started_ms = 0;
  double first_answer_ms = -1;
  int responses = 0;
  size_t trickled = 0;  // bytes of --rest sent while holding
  std::string out;  // bytes still to send
  std::string in;   // received bytes of a response not yet complete
};

// The length of the complete response at the start of `buf`, or 0 while it is
// incomplete (a response delimited by the close is complete only at `eof`). Sets
// *status. Handles what the servers measured here send: Content-Length, chunked
// without trailers, bodiless statuses, and bodies up to the close.
size_t CompleteResponse(std::string_view buf, bool eof, int* status) {
  size_t end = buf.find("\r\n\r\n");
  if (end == std::string_view::npos) return 0;
  size_t head_len = end + 4;
  *status = 0;
  if (head_len > 12 && buf.substr(0, 5) == "HTTP/") {
    for (size_t i = 9; i < 12 && std::isdigit(static_cast<unsigned char>(buf[i])); ++i) {
      *status = *status * 10 + (buf[i] - '0');
    }
  }
  if (*status < 200 || *status == 204 || *status == 304) return head_len;
  std::string head(buf.substr(0, head_len));
  for (char& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  size_t te = head.find("\r\ntransfer-encoding:");
  if (te != std::string::npos && head.find("chunked", te) < head.find("\r\n", te + 2)) {
    size_t last = buf.find("\n0\r\n\r\n", head_len - 1);
    return last == std::string_view::npos ? 0 : last + 6;
  }
  size_t cl = head.find("\r\ncontent-length:");
  if (cl != std::string::npos) {
    size_t length = std::strtoull(head.c_str() + cl + 17, nullptr, 10);
    return buf.size() >= head_len + length ? head_len + length : 0;
  }
  return eof ? buf.size() : 0;
}

bool Unescape(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c != '\\') {
      out->push_back(c);
    } else if (++i == in.size()) {
      return false;
    } else if (std::string_view("rnt\\").find(in[i]) != std::string_view::npos) {
      out->push_back(in[i] == 'r' ? '\r' : in[i] == 'n' ? '\n' : in[i] == 't' ? '\t' : '\\');
    } else if (in[i] == 'x' && i + 2 < in.size() &&
               std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out->push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      return false;
    }
  }
  return true;
}

std::string ErrorName(int err) {
  const char* name = strerrorname_np(err);
  return name ? name : "errno " + std::to_string(err);
}

class SlowClient {
 public:
  explicit SlowClient(const Options& options)
      : o_(options), conns_(options.connections), server_{} {}

  int Run();

 private:
  enum class Phase { kConnect, kHold, kAnswer };
  static constexpr uint64_t kStdinTag = UINT64_MAX;

  void StartConnects(double now);
  void OnConnected(size_t i, double now);
  void Flush(size_t i, double now);
  void Read(size_t i, double now);
  void Finish(size_t i, Outcome outcome, double now);
  void SetWantOut(size_t i, bool want);
  void ReadStdin();
  void EndConnectPhase(double now);
  void Trickle(double now);
  void SendRest(double now);
  void PrintHeld(double now) const;
  void PrintSummary(double now) const;
  int Answered() const;

  Options o_;
  std::vector<Conn> conns_;
  sockaddr_in server_;
  int epoll_ = -1;
  Phase phase_ = Phase::kConnect;
  size_t next_ = 0;          // the next connection to start
  size_t connect_head_ = 0;  // no connection before it is still connecting
  int connecting_ = 0;
  int unsent_ = 0;  // open connections with bytes of --first still to send
  int open_ = 0;    // started and not yet done
  int outcomes_[kOutcomes] = {};
  int ended_before_rest_ = 0;  // closed or reset by the server before step 4
  int status_2xx_ = 0;
  int status_other_ = 0;
  std::map<std::string, int> connect_errors_;
  bool stdin_done_ = false;
  double start_ms_ = 0;
  double held_ms_ = 0;
  double rest_ms_ = 0;
  double hold_end_ms_ = 0;
  double answer_end_ms_ = 0;
  double next_trickle_ms_ = 0;
  double ended_before_rest_max_ms_ = 0;
  std::vector<double> done_ms_;  // connections closed or complete, when
};

int SlowClient::Run() {
  server_.sin_family = AF_INET;
  server_.sin_port = htons(static_cast<uint16_t>(o_.port));
  if (inet_pton(AF_INET, o_.host.c_str(), &server_.sin_addr) != 1) {
    std::fprintf(stderr, "slow_client: --host %s is not an IPv4 address\n", o_.host.c_str());
    return 2;
  }
  // Binding 127.0.0.x only makes sense towards a loopback server.
  if ((ntohl(server_.sin_addr.s_addr) >> 24) != 127) o_.sources = 0;

  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) {
    std::perror("slow_client: epoll_create1");
    return 1;
  }
  if (o_.hold_s < 0) {
    epoll_event ev{EPOLLIN, {.u64 = kStdinTag}};
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, STDIN_FILENO, &ev) < 0) {
      std::fprintf(stderr, "slow_client: stdin cannot be polled (%s); not holding\n",
                   std::strerror(errno));
      stdin_done_ = true;
    }
  }
  start_ms_ = NowMs();
  std::vector<epoll_event> events(1024);
  for (;;) {
    double now = NowMs();
    if (phase_ == Phase::kConnect) {
      StartConnects(now);
      // Connections time out in the order they started.
      while (connect_head_ < next_ &&
             (conns_[connect_head_].state != State::kConnecting ||
              now - conns_[connect_head_].started_ms > o_.connect_timeout_s * 1e3)) {
        if (conns_[connect_head_].state == State::kConnecting) {
          ++connect_errors_["ETIMEDOUT"];
          Finish(connect_head_, kConnectFailed, now);
        }
        ++connect_head_;
      }
      bool all_sent = next_ == conns_.size() && connecting_ == 0 && unsent_ == 0;
      if (all_sent || now - start_ms_ > o_.connect_phase_timeout_s * 1e3) EndConnectPhase(now);
    }
    if (phase_ == Phase::kHold && o_.trickle_s > 0 && now >= next_trickle_ms_) Trickle(now);
    if (phase_ == Phase::kHold && (stdin_done_ || now >= hold_end_ms_)) SendRest(now);
    if (phase_ == Phase::kAnswer && (open_ == 0 || now >= answer_end_ms_)) {
      for (size_t i = 0; i < conns_.size(); ++i) {
        if (conns_[i].state == State::kOpen) {
          Finish(i, conns_[i].responses ? kTimeoutAnswered : kTimeoutUnanswered, now);
        }
      }
      PrintSummary(now);
      return 0;
    }
    // A 20 ms tick bounds how late a phase change or a timeout is noticed.
    int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 20);
    if (n < 0 && errno != EINTR) {
      std::perror("slow_client: epoll_wait");
      return 1;
    }
    now = NowMs();
    for (int k = 0; k < n; ++k) {
      uint64_t tag = events[k].data.u64;
      if (tag == kStdinTag) {
        ReadStdin();
        continue;
      }
      Conn& c = conns_[tag];
      if (c.state == State::kConnecting) {
        OnConnected(tag, now);
      } else if (c.state == State::kOpen) {
        if (events[k].events & EPOLLOUT) Flush(tag, now);
        if (conns_[tag].state == State::kOpen &&
            (events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
          Read(tag, now);
        }
      }
    }
  }
}

void SlowClient::StartConnects(double now) {
  while (next_ < conns_.size() && connecting_ < o_.max_connecting) {
    size_t i = next_++;
    Conn& c = conns_[i];
    c.started_ms = now;
    ++open_;
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      ++connect_errors_[ErrorName(errno)];
      Finish(i, kConnectFailed, now);
      continue;
    }
    int one = 1;
    // The second part must leave at once, not wait for the first one's ACK.
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (o_.sources > 0) {
      // The port is chosen at connect(), unique per 4-tuple rather than per address.
      setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      sockaddr_in src{};
      src.sin_family = AF_INET;
      src.sin_addr.s_addr = htonl((127u << 24) | (2u + i % o_.sources));
      if (bind(c.fd, reinterpret_cast<sockaddr*>(&src), sizeof src) < 0) {
        ++connect_errors_[ErrorName(errno)];
        Finish(i, kConnectFailed, now);
        continue;
      }
    }
    c.state = State::kConnecting;
    ++connecting_;
    epoll_event ev{EPOLLOUT, {.u64 = i}};
    c.want_out = true;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
    if (connect(c.fd, reinterpret_cast<sockaddr*>(&server_), sizeof server_) == 0) {
      OnConnected(i, now);
    } else if (errno != EINPROGRESS) {
      ++connect_errors_[ErrorName(errno)];
      Finish(i, kConnectFailed, now);
    }
  }
}

void SlowClient::OnConnected(size_t i, double now) {
  Conn& c = conns_[i];
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  if (err) {
    ++connect_errors_[ErrorName(err)];
    Finish(i, kConnectFailed, now);
    return;
  }
  c.state = State::kOpen;
  --connecting_;
  c.out = o_.first;
  if (!c.out.empty()) ++unsent_;
  Flush(i, now);
}

void SlowClient::SetWantOut(size_t i, bool want) {
  Conn& c = conns_[i];
  if (c.want_out == want) return;
  c.want_out = want;
  epoll_event ev{EPOLLIN | (want ? EPOLLOUT : 0u), {.u64 = i}};
  epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
}

void SlowClient::Flush(size_t i, double now) {
  Conn& c = conns_[i];
  while (!c.out.empty()) {
    ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      Finish(i, c.responses ? kResetAnswered : kResetUnanswered, now);
      return;
    }
    c.out.erase(0, static_cast<size_t>(n));
    if (c.out.empty() && phase_ == Phase::kConnect) --unsent_;
  }
  SetWantOut(i, !c.out.empty());
}

void SlowClient::Read(size_t i, double now) {
  Conn& c = conns_[i];
  char buf[16384];
  for (;;) {
    ssize_t n = recv(c.fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    bool eof = n <= 0;
    if (n > 0) c.in.append(buf, static_cast<size_t>(n));
    int status = 0;
    while (size_t len = CompleteResponse(c.in, eof, &status)) {
      c.in.erase(0, len);
      if (status < 200) continue;  // an interim 1xx response
      if (c.responses++ == 0) c.first_answer_ms = now;
      if (status < 300)
        ++status_2xx_;
      else
        ++status_other_;
      if (c.responses >= o_.responses) {
        Finish(i, kComplete, now);
        return;
      }
    }
    if (n == 0) {
      Finish(i, c.responses ? kClosedAnswered : kClosedUnanswered, now);
      return;
    }
    if (n < 0) {
      Finish(i, c.responses ? kResetAnswered : kResetUnanswered, now);
      return;
    }
  }
}

void SlowClient::Finish(size_t i, Outcome outcome, double now) {
  Conn& c = conns_[i];
  if (c.state == State::kConnecting) --connecting_;
  if (c.state == State::kOpen && !c.out.empty() && phase_ == Phase::kConnect) --unsent_;
  if (c.fd >= 0) close(c.fd);  // also takes it out of the epoll set
  c.fd = -1;
  c.state = State::kDone;
  c.out.clear();
  c.out.shrink_to_fit();
  c.in.clear();
  c.in.shrink_to_fit();
  --open_;
  ++outcomes_[outcome];
  if (phase_ != Phase::kAnswer && outcome != kConnectFailed) {
    ++ended_before_rest_;
    ended_before_rest_max_ms_ = std::max(ended_before_rest_max_ms_, now - c.started_ms);
  }
  if (outcome == kComplete || outcome == kClosedAnswered || outcome == kClosedUnanswered) {
    done_ms_.push_back(now);
  }
}

void SlowClient::ReadStdin() {
  char buf[256];
  ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0 || std::memchr(buf, '\n', static_cast<size_t>(n))) {
    stdin_done_ = true;
    epoll_ctl(epoll_, EPOLL_CTL_DEL, STDIN_FILENO, nullptr);  // EOF would wake every turn
  }
}

void SlowClient::EndConnectPhase(double now) {
  for (size_t i = 0; i < conns_.size(); ++i) {
    State s = conns_[i].state;
    if (s == State::kNotStarted || s == State::kConnecting) {
      if (s == State::kNotStarted) ++open_;  // Finish counts it as started
      ++connect_errors_[s == State::kConnecting ? "ETIMEDOUT" : "not_started"];
      Finish(i, kConnectFailed, now);
    }
  }
  next_ = conns_.size();
  unsent_ = 0;
  phase_ = Phase::kHold;
  held_ms_ = now;
  hold_end_ms_ = now + (o_.hold_s >= 0 ? o_.hold_s : o_.hold_max_s) * 1e3;
  next_trickle_ms_ = now + o_.trickle_s * 1e3;
  PrintHeld(now);
}

void SlowClient::Trickle(double now) {
  next_trickle_ms_ = now + o_.trickle_s * 1e3;
  for (size_t i = 0; i < conns_.size(); ++i) {
    Conn& c = conns_[i];
    if (c.state != State::kOpen || c.trickled >= o_.rest.size()) continue;
    c.out += o_.rest[c.trickled++];
    Flush(i, now);
  }
}

void SlowClient::SendRest(double now) {
  phase_ = Phase::kAnswer;
  rest_ms_ = now;
  answer_end_ms_ = now + o_.answer_timeout_s * 1e3;
  for (size_t i = 0; i < conns_.size(); ++i) {
    if (conns_[i].state != State::kOpen) continue;
    conns_[i].out += o_.rest.substr(conns_[i].trickled);
    Flush(i, now);
  }
}

int SlowClient::Answered() const {
  int answered = 0;
  for (const Conn& c : conns_) answered += c.responses > 0;
  return answered;
}

void SlowClient::PrintHeld(double now) const {
  int open = 0;
  for (const Conn& c : conns_) open += c.state == State::kOpen;
  std::printf(
      "SLOW_HELD {\"connections\":%zu,\"open\":%d,\"connect_failed\":%d,"
      "\"answered\":%d,\"connect_ms\":%.1f}\n",
      conns_.size(), open, outcomes_[kConnectFailed], Answered(), now - start_ms_);
  std::fflush(stdout);
}

void SlowClient::PrintSummary(double now) const {
  int answered_before_rest = 0;
  double last_answer = -1;
  for (const Conn& c : conns_) {
    if (c.responses == 0) continue;
    if (c.first_answer_ms < rest_ms_) ++answered_before_rest;
    last_answer = std::max(last_answer, std::max(0.0, c.first_answer_ms - rest_ms_));
  }
  double last_done = -1;
  for (double t : done_ms_) last_done = std::max(last_done, std::max(0.0, t - rest_ms_));
  auto ms = [](double v) {
    char s[32];
    if (v < 0) return std::string("null");
    std::snprintf(s, sizeof s, "%.1f", v);
    return std::string(s);
  };
  std::string outcomes, errors;
  for (int k = 0; k < kOutcomes; ++k) {
    outcomes +=
        (k ? ",\"" : "\"") + std::string(kOutcomeNames[k]) + "\":" + std::to_string(outcomes_[k]);
  }
  for (const auto& [name, count] : connect_errors_) {
    errors += (errors.empty() ? "\"" : ",\"") + name + "\":" + std::to_string(count);
  }
  std::printf(
      "SLOW_JSON {\"connections\":%zu,\"connected\":%zu,\"answered\":%d,"
      "\"answered_before_rest\":%d,\"ended_before_rest\":%d,"
      "\"ended_before_rest_max_ms\":%.1f,\"status_2xx\":%d,"
      "\"status_other\":%d,"
      "\"outcomes\":{%s},\"connect_errors\":{%s},\"connect_ms\":%.1f,\"hold_ms\":%.1f,"
      "\"last_answer_ms\":%s,\"last_done_ms\":%s,\"elapsed_ms\":%.1f}\n",
      conns_.size(), conns_.size() - outcomes_[kConnectFailed], Answered(), answered_before_rest,
      ended_before_rest_, ended_before_rest_max_ms_, status_2xx_, status_other_, outcomes.c_str(), errors.c_str(),
      held_ms_ - start_ms_, rest_ms_ - held_ms_, ms(last_answer).c_str(), ms(last_done).c_str(),
      now - start_ms_);
  std::fflush(stdout);
}

int Usage(const char* why) {
  std::fprintf(stderr,
               "slow_client: %s\nusage: slow_client --port P --connections N --first BYTES "
               "--rest BYTES [--host H] [--sources S] [--responses K] [--hold stdin|SECONDS] "
               "[--max-connecting M] [--connect-timeout S] [--connect-phase-timeout S] "
               "[--answer-timeout S] [--hold-max S] [--trickle S]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  bool have_first = false, have_rest = false;
  for (int i = 1; i < argc; i += 2) {
    std::string_view key = argv[i];
    if (i + 1 >= argc) return Usage("a flag without its value");
    const char* v = argv[i + 1];
    if (key == "--host")
      o.host = v;
    else if (key == "--port")
      o.port = std::atoi(v);
    else if (key == "--connections")
      o.connections = std::atoi(v);
    else if (key == "--sources")
      o.sources = std::atoi(v);
    else if (key == "--responses")
      o.responses = std::atoi(v);
    else if (key == "--max-connecting")
      o.max_connecting = std::atoi(v);
    else if (key == "--connect-timeout")
      o.connect_timeout_s = std::atof(v);
    else if (key == "--connect-phase-timeout")
      o.connect_phase_timeout_s = std::atof(v);
    else if (key == "--answer-timeout")
      o.answer_timeout_s = std::atof(v);
    else if (key == "--hold-max")
      o.hold_max_s = std::atof(v);
    else if (key == "--trickle")
      o.trickle_s = std::atof(v);
    else if (key == "--hold")
      o.hold_s = std::string_view(v) == "stdin" ? -1 : std::atof(v);
    else if (key == "--first") {
      if (!Unescape(v, &o.first)) return Usage("bad escape in --first");
      have_first = true;
    } else if (key == "--rest") {
      if (!Unescape(v, &o.rest)) return Usage("bad escape in --rest");
      have_rest = true;
    } else {
      return Usage(("unknown flag " + std::string(key)).c_str());
    }
  }
  if (o.port <= 0 || o.port > 65535) return Usage("--port is required");
  if (o.connections < 1 || o.responses < 1 || o.max_connecting < 1 || o.sources < 0 ||
      o.sources > 250) {
    return Usage(
        "--connections, --responses, --max-connecting must be positive, --sources "
        "0..250");
  }
  if (!have_first || !have_rest) return Usage("--first and --rest are required");

  // One descriptor per connection: raise the soft limit as far as the hard one allows.
  rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 &&
      lim.rlim_cur < static_cast<rlim_t>(o.connections) + 16) {
    std::fprintf(stderr,
                 "slow_client: RLIMIT_NOFILE is %llu; connections beyond it fail with "
                 "EMFILE\n",
                 static_cast<unsigned long long>(lim.rlim_cur));
  }
  return SlowClient(o).Run();
}
