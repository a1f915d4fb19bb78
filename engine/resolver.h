// Resolver: host names to socket addresses without blocking a loop, as Node v12's
// dns.lookup() (getaddrinfo on libuv's thread pool) serves net.connect().
//
// Numeric hosts never leave the calling thread: ParseNumeric() takes what Node's
// net.isIP() takes. Other names go to getaddrinfo() on a worker thread of a small
// process-wide pool, and the answer comes back through a Mailbox (mailbox.h) to the
// loop that asked.
//
// A lookup's life:
//   1. Lookup() on any thread (usually the mailbox's loop thread). Numeric hosts, a
//      bad family or hints, and a full pool are answered at once by posting the
//      result to the mailbox; otherwise the lookup is queued for a worker (when no
//      worker exists and none can be started, it fails with EAI_SYSTEM and the
//      thread's errno, posted the same way).
//   2. A worker calls getaddrinfo() (blocking: up to the system resolver's timeouts,
//      resolv.conf's 5 s x attempts by default), orders the answer as Node does, and
//      posts the result to the mailbox. A lookup cancelled before a worker takes it is
//      dropped without a getaddrinfo() call.
//   3. On the mailbox's loop thread, in a deferred phase, cb(result) runs, unless the
//      lookup was cancelled. cb never runs synchronously from Lookup().
//   4. If the mailbox is closed when the answer is posted (its loop ended or is
//      ending), the answer is dropped: cb never runs, nothing touches the loop, and
//      cb is destroyed on the worker thread (or, for an answer posted at step 1, on
//      the thread that called Lookup()). So cb's captures must be safe to destroy on
//      another thread; cb is otherwise run or destroyed on the loop's thread (an
//      answer posted just before the close is destroyed unrun by the loop's
//      destructor, if the loop does not turn again: mailbox.h).
//
// Bounds:
//   - kMaxPending (4096) lookups per process between Lookup() and the moment a
//     worker has its answer (queued, or in getaddrinfo). Past it Lookup() fails the
//     lookup with EAI_AGAIN ('getaddrinfo EAI_AGAIN <host>' in Node's words),
//     posted like any answer, not returned: the client treats it as it treats a
//     resolver that is temporarily failing. Answers already posted wait in their
//     loop's Post() queue and no longer count: there is one per Lookup() call, so
//     a loop that does not turn, and so makes no new calls, gets no more of them
//     than the lookups it had pending.
//   - kMaxThreads (4, libuv's default UV_THREADPOOL_SIZE) workers, started lazily,
//     one per queued lookup that finds no idle worker. Four slow lookups (a DNS
//     server that does not answer) delay every later one, as in Node.
//   - A worker idle for kIdleMs (10 s) exits, so a process that resolved once does
//     not keep four threads forever. Workers are detached and never joined: exit()
//     must not wait for a getaddrinfo() that waits for a DNS timeout. The pool's own
//     state is never destroyed, so a worker that outlives main() touches no freed
//     memory (a result it posts then finds its mailbox closed and is dropped).
//   - kMaxAddresses (64) addresses per answer, the first ones in Node's order; the
//     rest are dropped. Node v12's client connects to the first address only.
//
// Errors: LookupResult::err is 0 or getaddrinfo()'s EAI_* code (negative on glibc),
// with errno in sys_errno for EAI_SYSTEM. ErrorCode() gives Node's err.code,
// ErrorMessage() its err.message.
#ifndef ENGINE_RESOLVER_H_
#define ENGINE_RESOLVER_H_

#include <netdb.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/mailbox.h"

namespace engine {

// One socket address, ready for Loop::Connect(sa(), len, ...).
struct Address {
  sockaddr_storage storage{};
  socklen_t len = 0;
  int family = 0;  // 4 or 6: Node's numbering (net.isIP(), the 'lookup' event)

  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&storage); }
  uint16_t port() const;
  // The address alone, as inet_ntop() writes it ('127.0.0.1', '::1'; no zone, no
  // port): the address Node's 'lookup' event and socket.remoteAddress report.
  std::string ip() const;
};

struct LookupResult {
  int err = 0;        // 0, or an EAI_* code
  int sys_errno = 0;  // with EAI_SYSTEM: the errno getaddrinfo() left
  // IPv4 first, then IPv6, each in getaddrinfo()'s order, every one with the port
  // asked for; never empty when err is 0 (an answer with neither family is
  // EAI_NODATA, as in Node).
  std::vector<Address> addresses;
};

struct LookupOptions {
  int family = 0;  // 0 (either), 4 or 6; anything else fails with EAI_FAMILY
  // AI_ADDRCONFIG | AI_V4MAPPED | AI_ALL, as dns.lookup()'s hints (other bits fail
  // with EAI_BADFLAGS). 0: as net.connect() in v12 (lookupAndConnect): AI_ADDRCONFIG
  // when family is 0, none when it is 4 or 6.
  int hints = 0;
};

// Loop thread of the mailbox (see step 3): the result, owned by cb.
using LookupCallback = std::function<void(LookupResult)>;

struct LookupJob;  // resolver.cc's record of one lookup

// Says that a lookup's result is no longer wanted (a request aborted while its host
// was resolving). Dropping a token does not cancel. Copyable; empty by default.
class LookupToken {
 public:
  LookupToken() = default;
  // The mailbox's loop thread only. After it returns cb never runs; it is destroyed
  // here if it has not run yet. Idempotent; a no-op on an empty token or once cb ran.
  void Cancel();

 private:
  friend class Resolver;
  explicit LookupToken(std::shared_ptr<LookupJob> job) : job_(std::move(job)) {}
  std::shared_ptr<LookupJob> job_;
};

class Resolver {
 public:
  static constexpr size_t kMaxPending = 4096;
  static constexpr int kMaxThreads = 4;
  static constexpr int kIdleMs = 10000;
  static constexpr size_t kMaxAddresses = 64;

  // Any thread; no allocation, and no blocking (a zone costs one if_nametoindex()
  // ioctl). Takes host as net.isIP()
  // takes it: a dotted quad of decimal octets without leading zeros, or an IPv6
  // literal, optionally with a zone ('fe80::1%eth0': the zone becomes the scope id
  // through if_nametoindex(), 0 for an unknown interface, as libuv's uv_ip6_addr).
  // Brackets ('[::1]') are refused, as net.isIP() refuses them: a URL's brackets are
  // the URL parser's to strip. nullopt when host is not numeric.
  static std::optional<Address> ParseNumeric(std::string_view host, uint16_t port);

  // Any thread. Resolves host (see the top of this file) and posts cb(result) to
  // mailbox (not null), whose loop thread runs cb. host goes to getaddrinfo() as
  // given, up to a first NUL as in v12: no IDNA (a name that is not ASCII is the
  // caller's to convert, as dns.lookup() does with toASCII()), and an empty host is
  // getaddrinfo()'s EAI_NONAME (net.connect() looks up 'localhost' instead; so should
  // the caller). A numeric host is answered as ParseNumeric() reads it, whatever
  // options.family says, as dns.lookup() does. The token may cancel; ignoring it is
  // fine.
  static LookupToken Lookup(std::shared_ptr<Mailbox> mailbox, std::string host, uint16_t port,
                            LookupOptions options, LookupCallback cb);

  // Node's err.code for a failed lookup: 'ENOTFOUND' for EAI_NONAME and EAI_NODATA
  // (Node's invention), libuv's name for other EAI_* codes ('EAI_AGAIN', 'EAI_FAIL',
  // 'EAI_MEMORY', ...), the errno's name for EAI_SYSTEM ('ECONNREFUSED'; 'EAI_SYSTEM'
  // if it has none); '' for 0. Static storage. Any thread.
  static const char* ErrorCode(int err, int sys_errno = 0);
  // Node's err.message: 'getaddrinfo <code> <host>' ('getaddrinfo ENOTFOUND
  // nonexistent.invalid'), without the host when it is empty. err.syscall is
  // 'getaddrinfo' and err.hostname the host.
  static std::string ErrorMessage(const LookupResult& result, std::string_view host);

  // Now, for monitoring and tests (any thread): lookups counted against kMaxPending,
  // and worker threads alive.
  static size_t pending();
  static int threads();

  // For tests. Replaces getaddrinfo() from the next lookup a worker takes (null: back
  // to getaddrinfo()). fn runs on a worker thread with the lookup's hints, and
  // returns err, sys_errno and the addresses in the order getaddrinfo() would (the
  // pool still orders them, caps them and sets the port). Any thread.
  using ResolveFn = std::function<LookupResult(const std::string& host, const addrinfo& hints)>;
  static void SetResolveFunctionForTest(ResolveFn fn);
  // For tests: how long a worker waits idle before it exits (default kIdleMs); idle
  // workers start their wait again with it.
  static void SetIdleMsForTest(int ms);
};

}  // namespace engine

#endif  // ENGINE_RESOLVER_H_
