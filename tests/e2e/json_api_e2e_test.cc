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
#include <csignal>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "tests/e2e/harness/deployment.h"

namespace {

namespace ev = ::rcp::events::v1;
namespace reg = ::rcp::registry::v1;
namespace pb = ::google::protobuf;
using ::rcp::testing::CallWith;
using ::rcp::testing::StatusIs;
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
    options.gateway_flags = {"--sse_max_streams=3", "--sse_max_streams_per_key=2", "--http_read_timeout=2s"};
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

TEST_F(JsonApiE2eTest, WithoutAKeyOnlyPublicItemsShowAsOverGrpcAndAnyOriginMayReadThoseAlone) {
  // No key (a cookie is no key here): the anonymous caller, as over gRPC.
  for (const httplib::Headers& headers :
       {httplib::Headers{}, httplib::Headers{{"Cookie", "__Host-rcp-session=whatever"}}}) {
    auto hidden = Http()->Get(absl::StrCat("/v1/", kMembersMeeting), headers);
    auto absent = Http()->Get("/v1/processes/bali-process/meetings/som-2099-01", headers);
    ASSERT_TRUE(hidden && absent);
    EXPECT_EQ(hidden->status, 404) << hidden->body;
    EXPECT_EQ(absent->status, 404) << absent->body;
    EXPECT_EQ(ErrorOf(hidden).fields().at("message").string_value(), absl::StrCat(kMembersMeeting, " not found"));
    EXPECT_FALSE(hidden->has_header("Access-Control-Allow-Origin")) << "only answers of PUBLIC items are shared";

    auto meetings = Http()->Get("/v1/meetings", headers);
    ASSERT_TRUE(meetings);
    ASSERT_EQ(meetings->status, 200) << meetings->body;
    EXPECT_EQ(meetings->get_header_value("Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(meetings->get_header_value("Cache-Control"), "public, max-age=60");
    EXPECT_THAT(meetings->get_header_value("Vary"), HasSubstr("Authorization"));
    auto over_http = Parse<ev::ListMeetingsResponse>(meetings->body);
    ev::ListMeetingsResponse over_grpc;
    ASSERT_THAT(CallWith("", [&](auto* c) { return deployment_->events()->ListMeetings(c, {}, &over_grpc); }),
                IsOk());
    EXPECT_TRUE(pb::util::MessageDifferencer::Equals(over_grpc, over_http))
        << over_grpc.DebugString() << "\nvs\n"
        << over_http.DebugString();
    ASSERT_GT(over_http.meetings_size(), 0);
    for (const auto& m : over_http.meetings()) EXPECT_EQ(m.visibility(), rcp::common::v1::PUBLIC) << m.name();
    ev::ListMeetingsResponse as_member;
    ASSERT_THAT(CallWith(deployment_->Key("indonesia"),
                         [&](auto* c) { return deployment_->events()->ListMeetings(c, {}, &as_member); }),
                IsOk());
    EXPECT_GT(as_member.meetings_size(), over_http.meetings_size()) << "the seed has meetings that are not PUBLIC";

    // What needs a key says so.
    for (const std::string& method : {"GET", "POST"}) {
      httplib::Result r = method == "GET" ? Http()->Get("/v1/principal", headers)
                                          : Http()->Post(absl::StrCat("/v1/", kMembersMeeting, ":cancel"), headers,
                                                         R"({"reason":"x"})", "application/json");
      ASSERT_TRUE(r) << method;
      EXPECT_EQ(r->status, 401) << r->body;
      EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Bearer realm=\"rcp\"");
      EXPECT_THAT(ErrorOf(r).fields().at("message").string_value(), HasSubstr("authorization: missing"));
      EXPECT_FALSE(r->has_header("Access-Control-Allow-Origin"));
    }
  }
  // An Authorization that is not a Bearer key is refused, never taken for none.
  auto basic = Http()->Get("/v1/processes", {{"Authorization", "Basic YWRtaW46YWRtaW4="}});
  ASSERT_TRUE(basic);
  EXPECT_EQ(basic->status, 401) << basic->body;
  EXPECT_EQ(basic->get_header_value("WWW-Authenticate"), "Bearer realm=\"rcp\"");
  EXPECT_THAT(basic->body, HasSubstr("uthorization"));

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


TEST_F(JsonApiE2eTest, OversizedHeadersAndASlowClientAreTurnedAwayWhileOthersAreServed) {
  const std::string key = "Bearer " + deployment_->Key("admin");
  auto huge_header = Http()->Get("/v1/processes", {{"Authorization", key}, {"X-Padding", std::string(20000, 'a')}});
  ASSERT_TRUE(huge_header);
  EXPECT_GE(huge_header->status, 400);
  EXPECT_LT(huge_header->status, 500);
  auto huge_uri = Http()->Get("/v1/processes?pageToken=" + std::string(10000, 'a'), {{"Authorization", key}});
  ASSERT_TRUE(huge_uri);
  EXPECT_EQ(huge_uri->status, 414);

  // A client that sends half a request and then nothing holds one thread
  // until --http_read_timeout (2 s here), then is hung up on.
  int slow = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(slow, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(deployment_->http_port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(slow, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const std::string half = "GET /v1/processes HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  ASSERT_EQ(send(slow, half.data(), half.size(), 0), static_cast<ssize_t>(half.size()));
  absl::Time sent = absl::Now();

  absl::Time asked = absl::Now();
  auto other = Http()->Get("/v1/processes", {{"Authorization", key}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
  EXPECT_LT(absl::Now() - asked, absl::Seconds(1)) << "another client waited on the slow one";

  char answer[256] = {};
  timeval wait{10, 0};
  setsockopt(slow, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
  ssize_t got = recv(slow, answer, sizeof(answer) - 1, 0);
  absl::Duration held = absl::Now() - sent;
  close(slow);
  // A 4xx, or a plain hang-up; never the answer to the half request.
  if (got > 0) EXPECT_EQ(std::string(answer, 10), "HTTP/1.1 4") << answer;
  EXPECT_LT(held, absl::Seconds(6)) << "the slow client was not turned away";
  std::printf("a slow client was hung up on after %s\n", absl::FormatDuration(held).c_str());
}

// One Server-Sent Events stream read on a thread of its own.
class EventStreamClient {
 public:
  EventStreamClient(int port, const std::string& path, httplib::Headers headers) : http_("127.0.0.1", port) {
    http_.set_read_timeout(30, 0);
    thread_ = std::thread([this, path, headers] {
      auto r = http_.Get(
          path, headers,
          [this](const httplib::Response& response) {
            absl::MutexLock lock(&mu_);
            status_ = response.status;
            content_type_ = response.get_header_value("Content-Type");
            content_encoding_ = response.get_header_value("Content-Encoding");
            return true;
          },
          [this](const char* data, size_t n) {
            absl::MutexLock lock(&mu_);
            text_.append(data, n);
            return !stop_;
          });
      absl::MutexLock lock(&mu_);
      ended_ = true;
    });
  }
  ~EventStreamClient() { Close(); }

  // Hangs up (at the next bytes the server sends).
  void Close() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }
  // Waits until what was received holds `needle` (true), or 10 s pass.
  bool WaitFor(const std::string& needle) {
    return Poll([&] { return text_.find(needle) != std::string::npos; });
  }
  bool WaitForStatus() {
    return Poll([&] { return status_ != 0; });
  }
  std::string text() {
    absl::MutexLock lock(&mu_);
    return text_;
  }
  int status() {
    absl::MutexLock lock(&mu_);
    return status_;
  }
  std::string content_type() {
    absl::MutexLock lock(&mu_);
    return content_type_;
  }
  std::string content_encoding() {
    absl::MutexLock lock(&mu_);
    return content_encoding_;
  }
  // The id of the event whose data holds `needle`.
  std::string IdOfEventWith(const std::string& needle) {
    std::string all = text();
    size_t at = all.find(needle);
    if (at == std::string::npos) return "";
    size_t start = all.rfind("\n\n", at);
    start = start == std::string::npos ? 0 : start + 2;
    size_t id = all.find("id: ", start);
    if (id == std::string::npos || id > at) return "";
    return all.substr(id + 4, all.find('\n', id) - id - 4);
  }

 private:
  bool Poll(const std::function<bool()>& done) {
    for (absl::Time deadline = absl::Now() + absl::Seconds(10); absl::Now() < deadline;) {
      {
        absl::MutexLock lock(&mu_);
        if (done()) return true;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  httplib::Client http_;
  std::thread thread_;
  absl::Mutex mu_;
  std::string text_ ABSL_GUARDED_BY(mu_);
  int status_ ABSL_GUARDED_BY(mu_) = 0;
  std::string content_type_ ABSL_GUARDED_BY(mu_);
  std::string content_encoding_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
};

// The secretariat rewrites the members' meeting's description over gRPC.
void Describe(Deployment* d, const std::string& description) {
  const std::string key = d->Key("bali-secretariat");
  ev::GetMeetingRequest get;
  get.set_name(kMembersMeeting);
  ev::Meeting m;
  ASSERT_THAT(CallWith(key, [&](auto* c) { return d->events()->GetMeeting(c, get, &m); }), IsOk());
  ev::UpdateMeetingRequest update;
  update.mutable_meeting()->set_name(kMembersMeeting);
  update.mutable_meeting()->set_etag(m.etag());
  update.mutable_meeting()->set_description(description);
  update.mutable_update_mask()->add_paths("description");
  ASSERT_THAT(CallWith(key, [&](auto* c) { return d->events()->UpdateMeeting(c, update, &m); }), IsOk());
}

TEST_F(JsonApiE2eTest, ChangesArriveAsServerSentEventsAndAStreamResumesFromItsLastEventId) {
  httplib::Headers indonesia = WithKey(deployment_->Key("indonesia"));
  indonesia.emplace("Accept-Encoding", "gzip, deflate, br");
  const std::string path = "/v1/subscribe?processes=processes/bali-process&kinds=meeting";
  std::string resume_from;
  {
    EventStreamClient stream(deployment_->http_port(), path, indonesia);
    ASSERT_TRUE(stream.WaitFor(": heartbeat\nid: ")) << stream.status() << " " << stream.text();
    EXPECT_EQ(stream.status(), 200);
    EXPECT_EQ(stream.content_type(), "text/event-stream") << "exactly, for EventSource";
    EXPECT_EQ(stream.content_encoding(), "") << "an event stream is never compressed";
    Describe(deployment_, "first revision of the description");
    ASSERT_TRUE(stream.WaitFor("first revision of the description")) << stream.text();
    EXPECT_NE(stream.text().find("event: change\ndata: {"), std::string::npos) << stream.text();
    resume_from = stream.IdOfEventWith("first revision of the description");
    ASSERT_FALSE(resume_from.empty()) << stream.text();
  }
  Describe(deployment_, "second revision, made while nobody listened");
  // EventSource's reconnection sends Last-Event-ID; a page may give ?cursor=.
  httplib::Headers resumed = WithKey(deployment_->Key("indonesia"));
  resumed.emplace("Last-Event-ID", resume_from);
  for (const auto& [how, url, headers] :
       std::vector<std::tuple<std::string, std::string, httplib::Headers>>{
           {"Last-Event-ID", path, resumed},
           {"?cursor=", absl::StrCat(path, "&cursor=", resume_from), WithKey(deployment_->Key("indonesia"))}}) {
    SCOPED_TRACE(how);
    EventStreamClient stream(deployment_->http_port(), url, headers);
    ASSERT_TRUE(stream.WaitFor("second revision, made while nobody listened")) << stream.text();
    EXPECT_EQ(stream.text().find("first revision of the description"), std::string::npos)
        << "an event before the cursor came again: " << stream.text();
  }
}

TEST_F(JsonApiE2eTest, AnEventStreamNeedsAKeyAndABadCursorEndsItWithTheStatusAsAnErrorEvent) {
  auto refused = Http()->Get("/v1/subscribe");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401) << refused->body;
  EXPECT_EQ(ErrorOf(refused).fields().at("code").number_value(), 16);
  auto unknown = Http()->Get("/v1/subscribe?process=processes/bali-process", WithKey(deployment_->Key("indonesia")));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
  EXPECT_THAT(unknown->body, HasSubstr("process\\\": no such field"));

  EventStreamClient stream(deployment_->http_port(), "/v1/subscribe?cursor=not-a-cursor",
                           WithKey(deployment_->Key("indonesia")));
  ASSERT_TRUE(stream.WaitFor("event: error\ndata: {")) << stream.text();
  EXPECT_THAT(stream.text(), HasSubstr("cursor"));
}

TEST_F(JsonApiE2eTest, EventStreamsAreCappedInAllAndPerKeyWithRetryAfter) {
  // This deployment allows 3 streams, 2 per key.
  const int port = deployment_->http_port();
  auto open = [&](const std::string& who) {
    auto s = std::make_unique<EventStreamClient>(port, "/v1/subscribe", WithKey(deployment_->Key(who)));
    EXPECT_TRUE(s->WaitForStatus()) << who;
    return s;
  };
  // Admitted once the streams of the tests before have given their slots
  // back (each within a heartbeat of its client hanging up).
  auto admitted = [&](const std::string& who) {
    std::unique_ptr<EventStreamClient> s;
    for (absl::Time deadline = absl::Now() + absl::Seconds(10); absl::Now() < deadline;) {
      s = open(who);
      if (s->status() == 200) break;
      absl::SleepFor(absl::Milliseconds(200));
    }
    EXPECT_EQ(s->status(), 200) << who;
    return s;
  };
  auto first = admitted("indonesia");
  auto second = admitted("indonesia");
  auto r = Http()->Get("/v1/subscribe", WithKey(deployment_->Key("indonesia")));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << r->body;
  EXPECT_EQ(r->get_header_value("Retry-After"), "5");
  EXPECT_THAT(r->body, HasSubstr("per key"));
  auto third = admitted("admin");
  EXPECT_EQ(third->status(), 200) << "another key has its own allowance";
  r = Http()->Get("/v1/subscribe", WithKey(deployment_->Key("unhcr-observer")));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << "past the cap in all: " << r->body;
  // The API still answers while the streams are open.
  auto api = Http()->Get("/v1/processes", WithKey(deployment_->Key("unhcr-observer")));
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 200);

  // A stream closed by its client gives its slot back (at the next
  // heartbeat, when the server finds the client gone).
  first->Close();
  auto fourth = admitted("unhcr-observer");
  EXPECT_EQ(fourth->status(), 200) << "a closed stream kept its slot";
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
  // Every answer is counted, by route and status.
  httplib::Client metrics("127.0.0.1", deployment_->metrics_port());
  auto scraped = metrics.Get("/metrics");
  ASSERT_TRUE(scraped);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(scraped->body, m,
                                std::regex(R"re(rcp_http_requests_total\{code="200",route="api"\} ([0-9.e+]+))re")))
      << scraped->body;
  EXPECT_GE(std::stod(m[1]), static_cast<double>(called));
  EXPECT_NE(scraped->body.find(R"(rcp_http_requests_total{code="200",route="openapi"})"), std::string::npos);
  EXPECT_NE(scraped->body.find("rcp_http_event_streams"), std::string::npos);
  EXPECT_TRUE(pending.empty()) << "no seeded item to fill " << *pending.begin();
  for (const auto& [url, what] : failures) ADD_FAILURE() << url << ": " << what;
}

// With --public_url the HTTP port answers for that name only (421 for any
// other Host: a page of another origin that resolves to us cannot read our
// answers), and signs its links with it.
TEST(JsonApiPublicUrlE2eTest, OnlyThePublicNameIsAnsweredAndLinksUseIt) {
  rcp::testing::TempDir dir;
  DeploymentOptions options;
  options.id = "bali-process.rcp";
  options.gateway_flags = {"--public_url=https://Exchange.Bali-Process.example.org/", "--anonymous_reads=false"};
  Deployment d(dir.Sub("bali"), options);
  ASSERT_THAT(d.Start(), IsOk());
  httplib::Client http("127.0.0.1", d.http_port());
  // This gateway asks every caller for a key, over gRPC and HTTP alike.
  auto keyless = http.Get("/v1/processes", {{"Host", "exchange.bali-process.example.org"}});
  ASSERT_TRUE(keyless);
  EXPECT_EQ(keyless->status, 401) << keyless->body;
  EXPECT_THAT(keyless->body, HasSubstr("authorization: missing"));
  reg::ListProcessesResponse over_grpc;
  EXPECT_THAT(CallWith("", [&](auto* c) { return d.registry()->ListProcesses(c, {}, &over_grpc); }),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("authorization: missing")));
  const std::string key = "Bearer " + d.Key("indonesia");
  auto misdirected = http.Get("/v1/calendarUrl", {{"Authorization", key}});
  ASSERT_TRUE(misdirected);
  EXPECT_EQ(misdirected->status, 421) << misdirected->body;
  EXPECT_THAT(misdirected->body, HasSubstr("exchange.bali-process.example.org"));
  auto feed = http.Get("/calendar/x/0.ics", {{"Host", "127.0.0.1"}});
  ASSERT_TRUE(feed);
  EXPECT_EQ(feed->status, 421) << "the calendar feed too";

  auto answered = http.Get("/v1/calendarUrl", {{"Authorization", key}, {"Host", "exchange.bali-process.example.org"}});
  ASSERT_TRUE(answered);
  ASSERT_EQ(answered->status, 200) << answered->body;
  EXPECT_THAT(answered->body, HasSubstr("\"url\":\"https://Exchange.Bali-Process.example.org/calendar/"));
}

// Last, as it restarts the gateway: a gateway told to stop ends its event
// streams at once (their clients resume on another replica) rather than
// waiting on them.
TEST_F(JsonApiE2eTest, AStoppingGatewayEndsItsEventStreamsAndExitsCleanly) {
  EventStreamClient stream(deployment_->http_port(), "/v1/subscribe", WithKey(deployment_->Key("indonesia")));
  ASSERT_TRUE(stream.WaitFor(": heartbeat\nid: ")) << stream.text();
  absl::Time asked = absl::Now();
  ASSERT_THAT(deployment_->Stop(Deployment::Part::kGateway, SIGTERM), IsOk());
  absl::Duration took = absl::Now() - asked;
  EXPECT_LT(took, absl::Seconds(15)) << "the gateway waited on its event streams";
  std::printf("gateway stopped in %s with an event stream open\n", absl::FormatDuration(took).c_str());
  stream.Close();
  ASSERT_THAT(deployment_->Restart(Deployment::Part::kGateway), IsOk());
}

}  // namespace
