// http::UtcDate(): the Date header value, as Node's utcDate() gives it (an IMF-fixdate
// of the current second).
#include "http/date_cache.h"

#include <gtest/gtest.h>
#include <time.h>

#include <regex>
#include <string>
#include <vector>

namespace {

time_t Parse(const std::string& date) {
  tm t{};
  EXPECT_NE(strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &t), nullptr) << date;
  return timegm(&t);
}

TEST(UtcDate, IsAnImfFixdateOfTheCurrentSecond) {
  time_t before = time(nullptr);
  std::string date(http::UtcDate());
  time_t after = time(nullptr);
  EXPECT_TRUE(std::regex_match(
      date, std::regex("(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] "
                       "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
                       "[0-2][0-9]:[0-5][0-9]:[0-6][0-9] GMT")))
      << date;
  // (The coarse clock may lag the precise one by a tick.)
  EXPECT_GE(Parse(date), before - 1);
  EXPECT_LE(Parse(date), after);
}

// Over a second and a bit, the value changes once or twice, each time to the next
// second. (That it is formatted once a second, not per call, is a speed property:
// //benchmarks/http:server_response_bench measures the head with it.)
TEST(UtcDate, AdvancesWithTheClockOneSecondAtATime) {
  std::vector<std::string> seen{std::string(http::UtcDate())};
  timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    std::string_view now = http::UtcDate();
    if (now != seen.back()) seen.emplace_back(now);
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    if ((t.tv_sec - start.tv_sec) * 1000 + (t.tv_nsec - start.tv_nsec) / 1000000 > 1100) break;
  }
  ASSERT_GE(seen.size(), 2u);
  ASSERT_LE(seen.size(), 3u);
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_EQ(Parse(seen[i]), Parse(seen[i - 1]) + 1);
}

}  // namespace
