// Federation when things go wrong, with real daemons: links cut, daemons
// killed with SIGKILL in the middle of applying, a store restored from a
// backup, a registry that stops answering, content too large for memory.
// Convergence is checked with a digest per (origin, store) on each side.
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto/crypto.h"
#include "common/status/status.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "tests/e2e/harness/deployment.h"
#include "tests/e2e/harness/feed_reader.h"
#include "tests/e2e/harness/tcp_proxy.h"

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
using ::rcp::testing::TcpProxy;
using ::testing::HasSubstr;
namespace ev = ::rcp::events::v1;
namespace doc = ::rcp::documents::v1;
namespace fv1 = ::rcp::federation::v1;
namespace reg = ::rcp::registry::v1;
using Part = Deployment::Part;
using rcp::common::v1::Change;

constexpr char kColomboProcess[] = "processes/colombo-process";

bool Eventually(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(60)) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

ev::CreateMeetingRequest NewMeeting(const std::string& title, rcp::common::v1::Visibility visibility, int i) {
  ev::CreateMeetingRequest req;
  auto* m = req.mutable_meeting();
  m->add_processes(kColomboProcess);
  m->set_title(title);
  m->set_kind(ev::WORKING_GROUP);
  m->set_time_zone("Asia/Colombo");
  int64_t start = 1830000000 + int64_t{i} * 3600;
  *m->mutable_start_time() = TimeUtil::SecondsToTimestamp(start);
  *m->mutable_end_time() = TimeUtil::SecondsToTimestamp(start + 1800);
  m->set_visibility(visibility);
  return req;
}

// A process's resident set now, and at its peak, in bytes.
int64_t StatusField(pid_t pid, const std::string& field) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1)) * 1024;
  }
  return -1;
}

class FederationResilienceTest : public ::testing::Test {
 protected:
  std::unique_ptr<Deployment> NewDeployment(const std::string& id, const std::string& homes,
                                            std::vector<std::string> gateway_flags = {}) {
    DeploymentOptions o;
    o.id = id;
    o.home_processes = homes;
    o.gateway_flags = std::move(gateway_flags);
    return std::make_unique<Deployment>(dir_.Sub(id), o);
  }

  // Bali pulls Colombo (through `link`, a proxy made here, when given),
  // which shares its process with Bali whole (RESTRICTED names Bali).
  void StartPair(std::unique_ptr<TcpProxy>* link = nullptr, std::vector<std::string> bali_gateway_flags = {}) {
    bali_ = NewDeployment("bali-process.rcp", "bali-process,apc", std::move(bali_gateway_flags));
    colombo_ = NewDeployment("colombo-process.rcp", "colombo-process");
    ASSERT_THAT(bali_->Start(), IsOk());
    ASSERT_THAT(colombo_->Start(), IsOk());
    std::string via;
    if (link != nullptr) {
      *link = std::make_unique<TcpProxy>(colombo_->peer_address());
      via = (*link)->address();
    }
    ASSERT_THAT(colombo_->AddPeer(*bali_, {}, {}, {Share(kColomboProcess, rcp::common::v1::RESTRICTED)}), IsOk());
    ASSERT_THAT(bali_->AddPeer(*colombo_, {kColomboProcess}, {}, {}, true, via), IsOk());
  }

  // Whether Bali holds exactly Colombo's items of `store`: the digest of
  // Bali's mirrors of Colombo equals Colombo's own.
  bool Converged(Part store) {
    auto mirrors = bali_->Digests(store);
    auto own = colombo_->Digests(store);
    if (!mirrors.ok() || !own.ok()) return false;
    auto m = mirrors->find("colombo-process.rcp");
    auto o = own->find("");
    if (o == own->end()) return m == mirrors->end();
    return m != mirrors->end() && m->second.digest() == o->second.digest() && m->second.items() == o->second.items();
  }
  std::string Digests(Part store) {
    fv1::ListPeerStatusesResponse statuses;
    (void)CallWith(bali_->Key("admin"), [&](auto* c) { return bali_->admin()->ListPeerStatuses(c, {}, &statuses); });
    std::string status;
    for (const auto& p : statuses.peers()) absl::StrAppend(&status, p.peer(), ": ", p.last_error(), "; ");
    auto mirrors = bali_->Digests(store);
    auto own = colombo_->Digests(store);
    std::string out;
    if (mirrors.ok() && mirrors->count("colombo-process.rcp")) {
      absl::StrAppend(&out, "Bali holds ", mirrors->at("colombo-process.rcp").items(), " of Colombo's; ");
    }
    if (own.ok() && own->count("")) absl::StrAppend(&out, "Colombo has ", own->at("").items());
    return out + "; status: " + status;
  }

  // Retried as a client would while the gateway's channel to a restarted
  // service reconnects: the request id keeps a repeat from writing twice.
  absl::StatusOr<ev::Meeting> Create(Deployment& d, ev::CreateMeetingRequest req) {
    if (req.request_id().empty()) req.set_request_id(absl::StrCat("create-", ++requests_));
    ev::Meeting m;
    absl::Status s;
    for (absl::Time give_up = absl::Now() + absl::Seconds(20);;) {
      s = CallWith(d.Key("admin"), [&](auto* c) { return d.events()->CreateMeeting(c, req, &m); });
      if (!absl::IsUnavailable(s) || absl::Now() > give_up) break;
      absl::SleepFor(absl::Milliseconds(100));
    }
    if (!s.ok()) return s;
    return m;
  }
  int requests_ = 0;
  absl::Status Retitle(Deployment& d, const std::string& name, const std::string& title) {
    ev::UpdateMeetingRequest req;
    req.mutable_meeting()->set_name(name);
    req.mutable_meeting()->set_title(title);
    req.mutable_update_mask()->add_paths("title");
    ev::Meeting m;
    return CallWith(d.Key("admin"), [&](auto* c) { return d.events()->UpdateMeeting(c, req, &m); });
  }
  bool Holds(Deployment& d, const std::string& name) {
    ev::GetMeetingRequest req;
    req.set_name(name);
    ev::Meeting m;
    return CallWith(d.Key("admin"), [&](auto* c) { return d.events()->GetMeeting(c, req, &m); }).ok();
  }

  // Every change a subscriber got once: per service, revisions strictly
  // increase, and no meeting's version (its sequence) came twice.
  static void ExpectEachChangeOnce(const std::vector<Received>& events) {
    std::map<std::string, uint64_t> last_revision;
    std::set<std::pair<std::string, int>> versions;
    for (const auto& e : events) {
      EXPECT_GT(e.change.revision(), last_revision[e.service]) << e.service << " " << e.change.name();
      last_revision[e.service] = e.change.revision();
      ev::Meeting m;
      if (e.service == "events" && e.change.value().UnpackTo(&m) && e.change.operation() != Change::WITHDRAWN) {
        EXPECT_TRUE(versions.insert({m.name(), m.sequence()}).second)
            << m.name() << " sequence " << m.sequence() << " delivered twice";
      }
    }
  }

  void TearDown() override {
    colombo_.reset();
    bali_.reset();
  }

  rcp::testing::TempDir dir_;
  std::unique_ptr<Deployment> bali_, colombo_, igc_;
};

// Test 2 of issue 10: Bali and Colombo are cut apart while Colombo makes
// 1,000 changes; once the link is back Bali holds exactly Colombo's state,
// and a subscriber at Bali gets each change applied there once.
TEST_F(FederationResilienceTest, AfterAPartitionTheReceiverHoldsExactlyTheSourcesState) {
  colombo_ = NewDeployment("colombo-process.rcp", "colombo-process");
  ASSERT_THAT(colombo_->Start(), IsOk());
  TcpProxy link(colombo_->peer_address());
  bali_ = NewDeployment("bali-process.rcp", "bali-process,apc");
  ASSERT_THAT(bali_->Start(), IsOk());
  ASSERT_THAT(colombo_->AddPeer(*bali_, {}, {}, {Share(kColomboProcess, rcp::common::v1::RESTRICTED)}), IsOk());
  ASSERT_THAT(bali_->AddPeer(*colombo_, {kColomboProcess}, {}, {}, true, link.address()), IsOk());
  ASSERT_TRUE(Eventually([&] { return Converged(Part::kEvents); })) << Digests(Part::kEvents);
  FeedReader feed(bali_->channel(), bali_->Key("admin"));
  feed.Connect();
  ASSERT_TRUE(feed.WaitForMessages(1));

  link.Cut();
  std::vector<std::string> names;
  for (int i = 0; i < 200; ++i) {
    RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting m, Create(*colombo_, NewMeeting(absl::StrCat("Working group ", i),
                                                                          rcp::common::v1::PUBLIC, i)));
    names.push_back(m.name());
  }
  for (int round = 0; round < 4; ++round) {
    for (const auto& name : names) ASSERT_THAT(Retitle(*colombo_, name, absl::StrCat("Round ", round)), IsOk());
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_FALSE(Converged(Part::kEvents)) << "the link was cut";
  link.Heal();
  ASSERT_TRUE(Eventually([&] { return Converged(Part::kEvents); })) << Digests(Part::kEvents);
  ASSERT_TRUE(feed.WaitFor([&](const std::vector<Received>& events) {
    for (const auto& e : events) {
      ev::Meeting m;
      if (e.change.name() == names.back() && e.change.value().UnpackTo(&m) && m.title() == "Round 3") return true;
    }
    return false;
  })) << "the last change did not reach the subscriber";
  ExpectEachChangeOnce(feed.events());
}

// Test 3: Bali's gateway and events service are killed with SIGKILL, again
// and again, while Colombo's changes are being applied. Afterwards Bali
// holds exactly Colombo's state, with nothing delivered twice.
TEST_F(FederationResilienceTest, KillingTheReceiversGatewayAndEventsServiceDuringApplyLosesAndDuplicatesNothing) {
  ASSERT_NO_FATAL_FAILURE(StartPair());
  ASSERT_TRUE(Eventually([&] { return Converged(Part::kEvents); })) << Digests(Part::kEvents);
  std::atomic<bool> writing{true};
  std::atomic<int> written{0};
  std::thread writer([&] {
    std::vector<std::string> names;
    for (int i = 0; writing && i < 400; ++i) {
      auto m = Create(*colombo_, NewMeeting(absl::StrCat("Session ", i), rcp::common::v1::MEMBERS, i));
      if (m.ok()) names.push_back(m->name());
      if (i % 3 == 0 && !names.empty()) (void)Retitle(*colombo_, names[names.size() / 2], absl::StrCat("Moved ", i));
      ++written;
    }
  });
  std::mt19937 random(7);
  int kills = 0;
  for (int i = 0; i < 12; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + random() % 350));
    Part victim = i % 2 == 0 ? Part::kGateway : Part::kEvents;
    ASSERT_THAT(bali_->Stop(victim, SIGKILL), IsOk());
    ++kills;
    ASSERT_THAT(bali_->Restart(victim), IsOk()) << bali_->Log(victim);
  }
  writing = false;
  writer.join();
  EXPECT_GE(kills, 10);
  EXPECT_GT(written.load(), 50);
  ASSERT_TRUE(Eventually([&] { return Converged(Part::kEvents); }, absl::Seconds(120))) << Digests(Part::kEvents);
  // Every change applied at Bali is in its feed once: read it from the start.
  auto replica = bali_->ReplicaOf(Part::kEvents);
  fv1::ReadChangesRequest read;
  std::map<std::string, std::set<int>> sequences;
  for (;;) {
    grpc::ClientContext c;
    bali_->Internal(&c);
    fv1::ReadChangesResponse changes;
    ASSERT_TRUE(replica->ReadChanges(&c, read, &changes).ok());
    for (const auto& change : changes.changes()) {
      ev::Meeting m;
      if (change.origin() != "colombo-process.rcp" || !change.value().UnpackTo(&m)) continue;
      EXPECT_TRUE(sequences[m.name()].insert(m.sequence()).second)
          << m.name() << " sequence " << m.sequence() << " applied twice";
    }
    if (changes.changes().empty() || changes.through_revision() == read.after_revision()) break;
    read.set_after_revision(changes.through_revision());
  }
  EXPECT_FALSE(sequences.empty());
}

// Test 8: a 200 MiB document is replicated, its content verified against
// the SHA-256 its origin signed, and the receiver's memory grows by at most
// 64 MiB on the way.
TEST_F(FederationResilienceTest, ALargeDocumentIsReplicatedInBoundedMemoryAndVerified) {
  ASSERT_NO_FATAL_FAILURE(StartPair());
  constexpr int64_t kSize = int64_t{200} << 20;
  std::string chunk(1 << 20, '\0');
  crypto::Sha256 sha;
  std::mt19937_64 random(42);
  doc::CreateDocumentRequest create;
  create.set_parent(kColomboProcess);
  create.set_document_id("statistics-2027");
  create.mutable_document()->set_symbol("CP/2027/STAT/1");
  create.mutable_document()->set_title("Labour migration statistics");
  create.mutable_document()->set_kind(doc::STATISTICS);
  create.mutable_document()->set_visibility(rcp::common::v1::PUBLIC);
  doc::Document d;
  const std::string admin = colombo_->Key("admin");
  ASSERT_THAT(CallWith(admin, [&](auto* c) { return colombo_->documents()->CreateDocument(c, create, &d); }), IsOk());
  // The content is made twice, from the same seed: once to hash, once to
  // send; never all in memory.
  for (int64_t off = 0; off < kSize; off += chunk.size()) {
    for (size_t i = 0; i < chunk.size(); i += 8) *reinterpret_cast<uint64_t*>(&chunk[i]) = random();
    sha.Update(chunk);
  }
  const std::string digest = sha.HexDigest();
  doc::StartUploadRequest start;
  start.set_document(d.name());
  start.set_language("en");
  start.set_media_type("application/octet-stream");
  start.set_declared_size(kSize);
  start.set_declared_sha256(digest);
  doc::UploadSession session;
  ASSERT_THAT(CallWith(admin, [&](auto* c) { return colombo_->documents()->StartUpload(c, start, &session); }), IsOk());
  {
    grpc::ClientContext c;
    c.AddMetadata("authorization", "Bearer " + admin);
    doc::UploadSession after;
    auto writer = colombo_->documents()->UploadChunks(&c, &after);
    random.seed(42);
    for (int64_t off = 0; off < kSize; off += chunk.size()) {
      for (size_t i = 0; i < chunk.size(); i += 8) *reinterpret_cast<uint64_t*>(&chunk[i]) = random();
      doc::UploadChunk piece;
      if (off == 0) piece.set_upload(session.name());
      piece.set_offset(off);
      piece.set_data(chunk);
      ASSERT_TRUE(writer->Write(piece));
    }
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
  }
  const pid_t gateway = bali_->Pid(Part::kGateway), documents = bali_->Pid(Part::kDocuments);
  const int64_t gateway_before = StatusField(gateway, "VmRSS"), documents_before = StatusField(documents, "VmRSS");
  doc::CommitUploadRequest commit;
  commit.set_name(session.name());
  doc::ContentVersion version;
  ASSERT_THAT(CallWith(admin, [&](auto* c) { return colombo_->documents()->CommitUpload(c, commit, &version); }), IsOk());
  // At Bali: the metadata first, the content once fetched and verified.
  absl::Time t0 = absl::Now();
  std::string downloaded_sha;
  ASSERT_TRUE(Eventually(
      [&] {
        grpc::ClientContext c;
        c.AddMetadata("authorization", "Bearer " + bali_->Key("admin"));
        doc::DownloadRequest req;
        req.set_document(d.name());
        req.set_language("en");
        auto reader = bali_->documents()->Download(&c, req);
        doc::DownloadChunk piece;
        crypto::Sha256 got;
        int64_t bytes = 0;
        while (reader->Read(&piece)) {
          got.Update(piece.data());
          bytes += static_cast<int64_t>(piece.data().size());
        }
        if (!reader->Finish().ok() || bytes != kSize) return false;
        downloaded_sha = got.HexDigest();
        return true;
      },
      absl::Seconds(180)));
  std::cerr << "200 MiB replicated and downloaded at Bali in " << absl::Now() - t0 << "\n";
  EXPECT_EQ(downloaded_sha, digest);
  const int64_t gateway_growth = StatusField(gateway, "VmHWM") - gateway_before;
  const int64_t documents_growth = StatusField(documents, "VmHWM") - documents_before;
  std::cerr << "receiver's peak RSS growth: gateway " << (gateway_growth >> 20) << " MiB, documents "
            << (documents_growth >> 20) << " MiB\n";
  EXPECT_LE(gateway_growth, int64_t{64} << 20);
  EXPECT_LE(documents_growth, int64_t{64} << 20);
}

// An origin restored from a backup starts a new epoch: its new writes are
// not taken for old ones, and what it lost with the restore goes at the
// receiver too.
TEST_F(FederationResilienceTest, AnOriginRestoredFromABackupIsFollowedInItsNewEpoch) {
  ASSERT_NO_FATAL_FAILURE(StartPair());
  ASSERT_TRUE(Eventually([&] { return Converged(Part::kEvents); })) << Digests(Part::kEvents);
  // A backup of Colombo's calendar, taken while it is stopped.
  ASSERT_THAT(colombo_->Stop(Part::kEvents, SIGTERM), IsOk());
  const std::string data = colombo_->DataDir(Part::kEvents);
  std::filesystem::copy(data, data + ".backup", std::filesystem::copy_options::recursive);
  ASSERT_THAT(colombo_->Restart(Part::kEvents), IsOk());
  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting lost, Create(*colombo_, NewMeeting("Lost with the restore", rcp::common::v1::PUBLIC, 1)));
  ASSERT_TRUE(Eventually([&] { return Holds(*bali_, lost.name()); }));
  // The disk fails; the backup comes back.
  ASSERT_THAT(colombo_->Stop(Part::kEvents, SIGKILL), IsOk());
  std::filesystem::remove_all(data);
  std::filesystem::rename(data + ".backup", data);
  std::ofstream(data + "/RESTORED") << "restored from the backup of the test\n";
  ASSERT_THAT(colombo_->Restart(Part::kEvents), IsOk());
  // Its revisions start again below what Bali has seen; they are newer.
  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting fresh, Create(*colombo_, NewMeeting("After the restore", rcp::common::v1::PUBLIC, 2)));
  ASSERT_THAT(Retitle(*colombo_, "processes/colombo-process/meetings/ministerial-2027", "Ministerial, new dates"), IsOk());
  EXPECT_TRUE(Eventually([&] { return Holds(*bali_, fresh.name()) && !Holds(*bali_, lost.name()); }))
      << Digests(Part::kEvents);
  EXPECT_TRUE(Eventually([&] { return Converged(Part::kEvents); })) << Digests(Part::kEvents);
}

// Item 2 of issue 11: the receiver's calendar is restored from a backup
// older than a meeting it mirrored. Its checkpoint (in its registry, not
// restored) is past that meeting; the new epoch of the store resets it, and
// the peer's snapshot brings the meeting back.
TEST_F(FederationResilienceTest, AReceiverRestoredFromABackupTakesASnapshotAndGetsBackWhatItLost) {
  ASSERT_NO_FATAL_FAILURE(StartPair());
  ASSERT_TRUE(Eventually([&] { return Converged(Part::kEvents); })) << Digests(Part::kEvents);
  ASSERT_THAT(bali_->Stop(Part::kEvents, SIGTERM), IsOk());
  const std::string data = bali_->DataDir(Part::kEvents);
  std::filesystem::copy(data, data + ".backup", std::filesystem::copy_options::recursive);
  ASSERT_THAT(bali_->Restart(Part::kEvents), IsOk());
  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting later,
                           Create(*colombo_, NewMeeting("Mirrored after the backup", rcp::common::v1::PUBLIC, 1)));
  ASSERT_TRUE(Eventually([&] { return Holds(*bali_, later.name()); })) << Digests(Part::kEvents);
  ASSERT_TRUE(Eventually([&] { return Converged(Part::kEvents); })) << Digests(Part::kEvents);
  // Bali's disk fails; the backup comes back, without that meeting.
  ASSERT_THAT(bali_->Stop(Part::kEvents, SIGKILL), IsOk());
  std::filesystem::remove_all(data);
  std::filesystem::rename(data + ".backup", data);
  std::ofstream(data + "/RESTORED") << "restored from the backup of the test\n";
  ASSERT_THAT(bali_->Restart(Part::kEvents), IsOk());
  ASSERT_FALSE(Holds(*bali_, later.name())) << "the backup was taken before the meeting was mirrored";
  // Colombo makes no change meanwhile: only the reset brings it back.
  EXPECT_TRUE(Eventually([&] { return Holds(*bali_, later.name()); })) << Digests(Part::kEvents);
  EXPECT_TRUE(Eventually([&] { return Converged(Part::kEvents); })) << Digests(Part::kEvents);
  EXPECT_THAT(bali_->Log(Part::kGateway), HasSubstr("a store of this deployment was restored"));
}

// Item 1 of issue 11: the replica pulling Colombo stalls (SIGSTOP) past its
// lease, and another replica of Bali's gateway takes the lease and goes on.
// When the stalled one wakes (SIGCONT), its checkpoint writes are refused:
// they name the etag that taking the lease replaced.
TEST_F(FederationResilienceTest, AGatewayReplicaThatStalledPastItsLeaseHasItsCheckpointsRefused) {
  // A short lease, so that the test waits seconds rather than the default 15.
  ASSERT_NO_FATAL_FAILURE(StartPair(nullptr, {"--federation_lease=3s"}));
  ASSERT_TRUE(Eventually([&] { return Converged(Part::kEvents); })) << Digests(Part::kEvents);
  auto registry = reg::Registry::NewStub(
      grpc::CreateChannel(bali_->service_address(Part::kRegistry), grpc::InsecureChannelCredentials()));
  auto state = [&] {
    reg::GetPeerStateRequest req;
    req.set_peer("federationPeers/colombo-process.rcp");
    fv1::PeerState out;
    grpc::ClientContext c;
    bali_->Internal(&c);
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    EXPECT_TRUE(registry->GetPeerState(&c, req, &out).ok());
    return out;
  };
  const std::string first_holder = state().lease_holder();
  ASSERT_THAT(first_holder, HasSubstr(absl::StrCat("/", bali_->Pid(Part::kGateway), "/")));
  RCP_ASSERT_OK_AND_ASSIGN(std::unique_ptr<rcp::testing::Daemon> second, bali_->StartGatewayReplica("gateway-2.log"));

  ASSERT_EQ(kill(bali_->Pid(Part::kGateway), SIGSTOP), 0);
  ASSERT_TRUE(Eventually([&] { return state().lease_holder() != first_holder; }, absl::Seconds(30)))
      << "the second replica never took the lease";
  const std::string second_holder = state().lease_holder();
  EXPECT_THAT(second_holder, HasSubstr(absl::StrCat("/", second->pid(), "/")));
  // The second replica replicates: a meeting made now reaches Bali's store.
  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting while_stalled,
                           Create(*colombo_, NewMeeting("While the first replica stalls", rcp::common::v1::PUBLIC, 1)));
  // (Read from Bali's store itself: Bali's first gateway is stopped.)
  ASSERT_TRUE(Eventually([&] { return Converged(Part::kEvents); }))
      << "the second replica did not apply " << while_stalled.name() << ": " << Digests(Part::kEvents);

  // The first wakes, still believing it holds the lease.
  ASSERT_EQ(kill(bali_->Pid(Part::kGateway), SIGCONT), 0);
  EXPECT_TRUE(Eventually([&] {
    return absl::StrContains(bali_->Log(Part::kGateway), "lost the lease on a peer to another replica");
  })) << bali_->Log(Part::kGateway);
  // For longer than a lease: the second replica keeps it, renewing it.
  absl::SleepFor(absl::Seconds(4));
  fv1::PeerState after = state();
  EXPECT_EQ(after.lease_holder(), second_holder);
  EXPECT_GT(TimeUtil::TimestampToMilliseconds(after.lease_expire_time()), absl::ToUnixMillis(absl::Now()));
  EXPECT_THAT(second->Log(), ::testing::Not(HasSubstr("lost the lease on a peer")));
  // Replication goes on through the second replica.
  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting after_wake,
                           Create(*colombo_, NewMeeting("After the first replica woke", rcp::common::v1::PUBLIC, 2)));
  EXPECT_TRUE(Eventually([&] { return Holds(*bali_, after_wake.name()) && Converged(Part::kEvents); }))
      << Digests(Part::kEvents);
}

// Invariant 3 of issue 10: Indonesia's Colombo membership ends, then a
// members-only meeting is made; Bali's registry stops answering meanwhile,
// so the registry's apply is delayed. The meeting reaches Bali only after
// the membership's end: Indonesia never sees it there.
TEST_F(FederationResilienceTest, AMeetingNeverPrecedesTheRegistryItDependsOn) {
  ASSERT_NO_FATAL_FAILURE(StartPair());
  const std::string membership = "processes/colombo-process/memberships/idn";
  ASSERT_TRUE(Eventually([&] {
    reg::GetMembershipRequest get;
    get.set_name(membership);
    reg::Membership m;
    return CallWith(bali_->Key("admin"), [&](auto* c) { return bali_->registry()->GetMembership(c, get, &m); }).ok();
  }));
  FeedReader indonesia(bali_->channel(), bali_->Key("indonesia"));
  indonesia.Connect();
  ASSERT_TRUE(indonesia.WaitForMessages(1));

  ASSERT_EQ(kill(bali_->Pid(Part::kRegistry), SIGSTOP), 0);
  reg::UpdateMembershipRequest end;
  end.mutable_membership()->set_name(membership);
  *end.mutable_membership()->mutable_end_date() = [] {
    rcp::common::v1::Date d;
    d.set_year(2020);
    d.set_month(1);
    d.set_day(1);
    return d;
  }();
  end.mutable_update_mask()->add_paths("end_date");
  reg::Membership ended;
  ASSERT_THAT(CallWith(colombo_->Key("admin"), [&](auto* c) { return colombo_->registry()->UpdateMembership(c, end, &ended); }),
              IsOk());
  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting secret, Create(*colombo_, NewMeeting("Members only, after IDN left",
                                                                            rcp::common::v1::MEMBERS, 5)));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_FALSE(Holds(*bali_, secret.name())) << "applied before the registry it depends on";
  ASSERT_EQ(kill(bali_->Pid(Part::kRegistry), SIGCONT), 0);
  ASSERT_TRUE(Eventually([&] { return Holds(*bali_, secret.name()); }));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_FALSE(indonesia.HasName(secret.name())) << "Indonesia saw a meeting of a process it had left";
  ev::GetMeetingRequest get;
  get.set_name(secret.name());
  ev::Meeting m;
  EXPECT_THAT(CallWith(bali_->Key("indonesia"), [&](auto* c) { return bali_->events()->GetMeeting(c, get, &m); }),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(secret.name())));
}

// A withdrawal over two paths: Bali gets a Colombo meeting from Colombo and
// from the IGC. When one path withdraws it, Bali keeps it (the other still
// gives it); when the second does too, it goes.
TEST_F(FederationResilienceTest, AMirrorGivenByTwoPathsGoesWhenBothWithdrawIt) {
  ASSERT_NO_FATAL_FAILURE(StartPair());
  igc_ = NewDeployment("igc.rcp", "igc,budapest-process");
  ASSERT_THAT(igc_->Start(), IsOk());
  ASSERT_THAT(colombo_->AddPeer(*igc_, {}, {}, {Share(kColomboProcess, rcp::common::v1::RESTRICTED)}), IsOk());
  ASSERT_THAT(igc_->AddPeer(*colombo_, {kColomboProcess}, {}, {}), IsOk());
  ASSERT_THAT(igc_->AddPeer(*bali_, {}, {}, {Share(kColomboProcess, rcp::common::v1::RESTRICTED)}, true, "", true), IsOk());
  reg::FederationPeer relay;
  relay.set_address(igc_->peer_address());
  ASSERT_THAT(bali_->AddPeer(*igc_, {"processes/igc"}, {kColomboProcess}, {}), IsOk());
  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting m, Create(*colombo_, NewMeeting("Two paths", rcp::common::v1::MEMBERS, 3)));
  auto sources = [&]() -> int {
    auto replica = bali_->ReplicaOf(Part::kEvents);
    grpc::ClientContext c;
    bali_->Internal(&c);
    fv1::GetItemRequest get;
    get.set_name(m.name());
    get.set_kind("meeting");
    fv1::StoredItem stored;
    return replica->GetItem(&c, get, &stored).ok() ? stored.mirror().sources_size() : 0;
  };
  ASSERT_TRUE(Eventually([&] { return sources() == 2; })) << sources();
  reg::FederationPeer narrowed;
  *narrowed.add_share_rules() = Share(kColomboProcess, rcp::common::v1::PUBLIC);
  ASSERT_THAT(colombo_->UpdatePeer("bali-process.rcp", narrowed, {"share_rules"}), IsOk());
  ASSERT_TRUE(Eventually([&] { return sources() == 1; })) << sources();
  EXPECT_TRUE(Holds(*bali_, m.name()));
  ASSERT_THAT(colombo_->UpdatePeer("igc.rcp", narrowed, {"share_rules"}), IsOk());
  EXPECT_TRUE(Eventually([&] { return !Holds(*bali_, m.name()); })) << sources();
}

// SIGKILL of the receiver's registry during a purge, and of its documents
// service during a content fetch: both resume, and end where they should.
TEST_F(FederationResilienceTest, KillingTheRegistryDuringAPurgeAndTheDocumentsServiceDuringAFetchResumeBoth) {
  std::unique_ptr<TcpProxy> link;
  ASSERT_NO_FATAL_FAILURE(StartPair(&link));
  std::vector<std::string> members_only;
  for (int i = 0; i < 150; ++i) {
    RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting m, Create(*colombo_, NewMeeting(absl::StrCat("Closed ", i), rcp::common::v1::MEMBERS, i)));
    members_only.push_back(m.name());
  }
  ASSERT_TRUE(Eventually([&] { return Converged(Part::kEvents); })) << Digests(Part::kEvents);
  reg::FederationPeer narrowed;
  *narrowed.add_share_rules() = Share(kColomboProcess, rcp::common::v1::PUBLIC);
  ASSERT_THAT(colombo_->UpdatePeer("bali-process.rcp", narrowed, {"share_rules"}), IsOk());
  // The purge begins once the snapshot completes: kill the registry (which
  // keeps the checkpoint and its pending purge) as it runs.
  ASSERT_TRUE(Eventually([&] { return !Holds(*bali_, members_only.front()) || !Holds(*bali_, members_only.back()); },
                         absl::Seconds(30)));
  ASSERT_THAT(bali_->Stop(Part::kRegistry, SIGKILL), IsOk());
  ASSERT_THAT(bali_->Restart(Part::kRegistry), IsOk());
  EXPECT_TRUE(Eventually([&] {
    for (const auto& name : members_only) {
      if (Holds(*bali_, name)) return false;
    }
    return true;
  })) << "the purge did not finish";
  EXPECT_TRUE(Holds(*bali_, "processes/colombo-process/meetings/ministerial-2027")) << "public stays";

  // A 24 MiB document; the documents service at Bali dies mid-fetch. The
  // link runs at 4 MiB/s so that a fast machine does not finish the fetch
  // between two looks.
  link->Throttle(4 << 20);
  doc::CreateDocumentRequest create;
  create.set_parent(kColomboProcess);
  create.set_document_id("report-2027");
  create.mutable_document()->set_symbol("CP/2027/REP/1");
  create.mutable_document()->set_title("Annual report");
  create.mutable_document()->set_kind(doc::REPORT);
  create.mutable_document()->set_visibility(rcp::common::v1::PUBLIC);
  doc::Document d;
  ASSERT_THAT(CallWith(colombo_->Key("admin"), [&](auto* c) { return colombo_->documents()->CreateDocument(c, create, &d); }),
              IsOk());
  std::string content(24 << 20, '\0');
  std::mt19937_64 random(3);
  for (size_t i = 0; i < content.size(); i += 8) *reinterpret_cast<uint64_t*>(&content[i]) = random();
  doc::StartUploadRequest start;
  start.set_document(d.name());
  start.set_language("en");
  start.set_media_type("application/pdf");
  start.set_declared_size(static_cast<int64_t>(content.size()));
  start.set_declared_sha256(crypto::Sha256Hex(content));
  doc::UploadSession session;
  ASSERT_THAT(CallWith(colombo_->Key("admin"), [&](auto* c) { return colombo_->documents()->StartUpload(c, start, &session); }),
              IsOk());
  {
    grpc::ClientContext c;
    c.AddMetadata("authorization", "Bearer " + colombo_->Key("admin"));
    doc::UploadSession after;
    auto writer = colombo_->documents()->UploadChunks(&c, &after);
    for (size_t off = 0; off < content.size(); off += 1 << 20) {
      doc::UploadChunk piece;
      if (off == 0) piece.set_upload(session.name());
      piece.set_offset(static_cast<int64_t>(off));
      piece.set_data(content.substr(off, 1 << 20));
      ASSERT_TRUE(writer->Write(piece));
    }
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
  }
  doc::CommitUploadRequest commit;
  commit.set_name(session.name());
  doc::ContentVersion version;
  ASSERT_THAT(CallWith(colombo_->Key("admin"), [&](auto* c) { return colombo_->documents()->CommitUpload(c, commit, &version); }),
              IsOk());
  // As soon as part of it has arrived.
  ASSERT_TRUE(Eventually(
      [&] {
        std::error_code ec;
        for (const auto& f : std::filesystem::directory_iterator(bali_->DataDir(Part::kDocuments) + "/content/parts", ec)) {
          if (f.file_size() > 0) return true;
        }
        return false;
      },
      absl::Seconds(30)));
  ASSERT_THAT(bali_->Stop(Part::kDocuments, SIGKILL), IsOk());
  link->Throttle(0);
  ASSERT_THAT(bali_->Restart(Part::kDocuments), IsOk());
  std::string downloaded;
  EXPECT_TRUE(Eventually([&] {
    grpc::ClientContext c;
    c.AddMetadata("authorization", "Bearer " + bali_->Key("admin"));
    doc::DownloadRequest req;
    req.set_document(d.name());
    req.set_language("en");
    auto reader = bali_->documents()->Download(&c, req);
    doc::DownloadChunk piece;
    downloaded.clear();
    while (reader->Read(&piece)) downloaded += piece.data();
    return reader->Finish().ok() && downloaded.size() == content.size();
  }));
  EXPECT_EQ(crypto::Sha256Hex(downloaded), crypto::Sha256Hex(content));
}

}  // namespace
}  // namespace rcp
