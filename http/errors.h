// http::Error: the errors Node v12's http module throws or emits, with Node's codes
// and exact message text.
//
// Public names follow Node's spelling where Node has a name for the thing (code,
// message, name, syscall); other names follow Google C++ style. Each factory names
// the Node error code it makes.
//
// Who throws what: misuse Node reports by throwing (ERR_HTTP_HEADERS_SENT,
// ERR_INVALID_HTTP_TOKEN, ...) is thrown as http::Error by the http API; failures Node
// reports as 'error' events (ERR_STREAM_WRITE_AFTER_END, ECONNRESET, ...) are passed
// to the listeners as const http::Error&. No http::Error crosses the engine.
//
// An Error is an immutable value. Copying it never throws (the strings are shared),
// so it is safe to throw, catch by reference, store and hand to other threads.
#ifndef HTTP_ERRORS_H_
#define HTTP_ERRORS_H_

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace http {

// The JavaScript class Node gives the error; err.name.
enum class ErrorType { kError, kTypeError, kRangeError };

class Error : public std::runtime_error {
 public:
  // A custom error; prefer the factories below. Throws std::bad_alloc only.
  Error(ErrorType type, std::string_view code, std::string_view message);

  // err.code, e.g. "ERR_HTTP_HEADERS_SENT", "ECONNRESET", "HPE_INVALID_METHOD".
  std::string_view code() const noexcept;
  // err.message: exactly Node's text. Same bytes as what().
  std::string_view message() const noexcept { return what(); }
  ErrorType type() const noexcept { return type_; }
  // err.name: "Error", "TypeError" or "RangeError".
  std::string_view name() const noexcept;
  // err.syscall, for system errors (the *Exception factories); empty otherwise.
  std::string_view syscall() const noexcept;
  // err.address and err.port, for the *WithHostPort factories; empty and 0 otherwise.
  std::string_view address() const noexcept;
  int port() const noexcept;
  // String(err) in v12: "TypeError [ERR_X]: message" for Node's own ERR_* codes,
  // "Error: message" for the others. Throws std::bad_alloc only.
  std::string ToString() const;

  // The factories. Each returns the error (it does not throw it), and throws only
  // std::bad_alloc. Arguments are copied into the message.

  // ERR_HTTP_HEADERS_SENT (Error): "Cannot <action> headers after they are sent to
  // the client". v12's actions: "set" (setHeader, writeHead with headers), "remove"
  // (removeHeader), "render" (writeHead again without headers).
  static Error HeadersSent(std::string_view action);
  // ERR_INVALID_HTTP_TOKEN (TypeError): "<what> must be a valid HTTP token
  // [\"<token>\"]". v12's `what`: "Header name", "Trailer name", "Method".
  static Error InvalidHttpToken(std::string_view what, std::string_view token);
  // ERR_INVALID_CHAR (TypeError): "Invalid character in <what>", e.g. "statusMessage".
  static Error InvalidChar(std::string_view what);
  // ERR_INVALID_CHAR (TypeError): "Invalid character in <what> [\"<field>\"]"; v12's
  // `what`: "header content", "trailer content"; `field` is the header name.
  static Error InvalidChar(std::string_view what, std::string_view field);
  // ERR_HTTP_INVALID_HEADER_VALUE (TypeError): "Invalid value \"<value>\" for header
  // \"<name>\"". v12 throws it for a missing value: value "undefined".
  static Error InvalidHeaderValue(std::string_view value, std::string_view name);
  // ERR_HTTP_INVALID_STATUS_CODE (RangeError): "Invalid status code: <code>". The
  // string form takes the value as the user gave it (v12 prints the original).
  static Error InvalidStatusCode(int code);
  static Error InvalidStatusCode(std::string_view original);
  // ERR_HTTP_TRAILER_INVALID (Error): "Trailers are invalid with this transfer
  // encoding".
  static Error TrailerInvalid();
  // ERR_STREAM_WRITE_AFTER_END (Error): "write after end".
  static Error WriteAfterEnd();
  // ERR_STREAM_DESTROYED (Error): "Cannot call <method> after a stream was
  // destroyed", e.g. method "write".
  static Error StreamDestroyed(std::string_view method);
  // ERR_STREAM_CANNOT_PIPE (Error): "Cannot pipe, not readable".
  static Error CannotPipe();
  // ERR_METHOD_NOT_IMPLEMENTED (Error): "The <method> method is not implemented".
  static Error MethodNotImplemented(std::string_view method);
  // ERR_INVALID_ARG_TYPE (TypeError), in v12's shape: "The \"<name>\" argument must
  // be <expected>. Received <received>"; "property" instead of "argument" when name
  // contains a dot; a name ending in " argument" is used bare ("The first argument").
  // `expected` and `received` are given already phrased, e.g. "of type string" and
  // "type number (5)".
  static Error InvalidArgType(std::string_view name, std::string_view expected,
                              std::string_view received);
  // ERR_UNESCAPED_CHARACTERS (TypeError): "<what> contains unescaped characters";
  // v12's `what`: "Request path".
  static Error UnescapedCharacters(std::string_view what);
  // ERR_INVALID_PROTOCOL (TypeError): "Protocol \"<protocol>\" not supported.
  // Expected \"<expected>\"".
  static Error InvalidProtocol(std::string_view protocol, std::string_view expected);
  // ERR_INVALID_URL (TypeError): "Invalid URL: <input>", thrown by new URL(input) for
  // an input the WHATWG parser rejects. v12 also sets err.input; here the input is
  // in the message only.
  static Error InvalidUrl(std::string_view input);
  // ERR_SERVER_NOT_RUNNING (Error): "Server is not running.", given to the callback of
  // a close() on a server that does not listen.
  static Error ServerNotRunning();
  // Node's connResetException (Error, code ECONNRESET) with the given message. v12
  // uses "socket hang up" (a ClientRequest whose socket closed before a response).
  // v12 has no "aborted" error: an aborted message emits the 'aborted' event only.
  static Error ConnReset(std::string_view message);
  // Node's errnoException (Error), for failed reads, writes, accepts: code = the
  // errno's name as libuv spells it, e.g. "ECONNRESET"; message "<syscall> <code>"
  // or "<syscall> <code> <original>". `err` is an errno value of either sign (the
  // engine returns -errno). For an errno libuv does not name, v12's code is
  // "Unknown system error -<errno>".
  static Error ErrnoException(int err, std::string_view syscall, std::string_view original = {});
  // Node's exceptionWithHostPort (Error), for connect and bind: message
  // "<syscall> <code> <address>:<port>", or "<syscall> <code> <address>" when port
  // is not positive, e.g. "connect ECONNREFUSED 127.0.0.1:80". Code as above.
  static Error ExceptionWithHostPort(int err, std::string_view syscall, std::string_view address,
                                     int port = 0);
  // Node's uvExceptionWithHostPort (Error), for listen: as ExceptionWithHostPort
  // with libuv's description after the code, e.g. "listen EADDRINUSE: address
  // already in use 127.0.0.1:80". For an errno libuv does not name, v12's code is
  // "UNKNOWN" and the description "unknown error".
  static Error UvExceptionWithHostPort(int err, std::string_view syscall, std::string_view address,
                                       int port = 0);
  // A parser error as v12 reports it (Error): code "HPE_<NAME>", message
  // "Parse Error: <reason>".
  static Error ParseError(std::string_view code, std::string_view reason);

 private:
  struct Detail {
    std::string code;
    std::string syscall;
    std::string address;
    int port = 0;
  };
  Error(ErrorType type, std::string_view message, Detail detail);

  ErrorType type_;
  std::shared_ptr<const Detail> detail_;  // never null
};

}  // namespace http

#endif  // HTTP_ERRORS_H_
