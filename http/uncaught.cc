#include "http/uncaught.h"

#include <cstdio>
#include <memory>
#include <mutex>
#include <utility>

namespace http {
namespace {

std::mutex& HandlerMutex() {
  static std::mutex mu;
  return mu;
}

// Shared, so that a handler replaced while one loop runs it stays alive for that call.
std::shared_ptr<std::function<void(std::exception_ptr)>>& Handler() {
  static std::shared_ptr<std::function<void(std::exception_ptr)>> handler;
  return handler;
}

void PrintToStderr(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    std::fprintf(stderr, "http: uncaught exception in a listener: %s\n", x.what());
  } catch (...) {
    std::fprintf(stderr, "http: uncaught exception in a listener (not a std::exception)\n");
  }
}

}  // namespace

void setUncaughtExceptionHandler(std::function<void(std::exception_ptr)> handler) {
  auto next = handler ? std::make_shared<std::function<void(std::exception_ptr)>>(
                            std::move(handler))
                      : nullptr;
  std::lock_guard<std::mutex> lock(HandlerMutex());
  Handler() = std::move(next);
}

void ReportUncaughtException(std::exception_ptr e) noexcept {
  std::shared_ptr<std::function<void(std::exception_ptr)>> handler;
  {
    std::lock_guard<std::mutex> lock(HandlerMutex());
    handler = Handler();
  }
  try {
    if (handler) {
      (*handler)(e);
    } else {
      PrintToStderr(e);
    }
  } catch (...) {
    // The handler's own exception has nowhere to go.
  }
}

}  // namespace http
