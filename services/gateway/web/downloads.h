// Documents' content over HTTP: GET /v1/{document}:download?language=&version=
// (HEAD too), streamed from the gateway's own Download through the same
// in-process channel and policy as the rest of /v1, so an item the caller
// may not see is 404 exactly as an absent one.
//
// Uploaded files never run on our origin: every answer is sandboxed by CSP
// and nosniff, and only PDF, plain text and raster images show inline;
// everything else (HTML, SVG, office files …) is an attachment named by the
// document's symbol and language (RFC 6266). The entity tag is the
// content's SHA-256, so Range (RFC 9110 §14) resumes against the exact
// bytes: If-Range is honoured, a multi-range request gets 200 with the
// whole body, and a range past the end gets 416.
#ifndef RCP_SERVICES_GATEWAY_WEB_DOWNLOADS_H_
#define RCP_SERVICES_GATEWAY_WEB_DOWNLOADS_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace rcp::gateway::web {

// The one range of a Range header, resolved against a body of `size` bytes.
struct ByteRange {
  int64_t offset = 0;
  int64_t length = 0;
};
// What a Range header asks of a body of `size` bytes.
struct RangeRequest {
  enum Kind {
    kWhole,          // no Range, one this server ignores (not bytes, malformed,
                     // several ranges), or an empty body
    kPart,           // one satisfiable range: `range`
    kUnsatisfiable,  // one range wholly past the end: 416
  };
  Kind kind = kWhole;
  ByteRange range;
};
RangeRequest ParseRange(absl::string_view header, int64_t size);

// Whether a browser may show content of `media_type` in place: PDF, plain
// text and raster images. Never HTML, SVG or anything that may run script.
bool ShowsInline(absl::string_view media_type);

// The Content-Disposition of a download: inline or attachment, named
// "<symbol with / as ->.<language>.<extension>" (RFC 6266: an ASCII
// filename, and filename* in UTF-8 when the name is not ASCII).
std::string ContentDisposition(absl::string_view symbol, absl::string_view language,
                               absl::string_view media_type);

class Downloads {
 public:
  // Calls go to `gateway` (the gateway's in-process channel).
  explicit Downloads(std::shared_ptr<grpc::Channel> gateway);

  // Serves /v1/{document}:download on `server` (before the API's catch-all).
  void Register(httplib::Server& server);

  // Answers a download of `document` for the caller of `authorization`
  // ("Bearer …", or empty for an anonymous caller). Blocks.
  void Serve(const httplib::Request& req, httplib::Response& res, const std::string& document,
             const std::string& authorization);

 private:
  std::shared_ptr<grpc::Channel> gateway_;
};

}  // namespace rcp::gateway::web

#endif  // RCP_SERVICES_GATEWAY_WEB_DOWNLOADS_H_
