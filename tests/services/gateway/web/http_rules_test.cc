// The HTTP bindings: path templates as AIP-127 writes them, the rules read
// from the public services' google.api.http options, and the splitting of
// request paths that refuses what could name another resource.
#include "services/gateway/web/http_rules.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "common/testing/status_matchers.h"
#include "rcp/documents/v1/documents.pb.h"
#include "rcp/events/v1/events.pb.h"
#include "rcp/gateway/v1/gateway.pb.h"
#include "rcp/registry/v1/registry.pb.h"

namespace rcp::gateway::web {
namespace {

using ::rcp::testing::IsOk;
using ::rcp::testing::StatusIs;
using ::testing::HasSubstr;

std::vector<std::string> Split(const std::string& path, std::string* verb) {
  std::vector<std::string> segments;
  EXPECT_THAT(SplitPath(path, &segments, verb), IsOk()) << path;
  return segments;
}

TEST(PathTemplateTest, MatchesItsSegmentsAndVerbAndBindsItsVariables) {
  auto t = PathTemplate::Parse("/v1/{name=processes/*/meetings/*}:confirm");
  ASSERT_THAT(t.status(), IsOk());
  std::string verb;
  std::vector<std::pair<const PathTemplate::Variable*, std::string>> bindings;
  auto segments = Split("/v1/processes/bali-process/meetings/som-2027-02:confirm", &verb);
  ASSERT_TRUE(t->Match(segments, verb, &bindings));
  ASSERT_EQ(bindings.size(), 1u);
  EXPECT_EQ(bindings[0].first->field_path, "name");
  EXPECT_EQ(bindings[0].second, "processes/bali-process/meetings/som-2027-02");

  EXPECT_FALSE(t->Match(Split("/v1/processes/bali-process/meetings/som-2027-02", &verb), verb, &bindings))
      << "without its verb";
  EXPECT_FALSE(t->Match(Split("/v1/processes/bali-process/documents/x:confirm", &verb), verb, &bindings));
  EXPECT_FALSE(t->Match(Split("/v1/processes/bali-process/meetings:confirm", &verb), verb, &bindings))
      << "a wildcard is exactly one segment";
}

TEST(PathTemplateTest, RefusesMalformedTemplatesNamingThem) {
  for (const char* bad : {"v1/meetings", "/v1/{name=processes/*", "/v1//meetings", "/v1/meetings/",
                          "/v1/{name=processes/**}", "/v1/meetings:b@d"}) {
    EXPECT_THAT(PathTemplate::Parse(bad).status(),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(bad)));
  }
}

TEST(SplitPathTest, DecodesOnceAndRefusesWhatCouldReachAnotherResource) {
  std::string verb;
  EXPECT_EQ(Split("/v1/processes/caf%C3%A9", &verb), (std::vector<std::string>{"v1", "processes", "café"}));
  EXPECT_EQ(Split("/v1/processes/a%2541", &verb), (std::vector<std::string>{"v1", "processes", "a%41"}))
      << "decoded once, not twice";
  std::vector<std::string> segments;
  for (const char* bad : {"/v1/processes/a%2Fb", "/v1/processes/a%2fb", "/v1/../apiKeys", "/v1/./processes",
                          "/v1/processes/%2E%2E", "/v1//processes", "/v1/processes/%zz", "/v1/processes/%4",
                          "/v1/processes/a%00", "v1/processes"}) {
    EXPECT_THAT(SplitPath(bad, &segments, &verb), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("path")))
        << bad;
  }
}

TEST(RulesOfTest, EveryPublicUnaryMethodWithAnOptionHasOneRuleAndNoTwoRulesCollide) {
  namespace pb = ::google::protobuf;
  // Through a message of each file, so that the linker keeps the file.
  std::vector<const pb::ServiceDescriptor*> services = {
      rcp::registry::v1::Principal::descriptor()->file()->FindServiceByName("Registry"),
      rcp::events::v1::Meeting::descriptor()->file()->FindServiceByName("Events"),
      rcp::documents::v1::Document::descriptor()->file()->FindServiceByName("Documents"),
      rcp::gateway::v1::WhoAmIRequest::descriptor()->file()->FindServiceByName("Gateway")};
  for (const auto* s : services) ASSERT_NE(s, nullptr);
  auto rules = RulesOf(services);
  ASSERT_THAT(rules.status(), IsOk());
  std::set<std::string> routes;
  std::set<std::string> methods;
  for (const HttpRule& r : *rules) {
    EXPECT_TRUE(routes.insert(r.http_method + " " + r.path.text()).second) << r.path.text();
    methods.insert(r.grpc_method);
    EXPECT_EQ(r.http_method == "GET" || r.http_method == "DELETE", r.body.empty())
        << r.grpc_method << ": reads take no body, writes take one";
  }
  EXPECT_EQ(methods.size(), rules->size());
  for (const char* m : {"/rcp.events.v1.Events/GetMeeting", "/rcp.events.v1.Events/ListMeetings",
                        "/rcp.events.v1.Events/PostponeMeeting", "/rcp.registry.v1.Registry/ListProcesses",
                        "/rcp.documents.v1.Documents/GetDocument", "/rcp.gateway.v1.Gateway/WhoAmI"}) {
    EXPECT_TRUE(methods.count(m)) << m;
  }
  // A concrete request path is claimed by one rule per HTTP method.
  std::string verb;
  for (const char* path : {"/v1/meetings", "/v1/meetings:sync", "/v1/processes/bali-process",
                           "/v1/processes/bali-process/meetings/som-2027-02",
                           "/v1/processes/bali-process/documents"}) {
    auto segments = Split(path, &verb);
    std::map<std::string, int> claims;
    for (const HttpRule& r : *rules) {
      std::vector<std::pair<const PathTemplate::Variable*, std::string>> b;
      if (r.path.Match(segments, verb, &b)) ++claims[r.http_method];
    }
    EXPECT_FALSE(claims.empty()) << path;
    for (const auto& [method, n] : claims) EXPECT_EQ(n, 1) << method << " " << path;
  }
}

}  // namespace
}  // namespace rcp::gateway::web
