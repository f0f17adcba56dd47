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
using ::rcp::testing::Received;
using ::rcp::testing::Share;
using ::rcp::testing::StatusIs;
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

  // Where a mirror that did not arrive stands, for failure messages.
  std::string Diagnose(Deployment& d, const std::string& name) {
    std::string out = absl::StrCat("\nGetMeeting by the admin: ", GetMeeting(d, d.Key("admin"), name).status().ToString());
    fv1::ListPeerStatusesResponse statuses;
    absl::Status s = CallWith(d.Key("admin"), [&](auto* c) { return d.admin()->ListPeerStatuses(c, {}, &statuses); });
    absl::StrAppend(&out, "\npeer statuses (", s.ToString(), "): ", statuses.DebugString());
    return out;
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
  httplib::Client http("127.0.0.1", bali_->calendar_port());
  auto ics = http.Get(path);
  ASSERT_TRUE(ics) << url.url();
  EXPECT_THAT(ics->body, HasSubstr("Labour ministers (members only)")) << path << "\n" << ics->status;
  // (Long lines are folded: unfolded, the UID reads whole.)
  EXPECT_THAT(absl::StrReplaceAll(ics->body, {{"\r\n ", ""}}),
              HasSubstr("UID:processes.colombo-process.meetings." +
                        created.name().substr(created.name().rfind('/') + 1) + "@colombo-process.rcp"));

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

}  // namespace
}  // namespace rcp
