// http::EventEmitter (http/events.h): once() and removeAllListeners(), as Node's
// EventEmitter has them. Checked against v12.22.9: a once-listener runs at the first
// emit only, in its place among the others, and is removed before it runs (an emit
// from inside it does not reach it again); removeAllListeners(name) removes that
// event's listeners only, after which emit() returns false, and on() works again.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/events.h"

namespace {

using Emitter = http::EventEmitter<http::Event<"a", int>, http::Event<"b">>;

TEST(EventEmitter, OnceRunsAtTheFirstEmitOnlyInItsPlaceAmongTheOthers) {
  Emitter e;
  std::vector<std::string> log;
  e.on<"a">([&log](int v) { log.push_back("on1 " + std::to_string(v)); });
  e.once<"a">([&log](int v) { log.push_back("once " + std::to_string(v)); });
  e.on<"a">([&log](int v) { log.push_back("on2 " + std::to_string(v)); });
  EXPECT_EQ(e.listenerCount<"a">(), 3u);
  EXPECT_TRUE(e.emit<"a">(1));
  EXPECT_EQ(e.listenerCount<"a">(), 2u);
  EXPECT_TRUE(e.emit<"a">(2));
  EXPECT_THAT(log, ::testing::ElementsAre("on1 1", "once 1", "on2 1", "on1 2", "on2 2"));
}

TEST(EventEmitter, AnEventWithOnlyAOnceListenerHasNoneAfterItsEmit) {
  Emitter e;
  int runs = 0;
  e.once<"b">([&runs] { ++runs; });
  EXPECT_TRUE(e.emit<"b">());
  EXPECT_FALSE(e.emit<"b">());
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(e.listenerCount<"b">(), 0u);
}

// Node's onceWrapper removes the listener before calling it.
TEST(EventEmitter, OnceIsRemovedBeforeItRunsSoAnEmitFromInsideItDoesNotReachIt) {
  Emitter e;
  std::vector<int> log;
  e.once<"a">([&e, &log](int v) {
    log.push_back(v);
    EXPECT_EQ(e.listenerCount<"a">(), 1u);  // only the on() below is left
    e.emit<"a">(v + 10);
  });
  e.on<"a">([&log](int v) { log.push_back(-v); });
  e.emit<"a">(1);
  // The inner emit reaches the on() listener only; then the outer emit goes on to it.
  EXPECT_THAT(log, ::testing::ElementsAre(1, -11, -1));
}

TEST(EventEmitter, RemoveAllListenersRemovesThatEventsListenersOnly) {
  Emitter e;
  std::vector<std::string> log;
  e.on<"a">([&log](int) { log.push_back("a on"); });
  e.once<"a">([&log](int) { log.push_back("a once"); });
  e.on<"b">([&log] { log.push_back("b"); });
  e.removeAllListeners<"a">();
  EXPECT_EQ(e.listenerCount<"a">(), 0u);
  EXPECT_EQ(e.listenerCount<"b">(), 1u);
  EXPECT_FALSE(e.emit<"a">(1));
  EXPECT_TRUE(e.emit<"b">());
  // Listeners added afterwards run as usual.
  e.on<"a">([&log](int v) { log.push_back("a again " + std::to_string(v)); });
  EXPECT_TRUE(e.emit<"a">(2));
  EXPECT_THAT(log, ::testing::ElementsAre("b", "a again 2"));
}

TEST(EventEmitter, RemoveAllListenersOnAnEmitterWithoutListenersDoesNothing) {
  Emitter e;
  e.removeAllListeners<"b">();
  EXPECT_EQ(e.listenerCount<"b">(), 0u);
  EXPECT_FALSE(e.emit<"b">());
}

TEST(EventEmitter, ListenersAddedDuringAnEmitRunFromTheNextEmit) {
  Emitter e;
  std::vector<std::string> log;
  e.on<"b">([&e, &log] {
    log.push_back("first");
    e.once<"b">([&log] { log.push_back("added"); });
  });
  e.emit<"b">();
  EXPECT_THAT(log, ::testing::ElementsAre("first"));
  log.clear();
  e.emit<"b">();
  EXPECT_THAT(log, ::testing::ElementsAre("first", "added"));
}

}  // namespace
