#include "services/gateway/web/http_rules.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/api/annotations.pb.h"

namespace rcp::gateway::web {
namespace {

using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

bool IsLiteral(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view text) {
  PathTemplate t;
  t.text_ = std::string(text);
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("path template \"", text, "\": ", why));
  };
  if (text.empty() || text[0] != '/') return bad("does not start with /");
  absl::string_view rest = text.substr(1);
  // The verb follows the last ':' outside braces.
  size_t depth = 0, colon = absl::string_view::npos;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '{') ++depth;
    if (rest[i] == '}') --depth;
    if (rest[i] == ':' && depth == 0) colon = i;
  }
  if (colon != absl::string_view::npos) {
    t.verb_ = std::string(rest.substr(colon + 1));
    if (!IsLiteral(t.verb_)) return bad("bad verb");
    rest = rest.substr(0, colon);
  }
  while (!rest.empty()) {
    if (rest[0] == '{') {
      size_t close = rest.find('}');
      if (close == absl::string_view::npos) return bad("unclosed {");
      absl::string_view var = rest.substr(1, close - 1);
      rest = rest.substr(close + 1);
      Variable v;
      absl::string_view pattern = "*";
      if (size_t eq = var.find('='); eq != absl::string_view::npos) {
        pattern = var.substr(eq + 1);
        var = var.substr(0, eq);
      }
      v.field_path = std::string(var);
      v.begin = t.segments_.size();
      for (absl::string_view seg : absl::StrSplit(pattern, '/')) {
        if (seg != "*" && !IsLiteral(seg))
          return bad(absl::StrCat("bad segment \"", seg, "\" in {", var, "}"));
        t.segments_.emplace_back(seg);
      }
      v.end = t.segments_.size();
      t.variables_.push_back(std::move(v));
    } else {
      size_t slash = rest.find('/');
      absl::string_view seg = rest.substr(0, slash);
      if (seg != "*" && !IsLiteral(seg)) return bad(absl::StrCat("bad segment \"", seg, "\""));
      t.segments_.emplace_back(seg);
      rest = slash == absl::string_view::npos ? absl::string_view() : rest.substr(slash);
    }
    if (!rest.empty()) {
      if (rest[0] != '/' || rest.size() == 1) return bad("segments must be separated by one /");
      rest = rest.substr(1);
    }
  }
  return t;
}

bool PathTemplate::Match(const std::vector<std::string>& segments, absl::string_view verb,
                         std::vector<std::pair<const Variable*, std::string>>* bindings) const {
  if (segments.size() != segments_.size() || verb != verb_) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (segments_[i] != "*" && segments_[i] != segments[i]) return false;
  }
  bindings->clear();
  for (const Variable& v : variables_) {
    std::string value;
    for (size_t i = v.begin; i < v.end; ++i) absl::StrAppend(&value, i == v.begin ? "" : "/", segments[i]);
    bindings->emplace_back(&v, std::move(value));
  }
  return true;
}

const std::vector<std::string>& PublicServiceNames() {
  static const auto* names = new std::vector<std::string>{"rcp.registry.v1.Registry", "rcp.events.v1.Events",
                                                          "rcp.documents.v1.Documents", "rcp.gateway.v1.Gateway"};
  return *names;
}

absl::StatusOr<std::vector<HttpRule>> RulesOf(const std::vector<const ServiceDescriptor*>& services) {
  std::vector<HttpRule> rules;
  for (const ServiceDescriptor* service : services) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* m = service->method(i);
      if (!m->options().HasExtension(google::api::http)) continue;
      const google::api::HttpRule& option = m->options().GetExtension(google::api::http);
      HttpRule rule;
      std::string path;
      switch (option.pattern_case()) {
        case google::api::HttpRule::kGet:
          rule.http_method = "GET";
          path = option.get();
          break;
        case google::api::HttpRule::kPost:
          rule.http_method = "POST";
          path = option.post();
          break;
        case google::api::HttpRule::kPatch:
          rule.http_method = "PATCH";
          path = option.patch();
          break;
        case google::api::HttpRule::kDelete:
          rule.http_method = "DELETE";
          path = option.delete_();
          break;
        case google::api::HttpRule::kPut:
          rule.http_method = "PUT";
          path = option.put();
          break;
        default:
          return absl::InvalidArgumentError(absl::StrCat(m->full_name(), ": google.api.http names no verb"));
      }
      if (m->client_streaming() || m->server_streaming()) {
        return absl::InvalidArgumentError(
            absl::StrCat(m->full_name(), ": streaming methods have no JSON binding"));
      }
      auto parsed = PathTemplate::Parse(path);
      if (!parsed.ok())
        return absl::InvalidArgumentError(absl::StrCat(m->full_name(), ": ", parsed.status().message()));
      rule.path = *std::move(parsed);
      rule.body = option.body();
      if (!rule.body.empty() && rule.body != "*" && m->input_type()->FindFieldByName(rule.body) == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(m->full_name(), ": body \"", rule.body, "\" is no field"));
      }
      for (const auto& v : rule.path.variables()) {
        const google::protobuf::Descriptor* d = m->input_type();
        const google::protobuf::FieldDescriptor* f = nullptr;
        for (absl::string_view part : absl::StrSplit(v.field_path, '.')) {
          f = d == nullptr ? nullptr : d->FindFieldByName(std::string(part));
          if (f == nullptr) break;
          d = f->message_type();
        }
        if (f == nullptr || f->type() != google::protobuf::FieldDescriptor::TYPE_STRING || f->is_repeated()) {
          return absl::InvalidArgumentError(
              absl::StrCat(m->full_name(), ": path variable ", v.field_path, " is no string field"));
        }
      }
      rule.method = m;
      rule.grpc_method = absl::StrCat("/", service->full_name(), "/", m->name());
      rules.push_back(std::move(rule));
    }
  }
  return rules;
}

absl::Status SplitPath(absl::string_view raw, std::vector<std::string>* segments, std::string* verb) {
  segments->clear();
  verb->clear();
  if (raw.empty() || raw[0] != '/') return absl::InvalidArgumentError("path: must start with /");
  absl::string_view rest = raw.substr(1);
  if (size_t slash = rest.rfind('/'), colon = rest.rfind(':');
      colon != absl::string_view::npos && (slash == absl::string_view::npos || colon > slash)) {
    *verb = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
  }
  for (absl::string_view seg : absl::StrSplit(rest, '/')) {
    std::string decoded;
    for (size_t i = 0; i < seg.size(); ++i) {
      if (seg[i] != '%') {
        decoded.push_back(seg[i]);
        continue;
      }
      if (i + 2 >= seg.size()) return absl::InvalidArgumentError("path: a % escape is cut short");
      int h = HexValue(seg[i + 1]), l = HexValue(seg[i + 2]);
      if (h < 0 || l < 0) return absl::InvalidArgumentError("path: a % escape is not two hex digits");
      char c = static_cast<char>(h * 16 + l);
      if (c == '/' || c == '\0') {
        return absl::InvalidArgumentError("path: an encoded / or NUL is not allowed in a segment");
      }
      decoded.push_back(c);
      i += 2;
    }
    if (decoded.empty()) return absl::InvalidArgumentError("path: empty segment");
    if (decoded == "." || decoded == "..")
      return absl::InvalidArgumentError("path: dot-segments are not allowed");
    segments->push_back(std::move(decoded));
  }
  return absl::OkStatus();
}

}  // namespace rcp::gateway::web
