// The HTTP bindings of the public gRPC methods, read from their
// google.api.http options (protos/google/api/http.proto): one path template
// per method, as AIP-127 writes them ("/v1/{name=processes/*/meetings/*}:confirm").
// The JSON API routes by these, and openapi.h documents the same rules.
#ifndef RCP_SERVICES_GATEWAY_WEB_HTTP_RULES_H_
#define RCP_SERVICES_GATEWAY_WEB_HTTP_RULES_H_

#include <google/protobuf/descriptor.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rcp::gateway::web {

// A path template: literal segments and single-segment wildcards, some of
// them captured by variables, and an optional ":verb". ("**" is not used by
// our APIs and is refused, so that every route matches a fixed depth.)
class PathTemplate {
 public:
  struct Variable {
    std::string field_path;  // "meeting.name"
    size_t begin = 0;        // the segments it captures: [begin, end)
    size_t end = 0;
  };

  static absl::StatusOr<PathTemplate> Parse(absl::string_view text);

  // The value of each variable when `segments` (decoded) and `verb` match.
  bool Match(const std::vector<std::string>& segments, absl::string_view verb,
             std::vector<std::pair<const Variable*, std::string>>* bindings) const;

  const std::string& text() const { return text_; }
  const std::vector<Variable>& variables() const { return variables_; }
  // The literal segments, "*" for each wildcard, and the verb ("" if none).
  const std::vector<std::string>& segments() const { return segments_; }
  const std::string& verb() const { return verb_; }

 private:
  std::string text_;
  std::vector<std::string> segments_;  // "*" for a wildcard
  std::vector<Variable> variables_;
  std::string verb_;
};

struct HttpRule {
  std::string http_method;  // "GET", "POST", "PATCH", "DELETE", "PUT"
  PathTemplate path;
  std::string body;  // "", "*" or a top-level field of the request
  const google::protobuf::MethodDescriptor* method = nullptr;
  // "/rcp.events.v1.Events/GetMeeting"
  std::string grpc_method;
};

// The services the gateway serves to the public, which the JSON API
// transcodes: "rcp.events.v1.Events", …
const std::vector<std::string>& PublicServiceNames();

// The rules of every unary method of `services` that has a google.api.http
// option; an error names the method whose rule is malformed.
absl::StatusOr<std::vector<HttpRule>> RulesOf(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services);

// A request path (raw, before decoding, without its query) split into
// decoded segments and a ":verb". Refuses what could reach another
// resource than it names: an encoded "/" (%2F), dot-segments, empty
// segments, bad escapes.
absl::Status SplitPath(absl::string_view raw, std::vector<std::string>* segments, std::string* verb);

}  // namespace rcp::gateway::web

#endif  // RCP_SERVICES_GATEWAY_WEB_HTTP_RULES_H_
