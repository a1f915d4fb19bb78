#include "http/date_cache.h"

#include <time.h>

#include <cstdio>

namespace http {
namespace {

constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct Cache {
  time_t second = -1;
  char text[32] = {};
  int len = 0;
};

thread_local Cache cache;

}  // namespace

std::string_view UtcDate() {
  timespec now;
  clock_gettime(CLOCK_REALTIME_COARSE, &now);
  if (now.tv_sec != cache.second) {
    tm t;
    gmtime_r(&now.tv_sec, &t);
    cache.len = std::snprintf(cache.text, sizeof(cache.text), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                              kDays[t.tm_wday], t.tm_mday, kMonths[t.tm_mon], t.tm_year + 1900,
                              t.tm_hour, t.tm_min, t.tm_sec);
    cache.second = now.tv_sec;
  }
  return {cache.text, static_cast<size_t>(cache.len)};
}

}  // namespace http
