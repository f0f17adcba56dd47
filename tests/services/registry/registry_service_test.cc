// The registry service end to end in one process: a real RegistryStore on
// disk (with a FakeClock at 2026-06-15 so chair terms and key expiry are
// deterministic), a real gRPC server, and a real client stub over loopback.
// Every error case checks the canonical code, that the message names the
// field (or resource), and that nothing was written.
#include "services/registry/registry_service.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <initializer_list>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/audience/audience.h"
#include "common/concurrency/thread_pool.h"
#include "common/server/server.h"
#include "common/status/status.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "common/crypto/crypto.h"
#include "common/time/clock.h"
#include "common/time/timestamp.h"
#include "services/registry/registry_store.h"

namespace rcp::registry {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::google::protobuf::util::TimeUtil;
using ::rcp::common::v1::Change;
using ::rcp::common::v1::Date;
using ::rcp::common::v1::FieldViolation;
using ::rcp::common::v1::WatchRequest;
using ::rcp::common::v1::WatchResponse;
using ::rcp::testing::IsOk;
using ::rcp::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;
using Stub = v1::Registry::Stub;

const absl::Time kToday = absl::FromCivil(absl::CivilSecond(2026, 6, 15, 12, 0, 0), absl::UTCTimeZone());

constexpr char kBali[] = "processes/bali-process";
constexpr char kColombo[] = "processes/colombo-process";

Date D(int year, int month, int day) {
  Date d;
  d.set_year(year);
  d.set_month(month);
  d.set_day(day);
  return d;
}

google::protobuf::Timestamp Ts(absl::Time t) {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}

absl::Time FromTs(const google::protobuf::Timestamp& t) {
  return absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(t));
}

google::protobuf::FieldMask Mask(std::initializer_list<const char*> paths) {
  google::protobuf::FieldMask mask;
  for (const char* p : paths) mask.add_paths(p);
  return mask;
}

MATCHER_P(EqualsProto, expected, "equals " + expected.ShortDebugString()) {
  *result_listener << "which is " << arg.ShortDebugString();
  return MessageDifferencer::Equals(arg, expected);
}

// The field named by the FieldViolation detail of an INVALID_ARGUMENT.
std::string ViolatedField(const absl::Status& s) {
  FieldViolation v;
  return GetDetail(s, &v) ? v.field() : std::string("<no FieldViolation detail>");
}

template <typename T>
std::vector<std::string> Names(const google::protobuf::RepeatedPtrField<T>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) out.push_back(item.name());
  return out;
}

class RegistryServiceTest : public ::testing::Test {
 protected:
  RegistryServiceTest() : clock_(kToday) {}

  void SetUp() override {
    OpenAndServe();
    ASSERT_FALSE(HasFatalFailure());
    Seed();
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  // Opens the store in the test's directory and serves it on a new port.
  void OpenAndServe() {
    RegistryOptions options;
    options.store.path = dir_.Sub("registry");
    options.store.clock = &clock_;
    options.deployment_id = "bali-process.rcp";
    auto store = RegistryStore::Open(options);
    ASSERT_THAT(store, IsOk());
    store_ = std::move(*store);
    pool_ = std::make_unique<ThreadPool>(4);
    service_ = std::make_unique<RegistryService>(store_.get(), pool_.get());

    server::ServerOptions server_options;
    server_options.service_name = "registry-test";
    server_options.listen_address = "127.0.0.1:0";
    server_options.grace_period = absl::Seconds(2);
    server_ = std::make_unique<server::Server>(server_options);
    server_->AddService(service_.get());
    storage::Store* raw = store_->store();
    server_->OnShutdown([raw] { raw->CloseWatchers("test server shutting down"); });
    ASSERT_THAT(server_->Start(), IsOk());
    stub_ = v1::Registry::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
  }

  // What a restart of the daemon does: stops serving, closes the store, and
  // opens and serves it again.
  void Reopen() {
    server_->Shutdown();
    stub_.reset();
    server_.reset();
    service_.reset();
    pool_.reset();
    store_.reset();
    OpenAndServe();
  }

  // Calls one unary method of the stub with a deadline; `principal`, when
  // set, is sent as x-rcp-principal metadata.
  template <typename Req, typename Resp>
  absl::StatusOr<Resp> Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                            const Req& request, const std::string& principal = "") {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!principal.empty()) context.AddMetadata("x-rcp-principal", principal);
    Resp response;
    grpc::Status s = (stub_.get()->*method)(&context, request, &response);
    if (!s.ok()) return FromGrpcStatus(s);
    return response;
  }

  // ---------------------------------------------------------------- seeding

  absl::StatusOr<v1::Party> NewParty(const std::string& id, v1::Party::Type type,
                                     const std::string& display_name = "") {
    v1::CreatePartyRequest req;
    req.set_party_id(id);
    req.mutable_party()->set_type(type);
    req.mutable_party()->set_display_name(display_name);
    return Call(&Stub::CreateParty, req);
  }

  v1::CreateProcessRequest ProcessRequest(const std::string& id, const std::string& display_name,
                                          const std::string& acronym) {
    v1::CreateProcessRequest req;
    req.set_process_id(id);
    req.mutable_process()->set_display_name(display_name);
    req.mutable_process()->set_acronym(acronym);
    return req;
  }

  absl::StatusOr<v1::Process> NewProcess(const std::string& id, const std::string& display_name,
                                         const std::string& acronym) {
    return Call(&Stub::CreateProcess, ProcessRequest(id, display_name, acronym));
  }

  absl::StatusOr<v1::Membership> NewMembership(const std::string& parent, const std::string& party,
                                               v1::Role role, const Date& start, const Date* end = nullptr) {
    v1::CreateMembershipRequest req;
    req.set_parent(parent);
    req.mutable_membership()->set_party(party);
    req.mutable_membership()->set_role(role);
    *req.mutable_membership()->mutable_start_date() = start;
    if (end != nullptr) *req.mutable_membership()->mutable_end_date() = *end;
    return Call(&Stub::CreateMembership, req);
  }

  absl::StatusOr<v1::ChairTerm> NewChairTerm(const std::string& parent, const std::string& party,
                                             const Date& start, const Date& end) {
    v1::CreateChairTermRequest req;
    req.set_parent(parent);
    req.mutable_chair_term()->set_party(party);
    *req.mutable_chair_term()->mutable_start_date() = start;
    *req.mutable_chair_term()->mutable_end_date() = end;
    return Call(&Stub::CreateChairTerm, req);
  }

  v1::CreateApiKeyRequest KeyRequest(const std::string& party, absl::Duration lifetime) {
    v1::CreateApiKeyRequest req;
    req.mutable_api_key()->set_party(party);
    req.mutable_api_key()->set_display_name(absl::StrCat(party, " test key"));
    *req.mutable_api_key()->mutable_expire_time() = Ts(clock_.Now() + lifetime);
    return req;
  }

  absl::StatusOr<v1::Principal> Authenticate(const std::string& key) {
    v1::AuthenticateRequest req;
    req.set_key(key);
    return Call(&Stub::Authenticate, req);
  }

  // Parties IDN, AUS, PHL (states) and iom; the Bali Process (IDN, AUS
  // members, iom secretariat) and the Colombo Process (IDN, PHL members).
  void Seed() {
    ASSERT_THAT(NewParty("IDN", v1::Party::STATE), IsOk());
    ASSERT_THAT(NewParty("AUS", v1::Party::STATE), IsOk());
    ASSERT_THAT(NewParty("PHL", v1::Party::STATE), IsOk());
    ASSERT_THAT(NewParty("iom", v1::Party::ORGANIZATION, "International Organization for Migration"), IsOk());
    auto bali = ProcessRequest("bali-process",
                               "Bali Process on People Smuggling, Trafficking in Persons and "
                               "Related Transnational Crime",
                               "Bali Process");
    bali.mutable_process()->set_region("Asia-Pacific");
    bali.mutable_process()->set_established_year(2002);
    bali.mutable_process()->set_secretariat_host("parties/iom");
    ASSERT_THAT(Call(&Stub::CreateProcess, bali), IsOk());
    ASSERT_THAT(NewProcess("colombo-process",
                           "Regional Consultative Process on Overseas Employment and Contractual "
                           "Labour for Countries of Origin in Asia",
                           "Colombo Process"),
                IsOk());
    ASSERT_THAT(NewMembership(kBali, "parties/IDN", v1::MEMBER, D(2002, 2, 27)), IsOk());
    ASSERT_THAT(NewMembership(kBali, "parties/AUS", v1::MEMBER, D(2002, 2, 27)), IsOk());
    ASSERT_THAT(NewMembership(kBali, "parties/iom", v1::SECRETARIAT, D(2002, 2, 27)), IsOk());
    ASSERT_THAT(NewMembership(kColombo, "parties/IDN", v1::MEMBER, D(2003, 4, 1)), IsOk());
    ASSERT_THAT(NewMembership(kColombo, "parties/PHL", v1::MEMBER, D(2003, 4, 1)), IsOk());
    seeded_revision_ = Revision();
    ASSERT_EQ(seeded_revision_, 11u);
  }

  // ---------------------------------------------------------------- reading

  // The store revision as a List reports it: it moves with every committed
  // write and with nothing else.
  uint64_t Revision() {
    auto resp = Call(&Stub::ListFederationPeers, v1::ListFederationPeersRequest());
    EXPECT_THAT(resp, IsOk());
    return resp.ok() ? resp->revision() : 0;
  }

  std::vector<std::string> ProcessNames(const std::string& party = "") {
    v1::ListProcessesRequest req;
    req.set_party(party);
    auto resp = Call(&Stub::ListProcesses, req);
    EXPECT_THAT(resp, IsOk());
    return resp.ok() ? Names(resp->processes()) : std::vector<std::string>{};
  }

  std::vector<std::string> MembershipNames(const std::string& parent, const std::string& party = "",
                                           bool current_only = false) {
    v1::ListMembershipsRequest req;
    req.set_parent(parent);
    req.set_party(party);
    req.set_current_only(current_only);
    auto resp = Call(&Stub::ListMemberships, req);
    EXPECT_THAT(resp, IsOk());
    return resp.ok() ? Names(resp->memberships()) : std::vector<std::string>{};
  }

  std::vector<std::string> PartyNames() {
    auto resp = Call(&Stub::ListParties, v1::ListPartiesRequest());
    EXPECT_THAT(resp, IsOk());
    return resp.ok() ? Names(resp->parties()) : std::vector<std::string>{};
  }

  std::vector<std::string> ChairTermNames(const std::string& parent) {
    v1::ListChairTermsRequest req;
    req.set_parent(parent);
    auto resp = Call(&Stub::ListChairTerms, req);
    EXPECT_THAT(resp, IsOk());
    return resp.ok() ? Names(resp->chair_terms()) : std::vector<std::string>{};
  }

  std::vector<std::string> CurrentChairs(const std::string& process) {
    v1::GetProcessRequest req;
    req.set_name(process);
    auto p = Call(&Stub::GetProcess, req);
    EXPECT_THAT(p, IsOk());
    return p.ok() ? std::vector<std::string>(p->current_chairs().begin(), p->current_chairs().end())
                  : std::vector<std::string>{};
  }

  // Opens Watch(since_revision) and reads until `count` changes arrived, the
  // stream ended, or the deadline passed. `end` receives the stream status
  // (CANCELLED when this helper stopped it after `count` changes).
  std::vector<Change> ReadFeed(grpc::ClientContext* context, grpc::ClientReader<WatchResponse>* reader,
                               size_t count, absl::Status* end = nullptr) {
    std::vector<Change> out;
    WatchResponse resp;
    while (out.size() < count && reader->Read(&resp)) {
      for (const auto& c : resp.changes()) out.push_back(c);
    }
    if (out.size() >= count) {
      context->TryCancel();
      while (reader->Read(&resp)) {
      }
    }
    absl::Status s = FromGrpcStatus(reader->Finish());
    if (end != nullptr) *end = s;
    return out;
  }

  // Opens Watch(since_revision) on `context`, which ends it after `deadline`.
  std::unique_ptr<grpc::ClientReader<WatchResponse>> OpenWatch(grpc::ClientContext* context,
                                                               uint64_t since_revision,
                                                               absl::Duration deadline) {
    context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline));
    WatchRequest req;
    req.set_since_revision(since_revision);
    return stub_->Watch(context, req);
  }

  std::vector<Change> Feed(uint64_t since_revision, size_t count, absl::Status* end = nullptr) {
    grpc::ClientContext context;
    auto reader = OpenWatch(&context, since_revision, absl::Seconds(10));
    return ReadFeed(&context, reader.get(), count, end);
  }

  rcp::testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<RegistryStore> store_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<RegistryService> service_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<Stub> stub_;
  uint64_t seeded_revision_ = 0;
};

// =============================================================== processes

TEST_F(RegistryServiceTest, CreateProcessStampsItAndGetProcessReadsItBack) {
  auto req = ProcessRequest("puebla-process", "Regional Conference on Migration", "Puebla Process");
  req.mutable_process()->set_region("North and Central America");
  req.mutable_process()->set_established_year(1996);
  req.mutable_process()->add_thematic_focus("labour migration");
  req.mutable_process()->add_current_chairs("parties/AUS");  // output only: ignored
  req.mutable_process()->set_etag("made-up-by-client");
  RCP_ASSERT_OK_AND_ASSIGN(v1::Process created, Call(&Stub::CreateProcess, req));
  EXPECT_EQ(created.name(), "processes/puebla-process");
  EXPECT_EQ(created.display_name(), "Regional Conference on Migration");
  EXPECT_EQ(created.acronym(), "Puebla Process");
  EXPECT_EQ(created.region(), "North and Central America");
  EXPECT_EQ(created.established_year(), 1996);
  EXPECT_THAT(created.thematic_focus(), ElementsAre("labour migration"));
  EXPECT_THAT(created.current_chairs(), IsEmpty());
  EXPECT_EQ(FromTs(created.create_time()), kToday);
  EXPECT_EQ(FromTs(created.update_time()), kToday);
  EXPECT_FALSE(created.etag().empty());
  EXPECT_NE(created.etag(), "made-up-by-client");

  v1::GetProcessRequest get;
  get.set_name("processes/puebla-process");
  RCP_ASSERT_OK_AND_ASSIGN(v1::Process got, Call(&Stub::GetProcess, get));
  EXPECT_THAT(got, EqualsProto(created));
  EXPECT_EQ(Revision(), seeded_revision_ + 1);
}

TEST_F(RegistryServiceTest, AProcessIsHomeAtTheDeploymentThatCreatesItUnlessItNamesAnother) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::Process local,
                           NewProcess("puebla-process", "Regional Conference on Migration", "RCM"));
  EXPECT_EQ(local.home(), "bali-process.rcp");
  auto mirror = ProcessRequest("lima-process", "South American Conference on Migration", "SACM");
  mirror.mutable_process()->set_home("lima-process.rcp");
  RCP_ASSERT_OK_AND_ASSIGN(v1::Process pinned, Call(&Stub::CreateProcess, mirror));
  EXPECT_EQ(pinned.home(), "lima-process.rcp");
  // An administrator pins another home later.
  v1::UpdateProcessRequest pin;
  pin.mutable_process()->set_name(local.name());
  pin.mutable_process()->set_home("puebla-process.rcp");
  pin.mutable_update_mask()->add_paths("home");
  RCP_ASSERT_OK_AND_ASSIGN(v1::Process repinned, Call(&Stub::UpdateProcess, pin));
  EXPECT_EQ(repinned.home(), "puebla-process.rcp");
  // A home is a deployment id.
  for (const char* bad : {"Puebla", "x", "-leading.rcp", "trailing.", "has space.rcp"}) {
    auto req = ProcessRequest("midsa", "Migration Dialogue for Southern Africa", "MIDSA");
    req.mutable_process()->set_home(bad);
    EXPECT_THAT(Call(&Stub::CreateProcess, req),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("process.home")))
        << bad;
  }
  v1::GetProcessRequest get;
  get.set_name("processes/midsa");
  EXPECT_THAT(Call(&Stub::GetProcess, get), StatusIs(absl::StatusCode::kNotFound, HasSubstr("")));
}

TEST_F(RegistryServiceTest, CreateProcessRejectsOversizedDisplayNameAndWritesNothing) {
  auto req = ProcessRequest("puebla-process", std::string(301, 'x'), "Puebla Process");
  auto result = Call(&Stub::CreateProcess, req);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument,
                               AllOf(HasSubstr("process.display_name"), HasSubstr("300"))));
  EXPECT_EQ(ViolatedField(result.status()), "process.display_name");
  EXPECT_EQ(Revision(), seeded_revision_);
  EXPECT_THAT(ProcessNames(), ElementsAre(kBali, kColombo));
}

TEST_F(RegistryServiceTest, CreateProcessAcceptsDisplayNameOfExactly300Characters) {
  auto req = ProcessRequest("puebla-process", std::string(300, 'x'), "Puebla Process");
  EXPECT_THAT(Call(&Stub::CreateProcess, req), IsOk());
}

TEST_F(RegistryServiceTest, CreateProcessCountsCharactersNotBytes) {
  std::string e_acute = "\xc3\xa9";  // two bytes, one character
  std::string name;
  for (int i = 0; i < 300; ++i) name += e_acute;
  EXPECT_THAT(Call(&Stub::CreateProcess, ProcessRequest("rabat-process", name, "Rabat")), IsOk());
  EXPECT_THAT(Call(&Stub::CreateProcess, ProcessRequest("rabat-two", name + e_acute, "Rabat 2")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("process.display_name")));
}

TEST_F(RegistryServiceTest, CreateProcessRejectsEmptyAcronymAndWritesNothing) {
  auto req = ProcessRequest("puebla-process", "Regional Conference on Migration", "");
  auto result = Call(&Stub::CreateProcess, req);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("process.acronym")));
  EXPECT_EQ(ViolatedField(result.status()), "process.acronym");
  EXPECT_EQ(Revision(), seeded_revision_);
  EXPECT_THAT(ProcessNames(), ElementsAre(kBali, kColombo));
}

TEST_F(RegistryServiceTest, CreateProcessRejectsEstablishedYearInTheFuture) {
  auto req = ProcessRequest("puebla-process", "Regional Conference on Migration", "Puebla");
  req.mutable_process()->set_established_year(2027);  // the FakeClock says 2026
  EXPECT_THAT(Call(&Stub::CreateProcess, req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("process.established_year")));
  req.mutable_process()->set_established_year(2026);
  EXPECT_THAT(Call(&Stub::CreateProcess, req), IsOk());
}

TEST_F(RegistryServiceTest, CreateProcessRejectsMalformedProcessIdAndWritesNothing) {
  for (const char* id : {"", "Bad_Id", "x", "-bali", "bali--process", "bali/process"}) {
    auto req = ProcessRequest(id, "Some Process", "SP");
    EXPECT_THAT(Call(&Stub::CreateProcess, req),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("process_id")))
        << "process_id '" << id << "'";
  }
  EXPECT_EQ(Revision(), seeded_revision_);
  EXPECT_THAT(ProcessNames(), ElementsAre(kBali, kColombo));
}

TEST_F(RegistryServiceTest, CreateProcessRejectsUnknownIsoCodeAsSecretariatHost) {
  auto req = ProcessRequest("puebla-process", "Regional Conference on Migration", "Puebla");
  req.mutable_process()->set_secretariat_host("parties/XYZ");
  EXPECT_THAT(Call(&Stub::CreateProcess, req),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("process.secretariat_host"), HasSubstr("XYZ"))));
  EXPECT_EQ(Revision(), seeded_revision_);
}

TEST_F(RegistryServiceTest, GetProcessRejectsMalformedNames) {
  for (const char* name : {"process/x", "processes/Bad_Id", "processes/a/b", "processes/", ""}) {
    v1::GetProcessRequest req;
    req.set_name(name);
    auto result = Call(&Stub::GetProcess, req);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")))
        << "name '" << name << "'";
    EXPECT_EQ(ViolatedField(result.status()), "name") << "name '" << name << "'";
  }
}

TEST_F(RegistryServiceTest, GetProcessOfUnknownProcessIsNotFoundNamingIt) {
  v1::GetProcessRequest req;
  req.set_name("processes/budapest-process");
  EXPECT_THAT(Call(&Stub::GetProcess, req),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("processes/budapest-process")));
}

TEST_F(RegistryServiceTest, CreateProcessWithExistingIdIsAlreadyExistsAndChangesNothing) {
  auto req = ProcessRequest("bali-process", "Another Bali", "Bali 2");
  EXPECT_THAT(Call(&Stub::CreateProcess, req),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("processes/bali-process")));
  v1::GetProcessRequest get;
  get.set_name(kBali);
  RCP_ASSERT_OK_AND_ASSIGN(v1::Process bali, Call(&Stub::GetProcess, get));
  EXPECT_EQ(bali.acronym(), "Bali Process");
  EXPECT_EQ(Revision(), seeded_revision_);
}

TEST_F(RegistryServiceTest, CreateProcessRetriedWithSameRequestIdCreatesOnce) {
  auto req = ProcessRequest("puebla-process", "Regional Conference on Migration", "Puebla Process");
  req.set_request_id("8d1e2f1a-create-puebla");
  RCP_ASSERT_OK_AND_ASSIGN(v1::Process first, Call(&Stub::CreateProcess, req));
  clock_.Advance(absl::Minutes(5));  // a retry arrives later
  RCP_ASSERT_OK_AND_ASSIGN(v1::Process again, Call(&Stub::CreateProcess, req));
  EXPECT_THAT(again, EqualsProto(first));
  EXPECT_EQ(Revision(), seeded_revision_ + 1);
  EXPECT_THAT(ProcessNames(), ElementsAre(kBali, kColombo, "processes/puebla-process"));
  // Exactly one change record for it.
  auto changes = Feed(seeded_revision_, 1);
  ASSERT_THAT(changes, SizeIs(1));
  EXPECT_EQ(changes[0].name(), "processes/puebla-process");
  EXPECT_EQ(changes[0].operation(), Change::CREATED);
}

TEST_F(RegistryServiceTest, CreateProcessWithReusedRequestIdAndDifferentBodyIsInvalidArgument) {
  auto req = ProcessRequest("puebla-process", "Regional Conference on Migration", "Puebla Process");
  req.set_request_id("req-1");
  RCP_ASSERT_OK_AND_ASSIGN(v1::Process first, Call(&Stub::CreateProcess, req));
  uint64_t after_first = Revision();

  auto other = ProcessRequest("igc",
                              "Intergovernmental Consultations on Migration, Asylum and "
                              "Refugees",
                              "IGC");
  other.set_request_id("req-1");
  auto result = Call(&Stub::CreateProcess, other);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("request_id")));
  EXPECT_EQ(ViolatedField(result.status()), "request_id");
  EXPECT_EQ(Revision(), after_first);
  EXPECT_THAT(ProcessNames(), ElementsAre(kBali, kColombo, "processes/puebla-process"));
}

TEST_F(RegistryServiceTest, CreateProcessRejectsOverlongRequestId) {
  auto req = ProcessRequest("puebla-process", "Regional Conference on Migration", "Puebla");
  req.set_request_id(std::string(101, 'r'));
  EXPECT_THAT(Call(&Stub::CreateProcess, req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("request_id")));
  EXPECT_EQ(Revision(), seeded_revision_);
}

TEST_F(RegistryServiceTest, UpdateProcessWithStaleEtagIsAbortedAndWritesNothing) {
  v1::GetProcessRequest get;
  get.set_name(kBali);
  RCP_ASSERT_OK_AND_ASSIGN(v1::Process original, Call(&Stub::GetProcess, get));

  v1::UpdateProcessRequest first;
  *first.mutable_process() = original;
  first.mutable_process()->set_region("Asia and the Pacific");
  *first.mutable_update_mask() = Mask({"region"});
  RCP_ASSERT_OK_AND_ASSIGN(v1::Process updated, Call(&Stub::UpdateProcess, first));
  uint64_t after_first = Revision();

  // A second writer still holding the original etag loses.
  v1::UpdateProcessRequest stale;
  *stale.mutable_process() = original;
  stale.mutable_process()->set_acronym("BP");
  *stale.mutable_update_mask() = Mask({"acronym"});
  EXPECT_THAT(
      Call(&Stub::UpdateProcess, stale),
      StatusIs(absl::StatusCode::kAborted, AllOf(HasSubstr("etag"), HasSubstr("processes/bali-process"))));
  RCP_ASSERT_OK_AND_ASSIGN(v1::Process now, Call(&Stub::GetProcess, get));
  EXPECT_THAT(now, EqualsProto(updated));
  EXPECT_EQ(now.acronym(), "Bali Process");
  EXPECT_EQ(Revision(), after_first);
}

TEST_F(RegistryServiceTest, UpdateProcessWithMatchingEtagAppliesOnlyMaskedFieldsAndChangesEtag) {
  v1::GetProcessRequest get;
  get.set_name(kBali);
  RCP_ASSERT_OK_AND_ASSIGN(v1::Process original, Call(&Stub::GetProcess, get));
  clock_.Advance(absl::Hours(1));

  v1::UpdateProcessRequest req;
  *req.mutable_process() = original;
  req.mutable_process()->set_display_name("The Bali Process");
  req.mutable_process()->set_region("not in the mask");
  req.mutable_process()->add_thematic_focus("trafficking in persons");
  *req.mutable_update_mask() = Mask({"display_name", "thematic_focus"});
  RCP_ASSERT_OK_AND_ASSIGN(v1::Process updated, Call(&Stub::UpdateProcess, req));
  EXPECT_EQ(updated.display_name(), "The Bali Process");
  EXPECT_THAT(updated.thematic_focus(), ElementsAre("trafficking in persons"));
  EXPECT_EQ(updated.region(), "Asia-Pacific");
  EXPECT_NE(updated.etag(), original.etag());
  EXPECT_EQ(FromTs(updated.create_time()), FromTs(original.create_time()));
  EXPECT_EQ(FromTs(updated.update_time()), kToday + absl::Hours(1));
  RCP_ASSERT_OK_AND_ASSIGN(v1::Process got, Call(&Stub::GetProcess, get));
  EXPECT_THAT(got, EqualsProto(updated));
  EXPECT_EQ(Revision(), seeded_revision_ + 1);
}

TEST_F(RegistryServiceTest, UpdateProcessRejectsUnknownMaskPathAndEmptyMask) {
  v1::GetProcessRequest get;
  get.set_name(kBali);
  RCP_ASSERT_OK_AND_ASSIGN(v1::Process original, Call(&Stub::GetProcess, get));
  for (auto mask : {Mask({"name"}), Mask({"current_chairs"}), Mask({"display_name", "etag"}),
                    Mask({"no_such_field"}), Mask({})}) {
    v1::UpdateProcessRequest req;
    *req.mutable_process() = original;
    req.mutable_process()->set_display_name("Changed");
    *req.mutable_update_mask() = mask;
    auto result = Call(&Stub::UpdateProcess, req);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("update_mask")))
        << mask.ShortDebugString();
    EXPECT_EQ(ViolatedField(result.status()), "update_mask");
  }
  RCP_ASSERT_OK_AND_ASSIGN(v1::Process now, Call(&Stub::GetProcess, get));
  EXPECT_THAT(now, EqualsProto(original));
  EXPECT_EQ(Revision(), seeded_revision_);
}

TEST_F(RegistryServiceTest, UpdateProcessValidatesTheMergedProcess) {
  v1::UpdateProcessRequest req;
  req.mutable_process()->set_name(kBali);
  req.mutable_process()->set_acronym("");
  *req.mutable_update_mask() = Mask({"acronym"});
  EXPECT_THAT(Call(&Stub::UpdateProcess, req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("process.acronym")));
  EXPECT_EQ(Revision(), seeded_revision_);
}

TEST_F(RegistryServiceTest, UpdateProcessRejectsMalformedNameAndUnknownProcess) {
  v1::UpdateProcessRequest req;
  req.mutable_process()->set_name("processes/a/b");
  req.mutable_process()->set_acronym("X");
  *req.mutable_update_mask() = Mask({"acronym"});
  EXPECT_THAT(Call(&Stub::UpdateProcess, req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("process.name")));
  req.mutable_process()->set_name("processes/budapest-process");
  EXPECT_THAT(Call(&Stub::UpdateProcess, req),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("processes/budapest-process")));
  EXPECT_EQ(Revision(), seeded_revision_);
}

TEST_F(RegistryServiceTest, ListProcessesRejectsPageSizeOutOfRange) {
  for (int size : {-1, 1001}) {
    v1::ListProcessesRequest req;
    req.set_page_size(size);
    auto result = Call(&Stub::ListProcesses, req);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_size"))) << size;
    EXPECT_EQ(ViolatedField(result.status()), "page_size");
  }
  for (int size : {0, 1, 1000}) {
    v1::ListProcessesRequest req;
    req.set_page_size(size);
    EXPECT_THAT(Call(&Stub::ListProcesses, req), IsOk()) << size;
  }
}

TEST_F(RegistryServiceTest, ListProcessesPagesThroughEveryProcessExactlyOnce) {
  for (const char* id : {"puebla-process", "igc", "budapest-process"}) {
    ASSERT_THAT(NewProcess(id, absl::StrCat("Process ", id), id), IsOk());
  }
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    v1::ListProcessesRequest req;
    req.set_page_size(2);
    req.set_page_token(token);
    RCP_ASSERT_OK_AND_ASSIGN(v1::ListProcessesResponse resp, Call(&Stub::ListProcesses, req));
    EXPECT_LE(resp.processes_size(), 2);
    for (const auto& p : resp.processes()) seen.push_back(p.name());
    token = resp.next_page_token();
    ASSERT_LT(++pages, 10);
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(seen, ElementsAre(kBali, "processes/budapest-process", kColombo, "processes/igc",
                                "processes/puebla-process"));
}

TEST_F(RegistryServiceTest, ListPartiesPagesThroughEveryPartyExactlyOnce) {
  ASSERT_THAT(NewParty("MEX", v1::Party::STATE), IsOk());
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    v1::ListPartiesRequest req;
    req.set_page_size(2);
    req.set_page_token(token);
    RCP_ASSERT_OK_AND_ASSIGN(v1::ListPartiesResponse resp, Call(&Stub::ListParties, req));
    for (const auto& p : resp.parties()) seen.push_back(p.name());
    token = resp.next_page_token();
    ASSERT_LT(++pages, 10);
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(seen, ElementsAre("parties/AUS", "parties/IDN", "parties/MEX", "parties/PHL", "parties/iom"));
}

TEST_F(RegistryServiceTest, ListMembershipsPagesThroughAFilteredListExactlyOnce) {
  // IDN's memberships across processes, one per page.
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    v1::ListMembershipsRequest req;
    req.set_parent("processes/-");
    req.set_party("parties/IDN");
    req.set_page_size(1);
    req.set_page_token(token);
    RCP_ASSERT_OK_AND_ASSIGN(v1::ListMembershipsResponse resp, Call(&Stub::ListMemberships, req));
    for (const auto& m : resp.memberships()) seen.push_back(m.name());
    token = resp.next_page_token();
    ASSERT_LT(++pages, 10);
  } while (!token.empty());
  EXPECT_THAT(seen, ElementsAre("processes/bali-process/memberships/idn",
                                "processes/colombo-process/memberships/idn"));
}

TEST_F(RegistryServiceTest, ListRejectsPageTokenOfAnotherQuery) {
  v1::ListMembershipsRequest req;
  req.set_parent("processes/-");
  req.set_party("parties/IDN");
  req.set_page_size(1);
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListMembershipsResponse first, Call(&Stub::ListMemberships, req));
  ASSERT_FALSE(first.next_page_token().empty());

  // Same method, different filter.
  v1::ListMembershipsRequest other = req;
  other.set_party("parties/AUS");
  other.set_page_token(first.next_page_token());
  auto result = Call(&Stub::ListMemberships, other);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
  EXPECT_EQ(ViolatedField(result.status()), "page_token");

  // Same method, different parent.
  other = req;
  other.set_parent(kColombo);
  other.set_page_token(first.next_page_token());
  EXPECT_THAT(Call(&Stub::ListMemberships, other),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));

  // The same token with the same filters but another page size is fine.
  other = req;
  other.set_page_size(5);
  other.set_page_token(first.next_page_token());
  EXPECT_THAT(Call(&Stub::ListMemberships, other), IsOk());
}

TEST_F(RegistryServiceTest, ListRejectsPageTokenOfAnotherCollection) {
  v1::ListPartiesRequest parties;
  parties.set_page_size(1);
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListPartiesResponse page, Call(&Stub::ListParties, parties));
  ASSERT_FALSE(page.next_page_token().empty());
  v1::ListProcessesRequest processes;
  processes.set_page_token(page.next_page_token());
  EXPECT_THAT(Call(&Stub::ListProcesses, processes),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
}

TEST_F(RegistryServiceTest, ListRejectsGarbagePageToken) {
  for (const char* token : {"garbage", "!!!", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}) {
    v1::ListProcessesRequest req;
    req.set_page_token(token);
    auto result = Call(&Stub::ListProcesses, req);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token"))) << token;
    EXPECT_EQ(ViolatedField(result.status()), "page_token");
  }
}

TEST_F(RegistryServiceTest, ListProcessesFiltersByCurrentMembershipOfParty) {
  EXPECT_THAT(ProcessNames("parties/IDN"), ElementsAre(kBali, kColombo));
  EXPECT_THAT(ProcessNames("parties/AUS"), ElementsAre(kBali));
  EXPECT_THAT(ProcessNames("parties/PHL"), ElementsAre(kColombo));
  EXPECT_THAT(ProcessNames("parties/iom"), ElementsAre(kBali));  // secretariat counts
  ASSERT_THAT(NewParty("MEX", v1::Party::STATE), IsOk());
  EXPECT_THAT(ProcessNames("parties/MEX"), IsEmpty());

  // A membership that ended yesterday no longer counts.
  v1::UpdateMembershipRequest end;
  end.mutable_membership()->set_name("processes/colombo-process/memberships/phl");
  *end.mutable_membership()->mutable_end_date() = D(2026, 6, 14);
  *end.mutable_update_mask() = Mask({"end_date"});
  ASSERT_THAT(Call(&Stub::UpdateMembership, end), IsOk());
  EXPECT_THAT(ProcessNames("parties/PHL"), IsEmpty());
}

TEST_F(RegistryServiceTest, ListProcessesRejectsUnknownIsoCodeAsPartyFilter) {
  v1::ListProcessesRequest req;
  req.set_party("parties/XYZ");
  EXPECT_THAT(Call(&Stub::ListProcesses, req),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("party"), HasSubstr("XYZ"))));
}

// ================================================================= parties

TEST_F(RegistryServiceTest, CreatePartyOfStateDefaultsDisplayNameToIsoName) {
  v1::GetPartyRequest get;
  get.set_name("parties/IDN");
  RCP_ASSERT_OK_AND_ASSIGN(v1::Party idn, Call(&Stub::GetParty, get));
  EXPECT_EQ(idn.type(), v1::Party::STATE);
  EXPECT_EQ(idn.display_name(), "Indonesia");
  EXPECT_FALSE(idn.etag().empty());
  EXPECT_EQ(FromTs(idn.create_time()), kToday);
}

TEST_F(RegistryServiceTest, CreatePartyRejectsUnknownIsoCodeAndWritesNothing) {
  auto result = NewParty("XXX", v1::Party::STATE);
  EXPECT_THAT(result,
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("party_id"), HasSubstr("XXX"))));
  EXPECT_EQ(ViolatedField(result.status()), "party_id");
  EXPECT_EQ(Revision(), seeded_revision_);
  EXPECT_THAT(PartyNames(), ElementsAre("parties/AUS", "parties/IDN", "parties/PHL", "parties/iom"));
}

TEST_F(RegistryServiceTest, CreatePartyRejectsMalformedIdsAndMismatchedType) {
  EXPECT_THAT(NewParty("Idn", v1::Party::STATE),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("party_id")));
  EXPECT_THAT(NewParty("", v1::Party::STATE),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("party_id")));
  EXPECT_THAT(NewParty("unhcr", v1::Party::STATE, "UNHCR"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("party_id")));
  EXPECT_THAT(NewParty("MEX", v1::Party::ORGANIZATION, "Mexico"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("party_id")));
  EXPECT_THAT(NewParty("unhcr", v1::Party::TYPE_UNSPECIFIED, "UNHCR"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("party.type")));
  EXPECT_EQ(Revision(), seeded_revision_);
}

TEST_F(RegistryServiceTest, CreatePartyRejectsEmptyOrOversizedDisplayName) {
  auto empty = NewParty("unhcr", v1::Party::ORGANIZATION, "");
  EXPECT_THAT(empty, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("party.display_name")));
  auto oversized = NewParty("unhcr", v1::Party::ORGANIZATION, std::string(201, 'u'));
  EXPECT_THAT(oversized, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("party.display_name")));
  EXPECT_EQ(Revision(), seeded_revision_);
  EXPECT_THAT(NewParty("unhcr", v1::Party::ORGANIZATION, std::string(200, 'u')), IsOk());
}

TEST_F(RegistryServiceTest, CreatePartyWithExistingIdIsAlreadyExists) {
  EXPECT_THAT(NewParty("IDN", v1::Party::STATE, "Republic of Indonesia"),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("parties/IDN")));
  v1::GetPartyRequest get;
  get.set_name("parties/IDN");
  RCP_ASSERT_OK_AND_ASSIGN(v1::Party idn, Call(&Stub::GetParty, get));
  EXPECT_EQ(idn.display_name(), "Indonesia");
  EXPECT_EQ(Revision(), seeded_revision_);
}

TEST_F(RegistryServiceTest, CreatePartyRetriedWithSameRequestIdCreatesOnce) {
  v1::CreatePartyRequest req;
  req.set_party_id("unhcr");
  req.mutable_party()->set_type(v1::Party::ORGANIZATION);
  req.mutable_party()->set_display_name("UNHCR");
  req.set_request_id("party-unhcr");
  RCP_ASSERT_OK_AND_ASSIGN(v1::Party first, Call(&Stub::CreateParty, req));
  RCP_ASSERT_OK_AND_ASSIGN(v1::Party again, Call(&Stub::CreateParty, req));
  EXPECT_THAT(again, EqualsProto(first));
  EXPECT_EQ(Revision(), seeded_revision_ + 1);

  req.mutable_party()->set_display_name("Office of the UN High Commissioner for Refugees");
  EXPECT_THAT(Call(&Stub::CreateParty, req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("request_id")));
  EXPECT_EQ(Revision(), seeded_revision_ + 1);
}

TEST_F(RegistryServiceTest, GetPartyRejectsUnknownIsoCodeAndMalformedName) {
  for (const char* name : {"parties/XYZ", "party/IDN", "parties/IDN/x", "parties/Bad_Org"}) {
    v1::GetPartyRequest req;
    req.set_name(name);
    EXPECT_THAT(Call(&Stub::GetParty, req), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")))
        << name;
  }
  v1::GetPartyRequest unknown;
  unknown.set_name("parties/MEX");
  EXPECT_THAT(Call(&Stub::GetParty, unknown),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("parties/MEX")));
}

TEST_F(RegistryServiceTest, ListPartiesFiltersByType) {
  v1::ListPartiesRequest req;
  req.set_type(v1::Party::ORGANIZATION);
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListPartiesResponse orgs, Call(&Stub::ListParties, req));
  EXPECT_THAT(Names(orgs.parties()), ElementsAre("parties/iom"));
  req.set_type(v1::Party::STATE);
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListPartiesResponse states, Call(&Stub::ListParties, req));
  EXPECT_THAT(Names(states.parties()), ElementsAre("parties/AUS", "parties/IDN", "parties/PHL"));
  EXPECT_EQ(states.revision(), seeded_revision_);
}

TEST_F(RegistryServiceTest, UpdatePartyChangesDisplayNameWithMatchingEtagOnly) {
  v1::GetPartyRequest get;
  get.set_name("parties/IDN");
  RCP_ASSERT_OK_AND_ASSIGN(v1::Party original, Call(&Stub::GetParty, get));

  v1::UpdatePartyRequest req;
  *req.mutable_party() = original;
  req.mutable_party()->set_display_name("Republic of Indonesia");
  *req.mutable_update_mask() = Mask({"display_name"});
  RCP_ASSERT_OK_AND_ASSIGN(v1::Party updated, Call(&Stub::UpdateParty, req));
  EXPECT_EQ(updated.display_name(), "Republic of Indonesia");
  EXPECT_NE(updated.etag(), original.etag());

  req.mutable_party()->set_display_name("Indonesia (stale)");
  EXPECT_THAT(Call(&Stub::UpdateParty, req), StatusIs(absl::StatusCode::kAborted, HasSubstr("parties/IDN")));
  RCP_ASSERT_OK_AND_ASSIGN(v1::Party now, Call(&Stub::GetParty, get));
  EXPECT_THAT(now, EqualsProto(updated));
  EXPECT_EQ(Revision(), seeded_revision_ + 1);
}

TEST_F(RegistryServiceTest, UpdatePartyRejectsTypeInMaskAndOversizedDisplayName) {
  v1::UpdatePartyRequest req;
  req.mutable_party()->set_name("parties/IDN");
  req.mutable_party()->set_type(v1::Party::ORGANIZATION);
  *req.mutable_update_mask() = Mask({"type"});
  EXPECT_THAT(Call(&Stub::UpdateParty, req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("update_mask")));
  req.mutable_party()->set_display_name(std::string(201, 'i'));
  *req.mutable_update_mask() = Mask({"display_name"});
  EXPECT_THAT(Call(&Stub::UpdateParty, req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("party.display_name")));
  EXPECT_EQ(Revision(), seeded_revision_);
}

// ============================================================= memberships

TEST_F(RegistryServiceTest, CreateMembershipDefaultsIdToPartyThenCounter) {
  v1::GetMembershipRequest get;
  get.set_name("processes/bali-process/memberships/idn");
  RCP_ASSERT_OK_AND_ASSIGN(v1::Membership idn, Call(&Stub::GetMembership, get));
  EXPECT_EQ(idn.party(), "parties/IDN");
  EXPECT_EQ(idn.role(), v1::MEMBER);
  EXPECT_THAT(idn.start_date(), EqualsProto(D(2002, 2, 27)));
  EXPECT_FALSE(idn.has_end_date());

  // End it, then Indonesia comes back as an observer: a new membership.
  v1::UpdateMembershipRequest end;
  *end.mutable_membership() = idn;
  *end.mutable_membership()->mutable_end_date() = D(2026, 6, 14);
  *end.mutable_update_mask() = Mask({"end_date"});
  ASSERT_THAT(Call(&Stub::UpdateMembership, end), IsOk());
  RCP_ASSERT_OK_AND_ASSIGN(v1::Membership again,
                           NewMembership(kBali, "parties/IDN", v1::OBSERVER, D(2026, 6, 15)));
  EXPECT_EQ(again.name(), "processes/bali-process/memberships/idn-2");
}

TEST_F(RegistryServiceTest, CreateMembershipWithExplicitIdAndDuplicateIdIsAlreadyExists) {
  ASSERT_THAT(NewParty("MEX", v1::Party::STATE), IsOk());
  v1::CreateMembershipRequest req;
  req.set_parent(kBali);
  req.set_membership_id("mexico");
  req.mutable_membership()->set_party("parties/MEX");
  req.mutable_membership()->set_role(v1::OBSERVER);
  RCP_ASSERT_OK_AND_ASSIGN(v1::Membership m, Call(&Stub::CreateMembership, req));
  EXPECT_EQ(m.name(), "processes/bali-process/memberships/mexico");
  uint64_t after = Revision();

  req.mutable_membership()->set_party("parties/PHL");
  EXPECT_THAT(
      Call(&Stub::CreateMembership, req),
      StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("processes/bali-process/memberships/mexico")));
  EXPECT_EQ(Revision(), after);
  EXPECT_THAT(MembershipNames(kBali, "parties/PHL"), IsEmpty());
}

TEST_F(RegistryServiceTest, CreateMembershipOverlappingForSamePartyAndProcessIsAlreadyExists) {
  auto result = NewMembership(kBali, "parties/IDN", v1::OBSERVER, D(2020, 1, 1));
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kAlreadyExists,
                               AllOf(HasSubstr("membership"), HasSubstr("parties/IDN"),
                                     HasSubstr("processes/bali-process/memberships/idn"))));
  EXPECT_EQ(Revision(), seeded_revision_);
  EXPECT_THAT(MembershipNames(kBali, "parties/IDN"), ElementsAre("processes/bali-process/memberships/idn"));
}

TEST_F(RegistryServiceTest, CreateMembershipBeforeAnEarlierOneEndsIsAllowedWhenPeriodsDoNotOverlap) {
  // PHL was an observer of Bali in 2005-2009 and has been a member since 2010.
  Date end = D(2009, 12, 31);
  ASSERT_THAT(NewMembership(kBali, "parties/PHL", v1::OBSERVER, D(2005, 1, 1), &end), IsOk());
  RCP_ASSERT_OK_AND_ASSIGN(v1::Membership now,
                           NewMembership(kBali, "parties/PHL", v1::MEMBER, D(2010, 1, 1)));
  EXPECT_EQ(now.name(), "processes/bali-process/memberships/phl-2");
  // One day of overlap is refused.
  Date end2 = D(2010, 1, 1);
  EXPECT_THAT(NewMembership(kBali, "parties/PHL", v1::OBSERVER, D(2009, 6, 1), &end2),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("parties/PHL")));
}

TEST_F(RegistryServiceTest, CreateMembershipRejectsInvalidFieldsAndWritesNothing) {
  struct Case {
    std::string parent, party;
    v1::Role role;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {"process/x", "parties/PHL", v1::MEMBER, "parent"},
           {"processes/Bad_Id", "parties/PHL", v1::MEMBER, "parent"},
           {"processes/a/b", "parties/PHL", v1::MEMBER, "parent"},
           {kBali, "parties/XXX", v1::MEMBER, "membership.party"},
           {kBali, "PHL", v1::MEMBER, "membership.party"},
           {kBali, "", v1::MEMBER, "membership.party"},
           {kBali, "parties/PHL", v1::ROLE_UNSPECIFIED, "membership.role"},
           {kBali, "parties/PHL", v1::CHAIR, "membership.role"},
       }) {
    auto result = NewMembership(c.parent, c.party, c.role, D(2020, 1, 1));
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field)))
        << c.parent << " " << c.party;
    EXPECT_EQ(ViolatedField(result.status()), c.field) << c.parent << " " << c.party;
  }
  EXPECT_THAT(NewMembership(kBali, "parties/PHL", v1::CHAIR, D(2020, 1, 1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("the chair comes from chair terms")));
  Date before_start = D(2019, 12, 31);
  EXPECT_THAT(NewMembership(kBali, "parties/PHL", v1::MEMBER, D(2020, 1, 1), &before_start),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("membership.end_date")));
  EXPECT_THAT(NewMembership(kBali, "parties/PHL", v1::MEMBER, D(2021, 2, 30)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("membership.start_date")));
  EXPECT_EQ(Revision(), seeded_revision_);
  EXPECT_THAT(MembershipNames("processes/-", "parties/PHL"),
              ElementsAre("processes/colombo-process/memberships/phl"));
}

TEST_F(RegistryServiceTest, CreateMembershipInUnknownProcessOrOfUnknownPartyIsNotFound) {
  EXPECT_THAT(NewMembership("processes/budapest-process", "parties/PHL", v1::MEMBER, D(2020, 1, 1)),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("processes/budapest-process")));
  EXPECT_THAT(NewMembership(kBali, "parties/MEX", v1::MEMBER, D(2020, 1, 1)),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("parties/MEX")));
  EXPECT_EQ(Revision(), seeded_revision_);
}

TEST_F(RegistryServiceTest, CreateMembershipRetriedWithSameRequestIdCreatesOnce) {
  v1::CreateMembershipRequest req;
  req.set_parent(kBali);
  req.set_request_id("phl-joins-bali");
  req.mutable_membership()->set_party("parties/PHL");
  req.mutable_membership()->set_role(v1::MEMBER);
  *req.mutable_membership()->mutable_start_date() = D(2026, 1, 1);
  RCP_ASSERT_OK_AND_ASSIGN(v1::Membership first, Call(&Stub::CreateMembership, req));
  RCP_ASSERT_OK_AND_ASSIGN(v1::Membership again, Call(&Stub::CreateMembership, req));
  EXPECT_THAT(again, EqualsProto(first));
  EXPECT_EQ(first.name(), "processes/bali-process/memberships/phl");
  EXPECT_EQ(Revision(), seeded_revision_ + 1);
  EXPECT_THAT(MembershipNames(kBali, "parties/PHL"), ElementsAre(first.name()));

  req.mutable_membership()->set_role(v1::OBSERVER);
  EXPECT_THAT(Call(&Stub::CreateMembership, req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("request_id")));
  EXPECT_EQ(Revision(), seeded_revision_ + 1);
}

TEST_F(RegistryServiceTest, GetMembershipRejectsMalformedNames) {
  for (const char* name : {"processes/bali-process/memberships", "processes/bali-process/members/idn",
                           "processes/Bali/memberships/idn", "processes/bali-process/memberships/IDN",
                           "processes/bali-process/memberships/idn/x"}) {
    v1::GetMembershipRequest req;
    req.set_name(name);
    EXPECT_THAT(Call(&Stub::GetMembership, req),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")))
        << name;
  }
  v1::GetMembershipRequest unknown;
  unknown.set_name("processes/bali-process/memberships/phl");
  EXPECT_THAT(Call(&Stub::GetMembership, unknown),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("processes/bali-process/memberships/phl")));
}

TEST_F(RegistryServiceTest, ListMembershipsOfAllProcessesForAPartyReturnsEveryProcess) {
  EXPECT_THAT(
      MembershipNames("processes/-", "parties/IDN"),
      ElementsAre("processes/bali-process/memberships/idn", "processes/colombo-process/memberships/idn"));
  EXPECT_THAT(MembershipNames("processes/-", "parties/AUS"),
              ElementsAre("processes/bali-process/memberships/aus"));
  EXPECT_THAT(MembershipNames(kBali),
              ElementsAre("processes/bali-process/memberships/aus", "processes/bali-process/memberships/idn",
                          "processes/bali-process/memberships/iom"));
  EXPECT_THAT(MembershipNames("processes/-"), SizeIs(5));
}

TEST_F(RegistryServiceTest, ListMembershipsFiltersByRole) {
  v1::ListMembershipsRequest req;
  req.set_parent("processes/-");
  req.set_role(v1::SECRETARIAT);
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListMembershipsResponse resp, Call(&Stub::ListMemberships, req));
  EXPECT_THAT(Names(resp.memberships()), ElementsAre("processes/bali-process/memberships/iom"));
}

TEST_F(RegistryServiceTest, ListMembershipsRejectsBadParentAndParty) {
  v1::ListMembershipsRequest req;
  req.set_parent("process/x");
  EXPECT_THAT(Call(&Stub::ListMemberships, req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("parent")));
  req.set_parent("processes/-");
  req.set_party("parties/XYZ");
  EXPECT_THAT(Call(&Stub::ListMemberships, req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("party")));
  req.set_party("");
  req.set_page_size(1001);
  EXPECT_THAT(Call(&Stub::ListMemberships, req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_size")));
}

TEST_F(RegistryServiceTest, ListMembershipsCurrentOnlyRespectsEndDate) {
  v1::UpdateMembershipRequest end;
  end.mutable_membership()->set_name("processes/colombo-process/memberships/idn");
  *end.mutable_update_mask() = Mask({"end_date"});

  // Ending today: still current (end_date is inclusive).
  *end.mutable_membership()->mutable_end_date() = D(2026, 6, 15);
  ASSERT_THAT(Call(&Stub::UpdateMembership, end), IsOk());
  EXPECT_THAT(
      MembershipNames("processes/-", "parties/IDN", /*current_only=*/true),
      ElementsAre("processes/bali-process/memberships/idn", "processes/colombo-process/memberships/idn"));

  // Ended yesterday: no longer current, still in the history.
  *end.mutable_membership()->mutable_end_date() = D(2026, 6, 14);
  ASSERT_THAT(Call(&Stub::UpdateMembership, end), IsOk());
  EXPECT_THAT(MembershipNames("processes/-", "parties/IDN", /*current_only=*/true),
              ElementsAre("processes/bali-process/memberships/idn"));
  EXPECT_THAT(
      MembershipNames("processes/-", "parties/IDN", /*current_only=*/false),
      ElementsAre("processes/bali-process/memberships/idn", "processes/colombo-process/memberships/idn"));

  // A membership starting tomorrow is not current either, until tomorrow.
  ASSERT_THAT(NewMembership(kBali, "parties/PHL", v1::OBSERVER, D(2026, 6, 16)), IsOk());
  EXPECT_THAT(MembershipNames(kBali, "parties/PHL", true), IsEmpty());
  clock_.Advance(absl::Hours(24));
  EXPECT_THAT(MembershipNames(kBali, "parties/PHL", true),
              ElementsAre("processes/bali-process/memberships/phl"));
}

TEST_F(RegistryServiceTest, UpdateMembershipWithStaleEtagIsAbortedAndWritesNothing) {
  v1::GetMembershipRequest get;
  get.set_name("processes/bali-process/memberships/aus");
  RCP_ASSERT_OK_AND_ASSIGN(v1::Membership original, Call(&Stub::GetMembership, get));

  v1::UpdateMembershipRequest req;
  *req.mutable_membership() = original;
  *req.mutable_membership()->mutable_start_date() = D(2002, 2, 26);
  *req.mutable_update_mask() = Mask({"start_date"});
  RCP_ASSERT_OK_AND_ASSIGN(v1::Membership updated, Call(&Stub::UpdateMembership, req));
  EXPECT_NE(updated.etag(), original.etag());
  uint64_t after = Revision();

  *req.mutable_membership()->mutable_end_date() = D(2026, 1, 1);
  *req.mutable_update_mask() = Mask({"end_date"});
  EXPECT_THAT(Call(&Stub::UpdateMembership, req),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("processes/bali-process/memberships/aus")));
  RCP_ASSERT_OK_AND_ASSIGN(v1::Membership now, Call(&Stub::GetMembership, get));
  EXPECT_THAT(now, EqualsProto(updated));
  EXPECT_EQ(Revision(), after);
}

TEST_F(RegistryServiceTest, UpdateMembershipRejectsRoleOrPartyInMaskAndEmptyMask) {
  for (auto mask : {Mask({"role"}), Mask({"party"}), Mask({})}) {
    v1::UpdateMembershipRequest req;
    req.mutable_membership()->set_name("processes/bali-process/memberships/aus");
    req.mutable_membership()->set_role(v1::OBSERVER);
    req.mutable_membership()->set_party("parties/PHL");
    *req.mutable_update_mask() = mask;
    auto result = Call(&Stub::UpdateMembership, req);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("update_mask")))
        << mask.ShortDebugString();
    EXPECT_EQ(ViolatedField(result.status()), "update_mask");
  }
  EXPECT_EQ(Revision(), seeded_revision_);
}

TEST_F(RegistryServiceTest, UpdateMembershipThatWouldOverlapAnotherIsAlreadyExists) {
  Date end = D(2009, 12, 31);
  ASSERT_THAT(NewMembership(kBali, "parties/PHL", v1::OBSERVER, D(2005, 1, 1), &end), IsOk());
  ASSERT_THAT(NewMembership(kBali, "parties/PHL", v1::MEMBER, D(2010, 1, 1)), IsOk());
  uint64_t after = Revision();
  v1::UpdateMembershipRequest req;
  req.mutable_membership()->set_name("processes/bali-process/memberships/phl");
  *req.mutable_membership()->mutable_end_date() = D(2011, 1, 1);
  *req.mutable_update_mask() = Mask({"end_date"});
  EXPECT_THAT(
      Call(&Stub::UpdateMembership, req),
      StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("processes/bali-process/memberships/phl-2")));
  EXPECT_EQ(Revision(), after);
}

// ============================================================= chair terms

TEST_F(RegistryServiceTest, CreateChairTermForNonMemberIsFailedPreconditionAndWritesNothing) {
  auto result = NewChairTerm(kBali, "parties/PHL", D(2026, 1, 1), D(2026, 12, 31));
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kFailedPrecondition,
                               AllOf(HasSubstr("chair_term.party"), HasSubstr("parties/PHL"),
                                     HasSubstr("processes/bali-process"))));
  EXPECT_EQ(Revision(), seeded_revision_);
  EXPECT_THAT(ChairTermNames("processes/-"), IsEmpty());
}

TEST_F(RegistryServiceTest, CreateChairTermForObserverOrBeforeMembershipIsFailedPrecondition) {
  ASSERT_THAT(NewMembership(kBali, "parties/PHL", v1::OBSERVER, D(2020, 1, 1)), IsOk());
  uint64_t after = Revision();
  EXPECT_THAT(NewChairTerm(kBali, "parties/PHL", D(2026, 1, 1), D(2026, 12, 31)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("chair_term.party")));
  // IDN is a member of Colombo only from 2003-04-01.
  EXPECT_THAT(NewChairTerm(kColombo, "parties/IDN", D(2003, 1, 1), D(2003, 12, 31)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("chair_term.party")));
  EXPECT_EQ(Revision(), after);
}

TEST_F(RegistryServiceTest, CreateChairTermRejectsMissingOrInvertedDates) {
  v1::CreateChairTermRequest req;
  req.set_parent(kBali);
  req.mutable_chair_term()->set_party("parties/IDN");
  *req.mutable_chair_term()->mutable_start_date() = D(2026, 1, 1);
  EXPECT_THAT(Call(&Stub::CreateChairTerm, req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("chair_term.end_date")));
  *req.mutable_chair_term()->mutable_end_date() = D(2025, 12, 31);
  EXPECT_THAT(Call(&Stub::CreateChairTerm, req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("chair_term.end_date")));
  req.mutable_chair_term()->clear_start_date();
  EXPECT_THAT(Call(&Stub::CreateChairTerm, req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("chair_term.start_date")));
  *req.mutable_chair_term()->mutable_start_date() = D(2026, 1, 1);
  *req.mutable_chair_term()->mutable_end_date() = D(2026, 12, 31);
  req.mutable_chair_term()->set_note(std::string(501, 'n'));
  EXPECT_THAT(Call(&Stub::CreateChairTerm, req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("chair_term.note")));
  req.mutable_chair_term()->set_note("");
  req.mutable_chair_term()->set_party("parties/XXX");
  EXPECT_THAT(Call(&Stub::CreateChairTerm, req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("chair_term.party")));
  EXPECT_EQ(Revision(), seeded_revision_);
  EXPECT_THAT(ChairTermNames("processes/-"), IsEmpty());
}

TEST_F(RegistryServiceTest, ChairTermCanBeCreatedReadListedAndUpdated) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::ChairTerm term,
                           NewChairTerm(kBali, "parties/IDN", D(2026, 1, 1), D(2026, 12, 31)));
  EXPECT_EQ(term.name(), "processes/bali-process/chairTerms/idn-2026");
  v1::GetChairTermRequest get;
  get.set_name(term.name());
  RCP_ASSERT_OK_AND_ASSIGN(v1::ChairTerm got, Call(&Stub::GetChairTerm, get));
  EXPECT_THAT(got, EqualsProto(term));

  ASSERT_THAT(NewChairTerm(kBali, "parties/AUS", D(2026, 1, 1), D(2026, 12, 31)), IsOk());
  v1::ListChairTermsRequest list;
  list.set_parent("processes/-");
  list.set_party("parties/IDN");
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListChairTermsResponse idn, Call(&Stub::ListChairTerms, list));
  EXPECT_THAT(Names(idn.chair_terms()), ElementsAre(term.name()));
  EXPECT_THAT(ChairTermNames(kBali), ElementsAre("processes/bali-process/chairTerms/aus-2026",
                                                 "processes/bali-process/chairTerms/idn-2026"));
  EXPECT_THAT(ChairTermNames(kColombo), IsEmpty());

  v1::UpdateChairTermRequest update;
  *update.mutable_chair_term() = term;
  update.mutable_chair_term()->set_note("co-chair");
  *update.mutable_update_mask() = Mask({"note"});
  RCP_ASSERT_OK_AND_ASSIGN(v1::ChairTerm updated, Call(&Stub::UpdateChairTerm, update));
  EXPECT_EQ(updated.note(), "co-chair");
  EXPECT_NE(updated.etag(), term.etag());

  uint64_t after = Revision();
  update.mutable_chair_term()->set_note("stale");
  EXPECT_THAT(Call(&Stub::UpdateChairTerm, update),
              StatusIs(absl::StatusCode::kAborted, HasSubstr(term.name())));
  *update.mutable_update_mask() = Mask({"party"});
  EXPECT_THAT(Call(&Stub::UpdateChairTerm, update),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("update_mask")));
  EXPECT_EQ(Revision(), after);
}

TEST_F(RegistryServiceTest, OverlappingChairTermsOfSamePartyAreAlreadyExists) {
  ASSERT_THAT(NewChairTerm(kBali, "parties/IDN", D(2026, 1, 1), D(2026, 12, 31)), IsOk());
  uint64_t after = Revision();
  EXPECT_THAT(NewChairTerm(kBali, "parties/IDN", D(2026, 12, 31), D(2027, 12, 31)),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("parties/IDN")));
  EXPECT_EQ(Revision(), after);
  // The next year is fine, and gets the next default id.
  RCP_ASSERT_OK_AND_ASSIGN(v1::ChairTerm next,
                           NewChairTerm(kBali, "parties/IDN", D(2027, 1, 1), D(2027, 12, 31)));
  EXPECT_EQ(next.name(), "processes/bali-process/chairTerms/idn-2027");
}

TEST_F(RegistryServiceTest, CurrentChairsAreDerivedFromChairTermsAndTheClock) {
  EXPECT_THAT(CurrentChairs(kBali), IsEmpty());
  ASSERT_THAT(NewChairTerm(kBali, "parties/AUS", D(2026, 1, 1), D(2026, 6, 30)), IsOk());
  ASSERT_THAT(NewChairTerm(kBali, "parties/IDN", D(2026, 7, 1), D(2026, 12, 31)), IsOk());
  EXPECT_THAT(CurrentChairs(kBali), ElementsAre("parties/AUS"));
  EXPECT_THAT(CurrentChairs(kColombo), IsEmpty());

  // The last day of a term is still covered.
  clock_.Set(absl::FromCivil(absl::CivilSecond(2026, 6, 30, 23, 59, 59), absl::UTCTimeZone()));
  EXPECT_THAT(CurrentChairs(kBali), ElementsAre("parties/AUS"));

  // The FakeClock moves past AUS's end_date: IDN takes over, in Get and List.
  clock_.Set(absl::FromCivil(absl::CivilSecond(2026, 7, 1, 0, 0, 1), absl::UTCTimeZone()));
  EXPECT_THAT(CurrentChairs(kBali), ElementsAre("parties/IDN"));
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListProcessesResponse list,
                           Call(&Stub::ListProcesses, v1::ListProcessesRequest()));
  ASSERT_THAT(list.processes(), SizeIs(2));
  EXPECT_THAT(list.processes(0).current_chairs(), ElementsAre("parties/IDN"));
  EXPECT_THAT(list.processes(1).current_chairs(), IsEmpty());

  clock_.Set(absl::FromCivil(absl::CivilSecond(2027, 1, 1, 0, 0, 0), absl::UTCTimeZone()));
  EXPECT_THAT(CurrentChairs(kBali), IsEmpty());
}

TEST_F(RegistryServiceTest, CoChairsAreAllCurrentChairs) {
  ASSERT_THAT(NewChairTerm(kBali, "parties/AUS", D(2026, 1, 1), D(2026, 12, 31)), IsOk());
  ASSERT_THAT(NewChairTerm(kBali, "parties/IDN", D(2026, 1, 1), D(2026, 12, 31)), IsOk());
  EXPECT_THAT(CurrentChairs(kBali), ElementsAre("parties/AUS", "parties/IDN"));
}

TEST_F(RegistryServiceTest, UpdatingAChairTermsEndDateChangesCurrentChairs) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::ChairTerm term,
                           NewChairTerm(kBali, "parties/AUS", D(2026, 1, 1), D(2026, 12, 31)));
  EXPECT_THAT(CurrentChairs(kBali), ElementsAre("parties/AUS"));
  v1::UpdateChairTermRequest update;
  *update.mutable_chair_term() = term;
  *update.mutable_chair_term()->mutable_end_date() = D(2026, 6, 14);
  *update.mutable_update_mask() = Mask({"end_date"});
  ASSERT_THAT(Call(&Stub::UpdateChairTerm, update), IsOk());
  EXPECT_THAT(CurrentChairs(kBali), IsEmpty());
}

// ============================================================ focal points

v1::CreateFocalPointRequest FocalPointRequest(const std::string& parent, const std::string& party) {
  v1::CreateFocalPointRequest req;
  req.set_parent(parent);
  auto* f = req.mutable_focal_point();
  f->set_party(party);
  f->set_person_name("Siti Rahmawati");
  f->set_ministry("Ministry of Foreign Affairs");
  f->set_email("siti.rahmawati@kemlu.go.id");
  f->set_phone("+62213441508");
  return req;
}

TEST_F(RegistryServiceTest, FocalPointCanBeCreatedReadListedUpdatedAndDeleted) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::FocalPoint fp,
                           Call(&Stub::CreateFocalPoint, FocalPointRequest(kBali, "parties/IDN")));
  EXPECT_EQ(fp.name(), "processes/bali-process/focalPoints/idn");
  EXPECT_FALSE(fp.etag().empty());

  v1::GetFocalPointRequest get;
  get.set_name(fp.name());
  RCP_ASSERT_OK_AND_ASSIGN(v1::FocalPoint got, Call(&Stub::GetFocalPoint, get));
  EXPECT_THAT(got, EqualsProto(fp));

  ASSERT_THAT(Call(&Stub::CreateFocalPoint, FocalPointRequest(kColombo, "parties/IDN")), IsOk());
  v1::ListFocalPointsRequest list;
  list.set_parent("processes/-");
  list.set_party("parties/IDN");
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListFocalPointsResponse all, Call(&Stub::ListFocalPoints, list));
  EXPECT_THAT(Names(all.focal_points()), ElementsAre("processes/bali-process/focalPoints/idn",
                                                     "processes/colombo-process/focalPoints/idn"));

  v1::UpdateFocalPointRequest update;
  *update.mutable_focal_point() = fp;
  update.mutable_focal_point()->set_phone("+62213441509");
  *update.mutable_update_mask() = Mask({"phone"});
  RCP_ASSERT_OK_AND_ASSIGN(v1::FocalPoint updated, Call(&Stub::UpdateFocalPoint, update));
  EXPECT_EQ(updated.phone(), "+62213441509");
  EXPECT_NE(updated.etag(), fp.etag());

  v1::DeleteFocalPointRequest del;
  del.set_name(fp.name());
  del.set_etag(updated.etag());
  ASSERT_THAT(Call(&Stub::DeleteFocalPoint, del), IsOk());
  EXPECT_THAT(Call(&Stub::GetFocalPoint, get), StatusIs(absl::StatusCode::kNotFound, HasSubstr(fp.name())));
  EXPECT_THAT(Call(&Stub::DeleteFocalPoint, del),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(fp.name())));
}

TEST_F(RegistryServiceTest, CreateFocalPointRejectsInvalidFieldsAndWritesNothing) {
  struct Case {
    std::function<void(v1::FocalPoint*)> edit;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](v1::FocalPoint* f) { f->set_person_name(""); }, "focal_point.person_name"},
      {[](v1::FocalPoint* f) { f->set_person_name(std::string(201, 'p')); }, "focal_point.person_name"},
      {[](v1::FocalPoint* f) { f->set_ministry(std::string(201, 'm')); }, "focal_point.ministry"},
      {[](v1::FocalPoint* f) { f->set_email(""); }, "focal_point.email"},
      {[](v1::FocalPoint* f) { f->set_email("not-an-email"); }, "focal_point.email"},
      {[](v1::FocalPoint* f) { f->set_phone("021 344 1508"); }, "focal_point.phone"},
      {[](v1::FocalPoint* f) { f->set_party("parties/XYZ"); }, "focal_point.party"},
  };
  for (const auto& c : cases) {
    auto req = FocalPointRequest(kBali, "parties/IDN");
    c.edit(req.mutable_focal_point());
    auto result = Call(&Stub::CreateFocalPoint, req);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field))) << c.field;
    EXPECT_EQ(ViolatedField(result.status()), c.field);
  }
  auto bad_parent = FocalPointRequest("processes/a/b", "parties/IDN");
  EXPECT_THAT(Call(&Stub::CreateFocalPoint, bad_parent),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("parent")));
  EXPECT_EQ(Revision(), seeded_revision_);
}

TEST_F(RegistryServiceTest, CreateFocalPointForPartyWithoutMembershipIsFailedPrecondition) {
  auto result = Call(&Stub::CreateFocalPoint, FocalPointRequest(kBali, "parties/PHL"));
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kFailedPrecondition,
                               AllOf(HasSubstr("focal_point.party"), HasSubstr("parties/PHL"))));
  EXPECT_EQ(Revision(), seeded_revision_);
}

TEST_F(RegistryServiceTest, DeleteFocalPointWithStaleEtagIsAbortedAndKeepsIt) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::FocalPoint fp,
                           Call(&Stub::CreateFocalPoint, FocalPointRequest(kBali, "parties/AUS")));
  v1::UpdateFocalPointRequest update;
  *update.mutable_focal_point() = fp;
  update.mutable_focal_point()->set_person_name("Someone Else");
  *update.mutable_update_mask() = Mask({"person_name"});
  RCP_ASSERT_OK_AND_ASSIGN(v1::FocalPoint updated, Call(&Stub::UpdateFocalPoint, update));
  uint64_t after = Revision();

  v1::DeleteFocalPointRequest del;
  del.set_name(fp.name());
  del.set_etag(fp.etag());
  EXPECT_THAT(Call(&Stub::DeleteFocalPoint, del), StatusIs(absl::StatusCode::kAborted, HasSubstr(fp.name())));
  v1::GetFocalPointRequest get;
  get.set_name(fp.name());
  RCP_ASSERT_OK_AND_ASSIGN(v1::FocalPoint now, Call(&Stub::GetFocalPoint, get));
  EXPECT_THAT(now, EqualsProto(updated));
  EXPECT_EQ(Revision(), after);

  // Without an etag the delete is unconditional.
  del.clear_etag();
  EXPECT_THAT(Call(&Stub::DeleteFocalPoint, del), IsOk());
}

TEST_F(RegistryServiceTest, UpdateFocalPointValidatesMaskAndMergedFields) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::FocalPoint fp,
                           Call(&Stub::CreateFocalPoint, FocalPointRequest(kBali, "parties/AUS")));
  uint64_t after = Revision();
  v1::UpdateFocalPointRequest update;
  *update.mutable_focal_point() = fp;
  update.mutable_focal_point()->set_email("broken");
  *update.mutable_update_mask() = Mask({"email"});
  EXPECT_THAT(Call(&Stub::UpdateFocalPoint, update),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("focal_point.email")));
  *update.mutable_update_mask() = Mask({"party"});
  EXPECT_THAT(Call(&Stub::UpdateFocalPoint, update),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("update_mask")));
  EXPECT_EQ(Revision(), after);
}

// ================================================================ API keys

TEST_F(RegistryServiceTest, CreateApiKeyShowsTheSecretOnceAndRecordsTheCreator) {
  auto req = KeyRequest("parties/IDN", absl::Hours(24 * 30));
  req.mutable_api_key()->set_creator("someone/else");            // output only
  req.mutable_api_key()->mutable_revoke_time()->set_seconds(1);  // output only
  absl::StatusOr<v1::CreateApiKeyResponse> created =
      Call(&Stub::CreateApiKey, req, "apiKeys/bootstrap-admin");
  ASSERT_THAT(created, IsOk());
  const v1::ApiKey& key = created->api_key();
  EXPECT_THAT(key.name(), StartsWith("apiKeys/"));
  EXPECT_EQ(key.party(), "parties/IDN");
  EXPECT_EQ(key.creator(), "apiKeys/bootstrap-admin");
  EXPECT_FALSE(key.has_revoke_time());
  EXPECT_EQ(FromTs(key.create_time()), kToday);
  std::string key_id = key.name().substr(std::string("apiKeys/").size());
  EXPECT_THAT(created->key(), StartsWith(absl::StrCat("rcp_", key_id, "_")));
  EXPECT_GT(created->key().size(), absl::StrCat("rcp_", key_id, "_").size() + 40);

  v1::GetApiKeyRequest get;
  get.set_name(key.name());
  RCP_ASSERT_OK_AND_ASSIGN(v1::ApiKey got, Call(&Stub::GetApiKey, get));
  EXPECT_THAT(got, EqualsProto(key));
  // The secret is nowhere in what Get returns.
  std::string secret = created->key().substr(absl::StrCat("rcp_", key_id, "_").size());
  EXPECT_EQ(got.SerializeAsString().find(secret), std::string::npos);

  v1::ListApiKeysRequest list;
  list.set_party("parties/IDN");
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListApiKeysResponse keys, Call(&Stub::ListApiKeys, list));
  EXPECT_THAT(Names(keys.api_keys()), ElementsAre(key.name()));
  list.set_party("parties/AUS");
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListApiKeysResponse none, Call(&Stub::ListApiKeys, list));
  EXPECT_THAT(none.api_keys(), IsEmpty());
}

TEST_F(RegistryServiceTest, CreateApiKeyRetriedWithSameRequestIdIsAlreadyExistsAndIssuesOnce) {
  auto req = KeyRequest("parties/IDN", absl::Hours(24));
  req.set_request_id("issue-idn-key");
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse first, Call(&Stub::CreateApiKey, req));
  uint64_t after = Revision();
  EXPECT_THAT(Call(&Stub::CreateApiKey, req),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       AllOf(HasSubstr("request_id"), HasSubstr(first.api_key().name()))));
  req.mutable_api_key()->set_display_name("another body");
  EXPECT_THAT(Call(&Stub::CreateApiKey, req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("request_id")));
  EXPECT_EQ(Revision(), after);
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListApiKeysResponse keys, Call(&Stub::ListApiKeys, v1::ListApiKeysRequest()));
  EXPECT_THAT(Names(keys.api_keys()), ElementsAre(first.api_key().name()));
}

TEST_F(RegistryServiceTest, CreateApiKeyRejectsInvalidFieldsAndWritesNothing) {
  auto no_expiry = KeyRequest("parties/IDN", absl::Hours(1));
  no_expiry.mutable_api_key()->clear_expire_time();
  EXPECT_THAT(Call(&Stub::CreateApiKey, no_expiry),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("api_key.expire_time")));
  EXPECT_THAT(Call(&Stub::CreateApiKey, KeyRequest("parties/IDN", -absl::Hours(1))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("api_key.expire_time")));
  EXPECT_THAT(Call(&Stub::CreateApiKey, KeyRequest("parties/IDN", absl::Hours(24 * 365 * 3))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("api_key.expire_time")));
  EXPECT_THAT(Call(&Stub::CreateApiKey, KeyRequest("parties/XXX", absl::Hours(1))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("api_key.party")));
  auto bad_process = KeyRequest("parties/IDN", absl::Hours(1));
  bad_process.mutable_api_key()->add_processes("process/x");
  EXPECT_THAT(Call(&Stub::CreateApiKey, bad_process),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("api_key.processes[0]")));
  auto bad_role = KeyRequest("parties/IDN", absl::Hours(1));
  bad_role.mutable_api_key()->add_roles(v1::ROLE_UNSPECIFIED);
  EXPECT_THAT(Call(&Stub::CreateApiKey, bad_role),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("api_key.roles[0]"), HasSubstr("OBSERVER or CHAIR"))));
  auto admin_with_roles = KeyRequest("parties/iom", absl::Hours(1));
  admin_with_roles.mutable_api_key()->set_admin(true);
  admin_with_roles.mutable_api_key()->add_roles(v1::SECRETARIAT);
  auto refused = Call(&Stub::CreateApiKey, admin_with_roles);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kInvalidArgument,
                                HasSubstr("an administrator's key takes no role limits")));
  EXPECT_EQ(ViolatedField(refused.status()), "api_key.roles");
  EXPECT_THAT(Call(&Stub::CreateApiKey, KeyRequest("parties/MEX", absl::Hours(1))),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("parties/MEX")));
  EXPECT_EQ(Revision(), seeded_revision_);
}

TEST_F(RegistryServiceTest, AuthenticateValidKeyGivesPrincipalWithRightsPerProcess) {
  ASSERT_THAT(NewChairTerm(kBali, "parties/IDN", D(2026, 1, 1), D(2026, 12, 31)), IsOk());
  // A term that does not cover today does not make a chair.
  ASSERT_THAT(NewChairTerm(kColombo, "parties/IDN", D(2024, 1, 1), D(2025, 12, 31)), IsOk());
  auto req = KeyRequest("parties/IDN", absl::Hours(24 * 30));
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse created, Call(&Stub::CreateApiKey, req));

  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal p, Authenticate(created.key()));
  EXPECT_EQ(p.api_key(), created.api_key().name());
  EXPECT_EQ(p.party(), "parties/IDN");
  EXPECT_FALSE(p.admin());
  EXPECT_EQ(FromTs(p.valid_until()), kToday + absl::Hours(24 * 30));
  ASSERT_THAT(p.rights(), SizeIs(2));
  EXPECT_EQ(p.rights(0).process(), kBali);
  EXPECT_THAT(p.rights(0).roles(), ElementsAre(v1::MEMBER));
  EXPECT_TRUE(p.rights(0).chair());
  EXPECT_EQ(p.rights(1).process(), kColombo);
  EXPECT_THAT(p.rights(1).roles(), ElementsAre(v1::MEMBER));
  EXPECT_FALSE(p.rights(1).chair());

  // Authenticate reads; it writes nothing.
  uint64_t after = Revision();
  ASSERT_THAT(Authenticate(created.key()), IsOk());
  EXPECT_EQ(Revision(), after);
}

TEST_F(RegistryServiceTest, AuthenticateReflectsCurrentMembershipsOnly) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse created,
                           Call(&Stub::CreateApiKey, KeyRequest("parties/IDN", absl::Hours(72))));
  v1::UpdateMembershipRequest end;
  end.mutable_membership()->set_name("processes/colombo-process/memberships/idn");
  *end.mutable_membership()->mutable_end_date() = D(2026, 6, 14);
  *end.mutable_update_mask() = Mask({"end_date"});
  ASSERT_THAT(Call(&Stub::UpdateMembership, end), IsOk());
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal p, Authenticate(created.key()));
  ASSERT_THAT(p.rights(), SizeIs(1));
  EXPECT_EQ(p.rights(0).process(), kBali);
}

TEST_F(RegistryServiceTest, MembershipIndexIsBuiltForADatabaseFromBeforeIt) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse created,
                           Call(&Stub::CreateApiKey, KeyRequest("parties/IDN", absl::Hours(72))));
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal before, Authenticate(created.key()));
  ASSERT_THAT(before.rights(), SizeIs(2));
  // As a database written before the index existed: no index, no marker.
  server_->Shutdown();
  ASSERT_THAT(store_->store()->Write({"test"}, {},
                                     [&](storage::Transaction& txn) -> absl::Status {
                                       auto view = store_->store()->Read();
                                       return view->Scan("memberships_by_party", "", "",
                                                         [&](absl::string_view key, absl::string_view) {
                                                           txn.Delete("memberships_by_party", key);
                                                           return true;
                                                         });
                                     }),
              IsOk());
  store_.reset();
  RegistryOptions options;
  options.store.path = dir_.Sub("registry");
  options.store.clock = &clock_;
  auto reopened = RegistryStore::Open(options);
  ASSERT_THAT(reopened, IsOk());
  v1::AuthenticateRequest auth;
  auth.set_key(created.key());
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal after, (*reopened)->Authenticate(auth));
  EXPECT_EQ(after.rights_size(), before.rights_size());
  v1::ListProcessesRequest list;
  list.set_party("parties/IDN");
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListProcessesResponse processes, (*reopened)->ListProcesses(list));
  EXPECT_EQ(processes.processes_size(), 2);
}

TEST_F(RegistryServiceTest, AuthenticateKeyLimitedToProcessesOrRolesNarrowsRights) {
  ASSERT_THAT(NewChairTerm(kBali, "parties/IDN", D(2026, 1, 1), D(2026, 12, 31)), IsOk());

  auto only_colombo = KeyRequest("parties/IDN", absl::Hours(24));
  only_colombo.mutable_api_key()->add_processes(kColombo);
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse colombo_key, Call(&Stub::CreateApiKey, only_colombo));
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal p, Authenticate(colombo_key.key()));
  ASSERT_THAT(p.rights(), SizeIs(1));
  EXPECT_EQ(p.rights(0).process(), kColombo);
  EXPECT_FALSE(p.rights(0).chair());

  auto only_bali = KeyRequest("parties/IDN", absl::Hours(24));
  only_bali.mutable_api_key()->add_processes(kBali);
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse bali_key, Call(&Stub::CreateApiKey, only_bali));
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal b, Authenticate(bali_key.key()));
  ASSERT_THAT(b.rights(), SizeIs(1));
  EXPECT_EQ(b.rights(0).process(), kBali);
  EXPECT_TRUE(b.rights(0).chair());

  // IDN is a MEMBER everywhere; a key limited to OBSERVER has no rights.
  auto observer_only = KeyRequest("parties/IDN", absl::Hours(24));
  observer_only.mutable_api_key()->add_roles(v1::OBSERVER);
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse observer_key, Call(&Stub::CreateApiKey, observer_only));
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal o, Authenticate(observer_key.key()));
  EXPECT_EQ(o.party(), "parties/IDN");
  EXPECT_THAT(o.rights(), IsEmpty());

  // iom's secretariat key limited to SECRETARIAT keeps it.
  auto secretariat = KeyRequest("parties/iom", absl::Hours(24));
  secretariat.mutable_api_key()->add_roles(v1::SECRETARIAT);
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse iom_key, Call(&Stub::CreateApiKey, secretariat));
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal s, Authenticate(iom_key.key()));
  ASSERT_THAT(s.rights(), SizeIs(1));
  EXPECT_EQ(s.rights(0).process(), kBali);
  EXPECT_THAT(s.rights(0).roles(), ElementsAre(v1::SECRETARIAT));
}

// Hole 2 of issue 9: Indonesia co-chairs the Bali Process; a key limited to
// MEMBER must not carry the chair's rights, one with CHAIR in its limit does.
TEST_F(RegistryServiceTest, ARoleLimitBindsTheChairAndTheLimitsTravelInThePrincipal) {
  ASSERT_THAT(NewChairTerm(kBali, "parties/IDN", D(2026, 1, 1), D(2026, 12, 31)), IsOk());
  auto principal_for = [&](std::vector<v1::Role> roles,
                           std::vector<std::string> processes = {}) -> absl::StatusOr<v1::Principal> {
    auto req = KeyRequest("parties/IDN", absl::Hours(24));
    for (auto r : roles) req.mutable_api_key()->add_roles(r);
    for (const auto& p : processes) req.mutable_api_key()->add_processes(p);
    RCP_ASSIGN_OR_RETURN(v1::CreateApiKeyResponse created, Call(&Stub::CreateApiKey, req));
    return Authenticate(created.key());
  };

  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal member, principal_for({v1::MEMBER}));
  ASSERT_THAT(member.rights(), SizeIs(2));
  EXPECT_EQ(member.rights(0).process(), kBali);
  EXPECT_THAT(member.rights(0).roles(), ElementsAre(v1::MEMBER));
  EXPECT_FALSE(member.rights(0).chair()) << "no CHAIR in the key's role limit";
  EXPECT_THAT(member.role_limit(), ElementsAre(v1::MEMBER));
  EXPECT_THAT(member.process_limit(), IsEmpty());

  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal chair, principal_for({v1::MEMBER, v1::CHAIR}));
  ASSERT_THAT(chair.rights(), SizeIs(2));
  EXPECT_EQ(chair.rights(0).process(), kBali);
  EXPECT_THAT(chair.rights(0).roles(), ElementsAre(v1::MEMBER));
  EXPECT_TRUE(chair.rights(0).chair());
  EXPECT_FALSE(chair.rights(1).chair());
  EXPECT_THAT(chair.role_limit(), ElementsAre(v1::MEMBER, v1::CHAIR));

  // CHAIR alone: the chair's rights without the member's; Colombo, where
  // it only is a member, gives nothing.
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal chair_only, principal_for({v1::CHAIR}));
  ASSERT_THAT(chair_only.rights(), SizeIs(1));
  EXPECT_EQ(chair_only.rights(0).process(), kBali);
  EXPECT_THAT(chair_only.rights(0).roles(), IsEmpty());
  EXPECT_TRUE(chair_only.rights(0).chair());

  // Limited away from Bali: no chair there, whatever the roles.
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal colombo, principal_for({v1::MEMBER, v1::CHAIR}, {kColombo}));
  ASSERT_THAT(colombo.rights(), SizeIs(1));
  EXPECT_EQ(colombo.rights(0).process(), kColombo);
  EXPECT_FALSE(colombo.rights(0).chair());
  EXPECT_THAT(colombo.process_limit(), ElementsAre(kColombo));

  // No role limit: the chair as before.
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal unlimited, principal_for({}));
  ASSERT_THAT(unlimited.rights(), SizeIs(2));
  EXPECT_TRUE(unlimited.rights(0).chair());
  EXPECT_THAT(unlimited.role_limit(), IsEmpty());
}

// The chair acts through a current membership: a term without one (the
// membership ended) gives no chair.
TEST_F(RegistryServiceTest, AChairTermWithoutACurrentMembershipGivesNoChair) {
  ASSERT_THAT(NewChairTerm(kColombo, "parties/PHL", D(2026, 1, 1), D(2026, 12, 31)), IsOk());
  v1::UpdateMembershipRequest end;
  end.mutable_membership()->set_name("processes/colombo-process/memberships/phl");
  *end.mutable_membership()->mutable_end_date() = D(2026, 6, 14);
  *end.mutable_update_mask() = Mask({"end_date"});
  ASSERT_THAT(Call(&Stub::UpdateMembership, end), IsOk());
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse created,
                           Call(&Stub::CreateApiKey, KeyRequest("parties/PHL", absl::Hours(24))));
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal p, Authenticate(created.key()));
  EXPECT_THAT(p.rights(), IsEmpty());
}

TEST_F(RegistryServiceTest, AStoredAdministratorKeyWithRoleLimitsDoesNotAdminister) {
  auto req = KeyRequest("parties/iom", absl::Hours(24));
  req.mutable_api_key()->add_roles(v1::SECRETARIAT);
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse created, Call(&Stub::CreateApiKey, req));
  // As a key stored before such keys were refused.
  v1::ApiKey legacy = created.api_key();
  legacy.set_admin(true);
  ASSERT_THAT(store_->store()->Write({"test"}, {legacy.name()},
                                     [&](storage::Transaction& txn) {
                                       txn.Put("api_keys", legacy.name(), legacy);
                                       return absl::OkStatus();
                                     }),
              IsOk());
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal p, Authenticate(created.key()));
  EXPECT_FALSE(p.admin());
  EXPECT_THAT(p.role_limit(), ElementsAre(v1::SECRETARIAT));
  ASSERT_THAT(p.rights(), SizeIs(1));
  EXPECT_THAT(p.rights(0).roles(), ElementsAre(v1::SECRETARIAT));
  // An administrator's key without role limits administers.
  auto admin = KeyRequest("parties/iom", absl::Hours(24));
  admin.mutable_api_key()->set_admin(true);
  admin.mutable_api_key()->add_processes(kBali);
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse admin_key, Call(&Stub::CreateApiKey, admin));
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal a, Authenticate(admin_key.key()));
  EXPECT_TRUE(a.admin());
  EXPECT_THAT(a.process_limit(), ElementsAre(kBali));
}

TEST_F(RegistryServiceTest, AuthenticateExpiredKeyIsUnauthenticated) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse created,
                           Call(&Stub::CreateApiKey, KeyRequest("parties/IDN", absl::Hours(1))));
  ASSERT_THAT(Authenticate(created.key()), IsOk());
  clock_.Advance(absl::Minutes(59));
  ASSERT_THAT(Authenticate(created.key()), IsOk());
  clock_.Advance(absl::Minutes(1));  // exactly at expire_time
  EXPECT_THAT(Authenticate(created.key()),
              StatusIs(absl::StatusCode::kUnauthenticated, AllOf(HasSubstr("key"), HasSubstr("expired"))));
  clock_.Advance(absl::Hours(24));
  EXPECT_THAT(Authenticate(created.key()),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("expired")));
}

TEST_F(RegistryServiceTest, ResolveApiKeyGivesThePrincipalUntilRevoked) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse created,
                           Call(&Stub::CreateApiKey, KeyRequest("parties/IDN", absl::Hours(24))));
  v1::ResolveApiKeyRequest resolve;
  resolve.set_name(created.api_key().name());
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal by_name, Call(&Stub::ResolveApiKey, resolve));
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal by_key, Authenticate(created.key()));
  EXPECT_THAT(by_name, EqualsProto(by_key));
  v1::RevokeApiKeyRequest revoke;
  revoke.set_name(created.api_key().name());
  ASSERT_THAT(Call(&Stub::RevokeApiKey, revoke), IsOk());
  EXPECT_THAT(Call(&Stub::ResolveApiKey, resolve),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("revoked")));
  resolve.set_name("apiKeys/unknown");
  EXPECT_THAT(Call(&Stub::ResolveApiKey, resolve),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("unknown")));
}

TEST_F(RegistryServiceTest, AuthenticateRevokedKeyIsUnauthenticated) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse created,
                           Call(&Stub::CreateApiKey, KeyRequest("parties/IDN", absl::Hours(24))));
  ASSERT_THAT(Authenticate(created.key()), IsOk());
  clock_.Advance(absl::Minutes(10));

  v1::RevokeApiKeyRequest revoke;
  revoke.set_name(created.api_key().name());
  RCP_ASSERT_OK_AND_ASSIGN(v1::ApiKey revoked, Call(&Stub::RevokeApiKey, revoke));
  EXPECT_EQ(FromTs(revoked.revoke_time()), kToday + absl::Minutes(10));
  EXPECT_THAT(Authenticate(created.key()),
              StatusIs(absl::StatusCode::kUnauthenticated, AllOf(HasSubstr("key"), HasSubstr("revoked"))));
  // Only the holder of the secret learns that the key was revoked.
  std::string forged = created.key().substr(0, created.key().rfind('_') + 1) + "wrongsecret";
  EXPECT_THAT(Authenticate(forged),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("unknown or wrong key")));

  // Revoking again is a no-op: same key, nothing written.
  uint64_t after = Revision();
  clock_.Advance(absl::Minutes(10));
  RCP_ASSERT_OK_AND_ASSIGN(v1::ApiKey again, Call(&Stub::RevokeApiKey, revoke));
  EXPECT_THAT(again, EqualsProto(revoked));
  EXPECT_EQ(Revision(), after);

  // Hidden from List unless asked for.
  v1::ListApiKeysRequest list;
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListApiKeysResponse active, Call(&Stub::ListApiKeys, list));
  EXPECT_THAT(active.api_keys(), IsEmpty());
  list.set_include_revoked(true);
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListApiKeysResponse all, Call(&Stub::ListApiKeys, list));
  EXPECT_THAT(Names(all.api_keys()), ElementsAre(created.api_key().name()));
}

TEST_F(RegistryServiceTest, AuthenticateMalformedUnknownOrWrongKeyIsUnauthenticated) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse created,
                           Call(&Stub::CreateApiKey, KeyRequest("parties/IDN", absl::Hours(24))));
  std::string key_id = created.api_key().name().substr(std::string("apiKeys/").size());
  for (const std::string& bad : {std::string(""), std::string("not-a-key"), std::string("rcp_"),
                                 std::string("rcp__x"), absl::StrCat("rcp_", key_id),
                                 absl::StrCat("rcp_", key_id, "_"), absl::StrCat("xyz_", key_id, "_secret"),
                                 absl::StrCat(created.key(), "_extra"), std::string(300, 'a')}) {
    EXPECT_THAT(Authenticate(bad), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("key")))
        << "'" << bad << "'";
  }
  EXPECT_THAT(Authenticate(absl::StrCat("rcp_", key_id, "_wrongsecret")),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("wrong")));
  EXPECT_THAT(Authenticate("rcp_unknownkeyid_secret"),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("key")));
  EXPECT_THAT(Authenticate(created.key()), IsOk());
}

TEST_F(RegistryServiceTest, GetAndRevokeApiKeyRejectMalformedNamesAndUnknownKeys) {
  v1::GetApiKeyRequest get;
  get.set_name("apikeys/x");
  EXPECT_THAT(Call(&Stub::GetApiKey, get), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")));
  get.set_name("apiKeys/nope");
  EXPECT_THAT(Call(&Stub::GetApiKey, get), StatusIs(absl::StatusCode::kNotFound, HasSubstr("apiKeys/nope")));
  v1::RevokeApiKeyRequest revoke;
  revoke.set_name("apiKeys/a/b");
  EXPECT_THAT(Call(&Stub::RevokeApiKey, revoke),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")));
  revoke.set_name("apiKeys/nope");
  EXPECT_THAT(Call(&Stub::RevokeApiKey, revoke),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("apiKeys/nope")));
  EXPECT_EQ(Revision(), seeded_revision_);
}

// ======================================================== federation peers

v1::CreateFederationPeerRequest PeerRequest(const std::string& id) {
  v1::CreateFederationPeerRequest req;
  req.set_peer_id(id);
  auto* p = req.mutable_federation_peer();
  p->set_display_name("Puebla Process secretariat");
  p->set_address("gateway.rcmvs.example.org:443");
  auto* rule = p->add_share_rules();
  rule->set_process(kBali);
  rule->set_max_visibility(rcp::common::v1::PUBLIC);
  p->set_credential_fingerprint(std::string(64, 'a'));
  p->set_enabled(true);
  return req;
}

TEST_F(RegistryServiceTest, FederationPeerCanBeCreatedReadListedUpdatedAndDeleted) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::FederationPeer peer,
                           Call(&Stub::CreateFederationPeer, PeerRequest("puebla-process.secretariat")));
  EXPECT_EQ(peer.name(), "federationPeers/puebla-process.secretariat");
  EXPECT_TRUE(peer.enabled());
  EXPECT_FALSE(peer.etag().empty());

  v1::GetFederationPeerRequest get;
  get.set_name(peer.name());
  RCP_ASSERT_OK_AND_ASSIGN(v1::FederationPeer got, Call(&Stub::GetFederationPeer, get));
  EXPECT_THAT(got, EqualsProto(peer));

  ASSERT_THAT(Call(&Stub::CreateFederationPeer, PeerRequest("igc.secretariat")), IsOk());
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListFederationPeersResponse list,
                           Call(&Stub::ListFederationPeers, v1::ListFederationPeersRequest()));
  EXPECT_THAT(Names(list.federation_peers()),
              ElementsAre("federationPeers/igc.secretariat", "federationPeers/puebla-process.secretariat"));

  v1::UpdateFederationPeerRequest update;
  *update.mutable_federation_peer() = peer;
  update.mutable_federation_peer()->set_enabled(false);
  auto* rule = update.mutable_federation_peer()->add_share_rules();
  rule->set_process(kColombo);
  rule->add_kinds("meeting");
  rule->set_max_visibility(rcp::common::v1::MEMBERS);
  *update.mutable_update_mask() = Mask({"enabled", "share_rules"});
  RCP_ASSERT_OK_AND_ASSIGN(v1::FederationPeer updated, Call(&Stub::UpdateFederationPeer, update));
  EXPECT_FALSE(updated.enabled());
  ASSERT_THAT(updated.share_rules(), SizeIs(2));
  EXPECT_EQ(updated.share_rules(1).process(), kColombo);
  EXPECT_NE(updated.etag(), peer.etag());

  uint64_t after = Revision();
  update.mutable_federation_peer()->set_enabled(true);
  EXPECT_THAT(Call(&Stub::UpdateFederationPeer, update),
              StatusIs(absl::StatusCode::kAborted, HasSubstr(peer.name())));
  v1::DeleteFederationPeerRequest del;
  del.set_name(peer.name());
  del.set_etag(peer.etag());
  EXPECT_THAT(Call(&Stub::DeleteFederationPeer, del),
              StatusIs(absl::StatusCode::kAborted, HasSubstr(peer.name())));
  EXPECT_EQ(Revision(), after);

  del.set_etag(updated.etag());
  ASSERT_THAT(Call(&Stub::DeleteFederationPeer, del), IsOk());
  EXPECT_THAT(Call(&Stub::GetFederationPeer, get),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(peer.name())));
}

TEST_F(RegistryServiceTest, CreateFederationPeerRejectsInvalidFieldsAndWritesNothing) {
  for (const char* id : {"", "ab", "Puebla", "-puebla", "puebla_process", "puebla/x"}) {
    EXPECT_THAT(Call(&Stub::CreateFederationPeer, PeerRequest(id)),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("peer_id")))
        << "'" << id << "'";
  }
  struct Case {
    std::function<void(v1::FederationPeer*)> edit;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](v1::FederationPeer* p) { p->set_address(""); }, "federation_peer.address"},
      {[](v1::FederationPeer* p) { p->mutable_share_rules(0)->set_process("process/x"); },
       "federation_peer.share_rules[0].process"},
      {[](v1::FederationPeer* p) { p->mutable_share_rules(0)->add_kinds("api_key"); },
       "federation_peer.share_rules[0].kinds[0]"},
      {[](v1::FederationPeer* p) { p->mutable_share_rules(0)->clear_max_visibility(); },
       "federation_peer.share_rules[0].max_visibility"},
      {[](v1::FederationPeer* p) { p->add_home_processes("processes/Colombo"); },
       "federation_peer.home_processes[0]"},
      {[](v1::FederationPeer* p) {
         p->add_relay_processes("processes/igc");
         p->add_relay_processes("processes/igc");
       },
       "federation_peer.relay_processes[1]"},
      {[](v1::FederationPeer* p) {
         auto* k = p->add_pinned_keys();
         k->set_public_key(std::string(32, 'k'));
         k->set_key_id("ed25519:0000000000000000");
       },
       "federation_peer.pinned_keys[0].key_id"},
      {[](v1::FederationPeer* p) { p->set_address("no-port.example.org"); }, "federation_peer.address"},
      {[](v1::FederationPeer* p) { p->set_display_name(std::string(201, 'd')); },
       "federation_peer.display_name"},
      {[](v1::FederationPeer* p) { p->set_credential_fingerprint("ABCDEF"); },
       "federation_peer.credential_fingerprint"},
  };
  for (const auto& c : cases) {
    auto req = PeerRequest("puebla-process.secretariat");
    c.edit(req.mutable_federation_peer());
    auto result = Call(&Stub::CreateFederationPeer, req);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field))) << c.field;
    EXPECT_EQ(ViolatedField(result.status()), c.field);
  }
  auto self = PeerRequest("bali-process.rcp");  // this deployment's own id
  EXPECT_THAT(Call(&Stub::CreateFederationPeer, self),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("this deployment's own id")));
  EXPECT_EQ(Revision(), seeded_revision_);
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListFederationPeersResponse list,
                           Call(&Stub::ListFederationPeers, v1::ListFederationPeersRequest()));
  EXPECT_THAT(list.federation_peers(), IsEmpty());
}

TEST_F(RegistryServiceTest, CreateFederationPeerWithExistingIdIsAlreadyExists) {
  ASSERT_THAT(Call(&Stub::CreateFederationPeer, PeerRequest("igc.secretariat")), IsOk());
  uint64_t after = Revision();
  auto again = PeerRequest("igc.secretariat");
  again.mutable_federation_peer()->set_address("other.example.org:443");
  EXPECT_THAT(Call(&Stub::CreateFederationPeer, again),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("federationPeers/igc.secretariat")));
  EXPECT_EQ(Revision(), after);
}

TEST_F(RegistryServiceTest, AProcessHasOneHomeAmongThePeersAndNoneElsewhereWhenItIsThisDeployments) {
  // Colombo's process is this deployment's here (the fixture's registry is
  // home of what it creates): it cannot be pinned to a peer.
  auto colombo = PeerRequest("colombo-process.rcp");
  colombo.mutable_federation_peer()->add_home_processes(kColombo);
  EXPECT_THAT(Call(&Stub::CreateFederationPeer, colombo),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("federation_peer.home_processes[0]"), HasSubstr("its home is here"))));
  // A process not held here yet (it arrives as a mirror) is pinned to one
  // peer only.
  colombo.mutable_federation_peer()->set_home_processes(0, "processes/lima-process");
  RCP_ASSERT_OK_AND_ASSIGN(v1::FederationPeer pinned, Call(&Stub::CreateFederationPeer, colombo));
  auto igc = PeerRequest("igc.rcp");
  igc.mutable_federation_peer()->add_home_processes("processes/lima-process");
  EXPECT_THAT(Call(&Stub::CreateFederationPeer, igc),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("pinned to federationPeers/colombo-process.rcp already")));
  // Nor is a pinned process created here: it comes from its home.
  auto lima = ProcessRequest("lima-process", "South American Conference on Migration", "SACM");
  EXPECT_THAT(Call(&Stub::CreateProcess, lima),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("pinned to federationPeers/colombo-process.rcp")));
  // Unpinned, it may be pinned elsewhere.
  v1::UpdateFederationPeerRequest unpin;
  *unpin.mutable_federation_peer() = pinned;
  unpin.mutable_federation_peer()->clear_home_processes();
  *unpin.mutable_update_mask() = Mask({"home_processes"});
  ASSERT_THAT(Call(&Stub::UpdateFederationPeer, unpin), IsOk());
  EXPECT_THAT(Call(&Stub::CreateFederationPeer, igc), IsOk());
}

TEST_F(RegistryServiceTest, OrganisationsOnTheSharedListKeepTheirIdentityAndForeignOnesAreNotCreatedByHand) {
  v1::UpdatePartyRequest share;
  share.mutable_party()->set_name("parties/iom");
  share.mutable_party()->set_shared_identity(true);
  *share.mutable_update_mask() = Mask({"shared_identity"});
  RCP_ASSERT_OK_AND_ASSIGN(v1::Party iom, Call(&Stub::UpdateParty, share));
  EXPECT_TRUE(iom.shared_identity());
  share.mutable_party()->set_name("parties/IDN");
  EXPECT_THAT(Call(&Stub::UpdateParty, share),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("party.shared_identity"), HasSubstr("organisations only"))));
  v1::CreatePartyRequest foreign;
  foreign.set_party_id("ngo-x@colombo-process.rcp");
  foreign.mutable_party()->set_type(v1::Party::ORGANIZATION);
  foreign.mutable_party()->set_display_name("NGO X");
  EXPECT_THAT(Call(&Stub::CreateParty, foreign),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("party_id"), HasSubstr("federation"))));
  // Such a name reads as a party name (it is absent here).
  v1::GetPartyRequest get;
  get.set_name("parties/ngo-x@colombo-process.rcp");
  EXPECT_THAT(Call(&Stub::GetParty, get), StatusIs(absl::StatusCode::kNotFound, HasSubstr("ngo-x@")));
}

TEST_F(RegistryServiceTest, UpdateFederationPeerRejectsUnknownMaskPath) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::FederationPeer peer,
                           Call(&Stub::CreateFederationPeer, PeerRequest("igc.secretariat")));
  uint64_t after = Revision();
  v1::UpdateFederationPeerRequest update;
  *update.mutable_federation_peer() = peer;
  update.mutable_federation_peer()->set_name("federationPeers/other.peer");
  *update.mutable_update_mask() = Mask({"name"});
  EXPECT_THAT(Call(&Stub::UpdateFederationPeer, update),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("update_mask")));
  EXPECT_EQ(Revision(), after);
}

// =================================================================== Watch

TEST_F(RegistryServiceTest, WatchStreamsLiveWritesInRevisionOrderWithDirectPrincipal) {
  uint64_t since = Revision();
  grpc::ClientContext context;
  auto reader = OpenWatch(&context, since, absl::Seconds(10));

  ASSERT_THAT(NewParty("MEX", v1::Party::STATE), IsOk());
  ASSERT_THAT(NewProcess("puebla-process", "Regional Conference on Migration", "Puebla Process"), IsOk());
  ASSERT_THAT(NewMembership("processes/puebla-process", "parties/MEX", v1::MEMBER, D(1996, 3, 13)), IsOk());
  v1::UpdatePartyRequest update;
  update.mutable_party()->set_name("parties/MEX");
  update.mutable_party()->set_display_name("United Mexican States");
  *update.mutable_update_mask() = Mask({"display_name"});
  ASSERT_THAT(Call(&Stub::UpdateParty, update), IsOk());

  std::vector<Change> changes = ReadFeed(&context, reader.get(), 4);
  ASSERT_THAT(changes, SizeIs(4));
  struct Want {
    const char* kind;
    const char* name;
    Change::Operation op;
  };
  const Want want[] = {
      {"party", "parties/MEX", Change::CREATED},
      {"process", "processes/puebla-process", Change::CREATED},
      {"membership", "processes/puebla-process/memberships/mex", Change::CREATED},
      {"party", "parties/MEX", Change::UPDATED},
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(changes[i].revision(), since + 1 + i);
    EXPECT_EQ(changes[i].kind(), want[i].kind);
    EXPECT_EQ(changes[i].name(), want[i].name);
    EXPECT_EQ(changes[i].operation(), want[i].op);
    EXPECT_EQ(changes[i].principal(), "system/direct");
    EXPECT_FALSE(changes[i].tombstone());
    EXPECT_EQ(FromTs(changes[i].time()), kToday);
  }
  v1::Party mex;
  ASSERT_TRUE(changes[3].value().UnpackTo(&mex));
  EXPECT_EQ(mex.display_name(), "United Mexican States");
  v1::Membership m;
  ASSERT_TRUE(changes[2].value().UnpackTo(&m));
  EXPECT_EQ(m.party(), "parties/MEX");
}

TEST_F(RegistryServiceTest, WatchRecordsThePrincipalSentAsMetadata) {
  uint64_t since = Revision();
  ASSERT_THAT(Call(
                  &Stub::CreateParty,
                  [] {
                    v1::CreatePartyRequest r;
                    r.set_party_id("MEX");
                    r.mutable_party()->set_type(v1::Party::STATE);
                    return r;
                  }(),
                  "apiKeys/k3yfromgateway"),
              IsOk());
  ASSERT_THAT(NewParty("unhcr", v1::Party::ORGANIZATION, "UNHCR"), IsOk());
  auto changes = Feed(since, 2);
  ASSERT_THAT(changes, SizeIs(2));
  EXPECT_EQ(changes[0].name(), "parties/MEX");
  EXPECT_EQ(changes[0].principal(), "apiKeys/k3yfromgateway");
  EXPECT_EQ(changes[1].name(), "parties/unhcr");
  EXPECT_EQ(changes[1].principal(), "system/direct");
}

TEST_F(RegistryServiceTest, WatchReplaysHistoryFromSinceRevision) {
  auto all = Feed(0, seeded_revision_);
  ASSERT_THAT(all, SizeIs(seeded_revision_));
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].revision(), i + 1);
  EXPECT_EQ(all.front().name(), "parties/IDN");
  EXPECT_EQ(all.back().name(), "processes/colombo-process/memberships/phl");

  auto tail = Feed(seeded_revision_ - 2, 2);
  ASSERT_THAT(tail, SizeIs(2));
  EXPECT_EQ(tail[0].revision(), seeded_revision_ - 1);
  EXPECT_EQ(tail[1].revision(), seeded_revision_);
}

TEST_F(RegistryServiceTest, WatchSinceFutureRevisionIsOutOfRange) {
  absl::Status end;
  auto changes = Feed(seeded_revision_ + 100, 1, &end);
  EXPECT_THAT(changes, IsEmpty());
  EXPECT_THAT(end, StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("since_revision")));
}

TEST_F(RegistryServiceTest, WatchSinceCurrentRevisionWaitsForTheNextWrite) {
  // Nothing new: the stream stays open until its deadline.
  grpc::ClientContext context;
  auto reader = OpenWatch(&context, seeded_revision_, absl::Milliseconds(300));
  absl::Status end;
  auto changes = ReadFeed(&context, reader.get(), 1, &end);
  EXPECT_THAT(changes, IsEmpty());
  EXPECT_THAT(end, StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
}

TEST_F(RegistryServiceTest, FailedWritesLeaveNoChangeRecord) {
  uint64_t since = Revision();
  EXPECT_THAT(NewParty("XXX", v1::Party::STATE), StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_THAT(NewParty("IDN", v1::Party::STATE), StatusIs(absl::StatusCode::kAlreadyExists, ::testing::_));
  EXPECT_THAT(NewMembership(kBali, "parties/IDN", v1::MEMBER, D(2020, 1, 1)),
              StatusIs(absl::StatusCode::kAlreadyExists, ::testing::_));
  EXPECT_THAT(NewChairTerm(kBali, "parties/PHL", D(2026, 1, 1), D(2026, 12, 31)),
              StatusIs(absl::StatusCode::kFailedPrecondition, ::testing::_));
  EXPECT_EQ(Revision(), since);
  ASSERT_THAT(NewParty("MEX", v1::Party::STATE), IsOk());
  auto changes = Feed(since, 1);
  ASSERT_THAT(changes, SizeIs(1));
  EXPECT_EQ(changes[0].revision(), since + 1);
  EXPECT_EQ(changes[0].name(), "parties/MEX");
  EXPECT_EQ(Revision(), since + 1);
}

TEST_F(RegistryServiceTest, WatchShowsDeletionsAsTombstonesWithTheLastValue) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::FocalPoint fp,
                           Call(&Stub::CreateFocalPoint, FocalPointRequest(kBali, "parties/IDN")));
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse key,
                           Call(&Stub::CreateApiKey, KeyRequest("parties/IDN", absl::Hours(1))));
  uint64_t since = Revision();
  v1::DeleteFocalPointRequest del;
  del.set_name(fp.name());
  ASSERT_THAT(Call(&Stub::DeleteFocalPoint, del, "apiKeys/secretariat"), IsOk());
  v1::RevokeApiKeyRequest revoke;
  revoke.set_name(key.api_key().name());
  ASSERT_THAT(Call(&Stub::RevokeApiKey, revoke), IsOk());

  auto changes = Feed(since, 2);
  ASSERT_THAT(changes, SizeIs(2));
  EXPECT_EQ(changes[0].kind(), "focal_point");
  EXPECT_EQ(changes[0].name(), fp.name());
  EXPECT_EQ(changes[0].operation(), Change::DELETED);
  EXPECT_TRUE(changes[0].tombstone());
  EXPECT_EQ(changes[0].principal(), "apiKeys/secretariat");
  v1::FocalPoint last;
  ASSERT_TRUE(changes[0].value().UnpackTo(&last));
  EXPECT_EQ(last.email(), fp.email());

  EXPECT_EQ(changes[1].kind(), "api_key");
  EXPECT_EQ(changes[1].operation(), Change::UPDATED);
  v1::ApiKey revoked;
  ASSERT_TRUE(changes[1].value().UnpackTo(&revoked));
  EXPECT_TRUE(revoked.has_revoke_time());
}

TEST_F(RegistryServiceTest, ListRevisionIsAPointToWatchFrom) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListProcessesResponse list,
                           Call(&Stub::ListProcesses, v1::ListProcessesRequest()));
  EXPECT_EQ(list.revision(), seeded_revision_);
  ASSERT_THAT(NewProcess("igc", "Intergovernmental Consultations", "IGC"), IsOk());
  auto changes = Feed(list.revision(), 1);
  ASSERT_THAT(changes, SizeIs(1));
  EXPECT_EQ(changes[0].name(), "processes/igc");
  EXPECT_EQ(changes[0].revision(), list.revision() + 1);
}

// ============================================================= concurrency

// Runs `fn(i)` on `n` threads at once and returns their results.
template <typename T>
std::vector<T> InParallel(int n, std::function<T(int)> fn) {
  std::vector<T> results(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) threads.emplace_back([&, i] { results[i] = fn(i); });
  for (auto& t : threads) t.join();
  return results;
}

TEST_F(RegistryServiceTest, ConcurrentRetriesWithSameRequestIdCreateOnce) {
  auto req = ProcessRequest("puebla-process", "Regional Conference on Migration", "Puebla Process");
  req.set_request_id("retry-storm");
  auto results =
      InParallel<absl::StatusOr<v1::Process>>(8, [&](int) { return Call(&Stub::CreateProcess, req); });
  for (const auto& r : results) {
    ASSERT_THAT(r, IsOk());
    EXPECT_THAT(*r, EqualsProto(*results[0]));
  }
  EXPECT_EQ(Revision(), seeded_revision_ + 1);
  EXPECT_THAT(ProcessNames(), ElementsAre(kBali, kColombo, "processes/puebla-process"));
}

TEST_F(RegistryServiceTest, ConcurrentOverlappingMembershipsAdmitExactlyOne) {
  auto results = InParallel<absl::StatusOr<v1::Membership>>(8, [&](int i) {
    return NewMembership(kBali, "parties/PHL", i % 2 ? v1::MEMBER : v1::OBSERVER, D(2020 + i, 1, 1));
  });
  int ok = 0;
  for (const auto& r : results) {
    if (r.ok()) {
      ++ok;
    } else {
      EXPECT_THAT(r, StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("parties/PHL")));
    }
  }
  EXPECT_EQ(ok, 1);
  EXPECT_THAT(MembershipNames(kBali, "parties/PHL"), SizeIs(1));
  EXPECT_EQ(Revision(), seeded_revision_ + 1);
}

TEST_F(RegistryServiceTest, ConcurrentUpdatesWithTheSameEtagAdmitExactlyOne) {
  v1::GetProcessRequest get;
  get.set_name(kBali);
  RCP_ASSERT_OK_AND_ASSIGN(v1::Process original, Call(&Stub::GetProcess, get));
  auto results = InParallel<absl::StatusOr<v1::Process>>(8, [&](int i) {
    v1::UpdateProcessRequest req;
    *req.mutable_process() = original;
    req.mutable_process()->set_region(absl::StrCat("region ", i));
    *req.mutable_update_mask() = Mask({"region"});
    return Call(&Stub::UpdateProcess, req);
  });
  int ok = 0;
  std::string winner;
  for (const auto& r : results) {
    if (r.ok()) {
      ++ok;
      winner = r->region();
    } else {
      EXPECT_THAT(r, StatusIs(absl::StatusCode::kAborted, HasSubstr("etag")));
    }
  }
  EXPECT_EQ(ok, 1);
  RCP_ASSERT_OK_AND_ASSIGN(v1::Process now, Call(&Stub::GetProcess, get));
  EXPECT_EQ(now.region(), winner);
  EXPECT_EQ(Revision(), seeded_revision_ + 1);
}

TEST_F(RegistryServiceTest, WatchDeliversConcurrentWritesWithoutGapsOrDuplicates) {
  uint64_t since = Revision();
  grpc::ClientContext context;
  auto reader = OpenWatch(&context, since, absl::Seconds(20));

  constexpr int kThreads = 4;
  constexpr int kPerThread = 10;
  auto results = InParallel<absl::Status>(kThreads, [&](int t) {
    for (int i = 0; i < kPerThread; ++i) {
      v1::CreateFederationPeerRequest peer;
      peer.set_peer_id(absl::StrCat("peer-", t, "-", i, ".example"));
      peer.mutable_federation_peer()->set_address("peer.example.org:443");
      auto r = Call(&Stub::CreateFederationPeer, peer, absl::StrCat("apiKeys/writer", t));
      if (!r.ok()) return r.status();
    }
    return absl::OkStatus();
  });
  for (const auto& s : results) ASSERT_THAT(s, IsOk());

  auto changes = ReadFeed(&context, reader.get(), kThreads * kPerThread);
  ASSERT_THAT(changes, SizeIs(kThreads * kPerThread));
  std::set<std::string> names;
  for (size_t i = 0; i < changes.size(); ++i) {
    EXPECT_EQ(changes[i].revision(), since + 1 + i);
    EXPECT_EQ(changes[i].kind(), "federation_peer");
    EXPECT_THAT(changes[i].principal(), StartsWith("apiKeys/writer"));
    names.insert(changes[i].name());
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(Revision(), since + kThreads * kPerThread);
}

// ================================================================ keyring
//
// The federation keyring the registry keeps for the gateways: one row,
// replaced by compare-and-set on its etag, and never in the change feed.

using ::rcp::federation::v1::Keyring;
using ::rcp::federation::v1::KeyringEntry;

std::string KeyId(int n) { return absl::StrCat("ed25519:", absl::Hex(n, absl::kZeroPad16)); }

// A well-formed entry for key number `n`: a 32-byte public key and a
// private key sealed in 12 + 32 + 16 bytes, signed by key n - 1 when there
// is one; retired (with an expire time) unless `current`.
KeyringEntry KeyEntry(int n, bool current) {
  KeyringEntry e;
  auto* key = e.mutable_key();
  key->set_key_id(KeyId(n));
  key->set_public_key(std::string(32, static_cast<char>(n)));
  *key->mutable_create_time() = Ts(kToday - absl::Hours(1));
  if (!current) *key->mutable_expire_time() = Ts(kToday);
  if (n > 1) {
    key->set_predecessor_key_id(KeyId(n - 1));
    key->set_predecessor_signature(std::string(64, 's'));
  }
  e.set_sealed_private_key(std::string(12 + 32 + 16, static_cast<char>(n)));
  return e;
}

// Keys `newest` down to `oldest`, the newest current.
Keyring Ring(int newest, int oldest = 1) {
  Keyring k;
  for (int n = newest; n >= oldest; --n) *k.add_entries() = KeyEntry(n, n == newest);
  return k;
}

class RegistryKeyringTest : public RegistryServiceTest {
 protected:
  absl::StatusOr<Keyring> GetKeyring() { return Call(&Stub::GetKeyring, v1::GetKeyringRequest()); }

  absl::StatusOr<Keyring> UpdateKeyring(const Keyring& keyring, const std::string& etag) {
    v1::UpdateKeyringRequest req;
    *req.mutable_keyring() = keyring;
    req.set_etag(etag);
    return Call(&Stub::UpdateKeyring, req);
  }
};

TEST_F(RegistryKeyringTest, IsEmptyWithTheEmptyEtagBeforeTheFirstUpdate) {
  RCP_ASSERT_OK_AND_ASSIGN(Keyring keyring, GetKeyring());
  EXPECT_THAT(keyring, EqualsProto(Keyring()));
}

TEST_F(RegistryKeyringTest, IsCreatedWithTheEmptyEtagAndReplacedOnlyWithTheCurrentOne) {
  // The registry sets etag and update_time, whatever the request says.
  Keyring first = Ring(1);
  first.set_etag("chosen-by-the-caller");
  *first.mutable_update_time() = Ts(kToday - absl::Hours(5));
  RCP_ASSERT_OK_AND_ASSIGN(Keyring created, UpdateKeyring(first, ""));
  EXPECT_FALSE(created.etag().empty());
  EXPECT_NE(created.etag(), "chosen-by-the-caller");
  EXPECT_EQ(FromTs(created.update_time()), kToday);
  EXPECT_THAT(created.entries(), ElementsAre(EqualsProto(KeyEntry(1, true))));
  RCP_ASSERT_OK_AND_ASSIGN(Keyring read, GetKeyring());
  EXPECT_THAT(read, EqualsProto(created));

  clock_.Advance(absl::Minutes(5));
  RCP_ASSERT_OK_AND_ASSIGN(Keyring rotated, UpdateKeyring(Ring(2), created.etag()));
  EXPECT_NE(rotated.etag(), created.etag());
  EXPECT_EQ(FromTs(rotated.update_time()), kToday + absl::Minutes(5));
  EXPECT_THAT(rotated.entries(),
              ElementsAre(EqualsProto(KeyEntry(2, true)), EqualsProto(KeyEntry(1, false))));
  RCP_ASSERT_OK_AND_ASSIGN(read, GetKeyring());
  EXPECT_THAT(read, EqualsProto(rotated));

  // A stale etag, an unknown one, or "" (a create) now that one exists.
  for (const std::string& etag : {created.etag(), std::string("no-such-etag"), std::string()}) {
    SCOPED_TRACE(etag);
    EXPECT_THAT(UpdateKeyring(Ring(3), etag),
                StatusIs(absl::StatusCode::kAborted,
                         AllOf(HasSubstr(absl::StrCat("keyring: changed since etag \"", etag, "\"")),
                               HasSubstr("read it again"))));
  }
  RCP_ASSERT_OK_AND_ASSIGN(read, GetKeyring());
  EXPECT_THAT(read, EqualsProto(rotated));
  EXPECT_EQ(Revision(), seeded_revision_);
}

TEST_F(RegistryKeyringTest, EtagChangesWithEveryUpdateEvenOfTheSameKeyringAtTheSameTime) {
  RCP_ASSERT_OK_AND_ASSIGN(Keyring first, UpdateKeyring(Ring(1), ""));
  RCP_ASSERT_OK_AND_ASSIGN(Keyring second, UpdateKeyring(Ring(1), first.etag()));
  EXPECT_NE(second.etag(), first.etag());
  EXPECT_EQ(second.update_time().seconds(), first.update_time().seconds());
  EXPECT_THAT(UpdateKeyring(Ring(1), first.etag()),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("keyring")));
}

TEST_F(RegistryKeyringTest, OfConcurrentUpdatesWithTheSameEtagExactlyOneWins) {
  constexpr int kRounds = 25;
  constexpr int kRacers = 6;
  std::string etag;  // "": the first round races to create it
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(round);
    std::atomic<int> ready{0};
    auto results = InParallel<absl::StatusOr<Keyring>>(kRacers, [&](int i) {
      // Each racer its own current key, so that the stored one names the
      // winner; all start together.
      Keyring mine = Ring(1 + round * kRacers + i, 1 + round * kRacers + i);
      ready.fetch_add(1);
      while (ready.load() < kRacers) std::this_thread::yield();
      return UpdateKeyring(mine, etag);
    });
    int wins = 0;
    Keyring winner;
    for (const auto& r : results) {
      if (r.ok()) {
        ++wins;
        winner = *r;
      } else {
        EXPECT_THAT(r, StatusIs(absl::StatusCode::kAborted, HasSubstr("keyring: changed since etag")));
      }
    }
    ASSERT_EQ(wins, 1);
    RCP_ASSERT_OK_AND_ASSIGN(Keyring stored, GetKeyring());
    EXPECT_THAT(stored, EqualsProto(winner));
    etag = winner.etag();
  }
  EXPECT_EQ(Revision(), seeded_revision_);
}

TEST_F(RegistryKeyringTest, UpdateRejectsMalformedKeyringsNamingTheFieldAndWritesNothing) {
  RCP_ASSERT_OK_AND_ASSIGN(Keyring stored, UpdateKeyring(Ring(1), ""));
  // Ring(3): entries[0] is key 3 (current, signed by 2), entries[1] key 2
  // (retired, signed by 1), entries[2] key 1 (retired, the first).
  auto key = [](Keyring* k, int i) { return k->mutable_entries(i)->mutable_key(); };
  struct Case {
    const char* field;
    const char* rule;
    std::function<void(Keyring*)> breaks;
  };
  const Case cases[] = {
      {"keyring.entries", "1 to 1000", [](Keyring* k) { k->clear_entries(); }},
      {"keyring.entries", "1 to 1000", [](Keyring* k) { *k = Ring(1001); }},
      {"keyring.entries[0].key.key_id", "16 lowercase hex", [&](Keyring* k) { key(k, 0)->clear_key_id(); }},
      {"keyring.entries[0].key.key_id", "16 lowercase hex",
       [&](Keyring* k) { key(k, 0)->set_key_id("ed25519:0123456789ABCDEF"); }},
      {"keyring.entries[1].key.key_id", "16 lowercase hex",
       [&](Keyring* k) { key(k, 1)->set_key_id("ed25519:0123456789abcde"); }},
      {"keyring.entries[1].key.key_id", "16 lowercase hex",
       [&](Keyring* k) { key(k, 1)->set_key_id("ed25519:0123456789abcdef0"); }},
      {"keyring.entries[2].key.key_id", "16 lowercase hex",
       [&](Keyring* k) { key(k, 2)->set_key_id("ecdsa:0123456789abcdef"); }},
      {"keyring.entries[2].key.key_id", "unique in the keyring; entries[0]",
       [&](Keyring* k) { key(k, 2)->set_key_id(KeyId(3)); }},
      {"keyring.entries[0].key.public_key", "32 bytes", [&](Keyring* k) { key(k, 0)->clear_public_key(); }},
      {"keyring.entries[1].key.public_key", "32 bytes",
       [&](Keyring* k) { key(k, 1)->set_public_key(std::string(31, 'p')); }},
      {"keyring.entries[2].key.public_key", "32 bytes",
       [&](Keyring* k) { key(k, 2)->set_public_key(std::string(33, 'p')); }},
      {"keyring.entries[0].sealed_private_key", "28 to 1000 bytes",
       [](Keyring* k) { k->mutable_entries(0)->clear_sealed_private_key(); }},
      {"keyring.entries[1].sealed_private_key", "28 to 1000 bytes",
       [](Keyring* k) { k->mutable_entries(1)->set_sealed_private_key(std::string(27, 'x')); }},
      {"keyring.entries[2].sealed_private_key", "28 to 1000 bytes",
       [](Keyring* k) { k->mutable_entries(2)->set_sealed_private_key(std::string(1001, 'x')); }},
      {"keyring.entries[0].key.expire_time", "must be unset",
       [&](Keyring* k) { *key(k, 0)->mutable_expire_time() = Ts(kToday); }},
      {"keyring.entries[0].key.revoked", "must be false", [&](Keyring* k) { key(k, 0)->set_revoked(true); }},
      {"keyring.entries[1].key.expire_time", "is required",
       [&](Keyring* k) { key(k, 1)->clear_expire_time(); }},
      {"keyring.entries[0].key.predecessor_signature", "64 bytes",
       [&](Keyring* k) { key(k, 0)->clear_predecessor_signature(); }},
      {"keyring.entries[1].key.predecessor_signature", "64 bytes",
       [&](Keyring* k) { key(k, 1)->set_predecessor_signature(std::string(63, 's')); }},
      {"keyring.entries[2].key.predecessor_signature", "must be empty",
       [&](Keyring* k) { key(k, 2)->set_predecessor_signature(std::string(64, 's')); }},
      {"keyring.entries[1].key.predecessor_key_id", "16 lowercase hex",
       [&](Keyring* k) { key(k, 1)->set_predecessor_key_id("key one"); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    Keyring broken = Ring(3);
    c.breaks(&broken);
    auto result = UpdateKeyring(broken, stored.etag());
    EXPECT_THAT(result,
                StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr(c.field), HasSubstr(c.rule))));
    EXPECT_EQ(ViolatedField(result.status()), c.field);
  }
  RCP_ASSERT_OK_AND_ASSIGN(Keyring read, GetKeyring());
  EXPECT_THAT(read, EqualsProto(stored));
  EXPECT_EQ(Revision(), seeded_revision_);
}

TEST_F(RegistryKeyringTest, UpdateAcceptsEveryRulesBounds) {
  // 1000 entries; sealed keys of 28 and 1000 bytes; a retired key revoked
  // (compromised after it stopped signing).
  Keyring largest = Ring(1000);
  largest.mutable_entries(0)->set_sealed_private_key(std::string(28, 'x'));
  largest.mutable_entries(1)->set_sealed_private_key(std::string(1000, 'x'));
  largest.mutable_entries(2)->mutable_key()->set_revoked(true);
  RCP_ASSERT_OK_AND_ASSIGN(Keyring stored, UpdateKeyring(largest, ""));
  EXPECT_EQ(stored.entries_size(), 1000);
  RCP_ASSERT_OK_AND_ASSIGN(Keyring read, GetKeyring());
  EXPECT_THAT(read, EqualsProto(stored));
}

TEST_F(RegistryKeyringTest, SurvivesReopeningTheStore) {
  RCP_ASSERT_OK_AND_ASSIGN(Keyring written, UpdateKeyring(Ring(2), ""));
  Reopen();
  ASSERT_FALSE(HasFatalFailure());
  RCP_ASSERT_OK_AND_ASSIGN(Keyring read, GetKeyring());
  EXPECT_THAT(read, EqualsProto(written));
  // The compare goes on from the etag acknowledged before.
  EXPECT_THAT(UpdateKeyring(Ring(3), ""), StatusIs(absl::StatusCode::kAborted, HasSubstr("keyring")));
  EXPECT_THAT(UpdateKeyring(Ring(3), written.etag()), IsOk());
}

TEST_F(RegistryKeyringTest, UpdatesLeaveNoChangeRecordAndDoNotDisturbAWatcher) {
  uint64_t since = Revision();
  grpc::ClientContext context;
  auto reader = OpenWatch(&context, since, absl::Seconds(20));

  // Keyring updates on one thread while federation peers are created on
  // another: the watcher gets the peers alone, without a gap.
  constexpr int kWrites = 10;
  std::string etag;
  auto results = InParallel<absl::Status>(2, [&](int t) -> absl::Status {
    for (int i = 0; i < kWrites; ++i) {
      if (t == 0) {
        auto r = UpdateKeyring(Ring(i + 1), etag);
        if (!r.ok()) return r.status();
        etag = r->etag();
      } else {
        auto r = Call(&Stub::CreateFederationPeer, PeerRequest(absl::StrCat("peer-", i, ".example")));
        if (!r.ok()) return r.status();
      }
    }
    return absl::OkStatus();
  });
  for (const auto& s : results) ASSERT_THAT(s, IsOk());

  auto changes = ReadFeed(&context, reader.get(), kWrites);
  ASSERT_THAT(changes, SizeIs(kWrites));
  for (size_t i = 0; i < changes.size(); ++i) {
    EXPECT_EQ(changes[i].revision(), since + 1 + i);
    EXPECT_EQ(changes[i].kind(), "federation_peer");
  }
  EXPECT_EQ(Revision(), since + kWrites);

  // Nowhere in the history either, as a poller reads it.
  std::vector<Change> all;
  uint64_t through = 0;
  ASSERT_THAT(store_->store()->ReadChanges(0, 1000, &all, &through), IsOk());
  EXPECT_EQ(through, since + kWrites);
  ASSERT_THAT(all, SizeIs(since + kWrites));
  for (const auto& c : all) {
    EXPECT_FALSE(c.value().Is<Keyring>()) << c.name();
    EXPECT_FALSE(c.previous_value().Is<Keyring>()) << c.name();
  }

  // One more keyring update takes no revision: the next write's record
  // follows the last one directly.
  ASSERT_THAT(UpdateKeyring(Ring(kWrites + 1), etag), IsOk());
  EXPECT_EQ(Revision(), since + kWrites);
  ASSERT_THAT(NewParty("MEX", v1::Party::STATE), IsOk());
  auto next = Feed(since + kWrites, 1);
  ASSERT_THAT(next, SizeIs(1));
  EXPECT_EQ(next[0].revision(), since + kWrites + 1);
  EXPECT_EQ(next[0].name(), "parties/MEX");
}

// ============================================================= peer states

using ::rcp::federation::v1::PeerState;

class RegistryPeerStateTest : public RegistryServiceTest {
 protected:
  absl::StatusOr<PeerState> Get(const std::string& peer) {
    v1::GetPeerStateRequest req;
    req.set_peer(peer);
    return Call(&Stub::GetPeerState, req);
  }
  absl::StatusOr<PeerState> Update(PeerState state, const std::string& etag) {
    v1::UpdatePeerStateRequest req;
    *req.mutable_state() = std::move(state);
    req.set_etag(etag);
    return Call(&Stub::UpdatePeerState, req);
  }
  static PeerState State(const std::string& cursor, const std::string& holder) {
    PeerState s;
    s.set_peer("federationPeers/colombo-process.rcp");
    s.set_cursor(cursor);
    s.set_lease_holder(holder);
    return s;
  }
};

TEST_F(RegistryPeerStateTest, IsEmptyUntilWrittenThenReplacedOnlyWithTheCurrentEtag) {
  RCP_ASSERT_OK_AND_ASSIGN(PeerState empty, Get("federationPeers/colombo-process.rcp"));
  EXPECT_EQ(empty.etag(), "");
  EXPECT_EQ(empty.cursor(), "");
  uint64_t revision = Revision();
  RCP_ASSERT_OK_AND_ASSIGN(PeerState first, Update(State("c1", "gateway-a"), ""));
  EXPECT_FALSE(first.etag().empty());
  EXPECT_EQ(FromTs(first.update_time()), kToday);
  // Two replicas race from the same etag: one wins, the other must read again.
  RCP_ASSERT_OK_AND_ASSIGN(PeerState won, Update(State("c2", "gateway-a"), first.etag()));
  EXPECT_THAT(Update(State("c2-other", "gateway-b"), first.etag()),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("federationPeers/colombo-process.rcp")));
  EXPECT_THAT(Update(State("c0", "gateway-b"), ""), StatusIs(absl::StatusCode::kAborted, HasSubstr("etag")));
  RCP_ASSERT_OK_AND_ASSIGN(PeerState read, Get("federationPeers/colombo-process.rcp"));
  EXPECT_THAT(read, EqualsProto(won));
  // Outside the change feed, and it survives a restart.
  EXPECT_EQ(Revision(), revision);
  Reopen();
  ASSERT_FALSE(HasFatalFailure());
  RCP_ASSERT_OK_AND_ASSIGN(read, Get("federationPeers/colombo-process.rcp"));
  EXPECT_EQ(read.cursor(), "c2");
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListPeerStatesResponse all, Call(&Stub::ListPeerStates, v1::ListPeerStatesRequest()));
  ASSERT_THAT(all.states(), SizeIs(1));
  v1::DeletePeerStateRequest del;
  del.set_peer("federationPeers/colombo-process.rcp");
  ASSERT_THAT(Call(&Stub::DeletePeerState, del), IsOk());
  RCP_ASSERT_OK_AND_ASSIGN(read, Get("federationPeers/colombo-process.rcp"));
  EXPECT_EQ(read.etag(), "");
}

TEST_F(RegistryPeerStateTest, RefusesMalformedStatesNamingTheField) {
  EXPECT_THAT(Get("peers/x"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("peer")));
  EXPECT_THAT(Update(State("c", "g"), "").status(), IsOk());
  PeerState bad = State(std::string(16385, 'c'), "g");
  EXPECT_THAT(Update(bad, ""), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("state.cursor")));
  bad = State("c", "g");
  bad.set_peer("federationPeers/Not A Deployment");
  EXPECT_THAT(Update(bad, ""), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("state.peer")));
}

// A relay's heads of an origin come by many streams, each sealed at its own
// cursor: the kept head never moves back in the origin's registry, however
// new the head that would move it.
TEST_F(RegistryPeerStateTest, KeepsTheHeadThatCoversTheMostOfTheOriginsRegistry) {
  auto head = [](uint64_t epoch, uint64_t registry, uint64_t sealed_at) {
    ::rcp::federation::v1::Head h;
    auto* p = h.add_positions();
    p->set_store("registry");
    p->set_epoch(epoch);
    p->set_revision(registry);
    ::rcp::federation::v1::Envelope e;
    e.set_payload_type("rcp.federation.v1.Head");
    e.set_payload(h.SerializeAsString());
    e.set_origin("colombo-process.rcp");
    e.set_store("head");
    e.set_revision(sealed_at);
    return e;
  };
  auto put = [&](const ::rcp::federation::v1::Envelope& e) {
    v1::PutFederationHeadRequest req;
    *req.mutable_head() = e;
    return Call(&Stub::PutFederationHead, req);
  };
  auto kept = [&]() -> uint64_t {
    auto all = Call(&Stub::ListFederationHeads, v1::ListFederationHeadsRequest());
    EXPECT_THAT(all, IsOk());
    if (!all.ok() || all->heads_size() != 1) return 0;
    return all->heads(0).revision();
  };
  ASSERT_THAT(put(head(7, 105, 1000)), IsOk());
  // Newer, from a stream that lags: it covers less, and is not kept.
  ASSERT_THAT(put(head(7, 103, 2000)), IsOk());
  EXPECT_EQ(kept(), 1000u);
  // As far, and newer: kept (its time shows the origin's lag).
  ASSERT_THAT(put(head(7, 105, 3000)), IsOk());
  EXPECT_EQ(kept(), 3000u);
  ASSERT_THAT(put(head(7, 105, 2500)), IsOk());
  EXPECT_EQ(kept(), 3000u);
  // The origin's registry restored (a newer epoch): its heads start again.
  ASSERT_THAT(put(head(8, 2, 4000)), IsOk());
  EXPECT_EQ(kept(), 4000u);
  ASSERT_THAT(put(head(7, 500, 5000)), IsOk());
  EXPECT_EQ(kept(), 4000u);
}

// ================================================================ mirrors

// A membership mirrored from its home gives the rights it gives there: the
// by-party index that authentication reads is kept for mirrors too.
TEST_F(RegistryServiceTest, AMirroredMembershipGivesItsRightsAndGoesWithItsMirror) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse key, Call(&Stub::CreateApiKey, KeyRequest("parties/PHL", absl::Hours(24))));
  v1::Membership m;
  m.set_name("processes/igc/memberships/phl");
  m.set_party("parties/PHL");
  m.set_role(v1::MEMBER);
  v1::Process igc;
  igc.set_name("processes/igc");
  igc.set_display_name("Inter-governmental Consultations");
  igc.set_acronym("IGC");
  igc.set_home("igc.rcp");
  federation::v1::ApplyMirrorsRequest apply;
  apply.set_source("federationPeers/igc.rcp");
  apply.set_generation(1);
  int revision = 0;
  for (const google::protobuf::Message* item : {static_cast<const google::protobuf::Message*>(&igc),
                                                static_cast<const google::protobuf::Message*>(&m)}) {
    auto* mi = apply.add_items();
    mi->mutable_envelope()->set_origin("igc.rcp");
    mi->mutable_envelope()->set_store("registry");
    mi->mutable_envelope()->set_epoch(1);
    mi->mutable_envelope()->set_revision(++revision);
    mi->mutable_item()->set_name(item == &igc ? igc.name() : m.name());
    mi->mutable_item()->set_kind(item == &igc ? "process" : "membership");
    mi->mutable_item()->mutable_value()->PackFrom(*item);
  }
  ASSERT_THAT(store_->mirrors()->Apply(apply), IsOk());
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal p, Authenticate(key.key()));
  std::vector<std::string> processes;
  for (const auto& r : p.rights()) processes.push_back(r.process());
  EXPECT_THAT(processes, ElementsAre("processes/colombo-process", "processes/igc"));
  v1::GetProcessRequest get;
  get.set_name("processes/igc");
  RCP_ASSERT_OK_AND_ASSIGN(v1::Process read, Call(&Stub::GetProcess, get));
  EXPECT_EQ(read.home(), "igc.rcp");

  federation::v1::WithdrawMirrorsRequest withdraw;
  withdraw.set_source("federationPeers/igc.rcp");
  withdraw.add_withdrawals()->set_name(m.name());
  withdraw.mutable_withdrawals(0)->set_kind("membership");
  ASSERT_THAT(store_->mirrors()->Withdraw(withdraw), IsOk());
  RCP_ASSERT_OK_AND_ASSIGN(p, Authenticate(key.key()));
  processes.clear();
  for (const auto& r : p.rights()) processes.push_back(r.process());
  EXPECT_THAT(processes, ElementsAre("processes/colombo-process"));
}

// ================================================================ viewers
//
// Every List keeps only what the caller's viewer may see, before paging
// (hole 1 of issue 9): pages are full while more visible items exist, a
// token comes only then, and the number of pages depends on visible items
// alone. The viewers are the principals this registry computes for keys.

// A page's names and its token.
struct Page {
  std::vector<std::string> names;
  std::string token;
};

// Pages through a List at `page_size`, checking the paging invariants on
// the way; returns every name, in order.
std::vector<std::string> PageThrough(int page_size,
                                     const std::function<absl::StatusOr<Page>(const std::string&)>& list) {
  std::vector<std::string> all;
  std::string token;
  int pages = 0;
  do {
    absl::StatusOr<Page> page = list(token);
    EXPECT_THAT(page, IsOk());
    if (!page.ok()) break;
    ++pages;
    if (!page->token.empty()) {
      EXPECT_EQ(page->names.size(), static_cast<size_t>(page_size)) << "a page with a token is full";
    } else {
      EXPECT_LE(page->names.size(), static_cast<size_t>(page_size));
    }
    all.insert(all.end(), page->names.begin(), page->names.end());
    token = page->token;
  } while (!token.empty() && pages < 1000);
  size_t want_pages = std::max<size_t>(1, (all.size() + page_size - 1) / page_size);
  EXPECT_EQ(static_cast<size_t>(pages), want_pages) << "pages counted visible items only";
  return all;
}

class RegistryViewerTest : public RegistryServiceTest {
 protected:
  void SetUp() override {
    RegistryServiceTest::SetUp();
    // UNHCR observes the Bali Process; IGC is a third process.
    ASSERT_THAT(NewParty("unhcr", v1::Party::ORGANIZATION, "UNHCR"), IsOk());
    ASSERT_THAT(NewMembership(kBali, "parties/unhcr", v1::OBSERVER, D(2002, 2, 27)), IsOk());
    ASSERT_THAT(NewProcess("igc", "Intergovernmental Consultations on Migration, Asylum and Refugees", "IGC"),
                IsOk());
    ASSERT_THAT(NewMembership("processes/igc", "parties/AUS", v1::MEMBER, D(2000, 1, 1)), IsOk());
    ASSERT_THAT(NewChairTerm(kBali, "parties/IDN", D(2026, 1, 1), D(2026, 12, 31)), IsOk());
    ASSERT_THAT(NewChairTerm(kColombo, "parties/PHL", D(2026, 1, 1), D(2026, 12, 31)), IsOk());
    ASSERT_THAT(NewChairTerm("processes/igc", "parties/AUS", D(2026, 1, 1), D(2026, 12, 31)), IsOk());
    ASSERT_THAT(Call(&Stub::CreateFocalPoint, FocalPointRequest(kBali, "parties/IDN")), IsOk());
    ASSERT_THAT(Call(&Stub::CreateFocalPoint, FocalPointRequest(kBali, "parties/AUS")), IsOk());
    ASSERT_THAT(Call(&Stub::CreateFocalPoint, FocalPointRequest(kColombo, "parties/PHL")), IsOk());
    ASSERT_THAT(Call(&Stub::CreateFocalPoint, FocalPointRequest("processes/igc", "parties/AUS")), IsOk());
  }

  // A new key's name and the principal the registry computes for it.
  absl::StatusOr<std::pair<std::string, v1::Principal>> NewKey(const std::string& party,
                                                               std::vector<std::string> processes = {},
                                                               std::vector<v1::Role> roles = {},
                                                               bool admin = false) {
    auto req = KeyRequest(party, absl::Hours(24));
    for (const auto& p : processes) req.mutable_api_key()->add_processes(p);
    for (auto r : roles) req.mutable_api_key()->add_roles(r);
    req.mutable_api_key()->set_admin(admin);
    RCP_ASSIGN_OR_RETURN(v1::CreateApiKeyResponse created, Call(&Stub::CreateApiKey, req));
    RCP_ASSIGN_OR_RETURN(v1::Principal p, Authenticate(created.key()));
    return std::make_pair(created.api_key().name(), std::move(p));
  }
  absl::StatusOr<v1::Principal> ViewerFor(const std::string& party, std::vector<std::string> processes = {},
                                          std::vector<v1::Role> roles = {}, bool admin = false) {
    RCP_ASSIGN_OR_RETURN(auto key, NewKey(party, std::move(processes), std::move(roles), admin));
    return key.second;
  }

  // Every page of `list`, a RegistryStore List, for `viewer` from `req`.
  template <typename Req, typename Resp, typename NamesOf>
  std::vector<std::string> ListAll(absl::StatusOr<Resp> (RegistryStore::*list)(const Req&,
                                                                               const audience::Viewer*),
                                   Req req, const v1::Principal* viewer, int page_size, NamesOf names_of) {
    req.set_page_size(page_size);
    return PageThrough(page_size, [&](const std::string& token) -> absl::StatusOr<Page> {
      req.set_page_token(token);
      RCP_ASSIGN_OR_RETURN(Resp resp, (store_.get()->*list)(req, viewer));
      return Page{names_of(resp), resp.next_page_token()};
    });
  }
  // The Lists of the registry's collections in every process.
  template <typename Req>
  static Req InEveryProcess() {
    Req req;
    req.set_parent("processes/-");
    return req;
  }
  std::vector<std::string> Processes(const v1::Principal* viewer, int page_size) {
    return ListAll(&RegistryStore::ListProcesses, v1::ListProcessesRequest(), viewer, page_size,
                   [](const auto& r) { return Names(r.processes()); });
  }
  std::vector<std::string> Parties(const v1::Principal* viewer, int page_size) {
    return ListAll(&RegistryStore::ListParties, v1::ListPartiesRequest(), viewer, page_size,
                   [](const auto& r) { return Names(r.parties()); });
  }
  std::vector<std::string> Memberships(const v1::Principal* viewer, int page_size) {
    return ListAll(&RegistryStore::ListMemberships, InEveryProcess<v1::ListMembershipsRequest>(), viewer,
                   page_size, [](const auto& r) { return Names(r.memberships()); });
  }
  std::vector<std::string> ChairTerms(const v1::Principal* viewer, int page_size) {
    return ListAll(&RegistryStore::ListChairTerms, InEveryProcess<v1::ListChairTermsRequest>(), viewer,
                   page_size, [](const auto& r) { return Names(r.chair_terms()); });
  }
  std::vector<std::string> FocalPoints(const v1::Principal* viewer, int page_size) {
    return ListAll(&RegistryStore::ListFocalPoints, InEveryProcess<v1::ListFocalPointsRequest>(), viewer,
                   page_size, [](const auto& r) { return Names(r.focal_points()); });
  }
  std::vector<std::string> ApiKeys(const v1::Principal* viewer, int page_size) {
    return ListAll(&RegistryStore::ListApiKeys, v1::ListApiKeysRequest(), viewer, page_size,
                   [](const auto& r) { return Names(r.api_keys()); });
  }
  std::vector<std::string> Peers(const v1::Principal* viewer, int page_size) {
    return ListAll(&RegistryStore::ListFederationPeers, v1::ListFederationPeersRequest(), viewer, page_size,
                   [](const auto& r) { return Names(r.federation_peers()); });
  }
};

// The items of `all` that `keep` accepts, in order: what a filtered List
// must return.
std::vector<std::string> Only(const std::vector<std::string>& all,
                              const std::function<bool(const std::string&)>& keep) {
  std::vector<std::string> out;
  for (const auto& name : all) {
    if (keep(name)) out.push_back(name);
  }
  return out;
}

bool InColombo(const std::string& name) { return absl::StartsWith(name, std::string(kColombo) + "/"); }

TEST_F(RegistryViewerTest, AProcessLimitedKeyListsOnlyItsProcessesRegisterEntries) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal colombo_only, ViewerFor("parties/IDN", {kColombo}));
  for (int page_size : {1, 2, 1000}) {
    SCOPED_TRACE(absl::StrCat("page_size ", page_size));
    EXPECT_THAT(Processes(&colombo_only, page_size), ElementsAre(kColombo));
    std::vector<std::string> memberships = Memberships(nullptr, 1000);
    ASSERT_THAT(memberships, SizeIs(7));
    EXPECT_EQ(Memberships(&colombo_only, page_size), Only(memberships, InColombo));
    EXPECT_THAT(Memberships(&colombo_only, page_size),
                ElementsAre("processes/colombo-process/memberships/idn",
                            "processes/colombo-process/memberships/phl"));
    std::vector<std::string> terms = ChairTerms(nullptr, 1000);
    ASSERT_THAT(terms, SizeIs(3));
    EXPECT_THAT(ChairTerms(&colombo_only, page_size),
                ElementsAre("processes/colombo-process/chairTerms/phl-2026"));
    // Colombo's contact details, as a member; none of Bali's.
    EXPECT_THAT(FocalPoints(&colombo_only, page_size),
                ElementsAre("processes/colombo-process/focalPoints/phl"));
    // Parties are global.
    EXPECT_EQ(Parties(&colombo_only, page_size), Parties(nullptr, 1000));
    EXPECT_THAT(Parties(&colombo_only, page_size), SizeIs(5));
  }
  // Without a limit, the same party lists every process.
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal unlimited, ViewerFor("parties/IDN"));
  EXPECT_EQ(Processes(&unlimited, 1), Processes(nullptr, 1000));
  EXPECT_THAT(Processes(&unlimited, 1), SizeIs(3));
}

TEST_F(RegistryViewerTest, FocalPointsAreForMembersNotObservers) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal unhcr, ViewerFor("parties/unhcr"));
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal indonesia, ViewerFor("parties/IDN"));
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal australia, ViewerFor("parties/AUS"));
  for (int page_size : {1, 2, 1000}) {
    SCOPED_TRACE(absl::StrCat("page_size ", page_size));
    // UNHCR observes Bali: one empty page, no token, as if there were none.
    EXPECT_THAT(FocalPoints(&unhcr, page_size), IsEmpty());
    EXPECT_THAT(FocalPoints(&indonesia, page_size), ElementsAre("processes/bali-process/focalPoints/aus",
                                                                "processes/bali-process/focalPoints/idn",
                                                                "processes/colombo-process/focalPoints/phl"));
    EXPECT_THAT(FocalPoints(&australia, page_size),
                ElementsAre("processes/bali-process/focalPoints/aus",
                            "processes/bali-process/focalPoints/idn", "processes/igc/focalPoints/aus"));
  }
  // The observer's first page is exactly the answer for a collection
  // without focal points: no token, nothing.
  v1::ListFocalPointsRequest req;
  req.set_parent(kBali);
  req.set_page_size(1);
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListFocalPointsResponse page, store_->ListFocalPoints(req, &unhcr));
  EXPECT_THAT(page.focal_points(), IsEmpty());
  EXPECT_TRUE(page.next_page_token().empty());
}

TEST_F(RegistryViewerTest, AProcessLimitedKeyListsOnlyKeysWithinItsLimits) {
  // Hole 4: the Bali secretariat's key, limited to bali-process.
  RCP_ASSERT_OK_AND_ASSIGN(auto bali_secretariat, NewKey("parties/iom", {kBali}));
  RCP_ASSERT_OK_AND_ASSIGN(auto colombo_secretariat, NewKey("parties/iom", {kColombo}));
  RCP_ASSERT_OK_AND_ASSIGN(auto iom_unlimited, NewKey("parties/iom"));
  RCP_ASSERT_OK_AND_ASSIGN(auto iom_admin, NewKey("parties/iom", {}, {}, /*admin=*/true));
  RCP_ASSERT_OK_AND_ASSIGN(auto bali_member, NewKey("parties/iom", {kBali}, {v1::MEMBER}));
  RCP_ASSERT_OK_AND_ASSIGN(auto indonesia_bali, NewKey("parties/IDN", {kBali}));
  std::vector<std::string> all = ApiKeys(nullptr, 1000);
  ASSERT_THAT(all, SizeIs(6));
  for (int page_size : {1, 2, 1000}) {
    SCOPED_TRACE(absl::StrCat("page_size ", page_size));
    std::vector<std::string> want = Only(all, [&](const std::string& name) {
      return name == bali_secretariat.first || name == bali_member.first;
    });
    EXPECT_EQ(ApiKeys(&bali_secretariat.second, page_size), want);
    // A key limited to MEMBER sees only keys limited to MEMBER.
    EXPECT_THAT(ApiKeys(&bali_member.second, page_size), ElementsAre(bali_member.first));
    // The unlimited staff key sees its party's non-admin keys.
    EXPECT_EQ(ApiKeys(&iom_unlimited.second, page_size), Only(all, [&](const std::string& name) {
                return name != iom_admin.first && name != indonesia_bali.first;
              }));
    EXPECT_EQ(ApiKeys(&iom_admin.second, page_size), all);
  }
  (void)colombo_secretariat;
}

TEST_F(RegistryViewerTest, FederationPeersAreForTheDeploymentsAdministrators) {
  ASSERT_THAT(Call(&Stub::CreateFederationPeer, PeerRequest("puebla-process.secretariat")), IsOk());
  ASSERT_THAT(Call(&Stub::CreateFederationPeer, PeerRequest("colombo-process.secretariat")), IsOk());
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal admin, ViewerFor("parties/iom", {}, {}, true));
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal bali_admin, ViewerFor("parties/iom", {kBali}, {}, true));
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal member, ViewerFor("parties/IDN"));
  for (int page_size : {1, 2}) {
    EXPECT_THAT(Peers(&admin, page_size), ElementsAre("federationPeers/colombo-process.secretariat",
                                                      "federationPeers/puebla-process.secretariat"));
    EXPECT_THAT(Peers(&bali_admin, page_size), IsEmpty());
    EXPECT_THAT(Peers(&member, page_size), IsEmpty());
  }
}

// Over gRPC: the adapters read the viewer from x-rcp-viewer-bin.
TEST_F(RegistryViewerTest, TheServiceFiltersForTheViewerTheCallCarries) {
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal colombo_only, ViewerFor("parties/IDN", {kColombo}));
  auto list = [&](const std::string* viewer_bytes) -> absl::StatusOr<v1::ListProcessesResponse> {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (viewer_bytes != nullptr) context.AddMetadata(audience::kViewerHeader, *viewer_bytes);
    v1::ListProcessesResponse resp;
    grpc::Status s = stub_->ListProcesses(&context, v1::ListProcessesRequest(), &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    return resp;
  };
  std::string bytes = colombo_only.SerializeAsString();
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListProcessesResponse filtered, list(&bytes));
  EXPECT_THAT(Names(filtered.processes()), ElementsAre(kColombo));
  RCP_ASSERT_OK_AND_ASSIGN(v1::ListProcessesResponse everything, list(nullptr));
  EXPECT_THAT(everything.processes(), SizeIs(3));
  std::string garbage("\xff\xff\xff\xff", 4);
  auto malformed = list(&garbage);
  EXPECT_THAT(malformed, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(audience::kViewerHeader)));

  // Every List of the service reads it.
  grpc::ClientContext keys_context;
  keys_context.AddMetadata(audience::kViewerHeader, garbage);
  v1::ListApiKeysResponse keys;
  EXPECT_EQ(stub_->ListApiKeys(&keys_context, v1::ListApiKeysRequest(), &keys).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  struct Check {
    const char* method;
    std::function<grpc::Status(grpc::ClientContext*)> call;
  };
  std::vector<Check> checks = {
      {"ListParties",
       [&](grpc::ClientContext* c) {
         v1::ListPartiesResponse r;
         return stub_->ListParties(c, {}, &r);
       }},
      {"ListMemberships",
       [&](grpc::ClientContext* c) {
         v1::ListMembershipsResponse r;
         return stub_->ListMemberships(c, {}, &r);
       }},
      {"ListChairTerms",
       [&](grpc::ClientContext* c) {
         v1::ListChairTermsResponse r;
         return stub_->ListChairTerms(c, {}, &r);
       }},
      {"ListFocalPoints",
       [&](grpc::ClientContext* c) {
         v1::ListFocalPointsResponse r;
         return stub_->ListFocalPoints(c, {}, &r);
       }},
      {"ListFederationPeers",
       [&](grpc::ClientContext* c) {
         v1::ListFederationPeersResponse r;
         return stub_->ListFederationPeers(c, {}, &r);
       }},
  };
  for (const auto& check : checks) {
    grpc::ClientContext context;
    context.AddMetadata(audience::kViewerHeader, garbage);
    EXPECT_EQ(check.call(&context).error_code(), grpc::StatusCode::INVALID_ARGUMENT) << check.method;
  }
  // A member of Colombo only lists Colombo's focal points through the service too.
  grpc::ClientContext fp_context;
  fp_context.AddMetadata(audience::kViewerHeader, bytes);
  v1::ListFocalPointsRequest fp_req;
  fp_req.set_parent("processes/-");
  v1::ListFocalPointsResponse fps;
  ASSERT_TRUE(stub_->ListFocalPoints(&fp_context, fp_req, &fps).ok());
  EXPECT_THAT(Names(fps.focal_points()), ElementsAre("processes/colombo-process/focalPoints/phl"));
}


// ------------------------------------------------------------ web sessions

namespace web_sessions {

// The hash of a session id the gateway would make, from a short seed.
std::string IdHash(const std::string& seed) { return crypto::Sha256Hex(seed); }

v1::CreateWebSessionRequest SessionRequest(const std::string& key, const std::string& seed,
                                           absl::Duration idle = absl::Minutes(30),
                                           absl::Duration max = absl::Hours(12)) {
  v1::CreateWebSessionRequest req;
  req.set_key(key);
  req.set_id_sha256(IdHash(seed));
  *req.mutable_idle_timeout() = ToDuration(idle);
  *req.mutable_max_lifetime() = ToDuration(max);
  return req;
}

v1::AuthenticateWebSessionRequest Seen(const std::string& seed) {
  v1::AuthenticateWebSessionRequest req;
  req.set_id_sha256(IdHash(seed));
  return req;
}

}  // namespace web_sessions

TEST_F(RegistryServiceTest, AWebSessionIsItsKeysPrincipalMarkedReadOnlyAndOutsideTheFeed) {
  using namespace web_sessions;
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse created,
                           Call(&Stub::CreateApiKey, KeyRequest("parties/IDN", absl::Hours(24))));
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal by_key, Authenticate(created.key()));
  const uint64_t before = Revision();
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateWebSessionResponse opened,
                           Call(&Stub::CreateWebSession, SessionRequest(created.key(), "laptop")));
  EXPECT_EQ(opened.session().id_sha256(), IdHash("laptop"));
  EXPECT_EQ(opened.session().api_key(), created.api_key().name());
  EXPECT_EQ(FromTs(opened.session().create_time()), kToday);
  EXPECT_TRUE(opened.principal().web_session());
  RCP_ASSERT_OK_AND_ASSIGN(v1::Principal seen, Call(&Stub::AuthenticateWebSession, Seen("laptop")));
  EXPECT_TRUE(seen.web_session());
  EXPECT_EQ(seen.party(), by_key.party());
  EXPECT_THAT(seen.rights(), SizeIs(by_key.rights_size()));
  // A cache must ask again before the session could idle out.
  EXPECT_LE(FromTs(seen.valid_until()), kToday + absl::Minutes(30));
  // A retry of the same sign-in answers the same session.
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateWebSessionResponse retried,
                           Call(&Stub::CreateWebSession, SessionRequest(created.key(), "laptop")));
  EXPECT_THAT(retried.session(), EqualsProto(opened.session()));
  // Sessions are no register entries: the feed does not move.
  EXPECT_EQ(Revision(), before);
  // And they survive a restart.
  Reopen();
  EXPECT_THAT(Call(&Stub::AuthenticateWebSession, Seen("laptop")), IsOk());
}

TEST_F(RegistryServiceTest, AWebSessionNeedsAValidKeyAndWellFormedLimits) {
  using namespace web_sessions;
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse created,
                           Call(&Stub::CreateApiKey, KeyRequest("parties/IDN", absl::Hours(24))));
  std::string forged = created.key().substr(0, created.key().rfind('_') + 1) + "wrongsecret";
  EXPECT_THAT(Call(&Stub::CreateWebSession, SessionRequest(forged, "a")),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("unknown or wrong key")));
  struct Bad {
    v1::CreateWebSessionRequest req;
    std::string field;
  };
  std::vector<Bad> bad;
  bad.push_back({SessionRequest(created.key(), "a"), "id_sha256"});
  bad.back().req.set_id_sha256("ABC");
  bad.push_back({SessionRequest(created.key(), "a", absl::Seconds(30)), "idle_timeout"});
  bad.push_back({SessionRequest(created.key(), "a", absl::Hours(25)), "idle_timeout"});
  bad.push_back({SessionRequest(created.key(), "a", absl::Hours(1), absl::Minutes(30)), "max_lifetime"});
  bad.push_back({SessionRequest(created.key(), "a", absl::Hours(1), absl::Hours(24 * 8)), "max_lifetime"});
  bad.push_back({SessionRequest(created.key(), "a"), "ends_id_sha256"});
  bad.back().req.set_ends_id_sha256("not hex");
  bad.push_back({SessionRequest(created.key(), "a"), "ends_id_sha256"});
  bad.back().req.set_ends_id_sha256(IdHash("a"));
  for (const auto& b : bad) {
    auto answer = Call(&Stub::CreateWebSession, b.req);
    EXPECT_THAT(answer, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(b.field))) << b.field;
    EXPECT_EQ(ViolatedField(answer.status()), b.field);
  }
  // Nothing was opened by any of them.
  EXPECT_THAT(Call(&Stub::AuthenticateWebSession, Seen("a")),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("session: ended")));
  v1::AuthenticateWebSessionRequest malformed;
  malformed.set_id_sha256("../x");
  EXPECT_THAT(Call(&Stub::AuthenticateWebSession, malformed),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("id_sha256")));
}

TEST_F(RegistryServiceTest, AWebSessionEndsWhenIdleAndAtItsMaxLifetimeWhateverItsUse) {
  using namespace web_sessions;
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse created,
                           Call(&Stub::CreateApiKey, KeyRequest("parties/IDN", absl::Hours(48))));
  ASSERT_THAT(Call(&Stub::CreateWebSession, SessionRequest(created.key(), "idle")), IsOk());
  clock_.Advance(absl::Minutes(29));
  ASSERT_THAT(Call(&Stub::AuthenticateWebSession, Seen("idle")), IsOk());  // seen: 30 more minutes
  clock_.Advance(absl::Minutes(29));
  ASSERT_THAT(Call(&Stub::AuthenticateWebSession, Seen("idle")), IsOk());
  clock_.Advance(absl::Minutes(30));
  EXPECT_THAT(Call(&Stub::AuthenticateWebSession, Seen("idle")),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("session: ended")));
  // Ended is ended, even seen again at once.
  EXPECT_THAT(Call(&Stub::AuthenticateWebSession, Seen("idle")),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("session: ended")));

  ASSERT_THAT(Call(&Stub::CreateWebSession, SessionRequest(created.key(), "busy")), IsOk());
  for (int i = 0; i < 35; ++i) {  // a request every 20 minutes for 11h40
    clock_.Advance(absl::Minutes(20));
    ASSERT_THAT(Call(&Stub::AuthenticateWebSession, Seen("busy")), IsOk()) << i;
  }
  clock_.Advance(absl::Minutes(20));  // 12 h after signing in
  EXPECT_THAT(Call(&Stub::AuthenticateWebSession, Seen("busy")),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("session: ended")));
}

TEST_F(RegistryServiceTest, SigningInAgainSigningOutAndRevokingTheKeyEndSessions) {
  using namespace web_sessions;
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse idn,
                           Call(&Stub::CreateApiKey, KeyRequest("parties/IDN", absl::Hours(24))));
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse aus,
                           Call(&Stub::CreateApiKey, KeyRequest("parties/AUS", absl::Hours(24))));
  ASSERT_THAT(Call(&Stub::CreateWebSession, SessionRequest(idn.key(), "first")), IsOk());
  auto second = SessionRequest(idn.key(), "second");
  second.set_ends_id_sha256(IdHash("first"));
  ASSERT_THAT(Call(&Stub::CreateWebSession, second), IsOk());
  EXPECT_THAT(Call(&Stub::AuthenticateWebSession, Seen("first")), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("")));
  EXPECT_THAT(Call(&Stub::AuthenticateWebSession, Seen("second")), IsOk());

  v1::DeleteWebSessionRequest sign_out;
  sign_out.set_id_sha256(IdHash("second"));
  ASSERT_THAT(Call(&Stub::DeleteWebSession, sign_out), IsOk());
  ASSERT_THAT(Call(&Stub::DeleteWebSession, sign_out), IsOk());  // again: still OK
  EXPECT_THAT(Call(&Stub::AuthenticateWebSession, Seen("second")), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("")));

  for (const char* seed : {"laptop", "phone", "tablet"}) {
    ASSERT_THAT(Call(&Stub::CreateWebSession, SessionRequest(idn.key(), seed)), IsOk());
  }
  ASSERT_THAT(Call(&Stub::CreateWebSession, SessionRequest(aus.key(), "aus")), IsOk());
  v1::DeleteWebSessionsRequest everywhere;
  everywhere.set_api_key(idn.api_key().name());
  RCP_ASSERT_OK_AND_ASSIGN(v1::DeleteWebSessionsResponse ended, Call(&Stub::DeleteWebSessions, everywhere));
  EXPECT_EQ(ended.deleted_count(), 3);
  for (const char* seed : {"laptop", "phone", "tablet"}) {
    EXPECT_THAT(Call(&Stub::AuthenticateWebSession, Seen(seed)), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr(""))) << seed;
  }
  EXPECT_THAT(Call(&Stub::AuthenticateWebSession, Seen("aus")), IsOk());  // another key's

  ASSERT_THAT(Call(&Stub::CreateWebSession, SessionRequest(idn.key(), "after")), IsOk());
  v1::RevokeApiKeyRequest revoke;
  revoke.set_name(idn.api_key().name());
  ASSERT_THAT(Call(&Stub::RevokeApiKey, revoke), IsOk());
  EXPECT_THAT(Call(&Stub::AuthenticateWebSession, Seen("after")), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("")));
  EXPECT_THAT(Call(&Stub::CreateWebSession, SessionRequest(idn.key(), "revoked")),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("revoked")));
}

TEST_F(RegistryServiceTest, AKeyHoldsAtMostFiftySessionsAndTheOldestEndsFirst) {
  using namespace web_sessions;
  RCP_ASSERT_OK_AND_ASSIGN(v1::CreateApiKeyResponse created,
                           Call(&Stub::CreateApiKey, KeyRequest("parties/IDN", absl::Hours(24))));
  for (int i = 0; i < RegistryStore::kMaxWebSessionsPerKey; ++i) {
    clock_.Advance(absl::Seconds(1));
    ASSERT_THAT(Call(&Stub::CreateWebSession, SessionRequest(created.key(), absl::StrCat("s", i))), IsOk()) << i;
  }
  EXPECT_THAT(Call(&Stub::AuthenticateWebSession, Seen("s0")), IsOk());
  ASSERT_THAT(Call(&Stub::CreateWebSession, SessionRequest(created.key(), "one-more")), IsOk());
  EXPECT_THAT(Call(&Stub::AuthenticateWebSession, Seen("s0")), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("")));
  EXPECT_THAT(Call(&Stub::AuthenticateWebSession, Seen("s1")), IsOk());
  EXPECT_THAT(Call(&Stub::AuthenticateWebSession, Seen("one-more")), IsOk());
}

}  // namespace
}  // namespace rcp::registry
