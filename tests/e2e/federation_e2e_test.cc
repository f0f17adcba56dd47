// Federation between secretariats' deployments, each a real suite of four
// daemons on loopback (tests/e2e/harness/deployment.h): the Bali Process
// secretariat (bali-process.rcp, home of bali-process and apc), the Colombo
// Process secretariat (colombo-process.rcp) and the IGC secretariat
// (igc.rcp, home of igc and budapest-process), as shared/DOMAIN.md has them.
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/crypto/crypto.h"
#include "common/status/status.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "tests/e2e/harness/deployment.h"
#include "tests/e2e/harness/feed_reader.h"

namespace rcp {
namespace {

using google::protobuf::util::TimeUtil;
using ::rcp::testing::CallWith;
using ::rcp::testing::Deployment;
using ::rcp::testing::DeploymentOptions;
using ::rcp::testing::FeedReader;
using ::rcp::testing::IsOk;
using ::rcp::testing::IsOkAndHolds;
using ::rcp::testing::Received;
using ::rcp::testing::Share;
using ::rcp::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
namespace ev = ::rcp::events::v1;
namespace doc = ::rcp::documents::v1;
namespace fv1 = ::rcp::federation::v1;
namespace reg = ::rcp::registry::v1;
using Part = Deployment::Part;
using rcp::common::v1::Change;

constexpr char kBaliProcess[] = "processes/bali-process";
constexpr char kColomboProcess[] = "processes/colombo-process";
constexpr char kIgcProcess[] = "processes/igc";

// Polls `done` until it holds or `timeout` passes.
bool Eventually(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(20)) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

ev::CreateMeetingRequest NewMeeting(const std::string& process, const std::string& title,
                                    rcp::common::v1::Visibility visibility, int64_t offset_hours = 0) {
  ev::CreateMeetingRequest req;
  auto* m = req.mutable_meeting();
  m->add_processes(process);
  m->set_title(title);
  m->set_kind(ev::SENIOR_OFFICIALS_MEETING);
  m->set_time_zone("Asia/Colombo");
  int64_t start = 1830000000 + offset_hours * 3600;
  *m->mutable_start_time() = TimeUtil::SecondsToTimestamp(start);
  *m->mutable_end_time() = TimeUtil::SecondsToTimestamp(start + 7200);
  m->set_visibility(visibility);
  return req;
}


// A relay that alters what it relays: it pulls from `upstream` as `as_peer`
// and forwards every response, with each envelope of `origin` altered — one
// byte of its payload flipped, or its key id changed to one nobody has.
class TamperingRelay final : public fv1::Federation::Service {
 public:
  enum class Tamper { kFlipAByte, kUnknownKey };
  TamperingRelay(std::string upstream, std::string as_peer, std::string origin, Tamper how = Tamper::kFlipAByte)
      : stub_(fv1::Federation::NewStub(grpc::CreateChannel(upstream, grpc::InsecureChannelCredentials()))),
        as_peer_(std::move(as_peer)),
        origin_(std::move(origin)),
        how_(how) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
  }
  ~TamperingRelay() override { server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1)); }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  int tampered() const { return tampered_.load(); }

  grpc::Status GetServerKeys(grpc::ServerContext*, const fv1::GetServerKeysRequest* req,
                             fv1::ServerKeys* resp) override {
    grpc::ClientContext c;
    c.AddMetadata("x-rcp-peer", as_peer_);
    return stub_->GetServerKeys(&c, *req, resp);
  }
  grpc::Status Pull(grpc::ServerContext* context, const fv1::PullRequest* req,
                    grpc::ServerWriter<fv1::PullResponse>* writer) override {
    grpc::ClientContext c;
    c.AddMetadata("x-rcp-peer", as_peer_);
    auto reader = stub_->Pull(&c, *req);
    fv1::PullResponse resp;
    while (!context->IsCancelled() && reader->Read(&resp)) {
      for (auto& e : *resp.mutable_entries()) {
        if (e.has_envelope() && e.envelope().origin() == origin_ && !e.envelope().payload().empty()) {
          if (how_ == Tamper::kFlipAByte) {
            std::string* payload = e.mutable_envelope()->mutable_payload();
            (*payload)[payload->size() / 2] ^= 0x01;
          } else {
            e.mutable_envelope()->set_key_id("ed25519:0123456789abcdef");
          }
          ++tampered_;
        }
      }
      if (!writer->Write(resp)) break;
    }
    c.TryCancel();
    return reader->Finish();
  }

 private:
  std::unique_ptr<fv1::Federation::Stub> stub_;
  std::string as_peer_, origin_;
  Tamper how_;
  int port_ = 0;
  std::atomic<int> tampered_{0};
  std::unique_ptr<grpc::Server> server_;
};

class FederationE2eTest : public ::testing::Test {
 protected:
  std::unique_ptr<Deployment> NewDeployment(const std::string& id, const std::string& homes,
                                            std::vector<std::string> gateway_flags = {}) {
    DeploymentOptions o;
    o.id = id;
    o.home_processes = homes;
    o.gateway_flags = std::move(gateway_flags);
    return std::make_unique<Deployment>(dir_.Sub(id), o);
  }

  // Bali and Colombo, Colombo sharing its process with Bali up to MEMBERS
  // (and Bali sharing nothing back).
  void StartBaliAndColombo() {
    bali_ = NewDeployment("bali-process.rcp", "bali-process,apc");
    colombo_ = NewDeployment("colombo-process.rcp", "colombo-process");
    ASSERT_THAT(bali_->Start(), IsOk());
    ASSERT_THAT(colombo_->Start(), IsOk());
    ASSERT_THAT(bali_->AddPeer(*colombo_, {kColomboProcess}, {}, {}), IsOk());
    ASSERT_THAT(colombo_->AddPeer(*bali_, {}, {}, {Share(kColomboProcess, rcp::common::v1::MEMBERS)}), IsOk());
  }

  absl::StatusOr<ev::Meeting> GetMeeting(Deployment& d, const std::string& key, const std::string& name) {
    ev::GetMeetingRequest req;
    req.set_name(name);
    ev::Meeting m;
    absl::Status s = CallWith(key, [&](auto* c) { return d.events()->GetMeeting(c, req, &m); });
    if (!s.ok()) return s;
    return m;
  }

  absl::StatusOr<ev::Meeting> Create(Deployment& d, const std::string& key, ev::CreateMeetingRequest req) {
    ev::Meeting m;
    absl::Status s = CallWith(key, [&](auto* c) { return d.events()->CreateMeeting(c, req, &m); });
    if (!s.ok()) return s;
    return m;
  }
  absl::StatusOr<ev::Meeting> Update(Deployment& d, const std::string& key, const ev::Meeting& m,
                                     std::vector<std::string> paths) {
    ev::UpdateMeetingRequest req;
    *req.mutable_meeting() = m;
    for (auto& p : paths) req.mutable_update_mask()->add_paths(std::move(p));
    ev::Meeting out;
    absl::Status s = CallWith(key, [&](auto* c) { return d.events()->UpdateMeeting(c, req, &out); });
    if (!s.ok()) return s;
    return out;
  }
  // Whether `d` holds `name` (as its admin sees it).
  bool Holds(Deployment& d, const std::string& name) { return GetMeeting(d, d.Key("admin"), name).ok(); }
  // The peer's status at `d`.
  fv1::PeerStatus StatusAt(Deployment& d, const std::string& peer_id) {
    fv1::ListPeerStatusesResponse statuses;
    (void)CallWith(d.Key("admin"), [&](auto* c) { return d.admin()->ListPeerStatuses(c, {}, &statuses); });
    for (const auto& s : statuses.peers()) {
      if (s.peer() == "federationPeers/" + peer_id) return s;
    }
    return fv1::PeerStatus();
  }

  // Where a mirror that did not arrive stands, for failure messages.
  std::string Diagnose(Deployment& d, const std::string& name) {
    std::string out = absl::StrCat("\nGetMeeting by the admin: ", GetMeeting(d, d.Key("admin"), name).status().ToString());
    fv1::ListPeerStatusesResponse statuses;
    absl::Status s = CallWith(d.Key("admin"), [&](auto* c) { return d.admin()->ListPeerStatuses(c, {}, &statuses); });
    absl::StrAppend(&out, "\npeer statuses (", s.ToString(), "): ", statuses.DebugString());
    return out;
  }

  // The three deployments, with Bali giving its process to Colombo (PUBLIC
  // and MEMBERS), and the IGC pulling from Colombo only: Bali's items reach
  // the IGC through Colombo, as far as Bali allowed. The IGC knows Bali
  // (its address, to fetch its keys from it) without pulling from it.
  void StartRelay(const std::string& igc_pulls_colombo_at = "") {
    bali_ = NewDeployment("bali-process.rcp", "bali-process,apc");
    colombo_ = NewDeployment("colombo-process.rcp", "colombo-process");
    igc_ = NewDeployment("igc.rcp", "igc,budapest-process");
    ASSERT_THAT(bali_->Start(), IsOk());
    ASSERT_THAT(colombo_->Start(), IsOk());
    ASSERT_THAT(igc_->Start(), IsOk());
    ASSERT_THAT(bali_->AddPeer(*colombo_, {kColomboProcess}, {}, {Share(kBaliProcess, rcp::common::v1::MEMBERS)}), IsOk());
    ASSERT_THAT(colombo_->AddPeer(*bali_, {kBaliProcess}, {}, {}), IsOk());
    ASSERT_THAT(colombo_->AddPeer(*igc_, {kIgcProcess}, {},
                                  {Share(kColomboProcess, rcp::common::v1::PUBLIC),
                                   Share(kBaliProcess, rcp::common::v1::MEMBERS)}),
                IsOk());
    ASSERT_THAT(igc_->AddPeer(*colombo_, {kColomboProcess}, {kBaliProcess}, {}, true, igc_pulls_colombo_at), IsOk());
    ASSERT_THAT(igc_->AddPeer(*bali_, {kBaliProcess}, {}, {}, /*enabled=*/false), IsOk());
  }

  void TearDown() override {
    for (auto* d : {&igc_, &colombo_, &bali_}) d->reset();
  }

  rcp::testing::TempDir dir_;
  std::unique_ptr<Deployment> bali_, colombo_, igc_;
};

// Test 1 of issue 10: Indonesia, at Bali, follows a Colombo meeting with its
// one subscription; UNHCR, an observer there, never learns of it.
TEST_F(FederationE2eTest, AMemberSeesAPeersMembersMeetingThroughItsHomeGateway) {
  ASSERT_NO_FATAL_FAILURE(StartBaliAndColombo());
  const std::string indonesia = bali_->Key("indonesia");
  const std::string unhcr = bali_->Key("unhcr-observer");
  // Colombo's register arrives first: Indonesia is a Colombo member at Bali
  // (its principal says so once the gateway reads it again).
  ASSERT_TRUE(Eventually([&] {
    reg::Principal me;
    if (!CallWith(indonesia, [&](auto* c) { return bali_->gateway()->WhoAmI(c, {}, &me); }).ok()) return false;
    for (const auto& r : me.rights()) {
      if (r.process() == kColomboProcess) return true;
    }
    return false;
  })) << bali_->Log(Part::kGateway);
  FeedReader indonesia_feed(bali_->channel(), indonesia);
  FeedReader unhcr_feed(bali_->channel(), unhcr);
  indonesia_feed.Connect();
  unhcr_feed.Connect();
  ASSERT_TRUE(indonesia_feed.WaitForMessages(1));
  ASSERT_TRUE(unhcr_feed.WaitForMessages(1));

  const std::string secretariat = colombo_->Key("colombo-secretariat");
  ASSERT_FALSE(secretariat.empty());
  ev::Meeting created;
  absl::Time t0 = absl::Now();
  ASSERT_THAT(CallWith(secretariat,
                       [&](auto* c) {
                         return colombo_->events()->CreateMeeting(
                             c, NewMeeting(kColomboProcess, "Labour ministers (members only)", rcp::common::v1::MEMBERS),
                             &created);
                       }),
              IsOk());
  ASSERT_TRUE(indonesia_feed.WaitFor(
      [&](const std::vector<Received>& events) {
        for (const auto& e : events) {
          if (e.change.name() == created.name()) return true;
        }
        return false;
      },
      absl::Seconds(2)))
      << "created at Colombo, not at Bali within 2 s: " << Diagnose(*bali_, created.name());
  absl::Duration first = absl::Now() - t0;

  ev::PostponeMeetingRequest postpone;
  postpone.set_name(created.name());
  postpone.set_reason("funding");
  *postpone.mutable_start_time() = TimeUtil::SecondsToTimestamp(1830000000 + 14 * 86400);
  *postpone.mutable_end_time() = TimeUtil::SecondsToTimestamp(1830000000 + 14 * 86400 + 7200);
  ev::Meeting postponed;
  t0 = absl::Now();
  ASSERT_THAT(CallWith(secretariat, [&](auto* c) { return colombo_->events()->PostponeMeeting(c, postpone, &postponed); }),
              IsOk());
  ASSERT_TRUE(indonesia_feed.WaitFor(
      [&](const std::vector<Received>& events) {
        for (const auto& e : events) {
          ev::Meeting m;
          if (e.change.name() == created.name() && e.change.value().UnpackTo(&m) && m.status() == ev::POSTPONED) {
            return true;
          }
        }
        return false;
      },
      absl::Seconds(2)))
      << "postponed at Colombo, not at Bali within 2 s";
  std::cerr << "created → Indonesia at Bali in " << first << ", postponed in " << absl::Now() - t0 << "\n";
  // The mirror says where it comes from.
  for (const auto& e : indonesia_feed.events()) {
    if (e.change.name() == created.name()) {
      EXPECT_EQ(e.change.origin(), "colombo-process.rcp");
      EXPECT_TRUE(e.change.envelope().empty()) << "the envelope is for relays, not subscribers";
    }
  }

  // In Indonesia's calendar feed at Bali, with the origin's UID.
  rcp::gateway::v1::CalendarUrl url;
  ASSERT_THAT(CallWith(indonesia, [&](auto* c) { return bali_->gateway()->GetCalendarUrl(c, {}, &url); }), IsOk());
  std::string path = url.url().substr(url.url().find('/', 8));
  httplib::Client http("127.0.0.1", bali_->http_port());
  auto ics = http.Get(path);
  ASSERT_TRUE(ics) << url.url();
  EXPECT_THAT(ics->body, HasSubstr("Labour ministers (members only)")) << path << "\n" << ics->status;
  // (Long lines are folded: unfolded, the UID reads whole.)
  EXPECT_THAT(absl::StrReplaceAll(ics->body, {{"\r\n ", ""}}),
              HasSubstr("UID:processes.colombo-process.meetings." +
                        created.name().substr(created.name().rfind('/') + 1) + "@colombo-process.rcp"));

  // The peer's state as Prometheus metrics at Bali's gateway.
  httplib::Client metrics("127.0.0.1", bali_->metrics_port());
  auto scraped = metrics.Get("/metrics");
  ASSERT_TRUE(scraped) << bali_->metrics_port();
  EXPECT_THAT(scraped->body, HasSubstr("rcp_federation_peer_connected{peer=\"federationPeers/colombo-process.rcp\"} 1"));
  EXPECT_THAT(scraped->body, HasSubstr("rcp_federation_peer_lag_revisions{peer=\"federationPeers/colombo-process.rcp\"}"));
  EXPECT_THAT(scraped->body, HasSubstr("rcp_federation_origin_lag_seconds{origin=\"colombo-process.rcp\""));
  EXPECT_THAT(scraped->body, HasSubstr("rcp_federation_peer_rejected_envelopes{peer=\"federationPeers/colombo-process.rcp\"} 0"));
  // The first pull was a snapshot, and its completion shows.
  fv1::PeerStatus colombo_at_bali = StatusAt(*bali_, "colombo-process.rcp");
  EXPECT_NE(colombo_at_bali.snapshot_generation(), 0u) << colombo_at_bali.DebugString();
  EXPECT_TRUE(colombo_at_bali.connected()) << colombo_at_bali.DebugString();

  // UNHCR, an observer of Colombo, never sees it: not by Get, not in a list,
  // not in its feed, not in its calendar.
  EXPECT_THAT(GetMeeting(*bali_, unhcr, created.name()), StatusIs(absl::StatusCode::kNotFound, HasSubstr(created.name())));
  ev::ListMeetingsRequest list;
  ev::ListMeetingsResponse listed;
  ASSERT_THAT(CallWith(unhcr, [&](auto* c) { return bali_->events()->ListMeetings(c, list, &listed); }), IsOk());
  for (const auto& m : listed.meetings()) EXPECT_NE(m.name(), created.name());
  EXPECT_FALSE(unhcr_feed.HasName(created.name()));
  rcp::gateway::v1::CalendarUrl unhcr_url;
  ASSERT_THAT(CallWith(unhcr, [&](auto* c) { return bali_->gateway()->GetCalendarUrl(c, {}, &unhcr_url); }), IsOk());
  auto unhcr_ics = http.Get(unhcr_url.url().substr(unhcr_url.url().find('/', 8)));
  ASSERT_TRUE(unhcr_ics);
  EXPECT_THAT(unhcr_ics->body, ::testing::Not(HasSubstr("Labour ministers (members only)")));
}

// Test 7: a mirror is read-only, and the refusal names its home.
TEST_F(FederationE2eTest, AWriteToAMirrorIsRefusedNamingItsHome) {
  ASSERT_NO_FATAL_FAILURE(StartBaliAndColombo());
  const std::string admin = bali_->Key("admin");
  const std::string name = "processes/colombo-process/meetings/ministerial-2027";
  ASSERT_TRUE(Eventually([&] { return GetMeeting(*bali_, admin, name).ok(); })) << bali_->Log(Part::kGateway);
  ev::CancelMeetingRequest cancel;
  cancel.set_name(name);
  cancel.set_reason("not ours to cancel");
  ev::Meeting out;
  EXPECT_THAT(CallWith(admin, [&](auto* c) { return bali_->events()->CancelMeeting(c, cancel, &out); }),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("colombo-process.rcp")));
  reg::CreateMembershipRequest membership;
  membership.set_parent(kColomboProcess);
  membership.mutable_membership()->set_party("parties/AUS");
  membership.mutable_membership()->set_role(reg::OBSERVER);
  reg::Membership m;
  EXPECT_THAT(CallWith(admin, [&](auto* c) { return bali_->registry()->CreateMembership(c, membership, &m); }),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("colombo-process.rcp")));
  // At home it is written as ever.
  EXPECT_THAT(CallWith(colombo_->Key("admin"), [&](auto* c) { return colombo_->events()->CancelMeeting(c, cancel, &out); }),
              IsOk());
}


// Test 6 of issue 10, and its inverse: narrowing a rule from MEMBERS to
// PUBLIC withdraws the peer's mirrors of MEMBERS items (its subscribers get
// WITHDRAWN); widening it again sends them.
TEST_F(FederationE2eTest, NarrowingARuleWithdrawsWhatLeftItAndWideningSendsIt) {
  ASSERT_NO_FATAL_FAILURE(StartBaliAndColombo());
  const std::string secretariat = colombo_->Key("colombo-secretariat");
  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting members, Create(*colombo_, secretariat,
                                                       NewMeeting(kColomboProcess, "Members' session", rcp::common::v1::MEMBERS)));
  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting open, Create(*colombo_, secretariat,
                                                    NewMeeting(kColomboProcess, "Open session", rcp::common::v1::PUBLIC, 3)));
  ASSERT_TRUE(Eventually([&] { return Holds(*bali_, members.name()) && Holds(*bali_, open.name()); }))
      << Diagnose(*bali_, members.name());
  FeedReader admin_feed(bali_->channel(), bali_->Key("admin"));
  admin_feed.Connect();
  ASSERT_TRUE(admin_feed.WaitForMessages(1));

  reg::FederationPeer narrowed;
  *narrowed.add_share_rules() = Share(kColomboProcess, rcp::common::v1::PUBLIC);
  ASSERT_THAT(colombo_->UpdatePeer("bali-process.rcp", narrowed, {"share_rules"}), IsOk());
  ASSERT_TRUE(Eventually([&] { return !Holds(*bali_, members.name()); })) << Diagnose(*bali_, members.name());
  EXPECT_TRUE(Holds(*bali_, open.name()));
  ASSERT_TRUE(admin_feed.WaitFor([&](const std::vector<Received>& events) {
    for (const auto& e : events) {
      if (e.change.name() == members.name() && e.change.operation() == Change::WITHDRAWN) return true;
    }
    return false;
  })) << "no WITHDRAWN at Bali";
  for (const auto& e : admin_feed.events()) {
    if (e.change.operation() == Change::WITHDRAWN) EXPECT_FALSE(e.change.has_value()) << e.change.name();
    EXPECT_NE(e.change.name(), open.name()) << "the open session did not change";
  }

  // An update at the origin that takes an item out of the share is a
  // withdrawal too (invariant 2).
  ev::Meeting closing = open;
  closing.set_visibility(rcp::common::v1::MEMBERS);
  ASSERT_THAT(Update(*colombo_, secretariat, closing, {"visibility"}), IsOk());
  ASSERT_TRUE(Eventually([&] { return !Holds(*bali_, open.name()); })) << Diagnose(*bali_, open.name());

  reg::FederationPeer widened;
  *widened.add_share_rules() = Share(kColomboProcess, rcp::common::v1::MEMBERS);
  ASSERT_THAT(colombo_->UpdatePeer("bali-process.rcp", widened, {"share_rules"}), IsOk());
  ASSERT_TRUE(Eventually([&] { return Holds(*bali_, members.name()) && Holds(*bali_, open.name()); }))
      << Diagnose(*bali_, members.name());
}

// Removing a peer: it is sent nothing (it drops what it held of ours), and
// what it gave here goes.
TEST_F(FederationE2eTest, RemovingAPeerWithdrawsEverythingBothWays) {
  ASSERT_NO_FATAL_FAILURE(StartBaliAndColombo());
  ASSERT_THAT(bali_->UpdatePeer("colombo-process.rcp",
                                [] {
                                  reg::FederationPeer p;
                                  *p.add_share_rules() = Share(kBaliProcess, rcp::common::v1::PUBLIC);
                                  return p;
                                }(),
                                {"share_rules"}),
              IsOk());
  ASSERT_THAT(colombo_->UpdatePeer("bali-process.rcp",
                                   [] {
                                     reg::FederationPeer p;
                                     p.add_home_processes(kBaliProcess);
                                     *p.add_share_rules() = Share(kColomboProcess, rcp::common::v1::MEMBERS);
                                     return p;
                                   }(),
                                   {"home_processes", "share_rules"}),
              IsOk());
  const std::string colombo_meeting = "processes/colombo-process/meetings/ministerial-2027";
  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting bali_meeting, Create(*bali_, bali_->Key("bali-secretariat"),
                                                            NewMeeting(kBaliProcess, "Bali open day", rcp::common::v1::PUBLIC)));
  ASSERT_TRUE(Eventually([&] { return Holds(*bali_, colombo_meeting) && Holds(*colombo_, bali_meeting.name()); }));
  ASSERT_THAT(colombo_->RemovePeer("bali-process.rcp"), IsOk());
  // Colombo drops what Bali gave; Bali, refused, drops what Colombo gave.
  EXPECT_TRUE(Eventually([&] { return !Holds(*colombo_, bali_meeting.name()); }));
  EXPECT_TRUE(Eventually([&] { return !Holds(*bali_, colombo_meeting); })) << Diagnose(*bali_, colombo_meeting);
}

// An item's audience is judged at the receiver by the same rule as its own
// items: Colombo's RESTRICTED meeting for an organisation of its own never
// admits Bali's organisation of the same slug (a Colombo "ngo-x" is not a
// Bali "ngo-x").
TEST_F(FederationE2eTest, AnOrganisationOfAnotherDeploymentIsNotTheLocalOneOfTheSameSlug) {
  ASSERT_NO_FATAL_FAILURE(StartBaliAndColombo());
  for (Deployment* d : {bali_.get(), colombo_.get()}) {
    reg::CreatePartyRequest party;
    party.set_party_id("ngo-x");
    party.mutable_party()->set_type(reg::Party::ORGANIZATION);
    party.mutable_party()->set_display_name(absl::StrCat("NGO X of ", d->id()));
    reg::Party created;
    ASSERT_THAT(CallWith(d->Key("admin"), [&](auto* c) { return d->registry()->CreateParty(c, party, &created); }), IsOk());
  }
  // Colombo's ngo-x is a member there; Bali's holds a key at Bali.
  reg::CreateMembershipRequest membership;
  membership.set_parent(kColomboProcess);
  membership.mutable_membership()->set_party("parties/ngo-x");
  membership.mutable_membership()->set_role(reg::OBSERVER);
  reg::Membership m;
  ASSERT_THAT(CallWith(colombo_->Key("admin"), [&](auto* c) { return colombo_->registry()->CreateMembership(c, membership, &m); }),
              IsOk());
  ev::CreateMeetingRequest restricted = NewMeeting(kColomboProcess, "Consultation with NGO X", rcp::common::v1::RESTRICTED);
  restricted.mutable_meeting()->add_restricted_parties("parties/ngo-x");
  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting meeting, Create(*colombo_, colombo_->Key("colombo-secretariat"), restricted));
  reg::FederationPeer restricted_rule;
  *restricted_rule.add_share_rules() = Share(kColomboProcess, rcp::common::v1::RESTRICTED);
  ASSERT_THAT(colombo_->UpdatePeer("bali-process.rcp", restricted_rule, {"share_rules"}), IsOk());
  ASSERT_TRUE(Eventually([&] { return Holds(*bali_, meeting.name()); })) << Diagnose(*bali_, meeting.name());
  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting mirror, GetMeeting(*bali_, bali_->Key("admin"), meeting.name()));
  ASSERT_EQ(mirror.restricted_parties_size(), 1);
  EXPECT_EQ(mirror.restricted_parties(0), "parties/ngo-x@colombo-process.rcp");
  RCP_ASSERT_OK_AND_ASSIGN(std::string local_ngo, bali_->NewKey("parties/ngo-x"));
  EXPECT_THAT(GetMeeting(*bali_, local_ngo, meeting.name()), StatusIs(absl::StatusCode::kNotFound, HasSubstr(meeting.name())));
  // Colombo's organisation is a party of its own at Bali, and its membership
  // names it.
  reg::GetPartyRequest get;
  get.set_name("parties/ngo-x@colombo-process.rcp");
  reg::Party foreign;
  ASSERT_TRUE(Eventually([&] {
    return CallWith(bali_->Key("admin"), [&](auto* c) { return bali_->registry()->GetParty(c, get, &foreign); }).ok();
  }));
  EXPECT_EQ(foreign.display_name(), "NGO X of colombo-process.rcp");
  reg::GetMembershipRequest get_membership;
  get_membership.set_name(m.name());
  reg::Membership mirrored;
  ASSERT_THAT(CallWith(bali_->Key("admin"), [&](auto* c) { return bali_->registry()->GetMembership(c, get_membership, &mirrored); }),
              IsOk());
  EXPECT_EQ(mirrored.party(), "parties/ngo-x@colombo-process.rcp");
  // UNHCR, on the shared list, is the same party on both sides.
  reg::GetPartyRequest unhcr;
  unhcr.set_name("parties/unhcr@colombo-process.rcp");
  EXPECT_THAT(CallWith(bali_->Key("admin"), [&](auto* c) { return bali_->registry()->GetParty(c, unhcr, &foreign); }),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("unhcr")));
}

// FetchContent is authorized like a download by that peer: content of a
// document not shared with it is NOT_FOUND, as for one that does not exist;
// a caller that is no peer is refused.
TEST_F(FederationE2eTest, FetchContentOfWhatThePeerWasNeverGivenIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(StartBaliAndColombo());
  doc::CreateDocumentRequest create;
  create.set_parent(kColomboProcess);
  create.set_document_id("restricted-note");
  create.mutable_document()->set_symbol("CP/2027/RESTRICTED/1");
  create.mutable_document()->set_title("A note for two members");
  create.mutable_document()->set_kind(doc::BACKGROUND_PAPER);
  create.mutable_document()->set_visibility(rcp::common::v1::RESTRICTED);
  create.mutable_document()->add_restricted_parties("parties/PHL");
  doc::Document d;
  ASSERT_THAT(CallWith(colombo_->Key("admin"), [&](auto* c) { return colombo_->documents()->CreateDocument(c, create, &d); }),
              IsOk());
  auto fetch = [&](const std::string& as) {
    auto channel = grpc::CreateChannel(colombo_->peer_address(), grpc::InsecureChannelCredentials());
    auto stub = fv1::Federation::NewStub(channel);
    grpc::ClientContext c;
    c.AddMetadata("x-rcp-peer", as);
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    fv1::FetchContentRequest req;
    req.set_document(d.name());
    req.set_language("en");
    auto reader = stub->FetchContent(&c, req);
    fv1::ContentChunk chunk;
    while (reader->Read(&chunk)) {
    }
    grpc::Status s = reader->Finish();
    return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
  };
  EXPECT_THAT(fetch("bali-process.rcp"), StatusIs(absl::StatusCode::kNotFound, HasSubstr(d.name() + " not found")));
  EXPECT_THAT(fetch("igc.rcp"), StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("not a peer")));
  // A document that does not exist answers the same as the hidden one.
  d.set_name("processes/colombo-process/documents/no-such");
  EXPECT_THAT(fetch("bali-process.rcp"), StatusIs(absl::StatusCode::kNotFound, HasSubstr(d.name() + " not found")));
}


// Test 4 of issue 10: the IGC is not peered with Bali, pulls Bali's items
// through Colombo, and verifies Bali's own signatures on them (keys
// fetched from Bali itself). Bali's MEMBERS items go no further than Bali
// named: Colombo's rule for the IGC would allow them, Bali's envelope does
// not, until Bali shares with the IGC too.
TEST_F(FederationE2eTest, ARelayForwardsAnOriginsItemsOnlyAsFarAsTheOriginAllows) {
  ASSERT_NO_FATAL_FAILURE(StartRelay());
  const std::string secretariat = bali_->Key("bali-secretariat");
  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting open, Create(*bali_, secretariat,
                                                    NewMeeting(kBaliProcess, "Bali open forum", rcp::common::v1::PUBLIC)));
  const std::string som = "processes/bali-process/meetings/som-2027-02";  // MEMBERS, seeded
  ASSERT_TRUE(Eventually([&] { return Holds(*igc_, open.name()); })) << Diagnose(*igc_, open.name());
  EXPECT_TRUE(Holds(*colombo_, som)) << "Colombo is named";
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_FALSE(Holds(*igc_, som)) << "the IGC is not named by Bali";
  // The mirror at the IGC carries Bali's envelope, as Bali signed it.
  auto replica = igc_->ReplicaOf(Part::kEvents);
  grpc::ClientContext c;
  igc_->Internal(&c);
  fv1::GetItemRequest get;
  get.set_name(open.name());
  get.set_kind("meeting");
  fv1::StoredItem stored;
  ASSERT_TRUE(replica->GetItem(&c, get, &stored).ok());
  EXPECT_EQ(stored.mirror().envelope().origin(), "bali-process.rcp");
  fv1::ServerKeys bali_keys;
  ASSERT_THAT(CallWith("", [&](auto* cc) {
                return fv1::Federation::NewStub(bali_->channel())->GetServerKeys(cc, {}, &bali_keys);
              }),
              IsOk());
  EXPECT_EQ(stored.mirror().envelope().key_id(), bali_keys.keys(0).key_id());
  ASSERT_EQ(stored.mirror().sources_size(), 1);
  EXPECT_EQ(stored.mirror().sources(0).source(), "federationPeers/colombo-process.rcp");

  // Bali names the IGC too (a rule for it), and the next version of the
  // meeting carries it: Colombo relays it now.
  ASSERT_THAT(bali_->AddPeer(*igc_, {kIgcProcess}, {}, {Share(kBaliProcess, rcp::common::v1::MEMBERS)}), IsOk());
  std::this_thread::sleep_for(std::chrono::seconds(1));  // the rule reaches Bali's gateway
  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting current, GetMeeting(*bali_, secretariat, som));
  current.set_description("Agenda circulated to members.");
  ASSERT_THAT(Update(*bali_, secretariat, current, {"description"}), IsOk());
  EXPECT_TRUE(Eventually([&] { return Holds(*igc_, som); })) << Diagnose(*igc_, som);
}

// A relay that alters one byte of an origin's envelope is caught at the
// receiver: nothing of it is applied, the source stalls, its status says
// why and counts the refusal. Pulled from the honest relay, it all arrives.
TEST_F(FederationE2eTest, AnEnvelopeAlteredByARelayIsRefusedAndStallsThatSource) {
  bali_ = NewDeployment("bali-process.rcp", "bali-process,apc");
  colombo_ = NewDeployment("colombo-process.rcp", "colombo-process");
  ASSERT_THAT(bali_->Start(), IsOk());
  ASSERT_THAT(colombo_->Start(), IsOk());
  TamperingRelay relay(colombo_->peer_address(), "bali-process.rcp", "colombo-process.rcp");
  ASSERT_THAT(colombo_->AddPeer(*bali_, {}, {}, {Share(kColomboProcess, rcp::common::v1::PUBLIC)}), IsOk());
  ASSERT_THAT(bali_->AddPeer(*colombo_, {kColomboProcess}, {}, {}, true, relay.address()), IsOk());
  const std::string ministerial = "processes/colombo-process/meetings/ministerial-2027";
  ASSERT_TRUE(Eventually([&] { return StatusAt(*bali_, "colombo-process.rcp").rejected_envelopes() > 0; }))
      << Diagnose(*bali_, ministerial);
  fv1::PeerStatus stalled = StatusAt(*bali_, "colombo-process.rcp");
  EXPECT_THAT(stalled.last_error(), HasSubstr("signature"));
  EXPECT_GT(relay.tampered(), 0);
  EXPECT_FALSE(Holds(*bali_, ministerial));
  reg::GetProcessRequest process;
  process.set_name(kColomboProcess);
  reg::Process p;
  EXPECT_THAT(CallWith(bali_->Key("admin"), [&](auto* c) { return bali_->registry()->GetProcess(c, process, &p); }),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(kColomboProcess)))
      << "nothing of the refused response is applied";
  // Pointed at Colombo itself, replication resumes from the checkpoint.
  reg::FederationPeer direct;
  direct.set_address(colombo_->peer_address());
  ASSERT_THAT(bali_->UpdatePeer("colombo-process.rcp", direct, {"address"}), IsOk());
  EXPECT_TRUE(Eventually([&] { return Holds(*bali_, ministerial); })) << Diagnose(*bali_, ministerial);
  EXPECT_TRUE(Eventually([&] { return StatusAt(*bali_, "colombo-process.rcp").last_error().empty(); }));
}

// Keys are trusted from their origin, never because a relay has them: the
// IGC, knowing nothing of Bali, refuses Bali's envelopes relayed by
// Colombo; once it knows where Bali is, it fetches Bali's keys from Bali and
// takes them.
TEST_F(FederationE2eTest, AnOriginsKeysAreNeverTakenFromARelay) {
  bali_ = NewDeployment("bali-process.rcp", "bali-process,apc");
  colombo_ = NewDeployment("colombo-process.rcp", "colombo-process");
  igc_ = NewDeployment("igc.rcp", "igc,budapest-process");
  ASSERT_THAT(bali_->Start(), IsOk());
  ASSERT_THAT(colombo_->Start(), IsOk());
  ASSERT_THAT(igc_->Start(), IsOk());
  ASSERT_THAT(bali_->AddPeer(*colombo_, {}, {}, {Share(kBaliProcess, rcp::common::v1::PUBLIC)}), IsOk());
  ASSERT_THAT(colombo_->AddPeer(*bali_, {kBaliProcess}, {}, {}), IsOk());
  ASSERT_THAT(colombo_->AddPeer(*igc_, {}, {}, {Share(kBaliProcess, rcp::common::v1::PUBLIC)}), IsOk());
  // The IGC pins Bali as the home of its process, but has no way to its keys.
  ASSERT_THAT(igc_->AddPeer(*colombo_, {kColomboProcess}, {kBaliProcess}, {}), IsOk());
  reg::CreateFederationPeerRequest bali_entry;
  bali_entry.set_peer_id("bali-process.rcp");
  bali_entry.mutable_federation_peer()->add_home_processes(kBaliProcess);
  reg::FederationPeer created;
  ASSERT_THAT(CallWith(igc_->Key("admin"), [&](auto* c) { return igc_->registry()->CreateFederationPeer(c, bali_entry, &created); }),
              IsOk());
  ASSERT_TRUE(Eventually([&] { return !StatusAt(*igc_, "colombo-process.rcp").last_error().empty(); }));
  EXPECT_THAT(StatusAt(*igc_, "colombo-process.rcp").last_error(), HasSubstr("bali-process.rcp"));
  EXPECT_FALSE(Holds(*igc_, "processes/bali-process/meetings/friends-of-the-chair-2027-02"));
  reg::FederationPeer address;
  address.set_address(bali_->peer_address());
  ASSERT_THAT(igc_->UpdatePeer("bali-process.rcp", address, {"address"}), IsOk());
  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting open, Create(*bali_, bali_->Key("bali-secretariat"),
                                                    NewMeeting(kBaliProcess, "Bali open forum", rcp::common::v1::PUBLIC)));
  EXPECT_TRUE(Eventually([&] { return Holds(*igc_, open.name()); })) << Diagnose(*igc_, open.name());
}

// An envelope whose origin is not the pinned home of its process is never
// applied: the IGC, making a "colombo-process" of its own, cannot pass it
// off as Colombo's at Bali.
TEST_F(FederationE2eTest, AnEnvelopeWhoseOriginIsNotItsProcesssHomeIsRefused) {
  bali_ = NewDeployment("bali-process.rcp", "bali-process,apc");
  igc_ = NewDeployment("igc.rcp", "igc,budapest-process");
  ASSERT_THAT(bali_->Start(), IsOk());
  ASSERT_THAT(igc_->Start(), IsOk());
  reg::CreateProcessRequest impostor;
  impostor.set_process_id("colombo-process");
  impostor.mutable_process()->set_display_name("Not the Colombo Process");
  impostor.mutable_process()->set_acronym("CP");
  reg::Process made;
  ASSERT_THAT(CallWith(igc_->Key("admin"), [&](auto* c) { return igc_->registry()->CreateProcess(c, impostor, &made); }),
              IsOk());
  EXPECT_EQ(made.home(), "igc.rcp");
  ASSERT_THAT(igc_->AddPeer(*bali_, {}, {}, {Share("processes/-", rcp::common::v1::PUBLIC)}), IsOk());
  // Bali pins colombo-process to Colombo, and would take it from the IGC as
  // a relay.
  reg::CreateFederationPeerRequest colombo_entry;
  colombo_entry.set_peer_id("colombo-process.rcp");
  colombo_entry.mutable_federation_peer()->add_home_processes(kColomboProcess);
  reg::FederationPeer created;
  ASSERT_THAT(CallWith(bali_->Key("admin"), [&](auto* c) { return bali_->registry()->CreateFederationPeer(c, colombo_entry, &created); }),
              IsOk());
  ASSERT_THAT(bali_->AddPeer(*igc_, {kIgcProcess}, {kColomboProcess}, {}), IsOk());
  ASSERT_TRUE(Eventually([&] { return StatusAt(*bali_, "igc.rcp").rejected_envelopes() > 0; })) << Diagnose(*bali_, "");
  EXPECT_THAT(StatusAt(*bali_, "igc.rcp").last_error(),
              AllOf(HasSubstr("igc.rcp is not the home of processes/colombo-process"), HasSubstr("colombo-process.rcp")));
  reg::GetProcessRequest get;
  get.set_name(kColomboProcess);
  reg::Process p;
  EXPECT_THAT(CallWith(bali_->Key("admin"), [&](auto* c) { return bali_->registry()->GetProcess(c, get, &p); }),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(kColomboProcess)));
}

// Test 5: in a ring Bali → Colombo → IGC → Bali (each pulls from the one
// before it, and relays), every item is applied exactly once at each
// deployment, and an item never comes back to its origin as a mirror.
TEST_F(FederationE2eTest, InARingEveryItemIsAppliedOncePerDeployment) {
  bali_ = NewDeployment("bali-process.rcp", "bali-process,apc");
  colombo_ = NewDeployment("colombo-process.rcp", "colombo-process");
  igc_ = NewDeployment("igc.rcp", "igc,budapest-process");
  for (auto* d : {bali_.get(), colombo_.get(), igc_.get()}) ASSERT_THAT(d->Start(), IsOk());
  const std::vector<reg::ShareRule> everything = {Share("processes/-", rcp::common::v1::PUBLIC)};
  // Each pulls from the one before it, relaying the one before that…
  ASSERT_THAT(colombo_->AddPeer(*bali_, {kBaliProcess}, {kIgcProcess}, {}), IsOk());
  ASSERT_THAT(igc_->AddPeer(*colombo_, {kColomboProcess}, {kBaliProcess}, {}), IsOk());
  ASSERT_THAT(bali_->AddPeer(*igc_, {kIgcProcess}, {kColomboProcess}, {}), IsOk());
  // …and sends everything to the one after it, which it does not pull
  // from (its address serves for its keys).
  ASSERT_THAT(bali_->AddPeer(*colombo_, {kColomboProcess}, {}, everything, true, "", /*send_only=*/true), IsOk());
  ASSERT_THAT(colombo_->AddPeer(*igc_, {kIgcProcess}, {}, everything, true, "", /*send_only=*/true), IsOk());
  ASSERT_THAT(igc_->AddPeer(*bali_, {kBaliProcess}, {}, everything, true, "", /*send_only=*/true), IsOk());
  std::vector<std::unique_ptr<FeedReader>> feeds;
  for (auto* d : {bali_.get(), colombo_.get(), igc_.get()}) {
    feeds.push_back(std::make_unique<FeedReader>(d->channel(), d->Key("admin")));
    feeds.back()->Connect();
    ASSERT_TRUE(feeds.back()->WaitForMessages(1));
  }
  std::vector<std::string> names;
  for (auto [d, process] : {std::pair{bali_.get(), kBaliProcess}, std::pair{colombo_.get(), kColomboProcess},
                            std::pair{igc_.get(), kIgcProcess}}) {
    RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting m, Create(*d, d->Key("admin"), NewMeeting(process, "Round table", rcp::common::v1::PUBLIC)));
    names.push_back(m.name());
  }
  for (auto* d : {bali_.get(), colombo_.get(), igc_.get()}) {
    for (const auto& name : names) ASSERT_TRUE(Eventually([&] { return Holds(*d, name); })) << d->id() << " " << name;
  }
  std::this_thread::sleep_for(std::chrono::seconds(3));  // any second path has had its time
  for (size_t i = 0; i < feeds.size(); ++i) {
    for (const auto& name : names) {
      int created = 0, other = 0;
      for (const auto& e : feeds[i]->events()) {
        if (e.change.name() != name) continue;
        (e.change.operation() == Change::CREATED ? created : other)++;
      }
      EXPECT_EQ(created, 1) << name << " at deployment " << i;
      EXPECT_EQ(other, 0) << name << " changed again at deployment " << i;
    }
  }
  // No mirror of its own item at its origin.
  auto replica = bali_->ReplicaOf(Part::kEvents);
  grpc::ClientContext c;
  bali_->Internal(&c);
  fv1::GetItemRequest get;
  get.set_name(names[0]);
  get.set_kind("meeting");
  fv1::StoredItem own;
  ASSERT_TRUE(replica->GetItem(&c, get, &own).ok());
  EXPECT_FALSE(own.has_mirror());
}


// Test 9, and a key revoked: what Colombo signed before rotating its key
// keeps verifying (at the IGC, which gets it from Bali as Colombo signed it
// then), what it signs after is signed with the new key, an unknown key id
// is refused, and a revocation makes Colombo sign every live item again,
// which relays pass on.
TEST_F(FederationE2eTest, ItemsSignedWithARotatedKeyVerifyAndARevokedKeysItemsAreSignedAgain) {
  bali_ = NewDeployment("bali-process.rcp", "bali-process,apc");
  colombo_ = NewDeployment("colombo-process.rcp", "colombo-process");
  igc_ = NewDeployment("igc.rcp", "igc,budapest-process");
  for (auto* d : {bali_.get(), colombo_.get(), igc_.get()}) ASSERT_THAT(d->Start(), IsOk());
  ASSERT_THAT(colombo_->AddPeer(*bali_, {kBaliProcess}, {}, {Share(kColomboProcess, rcp::common::v1::PUBLIC)}), IsOk());
  ASSERT_THAT(bali_->AddPeer(*colombo_, {kColomboProcess}, {}, {}), IsOk());
  const std::string ministerial = "processes/colombo-process/meetings/ministerial-2027";
  ASSERT_TRUE(Eventually([&] { return Holds(*bali_, ministerial); })) << Diagnose(*bali_, ministerial);
  auto key_of = [&](Deployment& d, const std::string& name) {
    auto replica = d.ReplicaOf(Part::kEvents);
    grpc::ClientContext c;
    d.Internal(&c);
    fv1::GetItemRequest get;
    get.set_name(name);
    get.set_kind("meeting");
    fv1::StoredItem stored;
    return replica->GetItem(&c, get, &stored).ok() ? stored.mirror().envelope().key_id() : std::string("<none>");
  };
  const std::string first_key = key_of(*bali_, ministerial);

  fv1::ServerKeys rotated;
  ASSERT_THAT(CallWith(colombo_->Key("admin"), [&](auto* c) { return colombo_->admin()->RotateKey(c, {}, &rotated); }),
              IsOk());
  ASSERT_EQ(rotated.keys_size(), 2);
  ASSERT_EQ(rotated.keys(1).key_id(), first_key);
  EXPECT_GT(rotated.keys(1).signed_through_size(), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // every replica signs with the new key
  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting after, Create(*colombo_, colombo_->Key("admin"),
                                                     NewMeeting(kColomboProcess, "After the rotation", rcp::common::v1::PUBLIC)));
  ASSERT_TRUE(Eventually([&] { return Holds(*bali_, after.name()); })) << Diagnose(*bali_, after.name());
  EXPECT_EQ(key_of(*bali_, after.name()), rotated.keys(0).key_id()) << "the new key, fetched again when met";
  EXPECT_EQ(key_of(*bali_, ministerial), first_key) << "kept as it was signed";

  // The IGC joins now and gets both from Bali, each verified with the key
  // that signed it; through a relay that makes up a key id, nothing.
  TamperingRelay relay(bali_->peer_address(), "igc.rcp", "colombo-process.rcp", TamperingRelay::Tamper::kUnknownKey);
  ASSERT_THAT(bali_->AddPeer(*igc_, {}, {}, {Share(kColomboProcess, rcp::common::v1::PUBLIC)}, true, "", /*send_only=*/true),
              IsOk());
  ASSERT_THAT(igc_->AddPeer(*colombo_, {kColomboProcess}, {}, {}, /*enabled=*/false), IsOk());
  ASSERT_THAT(igc_->AddPeer(*bali_, {kBaliProcess}, {kColomboProcess}, {}, true, relay.address()), IsOk());
  ASSERT_TRUE(Eventually([&] { return StatusAt(*igc_, "bali-process.rcp").rejected_envelopes() > 0; }));
  EXPECT_THAT(StatusAt(*igc_, "bali-process.rcp").last_error(), HasSubstr("has no key ed25519:0123456789abcdef"));
  EXPECT_FALSE(Holds(*igc_, ministerial));
  reg::FederationPeer honest;
  honest.set_address(bali_->peer_address());
  ASSERT_THAT(igc_->UpdatePeer("bali-process.rcp", honest, {"address"}), IsOk());
  ASSERT_TRUE(Eventually([&] { return Holds(*igc_, ministerial) && Holds(*igc_, after.name()); }))
      << Diagnose(*igc_, ministerial);
  EXPECT_EQ(key_of(*igc_, ministerial), first_key);

  // Revoked: the current key signs nothing trusted any more; Colombo signs
  // its items again with a fresh key, and Bali relays them on.
  fv1::RotateKeyRequest revoke;
  revoke.set_revoke(true);
  fv1::ServerKeys after_revocation;
  ASSERT_THAT(CallWith(colombo_->Key("admin"),
                       [&](auto* c) { return colombo_->admin()->RotateKey(c, revoke, &after_revocation); }),
              IsOk());
  ASSERT_TRUE(after_revocation.keys(1).revoked());
  const std::string fresh = after_revocation.keys(0).key_id();
  EXPECT_TRUE(Eventually([&] { return key_of(*bali_, after.name()) == fresh && key_of(*bali_, ministerial) == fresh; },
                         absl::Seconds(30)))
      << key_of(*bali_, after.name()) << Diagnose(*bali_, after.name());
  EXPECT_TRUE(Eventually([&] { return key_of(*igc_, after.name()) == fresh; }, absl::Seconds(30)))
      << Diagnose(*igc_, after.name());
}


// Peers talk mTLS: each certificate names its deployment id, the CA is the
// peers'. A peer is known by its certificate (a pinned fingerprint must
// match it), and a server that is not the peer it was reached as is
// refused by the handshake.
TEST_F(FederationE2eTest, PeersTalkMutualTlsAndAreKnownByTheirCertificates) {
  const std::string certs = dir_.Sub("certs");
  ASSERT_EQ(std::system(absl::StrCat(RCP_SOURCE_DIR, "/deploy/make-certs.sh ", certs,
                                     " bali-process.rcp colombo-process.rcp igc.rcp")
                            .c_str()),
            0);
  auto tls = [&](const std::string& id, const std::string& homes) {
    DeploymentOptions o;
    o.id = id;
    o.home_processes = homes;
    o.peer_tls_dir = certs;
    return std::make_unique<Deployment>(dir_.Sub(id), o);
  };
  bali_ = tls("bali-process.rcp", "bali-process,apc");
  colombo_ = tls("colombo-process.rcp", "colombo-process");
  igc_ = tls("igc.rcp", "igc,budapest-process");
  for (auto* d : {bali_.get(), colombo_.get(), igc_.get()}) ASSERT_THAT(d->Start(), IsOk());
  ASSERT_THAT(colombo_->AddPeer(*bali_, {}, {}, {Share(kColomboProcess, rcp::common::v1::PUBLIC)}), IsOk());
  ASSERT_THAT(bali_->AddPeer(*colombo_, {kColomboProcess}, {}, {}), IsOk());
  const std::string ministerial = "processes/colombo-process/meetings/ministerial-2027";
  ASSERT_TRUE(Eventually([&] { return Holds(*bali_, ministerial); })) << Diagnose(*bali_, ministerial);

  // Reached at Bali's address as if it were Colombo, the server's
  // certificate names another deployment: no handshake, nothing taken.
  ASSERT_THAT(igc_->AddPeer(*colombo_, {kColomboProcess}, {}, {}, true, bali_->peer_address()), IsOk());
  ASSERT_TRUE(Eventually([&] { return !StatusAt(*igc_, "colombo-process.rcp").last_error().empty(); }));
  EXPECT_FALSE(Holds(*igc_, ministerial));

  // Colombo pins a certificate of Bali's by its fingerprint: Bali, whose
  // certificate is another, is no longer admitted (its stream is ended and
  // the next one refused).
  reg::FederationPeer pinned;
  pinned.set_credential_fingerprint(std::string(64, 'a'));
  ASSERT_THAT(colombo_->UpdatePeer("bali-process.rcp", pinned, {"credential_fingerprint"}), IsOk());
  ASSERT_THAT(Create(*colombo_, colombo_->Key("admin"), NewMeeting(kColomboProcess, "After the pin", rcp::common::v1::PUBLIC)),
              IsOk());
  ASSERT_TRUE(Eventually([&] { return StatusAt(*bali_, "colombo-process.rcp").last_error().find("not a peer") != std::string::npos; }))
      << StatusAt(*bali_, "colombo-process.rcp").DebugString();

  // A plaintext caller gets nothing from a TLS peer endpoint.
  auto plain = fv1::Federation::NewStub(grpc::CreateChannel(colombo_->peer_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext c;
  c.AddMetadata("x-rcp-peer", "bali-process.rcp");
  c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  fv1::ServerKeys keys;
  EXPECT_FALSE(plain->GetServerKeys(&c, {}, &keys).ok());
}

}  // namespace
}  // namespace rcp
