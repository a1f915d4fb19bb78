// What happens to an exception that a listener (or a callback given to the http API)
// throws.
//
// Node: it is an uncaught exception. The process's 'uncaughtException' listeners get
// it, or, with none, Node prints it and exits.
// Here no exception crosses the engine. The http layer catches it on the loop thread,
// where it called the listener, and:
//   1. passes it to the handler set with setUncaughtExceptionHandler (by default, its
//      what() is written to stderr);
//   2. destroys the socket the listener was called for, as if the client had left:
//      its requests are aborted and every request, response and socket emits 'close'
//      (a listener that throws again meanwhile is reported the same way, and the
//      close goes on). Other connections are served on.
// A handler that wants Node's default behaviour calls std::abort() (or exits).
// The errors the API documents as thrown (ERR_HTTP_HEADERS_SENT, ...) are thrown to
// the caller; only when they escape a listener do they end here.
#ifndef HTTP_UNCAUGHT_H_
#define HTTP_UNCAUGHT_H_

#include <exception>
#include <functional>

namespace http {

// Any thread. The handler runs on the loop thread where the exception was caught (or
// on the thread that runs the callbacks of a Server's close() when it does not run:
// http/server.h); calls from different threads may overlap. What it throws itself is
// dropped. An empty function restores the default.
void setUncaughtExceptionHandler(std::function<void(std::exception_ptr)> handler);

// Hands `e` to the handler. Loop threads, from the http layer and the engine.
void ReportUncaughtException(std::exception_ptr e) noexcept;

// Runs fn (a call that runs listeners); what it throws is handed to the handler.
// Returns false when it threw.
template <typename Fn>
bool RunReportingExceptions(Fn&& fn) noexcept {
  try {
    fn();
    return true;
  } catch (...) {
    ReportUncaughtException(std::current_exception());
    return false;
  }
}

}  // namespace http

#endif  // HTTP_UNCAUGHT_H_
