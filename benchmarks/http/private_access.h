// Calling a private member of an http type from a benchmark, without changing http/.
//
// The server reaches ServerResponse::Reset, ServerResponse::out_ and
// IncomingHeaders::Build through its connection (ServerConnection and IncomingMessage
// are their friends); a micro-benchmark has no connection. C++ leaves one door open
// for this: access is not checked on the names in an explicit instantiation, so
//
//   struct ResponseReset { using type = void (http::ServerResponse::*)();
//                          friend type Get(ResponseReset); };
//   template struct bench::Expose<ResponseReset, &http::ServerResponse::Reset>;
//
// defines Get(ResponseReset{}), which returns the member pointer. The benchmark then
// runs the real member, not a copy of it; a renamed or retyped member stops the
// benchmark from compiling. Declare each tag and instantiation in the one .cc that uses
// it (an explicit instantiation may appear once per program).
#ifndef BENCHMARKS_HTTP_PRIVATE_ACCESS_H_
#define BENCHMARKS_HTTP_PRIVATE_ACCESS_H_

namespace bench {

template <typename Tag, typename Tag::type Member>
struct Expose {
  friend typename Tag::type Get(Tag) { return Member; }
};

}  // namespace bench

#endif  // BENCHMARKS_HTTP_PRIVATE_ACCESS_H_
