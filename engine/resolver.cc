#include "engine/resolver.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

namespace engine {

// A lookup between Lookup() and its answer. Shared by the pool's queue, the worker,
// the answer posted to the loop, and the caller's token.
struct LookupJob {
  std::shared_ptr<Mailbox> mailbox;
  std::string host;
  uint16_t port = 0;
  addrinfo hints{};
  // Touched on the mailbox's loop thread only (the posted answer, Cancel()), or by
  // ~LookupJob once nobody else holds the job.
  LookupCallback cb;
  // Set by Cancel(); a worker that sees it skips getaddrinfo(). The loop thread's own
  // check is that cb is empty.
  std::atomic<bool> cancelled{false};
};

using Job = LookupJob;

namespace {

// Posts the answer. cb is moved out before it runs, so that a Cancel() from inside
// cb is a no-op and cb is destroyed on the loop's thread once it returns.
void Answer(const std::shared_ptr<Job>& job, LookupResult result) {
  job->mailbox->Post([job, result = std::move(result)]() mutable {
    if (!job->cb) return;  // cancelled
    LookupCallback cb = std::move(job->cb);
    job->cb = nullptr;
    cb(std::move(result));
  });
}

LookupResult GetAddrInfo(const std::string& host, const addrinfo& hints) {
  LookupResult r;
  addrinfo* list = nullptr;
  // Up to host's first NUL, as v12's dns.lookup() (it hands getaddrinfo a C string).
  r.err = getaddrinfo(host.c_str(), nullptr, &hints, &list);
  if (r.err != 0) {
    if (r.err == EAI_SYSTEM) r.sys_errno = errno;
    return r;
  }
  for (const addrinfo* p = list; p != nullptr; p = p->ai_next) {
    if (p->ai_addr == nullptr || p->ai_addrlen > sizeof(sockaddr_storage)) continue;
    Address a;
    std::memcpy(&a.storage, p->ai_addr, p->ai_addrlen);
    a.len = p->ai_addrlen;
    r.addresses.push_back(a);
  }
  freeaddrinfo(list);
  return r;
}

// Node v12's order (cares_wrap.cc AfterGetAddrInfo with verbatim false, dns.lookup's
// default): every IPv4 address, then every IPv6 one, each in getaddrinfo()'s order;
// other families dropped; none left is EAI_NODATA.
LookupResult Order(LookupResult raw, uint16_t port) {
  LookupResult out;
  out.err = raw.err;
  out.sys_errno = raw.sys_errno;
  if (raw.err != 0) return out;
  for (sa_family_t want : {AF_INET, AF_INET6}) {
    for (Address& a : raw.addresses) {
      if (a.storage.ss_family != want || out.addresses.size() == Resolver::kMaxAddresses) {
        continue;
      }
      if (want == AF_INET) {
        if (a.len < sizeof(sockaddr_in)) continue;
        reinterpret_cast<sockaddr_in*>(&a.storage)->sin_port = htons(port);
        a.family = 4;
      } else {
        if (a.len < sizeof(sockaddr_in6)) continue;
        reinterpret_cast<sockaddr_in6*>(&a.storage)->sin6_port = htons(port);
        a.family = 6;
      }
      out.addresses.push_back(a);
    }
  }
  if (out.addresses.empty()) out.err = EAI_NODATA;
  return out;
}

// The process-wide pool. Never destroyed (see resolver.h, "Bounds"): its workers are
// detached and may outlive main().
class Pool {
 public:
  static Pool& Get() {
    static Pool* pool = new Pool();
    return *pool;
  }

  // Queues job, starting a worker when no idle one will take it. False when the
  // pool is full (job is not queued) or no worker could be started.
  bool Submit(std::shared_ptr<Job> job, LookupResult* refused) {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_ == Resolver::kMaxPending) {
      refused->err = EAI_AGAIN;
      return false;
    }
    queue_.push_back(std::move(job));
    ++pending_;
    if (queue_.size() > static_cast<size_t>(idle_) && threads_ < Resolver::kMaxThreads) {
      try {
        std::thread([this] { WorkerMain(); }).detach();
        ++threads_;
      } catch (const std::system_error& e) {
        // A busy worker will get to it; with none, nobody would.
        if (threads_ == 0) {
          queue_.pop_back();
          --pending_;
          refused->err = EAI_SYSTEM;
          refused->sys_errno = e.code().value();
          return false;
        }
      }
    }
    cv_.notify_one();
    return true;
  }

  size_t pending() {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_;
  }
  int threads() {
    std::lock_guard<std::mutex> lock(mu_);
    return threads_;
  }
  void set_resolve(Resolver::ResolveFn fn) {
    std::shared_ptr<const Resolver::ResolveFn> p;
    if (fn) p = std::make_shared<const Resolver::ResolveFn>(std::move(fn));
    std::lock_guard<std::mutex> lock(mu_);
    resolve_.swap(p);
  }  // the old one goes here, unlocked (a worker may still hold it)
  void set_idle_ms(int ms) {
    std::lock_guard<std::mutex> lock(mu_);
    idle_ms_ = ms;
    cv_.notify_all();  // idle workers wait again, for the new time
  }

 private:
  Pool() = default;

  void WorkerMain() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      // A wake-up without a job (set_idle_ms, or spurious) starts the wait again.
      ++idle_;
      while (queue_.empty()) {
        if (cv_.wait_for(lock, std::chrono::milliseconds(idle_ms_)) == std::cv_status::timeout &&
            queue_.empty()) {
          --idle_;
          --threads_;
          return;
        }
      }
      --idle_;
      std::shared_ptr<Job> job = std::move(queue_.front());
      queue_.pop_front();
      std::shared_ptr<const Resolver::ResolveFn> resolve = resolve_;
      lock.unlock();
      bool wanted = !job->cancelled.load(std::memory_order_relaxed);
      LookupResult raw;
      if (wanted)
        raw = resolve ? (*resolve)(job->host, job->hints) : GetAddrInfo(job->host, job->hints);
      lock.lock();
      // Before the answer is posted, so that its cb may look up again at once
      // without finding the slot still taken.
      --pending_;
      lock.unlock();
      if (wanted) Answer(job, Order(std::move(raw), job->port));
      // The job (and with it cb, if the mailbox refused and nobody else holds it)
      // goes here, unlocked.
      job.reset();
      resolve.reset();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;  // at most kMaxPending
  size_t pending_ = 0;                      // queued, or in a worker's hands
  int threads_ = 0;
  int idle_ = 0;  // workers waiting for a job
  int idle_ms_ = Resolver::kIdleMs;
  std::shared_ptr<const Resolver::ResolveFn> resolve_;  // null: getaddrinfo()
};

// net.isIP()'s zone: one or more of [0-9a-zA-Z.:-].
bool IsZone(std::string_view zone) {
  if (zone.empty()) return false;
  for (char c : zone) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '.' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// dns.lookup()'s validateHints().
constexpr int kValidHints = AI_ADDRCONFIG | AI_V4MAPPED | AI_ALL;

}  // namespace

void LookupToken::Cancel() {
  if (!job_) return;
  job_->cancelled.store(true, std::memory_order_relaxed);
  job_->cb = nullptr;
}

uint16_t Address::port() const {
  if (storage.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  }
  if (storage.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  }
  return 0;
}

std::string Address::ip() const {
  char buf[INET6_ADDRSTRLEN] = {};
  const void* src = nullptr;
  if (storage.ss_family == AF_INET) {
    src = &reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr;
  } else if (storage.ss_family == AF_INET6) {
    src = &reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr;
  } else {
    return std::string();
  }
  if (inet_ntop(storage.ss_family, src, buf, sizeof(buf)) == nullptr) return std::string();
  return buf;
}

std::optional<Address> Resolver::ParseNumeric(std::string_view host, uint16_t port) {
  const size_t percent = host.find('%');
  const std::string_view numeric = host.substr(0, percent);
  char text[INET6_ADDRSTRLEN];
  if (numeric.empty() || numeric.size() >= sizeof(text) ||
      numeric.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  std::memcpy(text, numeric.data(), numeric.size());
  text[numeric.size()] = '\0';

  Address a;
  // glibc's inet_pton() takes exactly net.isIP()'s forms: for IPv4 four decimal
  // octets without leading zeros and nothing else (resolver_test.cc checks the
  // cases against v12's answers).
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
  if (percent == std::string_view::npos && inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.len = sizeof(sockaddr_in);
    a.family = 4;
    return a;
  }
  a = Address();
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
  std::string_view zone;
  if (percent != std::string_view::npos) {
    zone = host.substr(percent + 1);
    if (!IsZone(zone)) return std::nullopt;
  }
  if (inet_pton(AF_INET6, text, &v6->sin6_addr) != 1) return std::nullopt;
  v6->sin6_family = AF_INET6;
  v6->sin6_port = htons(port);
  // A zone too long to name an interface names none: 0, as an unknown one.
  if (!zone.empty() && zone.size() < IF_NAMESIZE) {
    char name[IF_NAMESIZE];
    std::memcpy(name, zone.data(), zone.size());
    name[zone.size()] = '\0';
    v6->sin6_scope_id = if_nametoindex(name);
  }
  a.len = sizeof(sockaddr_in6);
  a.family = 6;
  return a;
}

LookupToken Resolver::Lookup(std::shared_ptr<Mailbox> mailbox, std::string host, uint16_t port,
                             LookupOptions options, LookupCallback cb) {
  auto job = std::make_shared<Job>();
  job->mailbox = std::move(mailbox);
  job->port = port;
  job->cb = std::move(cb);
  LookupToken token(job);

  LookupResult now;
  bool answer_now = true;
  if (std::optional<Address> numeric = ParseNumeric(host, port)) {
    now.addresses.push_back(*numeric);
  } else if (options.family != 0 && options.family != 4 && options.family != 6) {
    now.err = EAI_FAMILY;
  } else if ((options.hints & ~kValidHints) != 0) {
    now.err = EAI_BADFLAGS;
  } else {
    addrinfo& h = job->hints;
    h.ai_family = options.family == 4 ? AF_INET : options.family == 6 ? AF_INET6 : AF_UNSPEC;
    h.ai_socktype = SOCK_STREAM;
    h.ai_flags = options.hints;
    if (h.ai_flags == 0 && options.family == 0) h.ai_flags = AI_ADDRCONFIG;
    job->host = std::move(host);
    answer_now = !Pool::Get().Submit(job, &now);
  }
  if (answer_now) Answer(job, std::move(now));
  return token;
}

const char* Resolver::ErrorCode(int err, int sys_errno) {
  switch (err) {
    case 0:
      return "";
    case EAI_NONAME:
    case EAI_NODATA:
      return "ENOTFOUND";
    case EAI_ADDRFAMILY:
      return "EAI_ADDRFAMILY";
    case EAI_AGAIN:
      return "EAI_AGAIN";
    case EAI_BADFLAGS:
      return "EAI_BADFLAGS";
    case EAI_CANCELED:
      return "EAI_CANCELED";
    case EAI_FAIL:
      return "EAI_FAIL";
    case EAI_FAMILY:
      return "EAI_FAMILY";
    case EAI_MEMORY:
      return "EAI_MEMORY";
    case EAI_OVERFLOW:
      return "EAI_OVERFLOW";
    case EAI_SERVICE:
      return "EAI_SERVICE";
    case EAI_SOCKTYPE:
      return "EAI_SOCKTYPE";
    case EAI_SYSTEM: {
      const char* name = strerrorname_np(sys_errno);
      return name != nullptr ? name : "EAI_SYSTEM";
    }
    default:  // what plain getaddrinfo() never returns (getaddrinfo_a's, AI_IDN's)
      return "EAI_UNKNOWN";
  }
}

std::string Resolver::ErrorMessage(const LookupResult& result, std::string_view host) {
  std::string m = "getaddrinfo ";
  m += ErrorCode(result.err, result.sys_errno);
  if (!host.empty()) {
    m += ' ';
    m += host;
  }
  return m;
}

size_t Resolver::pending() { return Pool::Get().pending(); }
int Resolver::threads() { return Pool::Get().threads(); }
void Resolver::SetResolveFunctionForTest(ResolveFn fn) { Pool::Get().set_resolve(std::move(fn)); }
void Resolver::SetIdleMsForTest(int ms) { Pool::Get().set_idle_ms(ms); }

}  // namespace engine
