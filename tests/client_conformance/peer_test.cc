// The scripted peer (peer.h) against plain blocking sockets: how it splits requests,
// answers them, ends connections and plays directives; then every recorded scenario's
// bytes replayed into it, to show it splits and answers as harness.js's peer did when
// v12's client was recorded (answers.txt).
//
// No sleeps: the test waits for the peer's own state (WaitUntil) or for bytes.
#include "tests/client_conformance/peer.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace client_conformance {
namespace {

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
const std::string kGet = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

// A blocking client socket connected to the peer, whose reads give up after 5 s (so a
// missing answer fails the test instead of hanging it).
int Connect(const ScriptedPeer& peer, const std::string& host = "127.0.0.1") {
  const bool v6 = host.find(':') != std::string::npos;
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_storage addr{};
  socklen_t len;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(peer.port());
    inet_pton(AF_INET6, host.c_str(), &a->sin6_addr);
    len = sizeof(*a);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(peer.port());
    inet_pton(AF_INET, host.c_str(), &a->sin_addr);
    len = sizeof(*a);
  }
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), len), 0) << strerror(errno);
  return fd;
}

// Connects and waits until the peer has accepted: connection indexes then follow
// the order of the calls.
int ConnectAccepted(const ScriptedPeer& peer, const std::string& host = "127.0.0.1") {
  const size_t before = peer.connections();
  int fd = Connect(peer, host);
  EXPECT_TRUE(peer.WaitUntil([&] { return peer.connections() > before; }));
  return fd;
}

void Send(int fd, std::string_view bytes) {
  ASSERT_EQ(send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
}

// Exactly n bytes, or fewer when the connection ended or the read timed out first.
std::string Read(int fd, size_t n) {
  std::string out;
  char buf[4096];
  while (out.size() < n) {
    ssize_t got = recv(fd, buf, std::min(sizeof(buf), n - out.size()), 0);
    if (got <= 0) break;
    out.append(buf, static_cast<size_t>(got));
  }
  return out;
}

// How the connection goes on after what was read: "fin", "reset", "data" or
// "timeout".
std::string ReadEnd(int fd) {
  char c;
  ssize_t got = recv(fd, &c, 1, 0);
  if (got == 0) return "fin";
  if (got > 0) return "data";
  return errno == ECONNRESET ? "reset" : "timeout";
}

bool Readable(int fd) {
  char c;
  return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

// Waits until the peer has read all of `sent` on connection i (":<port>" as ":PORT").
void WaitReceived(const ScriptedPeer& peer, size_t i, const std::string& sent) {
  const std::string named = NamePort(sent, peer.port());
  EXPECT_TRUE(peer.WaitUntil([&] { return peer.Received(i) == named; }))
      << "received " << peer.Received(i).size() << " of " << named.size() << " bytes";
}

TEST(ScriptedPeer, AnswersARequestOnlyOnceItIsComplete) {
  ScriptedPeer peer({kOk});
  ASSERT_TRUE(peer.Start());
  int fd = ConnectAccepted(peer);
  const std::string request = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
  std::string sent;
  for (size_t cut : {5u, 17u, 27u}) {
    Send(fd, request.substr(sent.size(), cut - sent.size()));
    sent = request.substr(0, cut);
    WaitReceived(peer, 0, sent);
    EXPECT_TRUE(peer.Answers().empty()) << "answered after " << cut << " bytes";
  }
  Send(fd, request.substr(sent.size()));
  EXPECT_EQ(Read(fd, kOk.size()), kOk);
  EXPECT_EQ(peer.Answers(), std::vector<std::string>{"connection 0 at 28 response 0"});
  close(fd);
}

TEST(ScriptedPeer, AnswersPipelinedRequestsInOrder) {
  const std::string a = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na";
  const std::string b = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb";
  ScriptedPeer peer({a, b});
  ASSERT_TRUE(peer.Start());
  int fd = ConnectAccepted(peer);
  Send(fd, kGet + kGet);
  EXPECT_EQ(Read(fd, a.size() + b.size()), a + b);
  EXPECT_EQ(peer.Answers(), (std::vector<std::string>{"connection 0 at 27 response 0",
                                                      "connection 0 at 54 response 1"}));
  close(fd);
}

TEST(ScriptedPeer, WaitsForTheZeroChunkOfAChunkedBody) {
  ScriptedPeer peer({kOk});
  ASSERT_TRUE(peer.Start());
  int fd = ConnectAccepted(peer);
  const std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  Send(fd, head + "3\r\nhel\r\n");
  WaitReceived(peer, 0, head + "3\r\nhel\r\n");
  EXPECT_TRUE(peer.Answers().empty());
  Send(fd, "2\r\nlo\r\n0\r\n\r\n");
  EXPECT_EQ(Read(fd, kOk.size()), kOk);
  close(fd);
}

TEST(ScriptedPeer, WaitsForAContentLengthBody) {
  ScriptedPeer peer({kOk});
  ASSERT_TRUE(peer.Start());
  int fd = ConnectAccepted(peer);
  const std::string head = "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n";
  Send(fd, head + "hel");
  WaitReceived(peer, 0, head + "hel");
  EXPECT_TRUE(peer.Answers().empty());
  Send(fd, "lo");
  EXPECT_EQ(Read(fd, kOk.size()), kOk);
  close(fd);
}

TEST(ScriptedPeer, EndsTheConnectionAfterAnUnframedResponse) {
  const std::string unframed = "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nuntil the end";
  ScriptedPeer peer({unframed});
  ASSERT_TRUE(peer.Start());
  int fd = ConnectAccepted(peer);
  Send(fd, kGet);
  EXPECT_EQ(Read(fd, unframed.size()), unframed);
  EXPECT_EQ(ReadEnd(fd), "fin");
  close(fd);
}

TEST(ScriptedPeer, KeepsTheConnectionOfAFramedResponse) {
  ScriptedPeer peer({kOk, "HTTP/1.1 204 No Content\r\n\r\n", kOk});
  ASSERT_TRUE(peer.Start());
  int fd = ConnectAccepted(peer);
  Send(fd, kGet);
  EXPECT_EQ(Read(fd, kOk.size()), kOk);
  Send(fd, kGet);
  EXPECT_EQ(Read(fd, 27), "HTTP/1.1 204 No Content\r\n\r\n");
  Send(fd, kGet);
  EXPECT_EQ(Read(fd, kOk.size()), kOk);
  EXPECT_EQ(peer.connections(), 1u);
  close(fd);
}

TEST(ScriptedPeer, WritesItsPortAsPORT) {
  ScriptedPeer peer({kOk});
  ASSERT_TRUE(peer.Start());
  int fd = ConnectAccepted(peer);
  const std::string request = "GET / HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(peer.port()) +
                              "\r\n\r\n";
  Send(fd, request);
  EXPECT_EQ(Read(fd, kOk.size()), kOk);
  EXPECT_EQ(peer.Received(0), "GET / HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\n\r\n");
  // The offset is counted in those bytes, as in answers.txt.
  EXPECT_EQ(peer.Answers(), std::vector<std::string>{"connection 0 at 40 response 0"});
  close(fd);
}

TEST(ScriptedPeer, GivesResponsesInOrderOverAllConnections) {
  const std::string a = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na";
  const std::string b = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb";
  ScriptedPeer peer({a, b});
  ASSERT_TRUE(peer.Start());
  int first = ConnectAccepted(peer);
  int second = ConnectAccepted(peer);
  Send(second, kGet);
  EXPECT_EQ(Read(second, a.size()), a);
  Send(first, kGet);
  EXPECT_EQ(Read(first, b.size()), b);
  EXPECT_EQ(peer.Answers(), (std::vector<std::string>{"connection 1 at 27 response 0",
                                                      "connection 0 at 27 response 1"}));
  close(first);
  close(second);
}

TEST(ScriptedPeer, SplitsButDoesNotAnswerOnceResponsesRunOut) {
  ScriptedPeer peer({kOk});
  ASSERT_TRUE(peer.Start());
  int fd = ConnectAccepted(peer);
  Send(fd, kGet + kGet);
  EXPECT_EQ(Read(fd, kOk.size()), kOk);
  EXPECT_TRUE(peer.WaitUntil([&] { return peer.Answers().size() == 2; }));
  EXPECT_EQ(peer.Answers()[1], "connection 0 at 54 response none");
  EXPECT_FALSE(Readable(fd));
  close(fd);
}

TEST(ScriptedPeer, AnswersTheClientsFinWithItsOwnAndDropsLaterWrites) {
  ScriptedPeer peer({"!delay=100\n" + kOk});
  ASSERT_TRUE(peer.Start());
  int fd = ConnectAccepted(peer);
  Send(fd, kGet);
  shutdown(fd, SHUT_WR);
  EXPECT_EQ(ReadEnd(fd), "fin");
  EXPECT_TRUE(peer.WaitUntil([&] { return peer.Closed(0); }));
  close(fd);
}

TEST(ScriptedPeer, RefusesABadDirectiveBeforeItStarts) {
  EXPECT_THROW(ScriptedPeer({kOk, "!linger\n" + kOk}), std::invalid_argument);
}

TEST(ScriptedPeer, ListensOnIpv6Loopback) {
  ScriptedPeer peer({kOk}, "::1");
  if (!peer.Start()) GTEST_SKIP() << "no ::1 here: " << strerror(errno);
  int fd = ConnectAccepted(peer, "::1");
  Send(fd, kGet);
  EXPECT_EQ(Read(fd, kOk.size()), kOk);
  close(fd);
}

TEST(PeerDirectives, FinAloneClosesWithoutAnswering) {
  ScriptedPeer peer({"!fin"});
  ASSERT_TRUE(peer.Start());
  int fd = ConnectAccepted(peer);
  Send(fd, kGet);
  EXPECT_EQ(ReadEnd(fd), "fin");
  close(fd);
}

TEST(PeerDirectives, ResetAloneResetsWithoutAnswering) {
  ScriptedPeer peer({"!reset"});
  ASSERT_TRUE(peer.Start());
  int fd = ConnectAccepted(peer);
  Send(fd, kGet);
  EXPECT_EQ(ReadEnd(fd), "reset");
  EXPECT_TRUE(peer.Closed(0));
  close(fd);
}

TEST(PeerDirectives, FinClosesInTheMiddleOfABody) {
  const std::string short_body = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
  ScriptedPeer peer({"!fin\n" + short_body});
  ASSERT_TRUE(peer.Start());
  int fd = ConnectAccepted(peer);
  Send(fd, kGet);
  EXPECT_EQ(Read(fd, short_body.size()), short_body);
  EXPECT_EQ(ReadEnd(fd), "fin");
  close(fd);
}

TEST(PeerDirectives, FinWithDelayComesAfterTheBytes) {
  ScriptedPeer peer({"!fin=50\n" + kOk});
  ASSERT_TRUE(peer.Start());
  int fd = ConnectAccepted(peer);
  Send(fd, kGet);
  EXPECT_EQ(Read(fd, kOk.size()), kOk);
  EXPECT_EQ(ReadEnd(fd), "fin");
  close(fd);
}

TEST(PeerDirectives, KeepLeavesAnUnframedResponseOpen) {
  const std::string tunnel = "HTTP/1.1 200 Connection Established\r\n\r\ntunnel";
  ScriptedPeer peer({"!keep\n" + tunnel, kOk});
  ASSERT_TRUE(peer.Start());
  int fd = ConnectAccepted(peer);
  Send(fd, kGet);
  EXPECT_EQ(Read(fd, tunnel.size()), tunnel);
  Send(fd, kGet);
  EXPECT_EQ(Read(fd, kOk.size()), kOk);
  close(fd);
}

TEST(PeerDirectives, DelayHoldsBackItsConnectionAndNoOther) {
  const std::string late = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate";
  ScriptedPeer peer({"!delay=300\n" + late, kOk, kOk});
  ASSERT_TRUE(peer.Start());
  int first = ConnectAccepted(peer);
  int second = ConnectAccepted(peer);
  Send(first, kGet + kGet);  // responses 0 (late) and 1, in that order
  WaitReceived(peer, 0, kGet + kGet);
  Send(second, kGet);  // response 2, at once
  EXPECT_EQ(Read(second, kOk.size()), kOk);
  EXPECT_FALSE(Readable(first));
  EXPECT_EQ(Read(first, late.size() + kOk.size()), late + kOk);
  close(first);
  close(second);
}

TEST(PeerDirectives, HeadAnswersBeforeTheBody) {
  const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
  ScriptedPeer peer({"!head\n" + interim, kOk});
  ASSERT_TRUE(peer.Start());
  int fd = ConnectAccepted(peer);
  const std::string head = "PUT / HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n";
  Send(fd, head);
  EXPECT_EQ(Read(fd, interim.size()), interim);
  Send(fd, "hello");
  EXPECT_EQ(Read(fd, kOk.size()), kOk);
  EXPECT_EQ(peer.Answers(), (std::vector<std::string>{"connection 0 at 59 response 0",
                                                      "connection 0 at 64 response 1"}));
  close(fd);
}

TEST(PeerDirectives, WaitForQuietWaitsOutADelayedStep) {
  ScriptedPeer peer({"!delay=200\n" + kOk});
  ASSERT_TRUE(peer.Start());
  int fd = ConnectAccepted(peer);
  Send(fd, kGet);
  WaitReceived(peer, 0, kGet);
  EXPECT_TRUE(peer.WaitForQuiet(20));
  EXPECT_TRUE(Readable(fd));
  close(fd);
}

// Replays one recorded scenario into the peer. For each line of answers.txt in turn:
// the bytes of that connection up to one short of its offset go first, and the peer
// must not answer yet; then the last byte, and it must answer with that line, and
// write that response (and end the connection as the response says). Then the rest
// of every connection's bytes, after which the peer has answered nothing more.
class RecordedScenario : public testing::TestWithParam<std::string> {};

TEST_P(RecordedScenario, PeerSplitsAndAnswersAsHarnessJsDid) {
  const Fixture f = LoadFixture(GetParam());
  ScriptedPeer peer(f);
  if (!peer.Start()) GTEST_SKIP() << "cannot listen on " << f.listen << ": " << strerror(errno);
  std::vector<int> fds;
  std::vector<std::string> wire;  // what to send: sent.N.bin with the port filled in
  std::vector<size_t> done;       // how much of it was sent
  std::vector<bool> reset;
  for (const std::string& sent : f.sent) {
    fds.push_back(ConnectAccepted(peer, f.listen));
    wire.push_back(FillPort(sent, peer.port()));
    done.push_back(0);
    reset.push_back(false);
  }
  for (size_t k = 0; k < f.answers.size(); ++k) {
    size_t c = 0, at = 0;
    char response[16] = {};
    ASSERT_EQ(std::sscanf(f.answers[k].c_str(), "connection %zu at %zu response %15s", &c, &at,
                          response), 3)
        << f.answers[k];
    ASSERT_LT(c, fds.size());
    const size_t end = FillPort(f.sent[c].substr(0, at), peer.port()).size();
    if (end > done[c]) {
      Send(fds[c], std::string_view(wire[c]).substr(done[c], end - 1 - done[c]));
      WaitReceived(peer, c, wire[c].substr(0, end - 1));
      EXPECT_EQ(peer.Answers().size(), k) << "answered before the last byte of: " << f.answers[k];
      Send(fds[c], std::string_view(wire[c]).substr(end - 1, 1));
      done[c] = end;
    }
    ASSERT_TRUE(peer.WaitUntil([&] { return peer.Answers().size() > k; }))
        << "no answer for: " << f.answers[k];
    EXPECT_EQ(peer.Answers()[k], f.answers[k]);
    if (std::string(response) == "none") continue;
    const Plan plan = ParseResponse(f.responses[std::stoul(response)]);
    EXPECT_EQ(Read(fds[c], plan.bytes.size()), plan.bytes) << f.answers[k];
    if (plan.end == Plan::End::kFin) {
      EXPECT_EQ(ReadEnd(fds[c]), "fin") << f.answers[k];
    }
    if (plan.end == Plan::End::kReset) {
      EXPECT_EQ(ReadEnd(fds[c]), "reset") << f.answers[k];
      reset[c] = true;
    }
  }
  for (size_t c = 0; c < fds.size(); ++c) {
    if (reset[c] || done[c] == wire[c].size()) continue;
    Send(fds[c], std::string_view(wire[c]).substr(done[c]));
    WaitReceived(peer, c, wire[c]);
  }
  EXPECT_EQ(peer.Answers(), f.answers);
  EXPECT_EQ(peer.connections(), static_cast<size_t>(f.connections));
  for (int fd : fds) close(fd);
}

std::string NameOf(const testing::TestParamInfo<std::string>& info) { return "s" + info.param; }

INSTANTIATE_TEST_SUITE_P(AllRecorded, RecordedScenario, testing::ValuesIn(FixtureNames()), NameOf);

TEST(RecordedScenario, AreFound) {
  const std::vector<std::string> names = FixtureNames();
  ASSERT_GE(names.size(), 43u) << "scenarios under " << ScenarioRoot();
  const Fixture f = LoadFixture("005");
  EXPECT_EQ(f.name, "005_host_ipv6");
  EXPECT_EQ(f.listen, "::1");
  EXPECT_EQ(f.connections, 1);
  EXPECT_EQ(f.responses, std::vector<std::string>{kOk});
  EXPECT_EQ(f.events.front(), "req socket");
  EXPECT_EQ(f.answers, std::vector<std::string>{"connection 0 at 55 response 0"});
  EXPECT_THROW(LoadFixture("999_none"), std::runtime_error);
}

}  // namespace
}  // namespace client_conformance
