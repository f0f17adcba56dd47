// The OpenAPI document the gateway serves, as the build generated it from
// the protos' descriptor set: its paths are exactly the routes the JSON API
// takes from the linked descriptors, every reference resolves, and every
// path parameter is declared.
#include "services/gateway/web/openapi.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "common/testing/status_matchers.h"
#include "rcp/documents/v1/documents.pb.h"
#include "rcp/events/v1/events.pb.h"
#include "rcp/gateway/v1/gateway.pb.h"
#include "rcp/registry/v1/registry.pb.h"
#include "services/gateway/web/http_rules.h"
#include "services/gateway/web/openapi_document.h"

namespace rcp::gateway::web {
namespace {

namespace pb = ::google::protobuf;
using Json = nlohmann::json;
using ::rcp::testing::IsOk;

std::vector<HttpRule> LinkedRules() {
  // Through a message of each file, so that the linker keeps the file.
  std::vector<const pb::ServiceDescriptor*> services = {
      rcp::registry::v1::Principal::descriptor()->file()->FindServiceByName("Registry"),
      rcp::events::v1::Meeting::descriptor()->file()->FindServiceByName("Events"),
      rcp::documents::v1::Document::descriptor()->file()->FindServiceByName("Documents"),
      rcp::gateway::v1::WhoAmIRequest::descriptor()->file()->FindServiceByName("Gateway")};
  auto rules = RulesOf(services);
  EXPECT_THAT(rules.status(), IsOk());
  return rules.ok() ? *rules : std::vector<HttpRule>{};
}

TEST(OpenApiPathTest, NamesEachWildcardForItsCollection) {
  auto t = PathTemplate::Parse("/v1/{name=processes/*/meetings/*}:confirm");
  ASSERT_THAT(t.status(), IsOk());
  EXPECT_EQ(OpenApiPath(*t), "/v1/processes/{process}/meetings/{meeting}:confirm");
  t = PathTemplate::Parse("/v1/{parent=parties/*}/apiKeys");
  ASSERT_THAT(t.status(), IsOk());
  EXPECT_EQ(OpenApiPath(*t), "/v1/parties/{party}/apiKeys");
}

TEST(OpenApiDocumentTest, ItsPathsAreTheRoutesTheApiServes) {
  Json doc = Json::parse(kOpenApiDocument);
  EXPECT_EQ(doc["openapi"], "3.0.3");
  std::set<std::string> documented;
  for (const auto& [path, operations] : doc["paths"].items()) {
    for (const auto& [method, op] : operations.items()) documented.insert(method + " " + path);
  }
  std::set<std::string> served;
  for (const HttpRule& r : LinkedRules()) {
    std::string method = r.http_method;
    for (char& c : method) c = static_cast<char>(std::tolower(c));
    served.insert(method + " " + OpenApiPath(r.path));
  }
  EXPECT_EQ(documented, served);
  EXPECT_GT(served.size(), 40u);
}

TEST(OpenApiDocumentTest, EveryReferenceResolvesAndEveryPathParameterIsDeclared) {
  Json doc = Json::parse(kOpenApiDocument);
  const Json& schemas = doc["components"]["schemas"];
  std::function<void(const Json&)> check_refs = [&](const Json& j) {
    if (j.is_object()) {
      if (j.contains("$ref")) {
        std::string ref = j["$ref"];
        ASSERT_EQ(ref.rfind("#/components/schemas/", 0), 0u) << ref;
        EXPECT_TRUE(schemas.contains(ref.substr(21))) << ref;
      }
      for (const auto& [k, v] : j.items()) check_refs(v);
    } else if (j.is_array()) {
      for (const auto& v : j) check_refs(v);
    }
  };
  check_refs(doc);
  std::regex parameter(R"(\{([A-Za-z]+)\})");
  for (const auto& [path, operations] : doc["paths"].items()) {
    for (const auto& [method, op] : operations.items()) {
      std::set<std::string> declared;
      for (const auto& p : op.value("parameters", Json::array())) {
        if (p["in"] == "path") declared.insert(p["name"].get<std::string>());
      }
      std::set<std::string> in_path;
      for (auto it = std::sregex_iterator(path.begin(), path.end(), parameter); it != std::sregex_iterator(); ++it) {
        in_path.insert((*it)[1]);
      }
      EXPECT_EQ(declared, in_path) << method << " " << path;
    }
  }
}

TEST(OpenApiDocumentTest, CarriesTheProtosCommentsAndTheirJsonNames) {
  Json doc = Json::parse(kOpenApiDocument);
  const Json& meeting = doc["components"]["schemas"]["rcp.events.v1.Meeting"];
  ASSERT_TRUE(meeting.is_object());
  // From events.proto: `// "processes/{id}", 1..20; the first owns the meeting's name.`
  EXPECT_NE(meeting["properties"]["processes"].value("description", "").find("the first owns"), std::string::npos)
      << meeting["properties"]["processes"].dump();
  EXPECT_TRUE(meeting["properties"].contains("timeZone")) << "fields by their lowerCamel JSON names";
  bool page_size = false;
  for (const auto& p : doc["paths"]["/v1/meetings"]["get"]["parameters"]) {
    if (p["name"] == "pageSize") page_size = true;
    EXPECT_NE(p["name"], "filter") << "a message is given by its fields";
  }
  EXPECT_TRUE(page_size);
}

}  // namespace
}  // namespace rcp::gateway::web
