// The host parser of the URL parser behind ParseUrl (client_url.h): the URL
// Standard's host parsing as Node v12's node_url.cc does it. Private to the
// client_url library. Pure; safe from any thread.
#ifndef HTTP_CLIENT_URL_HOST_H_
#define HTTP_CLIENT_URL_HOST_H_

#include <string>
#include <string_view>

namespace http::url_host {

// Parses the host of a URL (the bytes between the authority's '@' and its port or
// path) and stores its serialisation in `out`: a domain lower-cased, an IPv4 address
// in dotted decimal (from any of the URL Standard's number forms), an IPv6 address
// compressed and bracketed, or for a non-special scheme an opaque host
// percent-encoded. An empty input gives an empty host. Returns false when the URL
// Standard fails the host, and when a special scheme's host is not ASCII once
// percent-decoded (v12 would map it through IDNA; see ParseUrl).
bool ParseHost(std::string_view input, bool special, std::string& out);

}  // namespace http::url_host

#endif  // HTTP_CLIENT_URL_HOST_H_
