// Tests for engine/resolver.cc, part one: numeric hosts as net.isIP() reads them,
// Node's error codes, real lookups answered on the loop's thread, and what the pool
// makes of an answer (Node v12's order, the cap, the hints). resolver_lifetime_test.cc
// has the rest. Fixture and fake getaddrinfo(): resolver_fixture.h.
#include "engine/resolver.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "tests/engine/resolver_fixture.h"

namespace engine {
namespace {

using resolver_test::Ip;
using resolver_test::Ips;
using resolver_test::ResolverTest;

// --- numeric hosts ---------------------------------------------------------------

// What Node v12's net.isIP() answers (4, 6, or 0: not numeric), recorded with
// v12.22.9's node -e "net.isIP(s)".
struct IsIpCase {
  const char* host;
  int family;
};
constexpr IsIpCase kIsIpCases[] = {
    {"1.2.3.4", 4},
    {"255.255.255.255", 4},
    {"0.0.0.0", 4},
    {"256.1.1.1", 0},
    {"1.2.3", 0},
    {"1.2.3.4.5", 0},
    {"01.2.3.4", 0},
    {"1.2.3.04", 0},
    {"0x7f.1.1.1", 0},
    {" 1.2.3.4", 0},
    {"1.2.3.4 ", 0},
    {"::", 6},
    {"::1", 6},
    {"1::", 6},
    {"FE80::A", 6},
    {"1:2:3:4:5:6:7:8", 6},
    {"1:2:3:4:5:6:7::", 6},
    {"::1.2.3.4", 6},
    {"::ffff:1.2.3.4", 6},
    {"1:2:3:4:5:6:1.2.3.4", 6},
    {"fe80::1%eth0", 6},
    {"fe80::1%1", 6},
    {"fe80::1%eth0.1", 6},
    {"::%x", 6},
    {"1:2:3:4:5:6:7:8:9", 0},
    {"1::2::3", 0},
    {":1", 0},
    {"1:", 0},
    {"abcd::12345", 0},
    {"::ffff:01.2.3.4", 0},
    {"1:2:3:4:5:6:7:1.2.3.4", 0},
    {"fe80::1%", 0},
    {"fe80::1%a b", 0},
    {"::1%a_b", 0},
    {"::1%lo%x", 0},
    {"1.2.3.4%eth0", 0},
    {"[::1]", 0},
    {"localhost", 0},
    {"", 0},
};

TEST(ResolverParseNumeric, AcceptsWhatNodesIsIpAcceptsAndNothingElse) {
  for (const IsIpCase& c : kIsIpCases) {
    SCOPED_TRACE(c.host);
    std::optional<Address> a = Resolver::ParseNumeric(c.host, 443);
    if (c.family == 0) {
      EXPECT_FALSE(a.has_value());
      continue;
    }
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->family, c.family);
    EXPECT_EQ(a->storage.ss_family, c.family == 4 ? AF_INET : AF_INET6);
    EXPECT_EQ(a->len, c.family == 4 ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
    EXPECT_EQ(a->port(), 443);
  }
}

TEST(ResolverParseNumeric, FillsTheAddressBytesAndPort) {
  std::optional<Address> v4 = Resolver::ParseNumeric("127.0.0.1", 8080);
  ASSERT_TRUE(v4.has_value());
  const auto* sin = reinterpret_cast<const sockaddr_in*>(v4->sa());
  EXPECT_EQ(sin->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
  EXPECT_EQ(sin->sin_port, htons(8080));
  EXPECT_EQ(v4->ip(), "127.0.0.1");

  std::optional<Address> v6 = Resolver::ParseNumeric("::1", 9);
  ASSERT_TRUE(v6.has_value());
  const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(v6->sa());
  EXPECT_EQ(std::memcmp(&sin6->sin6_addr, &in6addr_loopback, sizeof(in6_addr)), 0);
  EXPECT_EQ(sin6->sin6_port, htons(9));
  EXPECT_EQ(sin6->sin6_scope_id, 0u);
  EXPECT_EQ(v6->ip(), "::1");
}

// As libuv's uv_ip6_addr(): the zone is an interface name; an unknown one is 0.
TEST(ResolverParseNumeric, ZoneBecomesTheInterfacesScopeIdOrZeroWhenUnknown) {
  const unsigned lo = if_nametoindex("lo");
  if (lo == 0) GTEST_SKIP() << "no loopback interface named lo";
  std::optional<Address> a = Resolver::ParseNumeric("fe80::1%lo", 0);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(reinterpret_cast<const sockaddr_in6*>(a->sa())->sin6_scope_id, lo);
  EXPECT_EQ(a->ip(), "fe80::1");
  std::optional<Address> unknown = Resolver::ParseNumeric("fe80::1%nosuchif0", 0);
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(reinterpret_cast<const sockaddr_in6*>(unknown->sa())->sin6_scope_id, 0u);
}

TEST(ResolverParseNumeric, RefusesEmbeddedNulAndOverlongText) {
  EXPECT_FALSE(Resolver::ParseNumeric(std::string_view("1.2.3.4\0x", 9), 0).has_value());
  EXPECT_FALSE(Resolver::ParseNumeric(std::string_view("::1%lo\0x", 9), 0).has_value());
  EXPECT_FALSE(Resolver::ParseNumeric(std::string(200, '1'), 0).has_value());
  EXPECT_FALSE(Resolver::ParseNumeric("1:" + std::string(100, '1'), 0).has_value());
}

// net.isIP() takes a zone of any length; no interface has so long a name.
TEST(ResolverParseNumeric, LongZoneIsTakenWithScopeIdZero) {
  std::optional<Address> a = Resolver::ParseNumeric("fe80::1%" + std::string(100, 'a'), 0);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(reinterpret_cast<const sockaddr_in6*>(a->sa())->sin6_scope_id, 0u);
}

// --- error codes -----------------------------------------------------------------

TEST(ResolverErrorCode, IsNodesCode) {
  EXPECT_STREQ(Resolver::ErrorCode(EAI_NONAME), "ENOTFOUND");
  EXPECT_STREQ(Resolver::ErrorCode(EAI_NODATA), "ENOTFOUND");
  EXPECT_STREQ(Resolver::ErrorCode(EAI_AGAIN), "EAI_AGAIN");
  EXPECT_STREQ(Resolver::ErrorCode(EAI_FAIL), "EAI_FAIL");
  EXPECT_STREQ(Resolver::ErrorCode(EAI_FAMILY), "EAI_FAMILY");
  EXPECT_STREQ(Resolver::ErrorCode(EAI_MEMORY), "EAI_MEMORY");
  EXPECT_STREQ(Resolver::ErrorCode(EAI_SYSTEM, ECONNREFUSED), "ECONNREFUSED");
  EXPECT_STREQ(Resolver::ErrorCode(EAI_SYSTEM, 4000), "EAI_SYSTEM");
}

TEST(ResolverErrorCode, MessageIsGetaddrinfoCodeHost) {
  LookupResult r;
  r.err = EAI_NONAME;
  EXPECT_EQ(Resolver::ErrorMessage(r, "nonexistent.invalid"),
            "getaddrinfo ENOTFOUND nonexistent.invalid");
  r.err = EAI_AGAIN;
  EXPECT_EQ(Resolver::ErrorMessage(r, "example.com"), "getaddrinfo EAI_AGAIN example.com");
  EXPECT_EQ(Resolver::ErrorMessage(r, ""), "getaddrinfo EAI_AGAIN");
}

// --- real lookups ----------------------------------------------------------------

TEST_F(ResolverTest, LocalhostResolvesToLoopbackOnTheLoopThread) {
  LookupResult r = LookupAndWait("localhost", {}, 8080);
  ASSERT_EQ(r.err, 0) << Resolver::ErrorCode(r.err, r.sys_errno);
  ASSERT_FALSE(r.addresses.empty());
  bool seen_v6 = false;
  for (const Address& a : r.addresses) {
    SCOPED_TRACE(a.ip());
    EXPECT_TRUE(a.ip() == "127.0.0.1" || a.ip() == "::1");
    EXPECT_EQ(a.port(), 8080);
    if (a.family == 6) seen_v6 = true;
    if (a.family == 4) {
      EXPECT_FALSE(seen_v6) << "IPv4 after IPv6";
    }
  }
}

TEST_F(ResolverTest, LocalhostWithFamily4GivesOnlyIpv4) {
  LookupResult r = LookupAndWait("localhost", {.family = 4});
  ASSERT_EQ(r.err, 0) << Resolver::ErrorCode(r.err, r.sys_errno);
  EXPECT_EQ(Ips(r), std::vector<std::string>{"127.0.0.1"});
}

// Offline, glibc answers a name outside /etc/hosts with EAI_NONAME when a DNS server
// says so (this sandbox: at once), or EAI_AGAIN when none answers (after
// resolv.conf's timeouts). Both are what v12 reports in those cases.
TEST_F(ResolverTest, UnresolvableNameFailsWithEnotfoundOrEaiAgain) {
  LookupResult r = LookupAndWait("nonexistent.invalid");
  EXPECT_TRUE(r.err == EAI_NONAME || r.err == EAI_NODATA || r.err == EAI_AGAIN) << r.err;
  EXPECT_TRUE(r.addresses.empty());
  const std::string message = Resolver::ErrorMessage(r, "nonexistent.invalid");
  EXPECT_TRUE(message == "getaddrinfo ENOTFOUND nonexistent.invalid" ||
              message == "getaddrinfo EAI_AGAIN nonexistent.invalid")
      << message;
}

// --- what the pool does with an answer ---------------------------------------------

TEST_F(ResolverTest, NumericHostIsAnsweredWithoutAWorkerWhateverTheFamily) {
  UseGate();
  gate_.Open();
  LookupResult r = LookupAndWait("127.0.0.1", {.family = 6}, 99);
  EXPECT_EQ(r.err, 0);
  EXPECT_EQ(Ips(r), std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(r.addresses[0].port(), 99);
  EXPECT_TRUE(gate_.entered().empty());
}

TEST_F(ResolverTest, HintsAreNetConnectsAddrconfigForFamily0AndNoneForAFamily) {
  UseGate();
  gate_.Open();
  LookupAndWait("a.test");
  LookupAndWait("b.test", {.family = 4});
  LookupAndWait("c.test", {.family = 6, .hints = AI_V4MAPPED});
  std::vector<addrinfo> h = gate_.hints();
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].ai_family, AF_UNSPEC);
  EXPECT_EQ(h[0].ai_flags, AI_ADDRCONFIG);
  EXPECT_EQ(h[1].ai_family, AF_INET);
  EXPECT_EQ(h[1].ai_flags, 0);
  EXPECT_EQ(h[2].ai_family, AF_INET6);
  EXPECT_EQ(h[2].ai_flags, AI_V4MAPPED);
  for (const addrinfo& x : h) EXPECT_EQ(x.ai_socktype, SOCK_STREAM);
}

TEST_F(ResolverTest, BadFamilyOrHintsFailWithoutAWorker) {
  UseGate();
  gate_.Open();
  EXPECT_EQ(LookupAndWait("a.test", {.family = 5}).err, EAI_FAMILY);
  EXPECT_EQ(LookupAndWait("a.test", {.hints = AI_CANONNAME}).err, EAI_BADFLAGS);
  EXPECT_TRUE(gate_.entered().empty());
}

// dns.lookup()'s default (verbatim false): IPv4 first, each family in order.
TEST_F(ResolverTest, AnswerIsOrderedIpv4FirstEachFamilyInGetaddrinfoOrder) {
  UseGate();
  gate_.set_answer({0, 0, {Ip("::1"), Ip("10.0.0.1"), Ip("::2"), Ip("10.0.0.2")}});
  gate_.Open();
  LookupResult r = LookupAndWait("mixed.test", {}, 7);
  EXPECT_EQ(r.err, 0);
  EXPECT_EQ(Ips(r), (std::vector<std::string>{"10.0.0.1", "10.0.0.2", "::1", "::2"}));
  for (const Address& a : r.addresses) EXPECT_EQ(a.port(), 7);
  EXPECT_EQ(r.addresses[0].family, 4);
  EXPECT_EQ(r.addresses[2].family, 6);
}

TEST_F(ResolverTest, AnswerWithNoIpAddressIsEnotfound) {
  UseGate();
  Address unix_address;
  unix_address.storage.ss_family = AF_UNIX;
  unix_address.len = sizeof(sa_family_t);
  gate_.set_answer({0, 0, {unix_address}});
  gate_.Open();
  LookupResult r = LookupAndWait("odd.test");
  EXPECT_EQ(r.err, EAI_NODATA);
  EXPECT_STREQ(Resolver::ErrorCode(r.err), "ENOTFOUND");
  EXPECT_TRUE(r.addresses.empty());
}

TEST_F(ResolverTest, AnswerIsCappedAtKMaxAddresses) {
  UseGate();
  LookupResult many;
  for (int i = 0; i < 100; ++i) {
    many.addresses.push_back(Ip(("10.0.1." + std::to_string(i)).c_str()));
  }
  gate_.set_answer(many);
  gate_.Open();
  LookupResult r = LookupAndWait("many.test");
  ASSERT_EQ(r.addresses.size(), Resolver::kMaxAddresses);
  EXPECT_EQ(r.addresses.back().ip(), "10.0.1." + std::to_string(Resolver::kMaxAddresses - 1));
}

TEST_F(ResolverTest, SystemErrorCarriesErrno) {
  UseGate();
  gate_.set_answer({EAI_SYSTEM, ECONNREFUSED, {}});
  gate_.Open();
  LookupResult r = LookupAndWait("sys.test");
  EXPECT_EQ(r.err, EAI_SYSTEM);
  EXPECT_EQ(r.sys_errno, ECONNREFUSED);
  EXPECT_EQ(Resolver::ErrorMessage(r, "sys.test"), "getaddrinfo ECONNREFUSED sys.test");
}

}  // namespace
}  // namespace engine
