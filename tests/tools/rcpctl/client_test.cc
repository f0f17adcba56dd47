// rcpctl's client: the error → exit-code mapping, resource names, the
// authorization metadata and deadlines as a server sees them, paging, and
// the subscription's cursor file and reconnects (against fake gateway and
// registry services, in process: the real gateway is not written yet).
#include "tools/rcpctl/client.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/io/file.h"
#include "common/server/server.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "tools/rcpctl/commands/calendar.h"
#include "tools/rcpctl/commands/federation.h"
#include "tools/rcpctl/commands/peer.h"
#include "tools/rcpctl/commands/key.h"
#include "tools/rcpctl/commands/meeting.h"
#include "tools/rcpctl/commands/process.h"
#include "tools/rcpctl/commands/subscribe.h"
#include "tools/rcpctl/commands/whoami.h"
#include "tools/rcpctl/transfer.h"

namespace rcp::rcpctl {
namespace {

using ::rcp::testing::IsOk;
using ::testing::HasSubstr;
namespace gv1 = ::rcp::gateway::v1;
namespace fv1 = ::rcp::federation::v1;
namespace rv1 = ::rcp::registry::v1;

TEST(RcpctlExitCodeTest, EveryCodeHasItsExitCode) {
  using C = grpc::StatusCode;
  EXPECT_EQ(ExitCodeFor(C::OK), 0);
  EXPECT_EQ(ExitCodeFor(C::NOT_FOUND), 3);
  EXPECT_EQ(ExitCodeFor(C::PERMISSION_DENIED), 4);
  EXPECT_EQ(ExitCodeFor(C::UNAUTHENTICATED), 4);
  EXPECT_EQ(ExitCodeFor(C::INVALID_ARGUMENT), 5);
  EXPECT_EQ(ExitCodeFor(C::FAILED_PRECONDITION), 5);
  EXPECT_EQ(ExitCodeFor(C::OUT_OF_RANGE), 5);
  EXPECT_EQ(ExitCodeFor(C::ALREADY_EXISTS), 5);
  EXPECT_EQ(ExitCodeFor(C::UNAVAILABLE), 6);
  EXPECT_EQ(ExitCodeFor(C::DEADLINE_EXCEEDED), 6);
  EXPECT_EQ(ExitCodeFor(C::DATA_LOSS), 7);
  for (C other :
       {C::CANCELLED, C::UNKNOWN, C::RESOURCE_EXHAUSTED, C::ABORTED, C::UNIMPLEMENTED, C::INTERNAL}) {
    EXPECT_EQ(ExitCodeFor(other), 1) << StatusCodeName(other);
  }
  EXPECT_EQ(ExitCodeFor(grpc::Status(C::DATA_LOSS, "x")), kExitDataLoss);
}

TEST(RcpctlExitCodeTest, ErrorsPrintTheCodeNameAndMessage) {
  EXPECT_EQ(FormatError(grpc::Status(grpc::StatusCode::NOT_FOUND, "processes/x does not exist")),
            "rcpctl: NOT_FOUND: processes/x does not exist");
  EXPECT_EQ(FormatError(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "")),
            "rcpctl: UNAUTHENTICATED: (no message)");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::FAILED_PRECONDITION), "FAILED_PRECONDITION");
}

TEST(RcpctlNamesTest, ShortAndFullFormsAreAccepted) {
  EXPECT_EQ(ProcessName("bali-process"), "processes/bali-process");
  EXPECT_EQ(ProcessName("processes/bali-process"), "processes/bali-process");
  EXPECT_EQ(PartyName("IDN"), "parties/IDN");
  EXPECT_EQ(PartyName("parties/iom"), "parties/iom");
  EXPECT_EQ(ApiKeyName("abc"), "apiKeys/abc");
  EXPECT_EQ(UnderProcessName("bali-process/meetings/som"), "processes/bali-process/meetings/som");
  EXPECT_EQ(UnderProcessName("processes/bali-process/documents/d"), "processes/bali-process/documents/d");
  EXPECT_EQ(ShortName("processes/bali-process"), "bali-process");
}

TEST(RcpctlNamesTest, StateDirFollowsXdg) {
  const char* old_xdg = std::getenv("XDG_STATE_HOME");
  const char* old_home = std::getenv("HOME");
  std::string saved_xdg = old_xdg ? old_xdg : "";
  std::string saved_home = old_home ? old_home : "";
  setenv("XDG_STATE_HOME", "/tmp/xdg-state", 1);
  EXPECT_EQ(DefaultStateDir(), "/tmp/xdg-state/rcpctl");
  unsetenv("XDG_STATE_HOME");
  setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(DefaultStateDir(), "/home/someone/.local/state/rcpctl");
  if (old_xdg) setenv("XDG_STATE_HOME", saved_xdg.c_str(), 1);
  if (old_home) setenv("HOME", saved_home.c_str(), 1);
}

// ------------------------------------------------------------------ fakes

std::string Metadata(grpc::ServerContext* context, const std::string& key) {
  auto it = context->client_metadata().find(key);
  if (it == context->client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

class FakeGateway final : public gv1::Gateway::Service {
 public:
  grpc::Status WhoAmI(grpc::ServerContext* context, const gv1::WhoAmIRequest*,
                      rv1::Principal* response) override {
    absl::MutexLock hold(&mu);
    authorization = Metadata(context, "authorization");
    deadline_left = context->deadline() - std::chrono::system_clock::now();
    response->set_api_key("apiKeys/k1");
    response->set_party("parties/IDN");
    auto* r = response->add_rights();
    r->set_process("processes/bali-process");
    r->add_roles(rv1::SECRETARIAT);
    r->set_chair(true);
    response->add_process_limit("processes/bali-process");
    response->add_role_limit(rv1::SECRETARIAT);
    response->add_role_limit(rv1::CHAIR);
    return grpc::Status::OK;
  }

  // Stream 1: two events, then UNAVAILABLE (a slow subscriber is cut off).
  // Stream 2: must resume at "c2"; one event and a heartbeat, then
  // FAILED_PRECONDITION (the cursor aged out meanwhile).
  grpc::Status Subscribe(grpc::ServerContext* context, const gv1::SubscribeRequest* request,
                         grpc::ServerWriter<gv1::SubscribeResponse>* writer) override {
    int stream;
    {
      absl::MutexLock hold(&mu);
      cursors.push_back(request->cursor());
      stream = static_cast<int>(cursors.size());
      processes = std::vector<std::string>(request->processes().begin(), request->processes().end());
    }
    if (stream == 1) {
      writer->Write(Response("registry", "processes/bali-process", "process", "c1"));
      writer->Write(Response("events", "processes/bali-process/meetings/som-2026", "meeting", "c2"));
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "subscriber too slow");
    }
    writer->Write(Response("documents", "processes/bali-process/documents/d1", "document", "c3"));
    gv1::SubscribeResponse heartbeat;
    heartbeat.set_cursor("c4");
    writer->Write(heartbeat);
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "cursor older than the services keep");
  }

  grpc::Status GetCalendarUrl(grpc::ServerContext* context, const gv1::GetCalendarUrlRequest* request,
                              gv1::CalendarUrl* response) override {
    response->set_url("https://gateway.example/calendar/k1.ics?sig=abc&p=" +
                      (request->processes().empty() ? std::string() : request->processes(0)));
    return grpc::Status::OK;
  }

  static gv1::SubscribeResponse Response(const std::string& service, const std::string& name,
                                         const std::string& kind, const std::string& cursor) {
    gv1::SubscribeResponse r;
    auto* e = r.add_events();
    e->set_service(service);
    e->mutable_change()->set_name(name);
    e->mutable_change()->set_kind(kind);
    e->mutable_change()->set_operation(rcp::common::v1::Change::UPDATED);
    e->mutable_change()->set_principal("apiKeys/k1");
    e->mutable_change()->mutable_time()->set_seconds(1773133200);  // 2026-03-10T09:00:00Z
    r.set_cursor(cursor);
    return r;
  }

  // What the calls carried, for the tests to check.
  absl::Mutex mu;
  std::string authorization ABSL_GUARDED_BY(mu);
  std::chrono::system_clock::duration deadline_left ABSL_GUARDED_BY(mu){};
  std::vector<std::string> cursors ABSL_GUARDED_BY(mu);
  std::vector<std::string> processes ABSL_GUARDED_BY(mu);
};

class FakeRegistry final : public rv1::Registry::Service {
 public:
  // Two pages.
  grpc::Status ListProcesses(grpc::ServerContext*, const rv1::ListProcessesRequest* request,
                             rv1::ListProcessesResponse* response) override {
    auto* p = response->add_processes();
    if (request->page_token().empty()) {
      p->set_name("processes/bali-process");
      p->set_acronym("Bali Process");
      p->set_region("Asia-Pacific");
      p->set_established_year(2002);
      p->add_current_chairs("parties/AUS");
      p->add_current_chairs("parties/IDN");
      response->set_next_page_token("page2");
    } else {
      p->set_name("processes/puebla-process");
      p->set_acronym("Puebla Process");
      p->set_region("North and Central America");
      p->set_established_year(1996);
    }
    response->set_revision(42);
    return grpc::Status::OK;
  }
  grpc::Status GetProcess(grpc::ServerContext*, const rv1::GetProcessRequest* request,
                          rv1::Process*) override {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, request->name() + " does not exist");
  }
  grpc::Status CreateApiKey(grpc::ServerContext*, const rv1::CreateApiKeyRequest* request,
                            rv1::CreateApiKeyResponse* response) override {
    last_key = request->api_key();
    *response->mutable_api_key() = request->api_key();
    response->mutable_api_key()->set_name("apiKeys/k2");
    response->set_key("rcp_k2_s3cr3t");
    return grpc::Status::OK;
  }
  grpc::Status CreateFederationPeer(grpc::ServerContext*, const rv1::CreateFederationPeerRequest* request,
                                    rv1::FederationPeer* response) override {
    *response = request->federation_peer();
    response->set_name("federationPeers/" + request->peer_id());
    peer = *response;
    return grpc::Status::OK;
  }
  grpc::Status ListFederationPeers(grpc::ServerContext*, const rv1::ListFederationPeersRequest*,
                                   rv1::ListFederationPeersResponse* response) override {
    *response->add_federation_peers() = peer;
    return grpc::Status::OK;
  }
  grpc::Status UpdateFederationPeer(grpc::ServerContext*, const rv1::UpdateFederationPeerRequest* request,
                                    rv1::FederationPeer* response) override {
    last_update = *request;
    *response = peer;
    *response->mutable_share_rules() = request->federation_peer().share_rules();
    return grpc::Status::OK;
  }
  rv1::ApiKey last_key;
  rv1::FederationPeer peer;
  rv1::UpdateFederationPeerRequest last_update;
};

// A deployment's keys: one retired, one current that it vouches for.
class FakeFederation final : public fv1::Federation::Service, public fv1::FederationAdmin::Service {
 public:
  grpc::Status GetServerKeys(grpc::ServerContext*, const fv1::GetServerKeysRequest*,
                             fv1::ServerKeys* response) override {
    response->set_deployment_id("bali-process.rcp");
    auto* current = response->add_keys();
    current->set_key_id("ed25519:00000000000000b2");
    current->mutable_create_time()->set_seconds(1800000000);
    current->set_predecessor_key_id("ed25519:00000000000000a1");
    auto* retired = response->add_keys();
    retired->set_key_id("ed25519:00000000000000a1");
    retired->mutable_create_time()->set_seconds(1790000000);
    retired->mutable_expire_time()->set_seconds(1800000000);
    return grpc::Status::OK;
  }
  grpc::Status RotateKey(grpc::ServerContext* context, const fv1::RotateKeyRequest* request,
                         fv1::ServerKeys* response) override {
    revoked = request->revoke();
    return GetServerKeys(context, nullptr, response);
  }
  // Replication from Colombo stalls on a refused envelope.
  grpc::Status ListPeerStatuses(grpc::ServerContext*, const fv1::ListPeerStatusesRequest*,
                                fv1::ListPeerStatusesResponse* response) override {
    auto* s = response->add_peers();
    s->set_peer("federationPeers/colombo-process.rcp");
    s->set_lag_revisions(12);
    s->set_rejected_envelopes(1);
    s->set_last_error("origin: igc.rcp is not the home of processes/colombo-process");
    auto* o = s->add_origins();
    o->set_origin("colombo-process.rcp");
    o->set_lag_seconds(1.5);
    return grpc::Status::OK;
  }
  bool revoked = false;
};

class RcpctlFakeGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions so;
    so.service_name = "rcpctl-fake-gateway";
    server_ = std::make_unique<server::Server>(so);
    server_->AddService(&gateway_);
    server_->AddService(&registry_);
    server_->AddService(static_cast<fv1::Federation::Service*>(&federation_));
    server_->AddService(static_cast<fv1::FederationAdmin::Service*>(&federation_));
    ASSERT_THAT(server_->Start(), IsOk());
    ConnectionOptions connection;
    connection.address = "127.0.0.1:" + std::to_string(server_->port());
    connection.key = "rcp_k1_secret";
    ASSERT_TRUE(Client::Connect(connection, &client_).ok());
  }
  void TearDown() override { server_->Shutdown(); }

  rcp::testing::TempDir dir_;
  FakeGateway gateway_;
  FakeRegistry registry_;
  FakeFederation federation_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<Client> client_;
  std::ostringstream out_, err_;
  Output output_{&out_, &err_, false, false};
};

TEST_F(RcpctlFakeGatewayTest, EveryCallCarriesTheBearerKeyAndUnaryCallsADeadline) {
  grpc::Status s = WhoAmI(*client_, output_);
  ASSERT_TRUE(s.ok()) << FormatError(s);
  absl::MutexLock hold(&gateway_.mu);
  EXPECT_EQ(gateway_.authorization, "Bearer rcp_k1_secret");
  EXPECT_GT(gateway_.deadline_left, std::chrono::seconds(25));
  // gRPC sends the timeout rounded up to its wire unit, so the server may
  // see a little more than the 30 s the client set.
  EXPECT_LE(gateway_.deadline_left, std::chrono::seconds(31));
  EXPECT_THAT(out_.str(), HasSubstr("Party:"));
  EXPECT_THAT(out_.str(), HasSubstr("parties/IDN"));
  EXPECT_THAT(out_.str(), HasSubstr("bali-process  secretariat  yes"));
  // The key's limits, which bind every right.
  EXPECT_THAT(out_.str(), HasSubstr("processes/bali-process"));
  EXPECT_THAT(out_.str(), HasSubstr("secretariat, chair"));
}

TEST_F(RcpctlFakeGatewayTest, ListsPageThroughEverything) {
  grpc::Status s = ProcessList(*client_, output_);
  ASSERT_TRUE(s.ok()) << FormatError(s);
  EXPECT_EQ(out_.str(),
            "ID              ACRONYM         REGION                     ESTABLISHED  CHAIRS   NAME\n"
            "bali-process    Bali Process    Asia-Pacific               2002         AUS,IDN  -\n"
            "puebla-process  Puebla Process  North and Central America  1996         -        -\n");
  std::ostringstream json;
  Output as_json{&json, &err_, true, false};
  ASSERT_TRUE(ProcessList(*client_, as_json).ok());
  EXPECT_THAT(json.str(), HasSubstr("\"revision\": \"42\""));
  EXPECT_THAT(json.str(), HasSubstr("puebla-process"));
  EXPECT_THAT(json.str(), ::testing::Not(HasSubstr("nextPageToken")));
}

TEST_F(RcpctlFakeGatewayTest, ServerErrorsKeepTheirCode) {
  grpc::Status s = ProcessShow(*client_, output_, "atlantis");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(FormatError(s), "rcpctl: NOT_FOUND: processes/atlantis does not exist");
  EXPECT_EQ(ExitCodeFor(s), kExitNotFound);
}

TEST_F(RcpctlFakeGatewayTest, AnUnimplementedServiceIsExitOne) {
  // The fake serves no Events service.
  grpc::Status s = MeetingShow(*client_, output_, "bali-process/meetings/som");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(ExitCodeFor(s), kExitOther);
}

TEST_F(RcpctlFakeGatewayTest, KeyCreatePrintsTheKeyOnceWithAWarning) {
  KeyCreateOptions k;
  k.party = "IDN";
  k.expires_in = "30d";
  k.processes = {"bali-process"};
  k.roles = {"secretariat"};
  k.display_name = "Jakarta office";
  grpc::Status s = KeyCreate(*client_, output_, k);
  ASSERT_TRUE(s.ok()) << FormatError(s);
  EXPECT_EQ(registry_.last_key.party(), "parties/IDN");
  EXPECT_EQ(registry_.last_key.processes(0), "processes/bali-process");
  EXPECT_EQ(registry_.last_key.roles(0), rv1::SECRETARIAT);
  int64_t in = registry_.last_key.expire_time().seconds() - absl::ToUnixSeconds(absl::Now());
  EXPECT_NEAR(static_cast<double>(in), 30 * 86400, 60);
  EXPECT_THAT(out_.str(), HasSubstr("Key: rcp_k2_s3cr3t"));
  EXPECT_THAT(err_.str(), HasSubstr("shown only once"));
}

TEST_F(RcpctlFakeGatewayTest, FederationKeysAndRotation) {
  ASSERT_TRUE(FederationKeys(*client_, output_).ok());
  EXPECT_THAT(out_.str(), HasSubstr("Deployment: bali-process.rcp"));
  EXPECT_THAT(out_.str(), HasSubstr("ed25519:00000000000000b2  current"));
  EXPECT_THAT(out_.str(), HasSubstr("ed25519:00000000000000a1  retired"));
  out_.str("");
  ASSERT_TRUE(FederationRotateKey(*client_, output_, /*revoke=*/true).ok());
  EXPECT_TRUE(federation_.revoked);
  EXPECT_THAT(out_.str(), HasSubstr("current"));
}

TEST_F(RcpctlFakeGatewayTest, PeerCommandsSendTheRulesAndShowTheStatus) {
  PeerOptions add;
  add.address = "127.0.0.1:7190";
  add.homes = {"colombo-process"};
  add.shares = {"bali-process=members:meeting,document", "*=public"};
  ASSERT_TRUE(PeerAdd(*client_, output_, "colombo-process.rcp", add).ok()) << err_.str();
  const rv1::FederationPeer& sent = registry_.peer;
  EXPECT_EQ(sent.address(), "127.0.0.1:7190");
  EXPECT_TRUE(sent.enabled());
  ASSERT_EQ(sent.home_processes_size(), 1);
  EXPECT_EQ(sent.home_processes(0), "processes/colombo-process");
  ASSERT_EQ(sent.share_rules_size(), 2);
  EXPECT_EQ(sent.share_rules(0).process(), "processes/bali-process");
  EXPECT_EQ(sent.share_rules(0).max_visibility(), rcp::common::v1::MEMBERS);
  EXPECT_EQ(sent.share_rules(0).kinds_size(), 2);
  EXPECT_EQ(sent.share_rules(1).process(), "processes/-");
  EXPECT_EQ(sent.share_rules(1).max_visibility(), rcp::common::v1::PUBLIC);
  EXPECT_THAT(out_.str(), HasSubstr("bali-process=members:meeting,document"));

  out_.str("");
  ASSERT_TRUE(PeerList(*client_, output_).ok());
  EXPECT_THAT(out_.str(), HasSubstr("stalled"));
  EXPECT_THAT(out_.str(), HasSubstr("12 rev"));
  EXPECT_THAT(out_.str(), HasSubstr("is not the home of"));

  ASSERT_TRUE(PeerShare(*client_, output_, "colombo-process.rcp", {"colombo-process=public"}).ok());
  EXPECT_EQ(registry_.last_update.federation_peer().name(), "federationPeers/colombo-process.rcp");
  ASSERT_EQ(registry_.last_update.update_mask().paths_size(), 1);
  EXPECT_EQ(registry_.last_update.update_mask().paths(0), "share_rules");

  rv1::ShareRule rule;
  grpc::Status bad = ParseShareRule("bali-process=secret", &rule);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad.error_message(), HasSubstr("--share"));
  EXPECT_EQ(ParseShareRule("=members", &rule).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(RcpctlFakeGatewayTest, CalendarUrl) {
  ASSERT_TRUE(CalendarUrl(*client_, output_, {"bali-process"}).ok());
  EXPECT_EQ(out_.str(), "https://gateway.example/calendar/k1.ics?sig=abc&p=processes/bali-process\n");
}

TEST_F(RcpctlFakeGatewayTest, SubscribeSavesTheCursorReconnectsAndStopsOnResync) {
  const std::string cursor_file = dir_.Sub("state/cursor");
  ASSERT_TRUE(WriteFileAtomically(cursor_file, "c0\n").ok());
  SubscribeOptions options;
  options.processes = {"bali-process"};
  options.cursor_file = cursor_file;
  options.initial_backoff = std::chrono::milliseconds(10);
  options.max_reconnects = 3;
  grpc::Status s = Subscribe(*client_, output_, options);

  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << FormatError(s);
  EXPECT_EQ(ExitCodeFor(s), kExitInvalid);
  EXPECT_THAT(s.error_message(), HasSubstr("resync required"));
  EXPECT_THAT(s.error_message(), HasSubstr("--from-now"));
  {
    absl::MutexLock hold(&gateway_.mu);
    // Resumed from the saved cursor, then from the last one received.
    EXPECT_EQ(gateway_.cursors, (std::vector<std::string>{"c0", "c2"}));
    EXPECT_EQ(gateway_.processes, (std::vector<std::string>{"processes/bali-process"}));
  }
  EXPECT_EQ(io::ReadFile(cursor_file).value(), "c4\n") << "heartbeats advance the cursor too";
  EXPECT_EQ(out_.str(),
            "2026-03-10T09:00:00Z  registry   process      updated  processes/bali-process  apiKeys/k1\n"
            "2026-03-10T09:00:00Z  events     meeting      updated  processes/bali-process/meetings/som-2026 "
            " apiKeys/k1\n"
            "2026-03-10T09:00:00Z  documents  document     updated  processes/bali-process/documents/d1  "
            "apiKeys/k1\n");
  EXPECT_THAT(err_.str(), HasSubstr("reconnecting"));
}

TEST_F(RcpctlFakeGatewayTest, SubscribeFromNowIgnoresTheCursorAndPrintsJsonLines) {
  const std::string cursor_file = dir_.Sub("cursor");
  ASSERT_TRUE(WriteFileAtomically(cursor_file, "old").ok());
  SubscribeOptions options;
  options.cursor_file = cursor_file;
  options.from_now = true;
  int messages = 0;
  options.stop = [&] { return ++messages == 2; };
  std::ostringstream json;
  Output as_json{&json, &err_, true, false};
  grpc::Status s = Subscribe(*client_, as_json, options);
  ASSERT_TRUE(s.ok()) << FormatError(s);
  {
    absl::MutexLock hold(&gateway_.mu);
    EXPECT_EQ(gateway_.cursors, (std::vector<std::string>{""}));
  }
  std::string first_line = json.str().substr(0, json.str().find('\n'));
  EXPECT_EQ(first_line,
            "{\"service\":\"registry\",\"change\":{\"name\":\"processes/bali-process\",\"kind\":\"process\","
            "\"operation\":\"UPDATED\",\"principal\":\"apiKeys/k1\",\"time\":\"2026-03-10T09:00:00Z\"}}");
  EXPECT_EQ(io::ReadFile(cursor_file).value(), "c2\n");
}

TEST(RcpctlConnectTest, AMissingCaFileIsAnInvalidArgument) {
  ConnectionOptions o;
  o.ca_file = "/nonexistent/ca.pem";
  std::unique_ptr<Client> client;
  grpc::Status s = Client::Connect(o, &client);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(RcpctlConnectTest, NobodyListeningIsUnavailable) {
  ConnectionOptions o;
  o.address = "127.0.0.1:1";
  o.unary_deadline = std::chrono::seconds(5);
  std::unique_ptr<Client> client;
  ASSERT_TRUE(Client::Connect(o, &client).ok());
  std::ostringstream out, err;
  Output output{&out, &err, false, false};
  grpc::Status s = WhoAmI(*client, output);
  EXPECT_EQ(ExitCodeFor(s), kExitUnavailable) << FormatError(s);
}

}  // namespace
}  // namespace rcp::rcpctl
