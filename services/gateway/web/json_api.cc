#include "services/gateway/web/json_api.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <httplib.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "services/gateway/web/api_status.h"
#include "services/gateway/web/openapi_document.h"

namespace rcp::gateway::web {
namespace {

namespace pb = ::google::protobuf;
using pb::Descriptor;
using pb::FieldDescriptor;
using pb::Message;

constexpr auto kCallDeadline = std::chrono::seconds(30);

bool IsWellKnownScalar(const Descriptor* d) {
  const std::string& n = d->full_name();
  return n == "google.protobuf.Timestamp" || n == "google.protobuf.Duration" ||
         n == "google.protobuf.FieldMask";
}

// A field by its proto name or its lowerCamel JSON name, as AIP-127's query
// parameters may give either.
const FieldDescriptor* FieldNamed(const Descriptor* d, const std::string& name) {
  if (const FieldDescriptor* f = d->FindFieldByName(name)) return f;
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)->json_name() == name) return d->field(i);
  }
  return nullptr;
}

void SendInvalid(httplib::Response& res, const std::string& message) {
  SendStatus(res, grpc::StatusCode::INVALID_ARGUMENT, message);
}

// The query's parameters as a JSON object for `type`, for protobuf's own
// parser: "filter.processes=a&filter.processes=b&pageSize=2" →
// {"filter":{"processes":["a","b"]},"pageSize":"2"}. Fails naming a
// parameter that is no field, or one the body fills.
absl::StatusOr<std::string> QueryAsJson(const httplib::Params& params, const Descriptor* type,
                                        const std::string& body_field) {
  pb::Struct root;
  for (const auto& [key, value] : params) {
    const Descriptor* d = type;
    pb::Struct* at = &root;
    std::vector<std::string> parts = absl::StrSplit(key, '.');
    for (size_t i = 0; i < parts.size(); ++i) {
      const FieldDescriptor* f = d == nullptr ? nullptr : FieldNamed(d, parts[i]);
      if (f == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat("query parameter \"", key, "\": no such field"));
      }
      if (i == 0 && (body_field == "*" || f->name() == body_field)) {
        return absl::InvalidArgumentError(
            absl::StrCat("query parameter \"", key, "\": the field is given in the JSON body"));
      }
      const std::string json_name = f->json_name();
      bool leaf = i + 1 == parts.size();
      if (!leaf) {
        if (f->type() != FieldDescriptor::TYPE_MESSAGE || f->is_repeated() ||
            IsWellKnownScalar(f->message_type())) {
          return absl::InvalidArgumentError(
              absl::StrCat("query parameter \"", key, "\": ", parts[i], " has no fields"));
        }
        pb::Value& v = (*at->mutable_fields())[json_name];
        at = v.mutable_struct_value();
        d = f->message_type();
        continue;
      }
      if (f->type() == FieldDescriptor::TYPE_MESSAGE && !IsWellKnownScalar(f->message_type())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "query parameter \"", key, "\": a message is given by its fields (", key, ".<field>=…)"));
      }
      pb::Value scalar;
      if (f->type() == FieldDescriptor::TYPE_BOOL && (value == "true" || value == "false")) {
        scalar.set_bool_value(value == "true");
      } else {
        scalar.set_string_value(value);
      }
      pb::Value& slot = (*at->mutable_fields())[json_name];
      if (f->is_repeated()) {
        *slot.mutable_list_value()->add_values() = std::move(scalar);
      } else if (slot.kind_case() != pb::Value::KIND_NOT_SET) {
        return absl::InvalidArgumentError(absl::StrCat("query parameter \"", key, "\": given twice"));
      } else {
        slot = std::move(scalar);
      }
    }
  }
  std::string json;
  if (!pb::util::MessageToJsonString(root, &json).ok()) return absl::InternalError("query: cannot encode");
  return json;
}

// Sets the string field at `path` ("meeting.name"), refusing a different
// value the body gave.
absl::Status SetPathVariable(Message* m, const std::string& path, const std::string& value) {
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(parts[i]);
    if (i + 1 < parts.size()) {
      m = m->GetReflection()->MutableMessage(m, f);
      continue;
    }
    const std::string given = m->GetReflection()->GetString(*m, f);
    if (!given.empty() && given != value) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": the path names \"", value, "\", the body \"", given, "\""));
    }
    m->GetReflection()->SetString(m, f, value);
  }
  return absl::OkStatus();
}

// AIP-134: a PATCH without updateMask updates the fields its body holds.
absl::Status MaskFromBody(const std::string& body, const Descriptor* resource, Message* request) {
  const FieldDescriptor* mask_field = request->GetDescriptor()->FindFieldByName("update_mask");
  if (mask_field == nullptr || request->GetReflection()->HasField(*request, mask_field))
    return absl::OkStatus();
  pb::Struct fields;
  if (!pb::util::JsonStringToMessage(body.empty() ? "{}" : body, &fields).ok()) {
    return absl::InvalidArgumentError("body: not a JSON object");
  }
  Message* mask = request->GetReflection()->MutableMessage(request, mask_field);
  const FieldDescriptor* paths = mask->GetDescriptor()->FindFieldByName("paths");
  std::vector<std::string> names;
  for (const auto& [key, unused] : fields.fields()) {
    const FieldDescriptor* f = FieldNamed(resource, key);
    // Identity and concurrency, not changes.
    if (f == nullptr || f->name() == "name" || f->name() == "etag") continue;
    names.push_back(f->name());
  }
  std::sort(names.begin(), names.end());
  for (const auto& n : names) mask->GetReflection()->AddString(mask, paths, n);
  return absl::OkStatus();
}

// An entity tag of a header ("abc", W/"abc" or abc) as our etags are
// written; empty when there is none.
std::string EntityTag(absl::string_view header) {
  header = absl::StripAsciiWhitespace(header);
  absl::ConsumePrefix(&header, "W/");
  if (header.size() >= 2 && header.front() == '"' && header.back() == '"') header = header.substr(1, header.size() - 2);
  return std::string(header);
}

// The string field `etag` of `m` itself or, for an Update, of the resource
// it carries in `body_field`.
std::pair<Message*, const FieldDescriptor*> EtagField(Message* m, const std::string& body_field) {
  if (const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName("etag")) return {m, f};
  if (body_field.empty() || body_field == "*") return {nullptr, nullptr};
  const FieldDescriptor* resource = m->GetDescriptor()->FindFieldByName(body_field);
  if (resource == nullptr || resource->type() != FieldDescriptor::TYPE_MESSAGE) return {nullptr, nullptr};
  Message* r = m->GetReflection()->MutableMessage(m, resource);
  const FieldDescriptor* f = r->GetDescriptor()->FindFieldByName("etag");
  if (f == nullptr) return {nullptr, nullptr};
  return {r, f};
}

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<JsonApi>> JsonApi::Create(std::shared_ptr<grpc::Channel> gateway) {
  std::vector<const pb::ServiceDescriptor*> services;
  for (const std::string& name : PublicServiceNames()) {
    const pb::ServiceDescriptor* s = pb::DescriptorPool::generated_pool()->FindServiceByName(name);
    if (s == nullptr) return absl::InternalError(absl::StrCat(name, " is not linked into this binary"));
    services.push_back(s);
  }
  auto rules = RulesOf(services);
  if (!rules.ok()) return rules.status();
  return std::unique_ptr<JsonApi>(new JsonApi(std::move(gateway), *std::move(rules)));
}

JsonApi::JsonApi(std::shared_ptr<grpc::Channel> gateway, std::vector<HttpRule> rules)
    : gateway_(std::move(gateway)), rules_(std::move(rules)) {}

void JsonApi::Register(httplib::Server& server) {
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); };
  // The API's description is public, for any tool or page to read; it is
  // made at build time from the protos (openapi_gen.cc).
  server.Get("/v1/openapi.json", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Access-Control-Allow-Origin", "*");
    res.set_header("Cache-Control", "public, max-age=300");
    res.set_content(kOpenApiDocument, kJson);
  });
  server.Get(R"(/v1/.*)", handler);
  server.Post(R"(/v1/.*)", handler);
  server.Patch(R"(/v1/.*)", handler);
  server.Delete(R"(/v1/.*)", handler);
  server.Put(R"(/v1/.*)", handler);
}

void JsonApi::Handle(const httplib::Request& req, httplib::Response& res) {
  res.set_header("Vary", "Authorization");
  // The path as sent, decoded here once: httplib's own decoding would turn
  // %2F into a separator.
  std::string raw = req.target.empty() ? req.path : req.target.substr(0, req.target.find('?'));
  std::vector<std::string> segments;
  std::string verb;
  if (absl::Status s = SplitPath(raw, &segments, &verb); !s.ok())
    return SendInvalid(res, std::string(s.message()));
  const HttpRule* rule = nullptr;
  std::vector<std::pair<const PathTemplate::Variable*, std::string>> bindings;
  std::vector<std::string> allowed;
  for (const HttpRule& r : rules_) {
    std::vector<std::pair<const PathTemplate::Variable*, std::string>> b;
    if (!r.path.Match(segments, verb, &b)) continue;
    allowed.push_back(r.http_method);
    if (r.http_method == req.method && rule == nullptr) {
      rule = &r;
      bindings = std::move(b);
    }
  }
  if (rule == nullptr && allowed.empty()) {
    return SendStatus(res, grpc::StatusCode::NOT_FOUND, absl::StrCat("no method of the API at ", raw));
  }
  if (rule == nullptr) {
    SendStatus(
        res, grpc::StatusCode::UNIMPLEMENTED,
        absl::StrCat(req.method, " is not a method of ", raw, "; it takes ", absl::StrJoin(allowed, ", ")));
    res.status = 405;
    res.set_header("Allow", absl::StrJoin(allowed, ", "));
    return;
  }
  // Keys only, never a cookie: /v1 is for programs, and a cookie would let
  // another site's page act for the visitor.
  std::string authorization;
  if (!BearerOrNone(req, res, &authorization)) return;

  const Message* prototype =
      pb::MessageFactory::generated_factory()->GetPrototype(rule->method->input_type());
  std::unique_ptr<Message> request(prototype->New());
  auto query = QueryAsJson(req.params, rule->method->input_type(), rule->body);
  if (!query.ok()) return SendInvalid(res, std::string(query.status().message()));
  if (auto s = pb::util::JsonStringToMessage(*query, request.get()); !s.ok()) {
    return SendInvalid(res, absl::StrCat("query: ", s.message().as_string()));
  }
  if (!rule->body.empty()) {
    if (!req.body.empty() || req.method != "POST") {
      std::string type = req.get_header_value("Content-Type");
      if (!absl::StartsWith(type, kJson)) {
        SendInvalid(res, absl::StrCat("Content-Type: the body must be ", kJson));
        res.status = 415;
        return;
      }
    }
    const std::string body = req.body.empty() ? "{}" : req.body;
    Message* target = request.get();
    if (rule->body != "*") {
      target = request->GetReflection()->MutableMessage(
          request.get(), rule->method->input_type()->FindFieldByName(rule->body));
    }
    if (auto s = pb::util::JsonStringToMessage(body, target); !s.ok()) {
      return SendInvalid(res, absl::StrCat("body: ", s.message().as_string()));
    }
    if (req.method == "PATCH" && rule->body != "*") {
      if (absl::Status s = MaskFromBody(body, target->GetDescriptor(), request.get()); !s.ok()) {
        return SendInvalid(res, std::string(s.message()));
      }
    }
  }
  for (const auto& [variable, value] : bindings) {
    if (absl::Status s = SetPathVariable(request.get(), variable->field_path, value); !s.ok()) {
      return SendInvalid(res, std::string(s.message()));
    }
  }

  // If-Match is the request's etag (AIP-154): a change made since is
  // refused, as 412 rather than the 409 an etag in the body gets.
  const bool conditional = req.has_header("If-Match") && req.method != "GET";
  if (conditional) {
    auto [holder, etag] = EtagField(request.get(), rule->body);
    if (etag == nullptr) {
      return SendInvalid(res, absl::StrCat("If-Match: ", rule->grpc_method, " takes no etag"));
    }
    const std::string wanted = EntityTag(req.get_header_value("If-Match"));
    const std::string given = holder->GetReflection()->GetString(*holder, etag);
    if (!given.empty() && given != wanted) {
      return SendInvalid(res, "If-Match: differs from the etag in the body");
    }
    holder->GetReflection()->SetString(holder, etag, wanted);
  }

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
  if (!authorization.empty()) context.AddMetadata("authorization", authorization);
  grpc::Slice slice(request->SerializeAsString());
  grpc::ByteBuffer request_bytes(&slice, 1);
  grpc::ByteBuffer response_bytes;
  grpc::Status status;
  absl::Notification done;
  grpc::GenericStub stub(gateway_);
  stub.UnaryCall(&context, rule->grpc_method, grpc::StubOptions(), &request_bytes, &response_bytes,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (!status.ok()) {
    SendStatus(res, status.error_code(), status.error_message(), status.error_details());
    if (conditional && status.error_code() == grpc::StatusCode::ABORTED) res.status = 412;
    return;
  }

  std::unique_ptr<Message> response(
      pb::MessageFactory::generated_factory()->GetPrototype(rule->method->output_type())->New());
  std::string json;
  if (!response->ParseFromString(Flatten(response_bytes)) ||
      !pb::util::MessageToJsonString(*response, &json).ok()) {
    return SendStatus(res, grpc::StatusCode::INTERNAL, "the response could not be encoded as JSON");
  }
  if (authorization.empty() && req.method == "GET") {
    // Read without a key, so what anyone may read (PUBLIC items, by the
    // policy): any page may fetch it, and caches may keep it briefly.
    // `Vary: Authorization` keeps it from answering a call with a key.
    res.set_header("Access-Control-Allow-Origin", "*");
    res.set_header("Cache-Control", "public, max-age=60");
  } else {
    // A key's own answer: no cache may keep or share it, and no other
    // origin may read it.
    res.set_header("Cache-Control", "no-store");
  }
  // The resource's etag as its entity tag: If-None-Match revalidates a
  // copy without sending it again.
  if (const FieldDescriptor* f = response->GetDescriptor()->FindFieldByName("etag");
      f != nullptr && f->type() == FieldDescriptor::TYPE_STRING) {
    const std::string etag = response->GetReflection()->GetString(*response, f);
    if (!etag.empty()) {
      res.set_header("ETag", absl::StrCat("\"", etag, "\""));
      if (req.method == "GET" && req.has_header("If-None-Match")) {
        for (absl::string_view tag : absl::StrSplit(req.get_header_value("If-None-Match"), ',')) {
          if (EntityTag(tag) == etag || absl::StripAsciiWhitespace(tag) == "*") {
            res.status = 304;
            return;
          }
        }
      }
    }
  }
  res.status = 200;
  res.set_content(json + "\n", kJson);
}

}  // namespace rcp::gateway::web
