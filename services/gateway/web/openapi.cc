#include "services/gateway/web/openapi.h"

#include <google/protobuf/descriptor.h>

#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace rcp::gateway::web {
namespace {

namespace pb = ::google::protobuf;
using Json = nlohmann::ordered_json;

// "meetings" → "meeting", "processes" → "process", "parties" → "party".
std::string Singular(absl::string_view collection) {
  if (absl::EndsWith(collection, "ies")) return absl::StrCat(collection.substr(0, collection.size() - 3), "y");
  if (absl::EndsWith(collection, "sses")) return std::string(collection.substr(0, collection.size() - 2));
  if (absl::EndsWith(collection, "s")) return std::string(collection.substr(0, collection.size() - 1));
  return std::string(collection);
}

// The wildcard at `i` is named for the literal before it.
std::string ParameterAt(const PathTemplate& path, size_t i) {
  return i == 0 ? "id" : Singular(path.segments()[i - 1]);
}

template <typename D>
std::string CommentsOf(const D* d) {
  pb::SourceLocation where;
  if (!d->GetSourceLocation(&where)) return "";
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(where.leading_comments, '\n')) {
    lines.emplace_back(absl::StripAsciiWhitespace(line));
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::string text = absl::StrJoin(lines, "\n");
  if (!where.trailing_comments.empty()) {
    absl::StrAppend(&text, text.empty() ? "" : "\n", absl::StripAsciiWhitespace(where.trailing_comments));
  }
  return text;
}

// "GetMeeting" → "Get meeting".
std::string Words(absl::string_view camel) {
  std::string out;
  for (char c : camel) {
    if (absl::ascii_isupper(c) && !out.empty()) {
      out.push_back(' ');
      out.push_back(absl::ascii_tolower(c));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

class Builder {
 public:
  Json Document(const std::vector<HttpRule>& rules) {
    Json paths = Json::object();
    for (const HttpRule& rule : rules) {
      paths[OpenApiPath(rule.path)][absl::AsciiStrToLower(rule.http_method)] = Operation(rule);
    }
    Json schemas = Json::object();
    Schema(LookUp("rcp.common.v1.Status", rules));
    for (const auto& [name, schema] : schemas_) schemas[name] = schema;
    return Json{
        {"openapi", "3.0.3"},
        {"info",
         {{"title", "RCP Exchange API"},
          {"version", "v1"},
          {"description",
           "The public gRPC API of an RCP Exchange gateway over HTTP/JSON (AIP-127, protobuf's JSON mapping). "
           "A call takes an API key as `Authorization: Bearer rcp_…`, under the same policy as over gRPC: "
           "an item the key may not see is 404, as an item that does not exist. Without a key, reads show "
           "PUBLIC items only (unless the gateway runs with --anonymous_reads=false), any origin may read "
           "those answers, and every other call is 401. Errors are google.rpc.Status JSON."}}},
        // A key, or none (the anonymous reads).
        {"security", Json::array({{{"bearer", Json::array()}}, Json::object()})},
        {"paths", paths},
        {"components",
         {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}, {"schemas", schemas}}},
    };
  }

 private:
  const pb::Descriptor* LookUp(const std::string& name, const std::vector<HttpRule>& rules) {
    const pb::DescriptorPool* pool = rules.empty() ? pb::DescriptorPool::generated_pool() : rules[0].method->file()->pool();
    return pool->FindMessageTypeByName(name);
  }

  static Json Ref(const pb::Descriptor* d) { return Json{{"$ref", "#/components/schemas/" + d->full_name()}}; }

  Json Operation(const HttpRule& rule) {
    const pb::MethodDescriptor* m = rule.method;
    std::string description = CommentsOf(m);
    Json op = {{"operationId", absl::StrCat(m->service()->name(), "_", m->name())},
               {"summary", Words(m->name())},
               {"tags", Json::array({m->service()->name()})}};
    if (!description.empty()) op["description"] = description;
    Json parameters = Json::array();
    std::set<std::string> bound;  // top-level fields the path or body fills
    for (const auto& v : rule.path.variables()) {
      bound.insert(v.field_path.substr(0, v.field_path.find('.')));
      std::vector<std::string> pattern;
      for (size_t i = v.begin; i < v.end; ++i) {
        pattern.push_back(rule.path.segments()[i] == "*" ? absl::StrCat("{", ParameterAt(rule.path, i), "}")
                                                         : rule.path.segments()[i]);
      }
      for (size_t i = v.begin; i < v.end; ++i) {
        if (rule.path.segments()[i] != "*") continue;
        parameters.push_back({{"name", ParameterAt(rule.path, i)},
                              {"in", "path"},
                              {"required", true},
                              {"description", absl::StrCat("`", v.field_path, "` is ", absl::StrJoin(pattern, "/"))},
                              {"schema", {{"type", "string"}}}});
      }
    }
    if (rule.body == "*") {
      for (int i = 0; i < m->input_type()->field_count(); ++i) bound.insert(m->input_type()->field(i)->name());
    } else if (!rule.body.empty()) {
      bound.insert(rule.body);
    }
    QueryParameters(m->input_type(), "", bound, &parameters, 0);
    if (!parameters.empty()) op["parameters"] = parameters;
    if (!rule.body.empty()) {
      const pb::Descriptor* body = rule.body == "*" ? m->input_type()
                                                    : m->input_type()->FindFieldByName(rule.body)->message_type();
      op["requestBody"] = {{"required", true}, {"content", {{"application/json", {{"schema", Schema(body)}}}}}};
    }
    op["responses"] = {
        {"200", {{"description", "OK"}, {"content", {{"application/json", {{"schema", Schema(m->output_type())}}}}}}},
        {"default",
         {{"description", "An error: the gRPC status as google.rpc.Status, with its HTTP code"},
          {"content",
           {{"application/json",
             {{"schema", Json{{"$ref", "#/components/schemas/rcp.common.v1.Status"}}}}}}}}}};
    return op;
  }

  // The fields neither the path nor the body gives, as query parameters:
  // nested messages by their dotted JSON names ("filter.processes").
  void QueryParameters(const pb::Descriptor* d, const std::string& prefix, const std::set<std::string>& bound,
                       Json* parameters, int depth) {
    for (int i = 0; i < d->field_count(); ++i) {
      const pb::FieldDescriptor* f = d->field(i);
      if (depth == 0 && bound.count(f->name())) continue;
      const std::string name = prefix + f->json_name();
      if (f->type() == pb::FieldDescriptor::TYPE_MESSAGE && !IsScalarMessage(f->message_type())) {
        if (!f->is_repeated() && !f->is_map() && depth < 3) {
          QueryParameters(f->message_type(), name + ".", {}, parameters, depth + 1);
        }
        continue;
      }
      Json p = {{"name", name}, {"in", "query"}, {"schema", FieldSchema(f)}};
      if (std::string c = CommentsOf(f); !c.empty()) p["description"] = c;
      if (f->is_repeated()) {
        p["style"] = "form";
        p["explode"] = true;
      }
      parameters->push_back(std::move(p));
    }
  }

  static bool IsScalarMessage(const pb::Descriptor* d) {
    const std::string& n = d->full_name();
    return n == "google.protobuf.Timestamp" || n == "google.protobuf.Duration" ||
           n == "google.protobuf.FieldMask";
  }

  // The schema of a message: a reference, its definition added once.
  Json Schema(const pb::Descriptor* d) {
    if (Json wkt = WellKnown(d); !wkt.is_null()) return wkt;
    if (schemas_.count(d->full_name()) || pending_.count(d->full_name())) return Ref(d);
    pending_.insert(d->full_name());
    Json properties = Json::object();
    for (int i = 0; i < d->field_count(); ++i) {
      const pb::FieldDescriptor* f = d->field(i);
      Json schema = FieldSchema(f);
      if (std::string c = CommentsOf(f); !c.empty() && !schema.contains("$ref")) schema["description"] = c;
      properties[f->json_name()] = std::move(schema);
    }
    Json schema = {{"type", "object"}};
    if (std::string c = CommentsOf(d); !c.empty()) schema["description"] = c;
    schema["properties"] = properties;
    schemas_[d->full_name()] = std::move(schema);
    return Ref(d);
  }

  static Json WellKnown(const pb::Descriptor* d) {
    const std::string& n = d->full_name();
    if (n == "google.protobuf.Timestamp") return {{"type", "string"}, {"format", "date-time"}};
    if (n == "google.protobuf.Duration") return {{"type", "string"}, {"pattern", "^-?[0-9]+(\\.[0-9]+)?s$"}};
    if (n == "google.protobuf.FieldMask") {
      return {{"type", "string"}, {"description", "field paths in lowerCamel, separated by commas"}};
    }
    if (n == "google.protobuf.Struct") return {{"type", "object"}, {"additionalProperties", true}};
    if (n == "google.protobuf.Value") return Json::object();
    if (n == "google.protobuf.Empty") return {{"type", "object"}};
    if (n == "google.protobuf.Any") {
      return {{"type", "object"},
              {"properties", {{"@type", {{"type", "string"}}}}},
              {"additionalProperties", true}};
    }
    return nullptr;
  }

  Json FieldSchema(const pb::FieldDescriptor* f) {
    if (f->is_map()) {
      return {{"type", "object"}, {"additionalProperties", FieldSchema(f->message_type()->map_value())}};
    }
    Json one;
    switch (f->type()) {
      case pb::FieldDescriptor::TYPE_STRING: one = {{"type", "string"}}; break;
      case pb::FieldDescriptor::TYPE_BYTES: one = {{"type", "string"}, {"format", "byte"}}; break;
      case pb::FieldDescriptor::TYPE_BOOL: one = {{"type", "boolean"}}; break;
      case pb::FieldDescriptor::TYPE_INT32:
      case pb::FieldDescriptor::TYPE_SINT32:
      case pb::FieldDescriptor::TYPE_SFIXED32: one = {{"type", "integer"}, {"format", "int32"}}; break;
      case pb::FieldDescriptor::TYPE_UINT32:
      case pb::FieldDescriptor::TYPE_FIXED32: one = {{"type", "integer"}, {"format", "int64"}, {"minimum", 0}}; break;
      // proto3 JSON writes 64-bit integers as strings.
      case pb::FieldDescriptor::TYPE_INT64:
      case pb::FieldDescriptor::TYPE_SINT64:
      case pb::FieldDescriptor::TYPE_SFIXED64:
      case pb::FieldDescriptor::TYPE_UINT64:
      case pb::FieldDescriptor::TYPE_FIXED64: one = {{"type", "string"}, {"format", "int64"}}; break;
      case pb::FieldDescriptor::TYPE_DOUBLE: one = {{"type", "number"}, {"format", "double"}}; break;
      case pb::FieldDescriptor::TYPE_FLOAT: one = {{"type", "number"}, {"format", "float"}}; break;
      case pb::FieldDescriptor::TYPE_ENUM: {
        Json values = Json::array();
        for (int i = 0; i < f->enum_type()->value_count(); ++i) values.push_back(f->enum_type()->value(i)->name());
        one = {{"type", "string"}, {"enum", values}};
        break;
      }
      case pb::FieldDescriptor::TYPE_MESSAGE:
      case pb::FieldDescriptor::TYPE_GROUP: one = Schema(f->message_type()); break;
    }
    if (!f->is_repeated()) return one;
    return {{"type", "array"}, {"items", one}};
  }

  std::map<std::string, Json> schemas_;
  std::set<std::string> pending_;
};

}  // namespace

std::string OpenApiPath(const PathTemplate& path) {
  std::string out;
  for (size_t i = 0; i < path.segments().size(); ++i) {
    absl::StrAppend(&out, "/", path.segments()[i] == "*" ? absl::StrCat("{", ParameterAt(path, i), "}")
                                                         : path.segments()[i]);
  }
  if (!path.verb().empty()) absl::StrAppend(&out, ":", path.verb());
  return out;
}

nlohmann::ordered_json OpenApiDocument(const std::vector<HttpRule>& rules) { return Builder().Document(rules); }

}  // namespace rcp::gateway::web
