// ServerResponse's head: writeHead() and the status line; the headers and framing
// are OutgoingMessage's (http/outgoing_message_head.cc).
#include <vector>

#include "http/ascii.h"
#include "http/header_validation.h"
#include "http/server_response.h"
#include "http/status_codes.h"

namespace http {
namespace {

bool NoBody(int code) { return code == 204 || code == 304 || (code >= 100 && code <= 199); }

}  // namespace

// --- the head --------------------------------------------------------------------

ServerResponse& ServerResponse::writeHead(int status_code, std::string_view status_message,
                                          HeaderList headers) {
  HeadField fields[64];
  std::vector<HeadField> many;
  HeadField* f = fields;
  if (headers.size() > std::size(fields)) {
    many.resize(headers.size());
    f = many.data();
  }
  size_t i = 0;
  for (const auto& h : headers) f[i++] = HeadField{h.first, &h.second, 1, false};
  return WriteHeadFields(status_code, status_message, f, i);
}

ServerResponse& ServerResponse::writeHead(int status_code, std::string_view status_message,
                                          HeaderValuesList headers) {
  std::vector<HeadField> f;
  f.reserve(headers.size());
  for (const auto& h : headers) f.push_back({h.first, h.second.begin(), h.second.size(), true});
  return WriteHeadFields(status_code, status_message, f.data(), f.size());
}

// v12's writeHead (also its _implicitHeader, with no fields).
ServerResponse& ServerResponse::WriteHeadFields(int status_code, std::string_view status_message,
                                                const HeadField* fields, size_t count) {
  if (status_code < 100 || status_code > 999) throw Error::InvalidStatusCode(status_code);
  if (!status_message.empty()) {
    statusMessage = std::string(status_message);
  } else if (statusMessage.empty()) {
    statusMessage = std::string(ReasonPhraseOrUnknown(status_code));
  }
  statusCode = status_code;
  if (headers_object_) {
    // v12's slow case: the fields go through setHeader, and the store is rendered.
    bool any = false;
    for (size_t i = 0; i < count; ++i) {
      const HeadField& h = fields[i];
      if (h.name.empty()) continue;
      any = true;
      if (head_written_) throw Error::HeadersSent("set");
      if (h.is_array) {
        headers_.set(h.name, std::span<const std::string_view>(h.values, h.count));
      } else {
        headers_.set(h.name, h.values[0]);
      }
    }
    if (!any && head_written_) throw Error::HeadersSent("render");
    fields = nullptr;
    count = 0;
  }
  if (HasInvalidHeaderChar(statusMessage)) throw Error::InvalidChar("statusMessage");
  if (NoBody(status_code)) has_body_ = false;
  // A final status before 100 Continue: the client may still send the body.
  if (expect_continue_ && !sent100_) keep_alive_ = false;
  StoreHeader(fields, count);
  return *this;
}

void ServerResponse::ImplicitHeader() { WriteHeadFields(statusCode, {}, nullptr, 0); }

void ServerResponse::AppendFirstLine(std::string& h) const {
  h.append("HTTP/1.1 ");
  AppendDecimal(h, static_cast<uint64_t>(statusCode));
  h.push_back(' ');
  h.append(statusMessage);
  h.append(kCrlf);
}

bool ServerResponse::BodilessStatus() const { return statusCode == 204 || statusCode == 304; }

}  // namespace http
