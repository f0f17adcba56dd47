// The JSON/HTTP API (/v1 on the gateway's HTTP port) against the gRPC API
// of the same deployment: the same items, the same page tokens, the same
// NOT_FOUND for what a key may not see, and clear 4xx for bad input, with
// the four daemons as child processes.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "tests/e2e/harness/deployment.h"

namespace {

namespace ev = ::rcp::events::v1;
namespace reg = ::rcp::registry::v1;
namespace pb = ::google::protobuf;
using ::rcp::testing::CallWith;
using ::rcp::testing::Deployment;
using ::rcp::testing::DeploymentOptions;
using ::rcp::testing::IsOk;
using ::testing::HasSubstr;

constexpr char kMembersMeeting[] = "processes/bali-process/meetings/som-2027-02";

class JsonApiE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new rcp::testing::TempDir();
    DeploymentOptions options;
    options.id = "bali-process.rcp";
    deployment_ = new Deployment(dir_->Sub("bali"), options);
    ASSERT_THAT(deployment_->Start(), IsOk());
  }
  static void TearDownTestSuite() {
    delete deployment_;
    delete dir_;
  }

  static httplib::Headers WithKey(const std::string& key) {
    return key.empty() ? httplib::Headers{} : httplib::Headers{{"Authorization", "Bearer " + key}};
  }
  static std::unique_ptr<httplib::Client> Http() {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", deployment_->http_port());
    c->set_read_timeout(30, 0);
    return c;
  }
  // The google.rpc.Status of an error answer.
  static pb::Struct ErrorOf(const httplib::Result& r) {
    pb::Struct s;
    EXPECT_TRUE(pb::util::JsonStringToMessage(r->body, &s).ok()) << r->body;
    return s;
  }
  template <typename M>
  static M Parse(const std::string& json) {
    M m;
    auto s = pb::util::JsonStringToMessage(json, &m);
    EXPECT_TRUE(s.ok()) << s.ToString() << ": " << json;
    return m;
  }

  static rcp::testing::TempDir* dir_;
  static Deployment* deployment_;
};

rcp::testing::TempDir* JsonApiE2eTest::dir_ = nullptr;
Deployment* JsonApiE2eTest::deployment_ = nullptr;

TEST_F(JsonApiE2eTest, ListingMeetingsPageByPageGivesWhatGrpcGivesWithTheSamePageTokens) {
  for (const std::string& who : {"indonesia", "unhcr-observer", "admin"}) {
    SCOPED_TRACE(who);
    const std::string key = deployment_->Key(who);
    std::string token;
    int pages = 0;
    do {
      ev::ListMeetingsRequest req;
      req.set_page_size(1);
      req.set_page_token(token);
      ev::ListMeetingsResponse over_grpc;
      ASSERT_THAT(CallWith(key, [&](auto* c) { return deployment_->events()->ListMeetings(c, req, &over_grpc); }),
                  IsOk());
      httplib::Params query{{"pageSize", "1"}};
      if (!token.empty()) query.emplace("pageToken", token);
      auto r = Http()->Get("/v1/meetings", query, WithKey(key));
      ASSERT_TRUE(r);
      ASSERT_EQ(r->status, 200) << r->body;
      EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
      auto over_http = Parse<ev::ListMeetingsResponse>(r->body);
      EXPECT_TRUE(pb::util::MessageDifferencer::Equals(over_grpc, over_http))
          << over_grpc.DebugString() << "\nvs\n"
          << over_http.DebugString();
      token = over_http.next_page_token();
      ++pages;
    } while (!token.empty() && pages < 50);
    EXPECT_GT(pages, 1) << "the listing fitted one page: the page tokens were not compared";
  }
  // A filter's fields as query parameters (repeated, nested, by JSON name).
  ev::ListMeetingsRequest req;
  req.mutable_filter()->add_processes("processes/bali-process");
  req.mutable_filter()->add_processes("processes/igc");
  ev::ListMeetingsResponse over_grpc;
  const std::string key = deployment_->Key("indonesia");
  ASSERT_THAT(CallWith(key, [&](auto* c) { return deployment_->events()->ListMeetings(c, req, &over_grpc); }),
              IsOk());
  auto r = Http()->Get("/v1/meetings?filter.processes=processes/bali-process&filter.processes=processes/igc",
                       WithKey(key));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_TRUE(pb::util::MessageDifferencer::Equals(over_grpc, Parse<ev::ListMeetingsResponse>(r->body)));
  EXPECT_GT(over_grpc.meetings_size(), 1);
}

TEST_F(JsonApiE2eTest, AMeetingTheKeyMayNotSeeIsNotFoundExactlyLikeOneThatDoesNotExist) {
  // Indonesia, a member, sees the members-only meeting; the observer and a
  // secretariat key limited to another process get what a name that never
  // existed gets.
  auto member = Http()->Get(absl::StrCat("/v1/", kMembersMeeting), WithKey(deployment_->Key("indonesia")));
  ASSERT_TRUE(member);
  ASSERT_EQ(member->status, 200) << member->body;
  ev::Meeting over_grpc;
  ev::GetMeetingRequest get;
  get.set_name(kMembersMeeting);
  ASSERT_THAT(CallWith(deployment_->Key("indonesia"),
                       [&](auto* c) { return deployment_->events()->GetMeeting(c, get, &over_grpc); }),
              IsOk());
  EXPECT_TRUE(pb::util::MessageDifferencer::Equals(over_grpc, Parse<ev::Meeting>(member->body)));
  EXPECT_EQ(member->get_header_value("Cache-Control"), "no-store") << "a keyed answer is personal";
  EXPECT_FALSE(member->has_header("Access-Control-Allow-Origin"));

  for (const std::string& key : {deployment_->Key("unhcr-observer"), deployment_->Key("colombo-secretariat")}) {
    auto hidden = Http()->Get(absl::StrCat("/v1/", kMembersMeeting), WithKey(key));
    auto absent = Http()->Get("/v1/processes/bali-process/meetings/som-2099-01", WithKey(key));
    ASSERT_TRUE(hidden && absent);
    EXPECT_EQ(hidden->status, 404) << hidden->body;
    EXPECT_EQ(absent->status, 404) << absent->body;
    EXPECT_EQ(ErrorOf(hidden).fields().at("code").number_value(), 5);
    // The same words, but for the name asked about.
    std::string hidden_message = ErrorOf(hidden).fields().at("message").string_value();
    std::string absent_message = ErrorOf(absent).fields().at("message").string_value();
    EXPECT_EQ(hidden_message.find(kMembersMeeting), absent_message.find("processes/bali-process/meetings/som-2099-01"))
        << hidden_message << " / " << absent_message;
    // And the gRPC API says the same of it.
    ev::Meeting m;
    absl::Status s = CallWith(key, [&](auto* c) { return deployment_->events()->GetMeeting(c, get, &m); });
    EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(std::string(s.message()), hidden_message);
  }
}

TEST_F(JsonApiE2eTest, OnlyABearerKeyAuthenticatesAsOverGrpcAndNoOtherOriginMayReadTheAnswers) {
  // Without a key, hidden and absent items alike: what gRPC answers.
  for (const std::string& path : {std::string("/v1/") + kMembersMeeting, std::string("/v1/processes")}) {
    SCOPED_TRACE(path);
    for (const httplib::Headers& headers :
         {httplib::Headers{}, httplib::Headers{{"Cookie", "__Host-rcp-session=whatever"}},
          httplib::Headers{{"Authorization", "Basic YWRtaW46YWRtaW4="}}}) {
      auto r = Http()->Get(path, headers);
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 401) << r->body;
      EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Bearer realm=\"rcp\"");
      EXPECT_EQ(ErrorOf(r).fields().at("code").number_value(), 16);
      EXPECT_THAT(r->body, HasSubstr("uthorization"));
    }
  }
  reg::ListProcessesResponse over_grpc;
  EXPECT_EQ(CallWith("", [&](auto* c) {
              return deployment_->registry()->ListProcesses(c, reg::ListProcessesRequest(), &over_grpc);
            }).code(),
            absl::StatusCode::kUnauthenticated);

  auto processes = Http()->Get("/v1/processes", WithKey(deployment_->Key("unhcr-observer")));
  ASSERT_TRUE(processes);
  ASSERT_EQ(processes->status, 200) << processes->body;
  EXPECT_FALSE(processes->has_header("Access-Control-Allow-Origin")) << "a keyed answer is not for other origins";
  EXPECT_EQ(processes->get_header_value("Cache-Control"), "no-store");
  EXPECT_GT(Parse<reg::ListProcessesResponse>(processes->body).processes_size(), 0);
}

TEST_F(JsonApiE2eTest, PatchWithoutUpdateMaskChangesOnlyTheFieldsTheBodyHolds) {
  const std::string secretariat = deployment_->Key("bali-secretariat");
  auto before = Http()->Get(absl::StrCat("/v1/", kMembersMeeting), WithKey(secretariat));
  ASSERT_TRUE(before);
  ASSERT_EQ(before->status, 200) << before->body;
  ev::Meeting was = Parse<ev::Meeting>(before->body);

  auto patched = Http()->Patch(absl::StrCat("/v1/", kMembersMeeting), WithKey(secretariat),
                               R"j({"title": "Ad Hoc Group Senior Officials' Meeting (revised)", "etag": ")j" +
                                   was.etag() + R"("})", "application/json");
  ASSERT_TRUE(patched);
  ASSERT_EQ(patched->status, 200) << patched->body;
  ev::Meeting now = Parse<ev::Meeting>(patched->body);
  EXPECT_EQ(now.title(), "Ad Hoc Group Senior Officials' Meeting (revised)");
  EXPECT_EQ(now.description(), was.description()) << "a field the body did not hold was changed";
  EXPECT_EQ(now.venue().name(), was.venue().name());
  EXPECT_NE(now.etag(), was.etag());

  // The stale etag is refused as over gRPC (ABORTED → 409).
  auto stale = Http()->Patch(absl::StrCat("/v1/", kMembersMeeting), WithKey(secretariat),
                             R"({"title": "again", "etag": ")" + was.etag() + R"("})", "application/json");
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 409) << stale->body;

  // The etag is the entity tag: a copy is revalidated, a stale If-Match refused.
  EXPECT_EQ(before->get_header_value("ETag"), "\"" + was.etag() + "\"");
  auto unchanged = Http()->Get(absl::StrCat("/v1/", kMembersMeeting),
                               {{"Authorization", "Bearer " + secretariat}, {"If-None-Match", "\"" + now.etag() + "\""}});
  ASSERT_TRUE(unchanged);
  EXPECT_EQ(unchanged->status, 304);
  EXPECT_TRUE(unchanged->body.empty());
  auto changed = Http()->Get(absl::StrCat("/v1/", kMembersMeeting),
                             {{"Authorization", "Bearer " + secretariat}, {"If-None-Match", "\"" + was.etag() + "\""}});
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->status, 200);
  auto precondition = Http()->Patch(absl::StrCat("/v1/", kMembersMeeting),
                                    {{"Authorization", "Bearer " + secretariat}, {"If-Match", "\"" + was.etag() + "\""}},
                                    R"({"title": "again"})", "application/json");
  ASSERT_TRUE(precondition);
  EXPECT_EQ(precondition->status, 412) << precondition->body;

  // A custom method, with the caller's words.
  auto postponed = Http()->Post(absl::StrCat("/v1/", kMembersMeeting, ":postpone"), WithKey(secretariat),
                                R"({"etag": ")" + now.etag() + R"(", "reason": "venue unavailable"})",
                                "application/json");
  ASSERT_TRUE(postponed);
  ASSERT_EQ(postponed->status, 200) << postponed->body;
  EXPECT_EQ(Parse<ev::Meeting>(postponed->body).status(), ev::POSTPONED);

  // An observer may not write: the same refusal as over gRPC.
  auto refused = Http()->Patch(absl::StrCat("/v1/", kMembersMeeting), WithKey(deployment_->Key("unhcr-observer")),
                               R"({"title": "x"})", "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 404) << refused->body;
}

TEST_F(JsonApiE2eTest, BadInputGetsAClear4xxNamingWhatIsWrong) {
  const std::string admin = deployment_->Key("admin");
  struct Case {
    std::string what;
    std::function<httplib::Result(httplib::Client&)> call;
    int status;
    std::string says;
  };
  std::vector<Case> cases = {
      {"bad JSON",
       [&](httplib::Client& c) { return c.Post("/v1/meetings", WithKey(admin), "{\"title\": ", "application/json"); },
       400, "body"},
      {"an unknown field",
       [&](httplib::Client& c) {
         return c.Post("/v1/meetings", WithKey(admin), R"({"titel": "x"})", "application/json");
       },
       400, "titel"},
      {"an unknown query parameter",
       [&](httplib::Client& c) { return c.Get("/v1/meetings?pageSise=2", WithKey(admin)); }, 400, "pageSise"},
      {"a body that is not JSON",
       [&](httplib::Client& c) { return c.Post("/v1/meetings", WithKey(admin), "title=x", "text/plain"); }, 415,
       "application/json"},
      {"an encoded slash", [&](httplib::Client& c) { return c.Get("/v1/processes/bali-process%2Fmeetings"); }, 400,
       "encoded /"},
      {"a dot-segment", [&](httplib::Client& c) { return c.Get("/v1/processes/../apiKeys"); }, 400, "segment"},
      {"no such method", [&](httplib::Client& c) { return c.Get("/v1/nothing/here"); }, 404, "/v1/nothing/here"},
      {"the wrong HTTP method", [&](httplib::Client& c) { return c.Delete("/v1/processes/bali-process"); }, 405,
       "GET"},
      {"a value out of range",
       [&](httplib::Client& c) { return c.Get("/v1/meetings?pageSize=5000", WithKey(admin)); }, 400, "page_size"},
      {"a body beyond the limit",
       [&](httplib::Client& c) {
         return c.Post("/v1/meetings", WithKey(admin), std::string(2 << 20, ' '), "application/json");
       },
       413, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto client = Http();
    auto r = c.call(*client);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, c.status) << r->body;
    EXPECT_THAT(r->body, HasSubstr(c.says));
    if (c.status == 405) EXPECT_EQ(r->get_header_value("Allow"), "GET, PATCH");
  }
  // A path outside /v1 is not the API's, and the port keeps serving.
  auto outside = Http()->Get("/v2/meetings");
  ASSERT_TRUE(outside);
  EXPECT_EQ(outside->status, 404);
  auto still = Http()->Get("/v1/processes", WithKey(admin));
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200);
}

// Every GET path the OpenAPI document lists answers 200 for the admin, its
// parameters filled with the names of seeded items the listings return.
TEST_F(JsonApiE2eTest, EveryGetPathOfTheOpenApiDocumentAnswersWithItsParametersFilledFromTheSeed) {
  using Json = nlohmann::json;
  auto served = Http()->Get("/v1/openapi.json");
  ASSERT_TRUE(served);
  ASSERT_EQ(served->status, 200);
  EXPECT_EQ(served->get_header_value("Access-Control-Allow-Origin"), "*") << "the description is public";
  Json doc = Json::parse(served->body);
  const std::string admin = deployment_->Key("admin");

  // A peer, so that the federation peers' paths have an item.
  auto peer = Http()->Post("/v1/federationPeers?peerId=colombo-process.rcp", WithKey(admin),
                           R"({"displayName": "Colombo Process secretariat", "enabled": false})", "application/json");
  ASSERT_TRUE(peer);
  ASSERT_EQ(peer->status, 200) << peer->body;

  std::set<std::string> names;  // every "name" any answer held
  std::function<void(const Json&)> collect = [&](const Json& j) {
    if (j.is_object()) {
      for (const auto& [k, v] : j.items()) {
        if (k == "name" && v.is_string()) names.insert(v.get<std::string>());
        collect(v);
      }
    } else if (j.is_array()) {
      for (const auto& v : j) collect(v);
    }
  };
  // The URLs a path stands for: each run of "collection/{id}" up to the
  // last parameter replaced by a known name that fits it.
  auto fill = [&](const std::string& path) {
    std::vector<std::string> urls;
    size_t last = path.rfind('}');
    if (last == std::string::npos) return std::vector<std::string>{path};
    std::string prefix = path.substr(4, last + 1 - 4);  // after "/v1/"
    std::regex pattern("^" + std::regex_replace(prefix, std::regex(R"(\{[A-Za-z]+\})"), "[^/]+") + "$");
    for (const std::string& name : names) {
      if (std::regex_match(name, pattern)) urls.push_back("/v1/" + name + path.substr(last + 1));
    }
    return urls;
  };
  std::set<std::string> pending;
  for (const auto& [path, operations] : doc["paths"].items()) {
    if (operations.contains("get")) pending.insert(path);
  }
  ASSERT_GT(pending.size(), 20u);
  const size_t get_paths = pending.size();
  size_t called = 0;
  std::map<std::string, std::string> failures;
  for (bool progress = true; progress && !pending.empty();) {
    progress = false;
    for (auto it = pending.begin(); it != pending.end();) {
      std::vector<std::string> urls = fill(*it);
      if (urls.empty()) {
        ++it;
        continue;
      }
      for (const std::string& url : urls) {
        auto r = Http()->Get(url, WithKey(admin));
        ++called;
        if (!r || r->status != 200) {
          failures[url] = r ? absl::StrCat(r->status, " ", r->body) : "no answer";
          continue;
        }
        collect(Json::parse(r->body));
      }
      it = pending.erase(it);
      progress = true;
    }
  }
  std::printf("%zu GET paths of the document, %zu URLs called\n", get_paths, called);
  EXPECT_TRUE(pending.empty()) << "no seeded item to fill " << *pending.begin();
  for (const auto& [url, what] : failures) ADD_FAILURE() << url << ": " << what;
}

}  // namespace
