// The whole suite as users run it: rcp-registryd, rcp-eventsd and
// rcp-documentsd with the seed of deploy/seed, behind rcp-gatewayd, all real
// binaries on loopback with their own data directories and the internal
// token; every call below goes through the gateway's public port with the
// seed's demo keys (admin, bali-secretariat, indonesia, unhcr-observer).
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/crypto/crypto.h"
#include "common/io/file.h"
#include "common/status/status.h"
#include "common/testing/daemon.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/e2e/harness/feed_reader.h"
#include "rcp/documents/v1/documents.grpc.pb.h"
#include "rcp/events/v1/events.grpc.pb.h"
#include "rcp/federation/v1/federation.grpc.pb.h"
#include "rcp/gateway/v1/gateway.grpc.pb.h"
#include "rcp/registry/v1/registry.grpc.pb.h"

namespace rcp {
namespace {

using ::rcp::testing::FeedReader;
using ::rcp::testing::Received;
using google::protobuf::util::TimeUtil;
using ::rcp::testing::Daemon;
using ::rcp::testing::IsOk;
using ::rcp::testing::StatusIs;
using ::testing::HasSubstr;
namespace gw = ::rcp::gateway::v1;
namespace ev = ::rcp::events::v1;
namespace doc = ::rcp::documents::v1;
namespace fed = ::rcp::federation::v1;
namespace reg = ::rcp::registry::v1;
using ::rcp::common::v1::Change;

constexpr char kBali[] = "processes/bali-process";
constexpr char kSom[] = "processes/bali-process/meetings/som-2027-02";
constexpr char kFriends[] = "processes/bali-process/meetings/friends-of-the-chair-2027-02";
constexpr char kSummary[] = "processes/igc/documents/gcim-iom-workshop-2005-summary";

// The file's bytes; empty when it cannot be read (the test's expectations
// then fail on the content).
std::string ReadFile(const std::string& path) { return io::ReadFile(path).value_or(""); }

// Runs one unary call with `key` (empty: none) and a deadline.
template <typename Fn>
absl::Status Call(const std::string& key, Fn fn) {
  grpc::ClientContext ctx;
  if (!key.empty()) ctx.AddMetadata("authorization", "Bearer " + key);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return FromGrpcStatus(fn(&ctx));
}

// Whether a change of `name` is among `events`.
bool Contains(const std::vector<Received>& events, const std::string& name) {
  for (const auto& e : events) {
    if (e.change.name() == name) return true;
  }
  return false;
}

// The value of a meeting change.
ev::Meeting MeetingOf(const Received& r) {
  ev::Meeting m;
  r.change.value().UnpackTo(&m);
  return m;
}

// Per service, the revisions a subscriber received, in order.
std::map<std::string, std::vector<uint64_t>> RevisionsByService(const std::vector<Received>& events) {
  std::map<std::string, std::vector<uint64_t>> out;
  for (const auto& e : events) out[e.service].push_back(e.change.revision());
  return out;
}

// Each service's revisions strictly increase: no repeat, no reordering.
void ExpectStrictlyIncreasing(const std::vector<Received>& events, const std::string& who) {
  for (const auto& [service, revisions] : RevisionsByService(events)) {
    for (size_t i = 1; i < revisions.size(); ++i) {
      EXPECT_LT(revisions[i - 1], revisions[i]) << who << ": " << service << " revision " << revisions[i]
                                                << " after " << revisions[i - 1] << " (repeat or disorder)";
    }
  }
}

int CountName(const std::vector<Received>& events, const std::string& name) {
  int n = 0;
  for (const auto& e : events) n += e.change.name() == name;
  return n;
}

class GatewayE2eTest : public ::testing::Test {
 protected:
  void TearDown() override {
    // Children first, then the data directories.
    gateway_.reset();
    documents_.reset();
    events_.reset();
    registry_.reset();
  }

  // Starts the four daemons: the services with their seeds, then the gateway
  // in front of them.
  void StartSuite() {
    std::string seed = std::string(RCP_SOURCE_DIR) + "/deploy/seed/";
    token_ = crypto::RandomToken(32);
    std::ofstream(dir_.Sub("internal-token")) << token_ << "\n";
    std::ofstream(dir_.Sub("calendar-secret")) << crypto::RandomToken(32) << "\n";
    // 20 random bytes as 32 base32 characters: 64 hex digits.
    std::ofstream(dir_.Sub("keyring-key")) << crypto::HexEncode(crypto::RandomToken(20)) << "\n";
    std::string token_flag = "--internal_token_file=" + dir_.Sub("internal-token");
    std::string build = rcp::testing::BuildDir();
    registry_ = std::make_unique<Daemon>(
        build + "/services/registry/rcp-registryd",
        std::vector<std::string>{"--listen=127.0.0.1:0", "--data_dir=" + dir_.Sub("registry"), token_flag,
                                 "--deployment_id=e2e.secretariat",
                                 "--seed_file=" + seed + "registry.textproto",
                                 "--seed_keys_out=" + dir_.Sub("keys.tsv")},
        dir_.Sub("registry.log"));
    ASSERT_THAT(registry_->Start(), IsOk());
    events_args_ = {"--data_dir=" + dir_.Sub("events"), token_flag, "--deployment_id=e2e.secretariat",
                    "--seed_file=" + seed + "events.textproto"};
    ASSERT_NO_FATAL_FAILURE(StartEvents("127.0.0.1:0"));
    documents_ = std::make_unique<Daemon>(
        build + "/services/documents/rcp-documentsd",
        std::vector<std::string>{"--listen=127.0.0.1:0", "--data_dir=" + dir_.Sub("documents"), token_flag,
                                 "--seed_file=" + seed + "documents.textproto"},
        dir_.Sub("documents.log"));
    ASSERT_THAT(documents_->Start(), IsOk());
    ASSERT_NO_FATAL_FAILURE(StartGateway("127.0.0.1:0"));
    for (absl::string_view line : absl::StrSplit(ReadFile(dir_.Sub("keys.tsv")), '\n', absl::SkipEmpty())) {
      std::vector<std::string> parts = absl::StrSplit(line, '\t');
      ASSERT_EQ(parts.size(), 2u) << line;
      keys_[parts[0]] = parts[1];
    }
    ASSERT_EQ(keys_.size(), 5u);
  }

  void StartEvents(const std::string& listen) {
    std::vector<std::string> args = events_args_;
    args.push_back("--listen=" + listen);
    events_ = std::make_unique<Daemon>(rcp::testing::BuildDir() + "/services/events/rcp-eventsd", args,
                                       dir_.Sub("events.log"));
    ASSERT_THAT(events_->Start(), IsOk());
  }

  // A gateway in front of the running services, as StartGateway's (another
  // replica of the deployment when started beside it).
  std::unique_ptr<Daemon> NewGateway(const std::string& listen, const std::string& log,
                                     const std::string& keyring_key_file) {
    return std::make_unique<Daemon>(
        rcp::testing::BuildDir() + "/services/gateway/rcp-gatewayd",
        std::vector<std::string>{"--listen=" + listen, "--registry=" + registry_->address(),
                                 "--events=" + events_->address(), "--documents=" + documents_->address(),
                                 "--internal_token_file=" + dir_.Sub("internal-token"),
                                 "--deployment_id=e2e.secretariat", "--http_listen=127.0.0.1:0",
                                 "--calendar_secret_file=" + dir_.Sub("calendar-secret"),
                                 "--auth_cache_ttl=1s", "--heartbeat_interval=2s",
                                 "--keyring_key_file=" + keyring_key_file, "--keyring_refresh_interval=1s"},
        dir_.Sub(log));
  }

  void StartGateway(const std::string& listen) {
    gateway_ = NewGateway(listen, "gateway.log", dir_.Sub("keyring-key"));
    ASSERT_THAT(gateway_->Start(), IsOk());
    absl::StatusOr<int> http = gateway_->PortOf("gateway-http");
    ASSERT_THAT(http, IsOk());
    http_port_ = *http;
    // Clients that come back quickly after a restart of the gateway.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
    channel_ = grpc::CreateCustomChannel(gateway_->address(), grpc::InsecureChannelCredentials(), args);
    registry_stub_ = reg::Registry::NewStub(channel_);
    events_stub_ = ev::Events::NewStub(channel_);
    documents_stub_ = doc::Documents::NewStub(channel_);
    gateway_stub_ = gw::Gateway::NewStub(channel_);
  }

  const std::string& Key(const std::string& name) {
    EXPECT_TRUE(keys_.count(name)) << name;
    return keys_[name];
  }

  // A new key for `party` (by the admin), with the secret, limited to
  // `processes` and `roles` when given.
  reg::CreateApiKeyResponse NewKey(const std::string& party, const std::string& display_name,
                                   std::vector<std::string> processes = {},
                                   std::vector<reg::Role> roles = {}) {
    reg::CreateApiKeyRequest req;
    req.mutable_api_key()->set_party(party);
    req.mutable_api_key()->set_display_name(display_name);
    for (const auto& p : processes) req.mutable_api_key()->add_processes(p);
    for (auto r : roles) req.mutable_api_key()->add_roles(r);
    *req.mutable_api_key()->mutable_expire_time() =
        TimeUtil::GetCurrentTime() + TimeUtil::HoursToDuration(48);
    reg::CreateApiKeyResponse resp;
    EXPECT_THAT(Call(Key("admin"), [&](auto* c) { return registry_stub_->CreateApiKey(c, req, &resp); }),
                IsOk());
    return resp;
  }

  static ev::CreateMeetingRequest NewMeeting(const std::string& title, const std::string& process,
                                             rcp::common::v1::Visibility visibility,
                                             std::vector<std::string> restricted = {},
                                             int64_t offset_hours = 0) {
    ev::CreateMeetingRequest req;
    auto* m = req.mutable_meeting();
    m->add_processes(process);
    m->set_title(title);
    m->set_kind(ev::WORKING_GROUP);
    m->set_time_zone("Asia/Jakarta");
    int64_t start = 1830000000 + offset_hours * 3600;
    *m->mutable_start_time() = TimeUtil::SecondsToTimestamp(start);
    *m->mutable_end_time() = TimeUtil::SecondsToTimestamp(start + 7200);
    m->set_visibility(visibility);
    for (const auto& p : restricted) m->add_restricted_parties(p);
    return req;
  }

  absl::StatusOr<ev::Meeting> CreateMeeting(const std::string& key, const ev::CreateMeetingRequest& req) {
    ev::Meeting m;
    RCP_RETURN_IF_ERROR(Call(key, [&](auto* c) { return events_stub_->CreateMeeting(c, req, &m); }));
    return m;
  }

  absl::StatusOr<doc::Document> CreateDocument(const std::string& key, const std::string& process,
                                               const std::string& symbol,
                                               rcp::common::v1::Visibility visibility,
                                               std::vector<std::string> restricted = {}) {
    doc::CreateDocumentRequest req;
    req.set_parent(process);
    req.mutable_document()->set_symbol(symbol);
    req.mutable_document()->set_title(absl::StrCat("Document ", symbol));
    req.mutable_document()->set_kind(doc::BACKGROUND_PAPER);
    req.mutable_document()->set_visibility(visibility);
    for (const auto& p : restricted) req.mutable_document()->add_restricted_parties(p);
    doc::Document d;
    RCP_RETURN_IF_ERROR(Call(key, [&](auto* c) { return documents_stub_->CreateDocument(c, req, &d); }));
    return d;
  }

  // StartUpload, UploadChunks (in `chunk` pieces) and CommitUpload through
  // the gateway.
  absl::StatusOr<doc::ContentVersion> Upload(const std::string& key, const std::string& document,
                                             const std::string& language, const std::string& content,
                                             size_t chunk = 64 * 1024) {
    doc::StartUploadRequest start;
    start.set_document(document);
    start.set_language(language);
    start.set_media_type("text/plain; charset=utf-8");
    start.set_declared_size(static_cast<int64_t>(content.size()));
    start.set_declared_sha256(crypto::Sha256Hex(content));
    doc::UploadSession session;
    RCP_RETURN_IF_ERROR(Call(key, [&](auto* c) { return documents_stub_->StartUpload(c, start, &session); }));
    doc::UploadSession after;
    RCP_RETURN_IF_ERROR(Call(key, [&](auto* c) {
      auto writer = documents_stub_->UploadChunks(c, &after);
      for (size_t off = 0; off < content.size(); off += chunk) {
        doc::UploadChunk ch;
        if (off == 0) ch.set_upload(session.name());
        ch.set_offset(static_cast<int64_t>(off));
        ch.set_data(content.substr(off, chunk));
        if (!writer->Write(ch)) break;
      }
      writer->WritesDone();
      return writer->Finish();
    }));
    if (after.committed_offset() != static_cast<int64_t>(content.size())) {
      return absl::InternalError(absl::StrCat("uploaded ", after.committed_offset(), " of ", content.size()));
    }
    doc::CommitUploadRequest commit;
    commit.set_name(session.name());
    doc::ContentVersion version;
    RCP_RETURN_IF_ERROR(
        Call(key, [&](auto* c) { return documents_stub_->CommitUpload(c, commit, &version); }));
    return version;
  }

  absl::StatusOr<std::string> Download(const std::string& key, const std::string& document,
                                       const std::string& language, doc::ContentVersion* version = nullptr) {
    std::string data;
    RCP_RETURN_IF_ERROR(Call(key, [&](auto* c) {
      doc::DownloadRequest req;
      req.set_document(document);
      req.set_language(language);
      auto reader = documents_stub_->Download(c, req);
      doc::DownloadChunk chunk;
      while (reader->Read(&chunk)) {
        if (chunk.has_version() && version != nullptr) *version = chunk.version();
        data += chunk.data();
      }
      return reader->Finish();
    }));
    return data;
  }

  rcp::testing::TempDir dir_;
  std::string token_;
  std::vector<std::string> events_args_;
  std::unique_ptr<Daemon> registry_, events_, documents_, gateway_;
  int http_port_ = 0;
  std::map<std::string, std::string> keys_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<reg::Registry::Stub> registry_stub_;
  std::unique_ptr<ev::Events::Stub> events_stub_;
  std::unique_ptr<doc::Documents::Stub> documents_stub_;
  std::unique_ptr<gw::Gateway::Stub> gateway_stub_;
};

// 1. The secretariat postpones a meeting; a member government's stream has
// it; the member goes away, more happens, and it comes back with its cursor
// to exactly what it missed.
TEST_F(GatewayE2eTest, MemberSeesPostponementAndResumesWithItsCursor) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  const std::string& secretariat = Key("bali-secretariat");
  FeedReader member(channel_, Key("indonesia"));
  FeedReader reference(channel_, Key("indonesia"));  // never disconnects
  member.Connect();
  reference.Connect();
  ASSERT_TRUE(member.WaitForMessages(1)) << member.end();
  ASSERT_TRUE(reference.WaitForMessages(1)) << reference.end();

  ev::PostponeMeetingRequest postpone;
  postpone.set_name(kSom);
  *postpone.mutable_start_time() = TimeUtil::SecondsToTimestamp(1806109200);  // four weeks later
  *postpone.mutable_end_time() = TimeUtil::SecondsToTimestamp(1806224400);
  postpone.set_reason("The venue is not available on the original dates.");
  ev::Meeting postponed;
  ASSERT_THAT(
      Call(secretariat, [&](auto* c) { return events_stub_->PostponeMeeting(c, postpone, &postponed); }),
      IsOk());
  EXPECT_EQ(postponed.status(), ev::POSTPONED);

  ASSERT_TRUE(member.WaitFor([&](const std::vector<Received>& events) {
    for (const auto& e : events) {
      if (e.change.name() == kSom && MeetingOf(e).sequence() == postponed.sequence()) return true;
    }
    return false;
  })) << member.end();
  std::vector<Received> before = member.events();
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].service, "events");
  EXPECT_EQ(MeetingOf(before[0]).status(), ev::POSTPONED);
  EXPECT_EQ(MeetingOf(before[0]).start_time(), postpone.start_time());
  EXPECT_EQ(before[0].change.principal(), postponed.updater());

  member.Disconnect();
  std::string cursor = member.cursor();
  ASSERT_FALSE(cursor.empty());

  // While it is away: the secretariat reschedules and confirms the meeting,
  // plans another, and files a document; the admin plans an IGC meeting the
  // member may not see; the secretariat changes the restricted meeting
  // (the member holds the chair, so it sees that one).
  ev::RescheduleMeetingRequest reschedule;
  reschedule.set_name(kSom);
  *reschedule.mutable_start_time() = TimeUtil::SecondsToTimestamp(1805504400);
  *reschedule.mutable_end_time() = TimeUtil::SecondsToTimestamp(1805619600);
  ev::Meeting rescheduled;
  ASSERT_THAT(Call(secretariat,
                   [&](auto* c) { return events_stub_->RescheduleMeeting(c, reschedule, &rescheduled); }),
              IsOk());
  EXPECT_EQ(rescheduled.status(), ev::PLANNED);
  ev::ConfirmMeetingRequest confirm;
  confirm.set_name(kSom);
  confirm.set_etag(rescheduled.etag());
  ev::Meeting confirmed;
  ASSERT_THAT(
      Call(secretariat, [&](auto* c) { return events_stub_->ConfirmMeeting(c, confirm, &confirmed); }),
      IsOk());
  EXPECT_EQ(confirmed.status(), ev::CONFIRMED);
  RCP_ASSERT_OK_AND_ASSIGN(
      ev::Meeting planned,
      CreateMeeting(secretariat, NewMeeting("Working group on returns", kBali, rcp::common::v1::MEMBERS)));
  RCP_ASSERT_OK_AND_ASSIGN(
      ev::Meeting hidden,
      CreateMeeting(Key("admin"), NewMeeting("IGC full round", "processes/igc", rcp::common::v1::MEMBERS)));
  ev::UpdateMeetingRequest update;
  update.mutable_meeting()->set_name(kFriends);
  update.mutable_meeting()->set_description("Draft outcome statement to be circulated.");
  update.mutable_update_mask()->add_paths("description");
  ev::Meeting friends;
  ASSERT_THAT(Call(secretariat, [&](auto* c) { return events_stub_->UpdateMeeting(c, update, &friends); }),
              IsOk());
  RCP_ASSERT_OK_AND_ASSIGN(doc::Document paper,
                           CreateDocument(secretariat, kBali, "BALI/SOM/2027/1", rcp::common::v1::MEMBERS));

  // What the member should get: each change exactly once, nothing else.
  std::vector<std::pair<std::string, int>> missed = {{kSom, rescheduled.sequence()},
                                                     {kSom, confirmed.sequence()},
                                                     {planned.name(), planned.sequence()},
                                                     {kFriends, friends.sequence()}};
  auto has_all = [&](const std::vector<Received>& events) {
    for (const auto& [name, sequence] : missed) {
      bool found = false;
      for (const auto& e : events)
        found = found || (e.change.name() == name && MeetingOf(e).sequence() == sequence);
      if (!found) return false;
    }
    return CountName(events, paper.name()) > 0;
  };
  ASSERT_TRUE(reference.WaitFor(has_all)) << reference.end();

  member.Connect();
  ASSERT_TRUE(member.WaitFor(has_all)) << member.end();
  // One more change after the reconnection, seen by both: a stray repeat
  // of the missed ones would have come before it.
  RCP_ASSERT_OK_AND_ASSIGN(
      ev::Meeting sentinel,
      CreateMeeting(secretariat, NewMeeting("Sentinel", kBali, rcp::common::v1::PUBLIC, {}, 9)));
  for (FeedReader* f : {&member, &reference}) {
    ASSERT_TRUE(
        f->WaitFor([&](const std::vector<Received>& e) { return CountName(e, sentinel.name()) > 0; }));
  }
  missed.emplace_back(sentinel.name(), sentinel.sequence());
  std::vector<Received> all = member.events();
  std::vector<Received> after(all.begin() + static_cast<long>(before.size()), all.end());
  EXPECT_EQ(after.size(), missed.size() + 1);
  for (const auto& [name, sequence] : missed) {
    int n = 0;
    for (const auto& e : after) n += e.change.name() == name && MeetingOf(e).sequence() == sequence;
    EXPECT_EQ(n, 1) << name << " sequence " << sequence;
  }
  EXPECT_EQ(CountName(after, paper.name()), 1);
  EXPECT_EQ(CountName(all, hidden.name()), 0) << "an IGC members' meeting reached a non-member";
  ExpectStrictlyIncreasing(all, "member");
  // The same changes, at the same revisions, as the subscriber that never
  // went away.
  EXPECT_EQ(RevisionsByService(all), RevisionsByService(reference.events()));
  EXPECT_THAT(member.end(), IsOk());
}

// 2. An observer reads public documents in both languages; members-only
// documents and restricted meetings do not exist for it, but do for a
// member government.
TEST_F(GatewayE2eTest, ObserverSeesPublicDocumentsOnlyMemberSeesMore) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  const std::string& observer = Key("unhcr-observer");
  const std::string& indonesia = Key("indonesia");

  // The admin adds the French version of the workshop report.
  std::string french;
  for (int i = 0; french.size() < 150 * 1024; ++i) {
    absl::StrAppend(&french, "§", i,
                    " Atelier GCIM–OIM sur les processus consultatifs régionaux : échange d'informations, "
                    "coopération et suivi des recommandations.\n");
  }
  RCP_ASSERT_OK_AND_ASSIGN(doc::ContentVersion fr, Upload(Key("admin"), kSummary, "fr", french));
  EXPECT_EQ(fr.language(), "fr");
  EXPECT_EQ(fr.size_bytes(), static_cast<int64_t>(french.size()));

  // The observer lists IGC's documents and finds the report with both.
  doc::ListDocumentsRequest list;
  list.set_parent("processes/igc");
  doc::ListDocumentsResponse listed;
  ASSERT_THAT(Call(observer, [&](auto* c) { return documents_stub_->ListDocuments(c, list, &listed); }),
              IsOk());
  const doc::Document* report = nullptr;
  for (const auto& d : listed.documents()) {
    if (d.name() == kSummary) report = &d;
  }
  ASSERT_NE(report, nullptr);
  std::set<std::string> languages;
  for (const auto& l : report->languages()) languages.insert(l.language());
  EXPECT_EQ(languages, (std::set<std::string>{"en", "fr"}));

  doc::ContentVersion en_version, fr_version;
  RCP_ASSERT_OK_AND_ASSIGN(std::string en, Download(observer, kSummary, "en", &en_version));
  EXPECT_EQ(en,
            ReadFile(std::string(RCP_SOURCE_DIR) + "/deploy/seed/gcim-iom-workshop-2005-summary-report.txt"));
  EXPECT_EQ(en_version.sha256(), crypto::Sha256Hex(en));
  RCP_ASSERT_OK_AND_ASSIGN(std::string fr_bytes, Download(observer, kSummary, "fr", &fr_version));
  EXPECT_EQ(fr_bytes, french);
  EXPECT_EQ(fr_version.sha256(), crypto::Sha256Hex(french));

  // A members-only document of the Bali Process.
  RCP_ASSERT_OK_AND_ASSIGN(
      doc::Document members_only,
      CreateDocument(Key("bali-secretariat"), kBali, "BALI/AHG/2027/2", rcp::common::v1::MEMBERS));
  RCP_ASSERT_OK_AND_ASSIGN(doc::ContentVersion v,
                           Upload(Key("bali-secretariat"), members_only.name(), "en", "Draft work plan.\n"));
  doc::GetDocumentRequest get;
  get.set_name(members_only.name());
  doc::Document got;
  absl::Status hidden = Call(observer, [&](auto* c) { return documents_stub_->GetDocument(c, get, &got); });
  EXPECT_THAT(hidden, StatusIs(absl::StatusCode::kNotFound, HasSubstr(members_only.name())));
  // Indistinguishable from a document that does not exist.
  doc::GetDocumentRequest nonexistent;
  nonexistent.set_name(std::string(kBali) + "/documents/no-such-document");
  absl::Status missing =
      Call(observer, [&](auto* c) { return documents_stub_->GetDocument(c, nonexistent, &got); });
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kNotFound, HasSubstr(nonexistent.name())));
  EXPECT_EQ(absl::StrReplaceAll(hidden.message(), {{members_only.name(), "X"}}),
            absl::StrReplaceAll(missing.message(), {{nonexistent.name(), "X"}}));
  EXPECT_THAT(Download(observer, members_only.name(), "en"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("")));
  doc::ListContentVersionsRequest versions;
  versions.set_document(members_only.name());
  doc::ListContentVersionsResponse versions_resp;
  EXPECT_THAT(
      Call(observer,
           [&](auto* c) { return documents_stub_->ListContentVersions(c, versions, &versions_resp); }),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("")));
  doc::ListDocumentsRequest bali_docs;
  bali_docs.set_parent(kBali);
  auto list_names = [&](const std::string& key) {
    doc::ListDocumentsResponse r;
    EXPECT_THAT(Call(key, [&](auto* c) { return documents_stub_->ListDocuments(c, bali_docs, &r); }), IsOk());
    std::set<std::string> names;
    for (const auto& d : r.documents()) names.insert(d.name());
    return names;
  };
  EXPECT_FALSE(list_names(observer).count(members_only.name()));
  EXPECT_TRUE(list_names(indonesia).count(members_only.name()));
  ASSERT_THAT(Call(indonesia, [&](auto* c) { return documents_stub_->GetDocument(c, get, &got); }), IsOk());
  EXPECT_THAT(Download(indonesia, members_only.name(), "en"), IsOk());
  EXPECT_EQ(got.languages(0).latest().sha256(), v.sha256());

  // The restricted side meeting (AUS, IDN, NZL, THA).
  ev::GetMeetingRequest friends;
  friends.set_name(kFriends);
  ev::Meeting m;
  absl::Status restricted = Call(observer, [&](auto* c) { return events_stub_->GetMeeting(c, friends, &m); });
  EXPECT_THAT(restricted, StatusIs(absl::StatusCode::kNotFound, HasSubstr(kFriends)));
  ev::GetMeetingRequest no_meeting;
  no_meeting.set_name(std::string(kBali) + "/meetings/no-such-meeting");
  absl::Status no_such = Call(observer, [&](auto* c) { return events_stub_->GetMeeting(c, no_meeting, &m); });
  EXPECT_THAT(no_such, StatusIs(absl::StatusCode::kNotFound, HasSubstr("")));
  EXPECT_EQ(absl::StrReplaceAll(restricted.message(), {{kFriends, "X"}}),
            absl::StrReplaceAll(no_such.message(), {{no_meeting.name(), "X"}}));
  ASSERT_THAT(Call(indonesia, [&](auto* c) { return events_stub_->GetMeeting(c, friends, &m); }), IsOk());
  EXPECT_EQ(m.visibility(), rcp::common::v1::RESTRICTED);
  // A Bali member the meeting does not name does not see it either.
  reg::CreateApiKeyResponse philippines = NewKey("parties/PHL", "philippines");
  EXPECT_THAT(Call(philippines.key(), [&](auto* c) { return events_stub_->GetMeeting(c, friends, &m); }),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("")));
  ev::ListMeetingsRequest bali_meetings;
  bali_meetings.mutable_filter()->add_processes(kBali);
  auto meeting_names = [&](const std::string& key) {
    ev::ListMeetingsResponse r;
    EXPECT_THAT(Call(key, [&](auto* c) { return events_stub_->ListMeetings(c, bali_meetings, &r); }), IsOk());
    std::set<std::string> names;
    for (const auto& x : r.meetings()) names.insert(x.name());
    return names;
  };
  std::set<std::string> seen_by_observer = meeting_names(observer);
  EXPECT_FALSE(seen_by_observer.count(kFriends));
  EXPECT_FALSE(seen_by_observer.count(kSom));  // MEMBERS
  EXPECT_TRUE(seen_by_observer.count("processes/igc/meetings/gcim-iom-workshop-2005"));
  std::set<std::string> seen_by_member = meeting_names(indonesia);
  EXPECT_TRUE(seen_by_member.count(kFriends));
  EXPECT_TRUE(seen_by_member.count(kSom));
  EXPECT_FALSE(meeting_names(philippines.key()).count(kFriends));
  EXPECT_TRUE(meeting_names(philippines.key()).count(kSom));
}

// 3. kill -9 of rcp-eventsd while several subscribers stream and writers
// write: every subscriber ends up with every acknowledged change, once.
// An update that takes a meeting out of a subscriber's view reaches it as a
// WITHDRAWN record without the new value, and its next incremental sync
// names it as removed; a member still sees the update; nobody receives the
// value the meeting had before, nor hears of a meeting it never had.
TEST_F(GatewayE2eTest, NarrowedVisibilityWithdrawsTheMeetingFromThoseWhoLoseIt) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  const std::string& secretariat = Key("bali-secretariat");
  FeedReader observer(channel_, Key("unhcr-observer"));
  FeedReader member(channel_, Key("indonesia"));
  observer.Connect();
  member.Connect();
  ASSERT_TRUE(observer.WaitForMessages(1)) << observer.end();
  ASSERT_TRUE(member.WaitForMessages(1)) << member.end();

  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting open, CreateMeeting(secretariat, NewMeeting("Open consultation", kBali,
                                                                                   rcp::common::v1::PUBLIC)));
  auto update = [&](rcp::common::v1::Visibility visibility,
                    const std::string& title) -> absl::StatusOr<ev::Meeting> {
    ev::UpdateMeetingRequest req;
    req.mutable_meeting()->set_name(open.name());
    req.mutable_meeting()->set_visibility(visibility);
    req.mutable_meeting()->set_title(title);
    req.mutable_update_mask()->add_paths("visibility");
    req.mutable_update_mask()->add_paths("title");
    ev::Meeting m;
    RCP_RETURN_IF_ERROR(Call(secretariat, [&](auto* c) { return events_stub_->UpdateMeeting(c, req, &m); }));
    return m;
  };
  // Calendar clients sync incrementally: each has the meeting now.
  auto sync = [&](const std::string& key,
                  const std::string& token) -> absl::StatusOr<ev::SyncMeetingsResponse> {
    ev::SyncMeetingsRequest req;
    req.mutable_filter()->add_processes(kBali);
    req.set_sync_token(token);
    req.set_page_size(1000);
    ev::SyncMeetingsResponse resp;
    RCP_RETURN_IF_ERROR(Call(key, [&](auto* c) { return events_stub_->SyncMeetings(c, req, &resp); }));
    return resp;
  };
  RCP_ASSERT_OK_AND_ASSIGN(auto observer_sync, sync(Key("unhcr-observer"), ""));
  RCP_ASSERT_OK_AND_ASSIGN(auto member_sync, sync(Key("indonesia"), ""));
  // A members-only meeting the observer never had changes too: its
  // incremental sync must not even name it.
  RCP_ASSERT_OK_AND_ASSIGN(
      ev::Meeting hidden,
      CreateMeeting(secretariat, NewMeeting("Closed session", kBali, rcp::common::v1::MEMBERS)));

  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting closed, update(rcp::common::v1::MEMBERS, "Members' consultation"));
  {
    ev::UpdateMeetingRequest req;
    req.mutable_meeting()->set_name(hidden.name());
    req.mutable_meeting()->set_title("Closed session (agenda)");
    req.mutable_update_mask()->add_paths("title");
    ev::Meeting m;
    ASSERT_THAT(Call(secretariat, [&](auto* c) { return events_stub_->UpdateMeeting(c, req, &m); }), IsOk());
  }
  auto names = [](const auto& meetings) {
    std::set<std::string> out;
    for (const auto& m : meetings) out.insert(m.name());
    return out;
  };
  RCP_ASSERT_OK_AND_ASSIGN(auto observer_delta, sync(Key("unhcr-observer"), observer_sync.next_sync_token()));
  EXPECT_EQ(std::vector<std::string>(observer_delta.removed().begin(), observer_delta.removed().end()),
            std::vector<std::string>{open.name()});
  EXPECT_TRUE(names(observer_delta.meetings()).empty());
  RCP_ASSERT_OK_AND_ASSIGN(auto member_delta, sync(Key("indonesia"), member_sync.next_sync_token()));
  EXPECT_TRUE(member_delta.removed().empty());
  EXPECT_EQ(names(member_delta.meetings()), (std::set<std::string>{open.name(), hidden.name()}));

  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting reopened, update(rcp::common::v1::PUBLIC, "Open consultation, again"));
  RCP_ASSERT_OK_AND_ASSIGN(auto observer_again,
                           sync(Key("unhcr-observer"), observer_delta.next_sync_token()));
  EXPECT_TRUE(observer_again.removed().empty());
  EXPECT_EQ(names(observer_again.meetings()), std::set<std::string>{open.name()});

  auto operations = [&](FeedReader& reader) {
    std::vector<Change::Operation> ops;
    for (const auto& e : reader.events()) {
      if (e.change.name() == open.name()) ops.push_back(e.change.operation());
    }
    return ops;
  };
  auto three = [&](const std::vector<Received>& events) {
    int n = 0;
    for (const auto& e : events) n += e.change.name() == open.name();
    return n >= 3;
  };
  ASSERT_TRUE(observer.WaitFor(three)) << observer.end();
  ASSERT_TRUE(member.WaitFor(three)) << member.end();
  EXPECT_EQ(operations(observer),
            (std::vector<Change::Operation>{Change::CREATED, Change::WITHDRAWN, Change::UPDATED}));
  EXPECT_EQ(operations(member),
            (std::vector<Change::Operation>{Change::CREATED, Change::UPDATED, Change::UPDATED}));
  for (const auto& e : observer.events()) {
    if (e.change.operation() != Change::WITHDRAWN) continue;
    EXPECT_FALSE(e.change.has_value()) << "the members-only meeting must not reach the observer";
    EXPECT_EQ(e.change.kind(), "meeting");
    EXPECT_GT(e.change.revision(), 0u);
  }
  for (FeedReader* reader : {&observer, &member}) {
    for (const auto& e : reader->events()) {
      EXPECT_FALSE(e.change.has_previous_value()) << "previous values stay inside the deployment";
    }
  }
  EXPECT_EQ(MeetingOf(member.events().back()).title(), reopened.title());
  EXPECT_EQ(MeetingOf(observer.events().back()).title(), reopened.title());
  (void)closed;
}

TEST_F(GatewayE2eTest, EveryAcknowledgedChangeReachesEverySubscriberOnceAcrossEventsdKill) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  gw::SubscribeRequest bali_only;
  bali_only.add_processes(kBali);
  gw::SubscribeRequest meetings_only;
  meetings_only.add_kinds("meeting");
  struct Sub {
    std::string who;
    std::unique_ptr<FeedReader> reader;
    bool wants_meetings;
    bool wants_documents;
  };
  std::vector<Sub> subs;
  subs.push_back({"admin", std::make_unique<FeedReader>(channel_, Key("admin")), true, true});
  subs.push_back({"indonesia", std::make_unique<FeedReader>(channel_, Key("indonesia")), true, true});
  subs.push_back({"secretariat/bali",
                  std::make_unique<FeedReader>(channel_, Key("bali-secretariat"), bali_only), true, true});
  subs.push_back(
      {"admin/meetings", std::make_unique<FeedReader>(channel_, Key("admin"), meetings_only), true, false});
  // Members-only meetings are not the observer's; public documents are.
  subs.push_back({"observer", std::make_unique<FeedReader>(channel_, Key("unhcr-observer")), false, true});
  for (auto& s : subs) s.reader->Connect();
  for (auto& s : subs) ASSERT_TRUE(s.reader->WaitForMessages(1)) << s.who << ": " << s.reader->end();

  // Writers: each meeting is retried with its request_id until acknowledged.
  std::mutex mu;
  std::set<std::string> meetings;
  std::atomic<bool> stop{false};
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&] {
      auto stub = ev::Events::NewStub(channel_);
      while (!stop) {
        int i = next++;
        ev::CreateMeetingRequest req =
            NewMeeting(absl::StrCat("Ad hoc group session ", i), kBali, rcp::common::v1::MEMBERS, {}, i);
        req.set_request_id(absl::StrCat("kill-test-", i));
        for (;;) {
          ev::Meeting m;
          absl::Status s =
              Call(Key("bali-secretariat"), [&](auto* c) { return stub->CreateMeeting(c, req, &m); });
          if (s.ok()) {
            std::lock_guard<std::mutex> lock(mu);
            EXPECT_TRUE(meetings.insert(m.name()).second) << "acknowledged twice: " << m.name();
            break;
          }
          EXPECT_TRUE(absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s)) << s;
          ++failures;
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }
    });
  }
  auto acknowledged = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return meetings.size();
  };
  while (acknowledged() < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  int port = events_->port();
  auto killed = events_->Stop(SIGKILL);
  ASSERT_THAT(killed, IsOk());
  // While the calendar is down, documents keep flowing to subscribers.
  std::set<std::string> documents;
  for (int i = 0; i < 5; ++i) {
    RCP_ASSERT_OK_AND_ASSIGN(
        doc::Document d, CreateDocument(Key("bali-secretariat"), kBali, absl::StrCat("BALI/INF/2027/", i + 1),
                                        rcp::common::v1::PUBLIC));
    documents.insert(d.name());
  }
  for (auto& s : subs) {
    if (!s.wants_documents) continue;
    EXPECT_TRUE(s.reader->WaitFor([&](const std::vector<Received>& events) {
      for (const auto& d : documents) {
        if (CountName(events, d) == 0) return false;
      }
      return true;
    })) << s.who
        << " did not get the documents while rcp-eventsd was down";
  }
  size_t before_restart = acknowledged();
  ASSERT_NO_FATAL_FAILURE(StartEvents(absl::StrCat("127.0.0.1:", port)));
  while (acknowledged() < before_restart + 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  for (auto& w : writers) w.join();
  EXPECT_GT(failures.load(), 0) << "no write was refused while rcp-eventsd was down";

  for (auto& s : subs) {
    bool complete = s.reader->WaitFor(
        [&](const std::vector<Received>& events) {
          if (s.wants_meetings) {
            for (const auto& m : meetings) {
              if (CountName(events, m) == 0) return false;
            }
          }
          if (s.wants_documents) {
            for (const auto& d : documents) {
              if (CountName(events, d) == 0) return false;
            }
          }
          return true;
        },
        absl::Seconds(30));
    EXPECT_TRUE(complete) << s.who << ": " << s.reader->end();
  }
  // Let late duplicates arrive before counting.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (auto& s : subs) {
    std::vector<Received> events = s.reader->events();
    ExpectStrictlyIncreasing(events, s.who);
    std::set<std::string> got_meetings, got_documents;
    for (const auto& e : events) {
      EXPECT_EQ(e.change.operation(), Change::CREATED) << s.who << ": " << e.change.name();
      if (e.change.kind() == "meeting") {
        EXPECT_TRUE(got_meetings.insert(e.change.name()).second) << s.who << " twice: " << e.change.name();
      } else if (e.change.kind() == "document") {
        EXPECT_TRUE(got_documents.insert(e.change.name()).second) << s.who << " twice: " << e.change.name();
      }
    }
    EXPECT_EQ(got_meetings, s.wants_meetings ? meetings : std::set<std::string>{}) << s.who;
    EXPECT_EQ(got_documents, s.wants_documents ? documents : std::set<std::string>{}) << s.who;
    EXPECT_THAT(s.reader->end(), IsOk()) << s.who;
  }
}

// A subscriber away while more changes were made than one message carries,
// in two services at once, gets all of them.
TEST_F(GatewayE2eTest, ResumesThroughManyChangesInSeveralServices) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  const std::string& admin = Key("admin");
  FeedReader feed(channel_, admin);
  feed.Connect();
  ASSERT_TRUE(feed.WaitForMessages(1)) << feed.end();
  feed.Disconnect();

  std::set<std::string> expected;
  for (int i = 0; i < 45; ++i) {
    reg::CreatePartyRequest party;
    party.set_party_id(absl::StrCat("ngo-", i));
    party.mutable_party()->set_type(reg::Party::ORGANIZATION);
    party.mutable_party()->set_display_name(absl::StrCat("Civil society organization ", i));
    reg::Party created;
    ASSERT_THAT(Call(admin, [&](auto* c) { return registry_stub_->CreateParty(c, party, &created); }),
                IsOk());
    expected.insert(created.name());
    RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting m,
                             CreateMeeting(admin, NewMeeting(absl::StrCat("Consultation ", i), kBali,
                                                             rcp::common::v1::PUBLIC, {}, i)));
    expected.insert(m.name());
  }
  feed.Connect();
  bool complete = feed.WaitFor([&](const std::vector<Received>& events) {
    for (const auto& n : expected) {
      if (CountName(events, n) == 0) return false;
    }
    return true;
  });
  std::vector<Received> events = feed.events();
  size_t missing = 0;
  for (const auto& n : expected) missing += CountName(events, n) == 0;
  EXPECT_TRUE(complete) << missing << " of " << expected.size() << " changes never arrived";
  EXPECT_EQ(events.size(), expected.size());
  ExpectStrictlyIncreasing(events, "admin");
}

// A gateway restart: the new gateway backfills from the services what a
// subscriber's cursor is missing, including changes made while it was down.
TEST_F(GatewayE2eTest, CursorSurvivesAGatewayRestart) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  const std::string& admin = Key("admin");
  FeedReader feed(channel_, admin);
  feed.Connect();
  ASSERT_TRUE(feed.WaitForMessages(1)) << feed.end();
  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting first,
                           CreateMeeting(admin, NewMeeting("Before", kBali, rcp::common::v1::PUBLIC)));
  ASSERT_TRUE(feed.WaitFor([&](const std::vector<Received>& e) { return CountName(e, first.name()) == 1; }));
  feed.Disconnect();
  ASSERT_THAT(gateway_->Stop(SIGKILL), IsOk());

  // Written straight to the service (with the internal token) while the
  // gateway is down.
  auto direct =
      ev::Events::NewStub(grpc::CreateChannel(events_->address(), grpc::InsecureChannelCredentials()));
  std::set<std::string> expected;
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("x-rcp-internal-token", token_);
    ev::Meeting m;
    ASSERT_THAT(
        FromGrpcStatus(direct->CreateMeeting(
            &ctx, NewMeeting(absl::StrCat("While down ", i), kBali, rcp::common::v1::PUBLIC, {}, i), &m)),
        IsOk());
    expected.insert(m.name());
  }
  ASSERT_NO_FATAL_FAILURE(StartGateway("127.0.0.1:0"));
  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting after,
                           CreateMeeting(admin, NewMeeting("After", kBali, rcp::common::v1::PUBLIC)));
  expected.insert(after.name());

  // The subscriber comes back, to the new gateway, with its last cursor.
  feed.Retarget(channel_);
  feed.Connect();
  ASSERT_TRUE(feed.WaitFor([&](const std::vector<Received>& events) {
    for (const auto& n : expected) {
      if (CountName(events, n) == 0) return false;
    }
    return true;
  })) << feed.end();
  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting sentinel,
                           CreateMeeting(admin, NewMeeting("Sentinel", kBali, rcp::common::v1::PUBLIC)));
  ASSERT_TRUE(
      feed.WaitFor([&](const std::vector<Received>& e) { return CountName(e, sentinel.name()) > 0; }));
  std::vector<Received> events = feed.events();
  EXPECT_EQ(events.size(), expected.size() + 2);
  EXPECT_EQ(CountName(events, first.name()), 1);
  ExpectStrictlyIncreasing(events, "admin");
  EXPECT_THAT(feed.end(), IsOk());
}

// Two gateway replicas on one set of services, behind one address list as
// a Kubernetes Service gives them: rolling the replica a subscriber is on
// (SIGTERM, as a rollout does) moves it to the other with its cursor, and
// every change made during the roll arrives there once and in order.
TEST_F(GatewayE2eTest, RollingTheReplicaASubscriberIsOnResumesItOnTheOtherWithNothingLost) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  std::unique_ptr<Daemon> replica = NewGateway("127.0.0.1:0", "replica.log", dir_.Sub("keyring-key"));
  ASSERT_THAT(replica->Start(), IsOk());
  // pick_first over both: the subscriber is on the first, the gateway
  // under test, until it goes away.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  auto service = grpc::CreateCustomChannel(absl::StrCat("ipv4:", gateway_->address(), ",", replica->address()),
                                           grpc::InsecureChannelCredentials(), args);
  const std::string& admin = Key("admin");
  FeedReader feed(service, admin);
  feed.Connect();
  ASSERT_TRUE(feed.WaitForMessages(1)) << feed.end();

  // Writes go on through the replica that stays, before, during and after
  // the roll.
  auto writes = ev::Events::NewStub(grpc::CreateChannel(replica->address(), grpc::InsecureChannelCredentials()));
  std::vector<std::string> written;
  auto write = [&](int i) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + admin);
    ev::Meeting m;
    grpc::Status s = writes->CreateMeeting(
        &ctx, NewMeeting(absl::StrCat("Roll ", i), kBali, rcp::common::v1::PUBLIC, {}, i % 28), &m);
    ASSERT_TRUE(s.ok()) << s.error_message();
    written.push_back(m.name());
  };
  for (int i = 0; i < 10; ++i) ASSERT_NO_FATAL_FAILURE(write(i));
  ASSERT_TRUE(feed.WaitFor([&](const std::vector<Received>& e) { return CountName(e, written.back()) == 1; }))
      << "the first replica did not deliver";
  std::thread roll([&] { (void)gateway_->Stop(SIGTERM); });
  for (int i = 10; i < 40; ++i) ASSERT_NO_FATAL_FAILURE(write(i));
  roll.join();
  for (int i = 40; i < 50; ++i) ASSERT_NO_FATAL_FAILURE(write(i));

  ASSERT_TRUE(feed.WaitFor([&](const std::vector<Received>& events) {
    for (const auto& n : written) {
      if (CountName(events, n) == 0) return false;
    }
    return true;
  })) << feed.end();
  std::vector<Received> events = feed.events();
  for (const auto& n : written) EXPECT_EQ(CountName(events, n), 1) << n;
  EXPECT_EQ(events.size(), written.size());
  ExpectStrictlyIncreasing(events, "admin");
  // The last ten were written after the first replica had exited: they
  // came through the other.
  EXPECT_THAT(feed.end(), IsOk());
}

// An idle stream gets a heartbeat with a fresh cursor every
// --heartbeat_interval (2 s here); SIGTERM ends streams with UNAVAILABLE at
// once, and the subscriber resumes on the restarted gateway with nothing
// lost or repeated.
TEST_F(GatewayE2eTest, IdleStreamsGetHeartbeatsAndAShutdownEndsThemResumably) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  FeedReader feed(channel_, Key("indonesia"));
  feed.Connect();
  absl::Time start = absl::Now();
  ASSERT_TRUE(feed.WaitForMessages(1)) << feed.end();
  // Two heartbeats: each within the interval and the 1 s tick.
  ASSERT_TRUE(feed.WaitForMessages(3, absl::Seconds(8))) << feed.end();
  EXPECT_LE(absl::Now() - start, absl::Seconds(6) + absl::Milliseconds(500));
  EXPECT_TRUE(feed.events().empty());
  EXPECT_FALSE(feed.cursor().empty());

  int port = gateway_->port();
  absl::Time term = absl::Now();
  auto stopped = gateway_->Stop(SIGTERM);
  ASSERT_THAT(stopped, IsOk());
  EXPECT_TRUE(WIFEXITED(*stopped) && WEXITSTATUS(*stopped) == 0) << *stopped;
  EXPECT_LT(absl::Now() - term, absl::Seconds(5)) << "open streams held the shutdown up";
  EXPECT_GE(feed.reconnects(), 1) << "the stream was not ended with UNAVAILABLE";
  EXPECT_THAT(feed.end(), IsOk());

  // Changed while the gateway is down (the secretariat writes to the service
  // directly, as an operator would with the internal token).
  auto direct =
      ev::Events::NewStub(grpc::CreateChannel(events_->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-rcp-internal-token", token_);
  ev::Meeting m;
  ASSERT_THAT(FromGrpcStatus(direct->CreateMeeting(
                  &ctx, NewMeeting("While the gateway restarts", kBali, rcp::common::v1::MEMBERS), &m)),
              IsOk());
  // Same port: the subscriber keeps reconnecting to it with its cursor.
  ASSERT_NO_FATAL_FAILURE(StartGateway(absl::StrCat("127.0.0.1:", port)));
  ASSERT_TRUE(feed.WaitFor([&](const std::vector<Received>& e) { return CountName(e, m.name()) > 0; }))
      << feed.end();
  RCP_ASSERT_OK_AND_ASSIGN(
      ev::Meeting after,
      CreateMeeting(Key("bali-secretariat"), NewMeeting("Sentinel", kBali, rcp::common::v1::MEMBERS)));
  ASSERT_TRUE(feed.WaitFor([&](const std::vector<Received>& e) { return CountName(e, after.name()) > 0; }));
  std::vector<Received> events = feed.events();
  EXPECT_EQ(events.size(), 2u);
  ExpectStrictlyIncreasing(events, "indonesia");
}

// Many streams on the callback API (no thread each), as a large deployment
// has: every one of them gets every change it may see, once, in order.
class CountingSubscriber : public grpc::ClientReadReactor<gw::SubscribeResponse> {
 public:
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    int confirmed = 0;
    int done = 0;
    int complete = 0;  // subscribers holding `want` changes
    size_t want = 0;
  };
  CountingSubscriber(gw::Gateway::Stub* stub, const std::string& key, Shared* shared) : shared_(shared) {
    ctx_.AddMetadata("authorization", "Bearer " + key);
    stub->async()->Subscribe(&ctx_, &request_, this);
    StartRead(&response_);
    StartCall();
  }
  void Cancel() { ctx_.TryCancel(); }
  const std::vector<Received>& events() const { return events_; }  // once done
  const grpc::Status& status() const { return status_; }

  void OnReadDone(bool ok) override {
    if (!ok) return;
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      if (!confirmed_) ++shared_->confirmed;
      confirmed_ = true;
      size_t before = events_.size();
      for (auto& e : *response_.mutable_events())
        events_.push_back({e.service(), std::move(*e.mutable_change())});
      if (before < shared_->want && events_.size() >= shared_->want) ++shared_->complete;
    }
    shared_->cv.notify_all();
    StartRead(&response_);
  }
  void OnDone(const grpc::Status& s) override {
    std::lock_guard<std::mutex> lock(shared_->mu);
    status_ = s;
    ++shared_->done;
    shared_->cv.notify_all();
  }

 private:
  Shared* shared_;
  grpc::ClientContext ctx_;
  gw::SubscribeRequest request_;
  gw::SubscribeResponse response_;
  bool confirmed_ = false;
  std::vector<Received> events_;
  grpc::Status status_;
};

TEST_F(GatewayE2eTest, ThousandsOfSubscribersEachGetEveryChangeOnce) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  constexpr int kSubscribers = 2500;  // the hub wakes them from several threads
  std::vector<std::unique_ptr<gw::Gateway::Stub>> stubs;
  for (int i = 0; i < 4; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    stubs.push_back(gw::Gateway::NewStub(
        grpc::CreateCustomChannel(gateway_->address(), grpc::InsecureChannelCredentials(), args)));
  }
  CountingSubscriber::Shared shared;
  shared.want = 4;
  std::vector<std::unique_ptr<CountingSubscriber>> subs;
  for (int i = 0; i < kSubscribers; ++i) {
    subs.push_back(
        std::make_unique<CountingSubscriber>(stubs[i % stubs.size()].get(), Key("indonesia"), &shared));
  }
  {
    std::unique_lock<std::mutex> lock(shared.mu);
    ASSERT_TRUE(shared.cv.wait_for(lock, std::chrono::seconds(60),
                                   [&] { return shared.confirmed + shared.done >= kSubscribers; }));
    ASSERT_EQ(shared.confirmed, kSubscribers);
  }
  std::vector<std::string> expected;
  for (int i = 0; i < 3; ++i) {
    RCP_ASSERT_OK_AND_ASSIGN(
        ev::Meeting m, CreateMeeting(Key("bali-secretariat"), NewMeeting(absl::StrCat("Plenary ", i), kBali,
                                                                         rcp::common::v1::MEMBERS, {}, i)));
    expected.push_back(m.name());
  }
  RCP_ASSERT_OK_AND_ASSIGN(doc::Document d, CreateDocument(Key("bali-secretariat"), kBali, "BALI/PLEN/2027/1",
                                                           rcp::common::v1::MEMBERS));
  {
    std::unique_lock<std::mutex> lock(shared.mu);
    EXPECT_TRUE(
        shared.cv.wait_for(lock, std::chrono::seconds(60), [&] { return shared.complete >= kSubscribers; }))
        << shared.complete << " of " << kSubscribers << " subscribers got everything";
  }
  for (auto& s : subs) s->Cancel();
  {
    std::unique_lock<std::mutex> lock(shared.mu);
    ASSERT_TRUE(
        shared.cv.wait_for(lock, std::chrono::seconds(60), [&] { return shared.done >= kSubscribers; }));
  }
  int wrong = 0;
  for (const auto& s : subs) {
    std::vector<std::string> meetings;
    int documents = 0;
    for (const auto& e : s->events()) {
      if (e.change.kind() == "meeting") meetings.push_back(e.change.name());
      documents += e.change.name() == d.name();
    }
    if (meetings != expected || documents != 1 || s->events().size() != 4) ++wrong;
    EXPECT_EQ(s->status().error_code(), grpc::StatusCode::CANCELLED) << s->status().error_message();
  }
  EXPECT_EQ(wrong, 0) << "subscribers that missed, repeated or reordered a change";
}

// The calendar feed over plain HTTP, as calendar applications fetch it:
// signed URL from GetCalendarUrl, what the key may see, valid iCalendar.
TEST_F(GatewayE2eTest, CalendarFeedOverHttpIsValidICalendarOfWhatTheKeySees) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  // A cancelled meeting must come out as STATUS:CANCELLED with a bumped
  // SEQUENCE.
  RCP_ASSERT_OK_AND_ASSIGN(
      ev::Meeting m, CreateMeeting(Key("bali-secretariat"), NewMeeting("Technical workshop on biometrics",
                                                                       kBali, rcp::common::v1::MEMBERS)));
  ev::CancelMeetingRequest cancel;
  cancel.set_name(m.name());
  cancel.set_reason("Merged with the senior officials' meeting; agenda, notes; see \"item 3\".");
  ev::Meeting cancelled;
  ASSERT_THAT(Call(Key("bali-secretariat"),
                   [&](auto* c) { return events_stub_->CancelMeeting(c, cancel, &cancelled); }),
              IsOk());

  auto url_of = [&](const std::string& key, std::vector<std::string> processes) {
    gw::GetCalendarUrlRequest req;
    for (const auto& p : processes) req.add_processes(p);
    gw::CalendarUrl url;
    EXPECT_THAT(Call(key, [&](auto* c) { return gateway_stub_->GetCalendarUrl(c, req, &url); }), IsOk());
    return url.url();
  };
  std::string prefix = absl::StrCat("http://127.0.0.1:", http_port_);
  httplib::Client http("127.0.0.1", http_port_);
  http.set_connection_timeout(5);
  http.set_read_timeout(10);
  // Fetches `url` and validates it with vobject; returns the body.
  auto fetch = [&](const std::string& url, int* vevents) -> std::string {
    EXPECT_TRUE(absl::StartsWith(url, prefix)) << url;
    auto res = http.Get(url.substr(prefix.size()));
    if (!res) {
      ADD_FAILURE() << "GET " << url << ": " << httplib::to_string(res.error());
      return "";
    }
    EXPECT_EQ(res->status, 200) << url << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/calendar; charset=utf-8");
    std::string path = dir_.Sub("feed.ics");
    std::ofstream(path, std::ios::binary) << res->body;
    std::string out = dir_.Sub("vevents");
    std::string cmd =
        "/usr/bin/python3 -c \"import sys, vobject; "
        "c = vobject.readOne(open(sys.argv[1], encoding='utf-8').read(), validate=True); "
        "open(sys.argv[2], 'w').write(str(len(c.contents.get('vevent', []))))\" " +
        path + " " + out;
    EXPECT_EQ(std::system(cmd.c_str()), 0) << res->body;
    *vevents = std::atoi(ReadFile(out).c_str());
    return res->body;
  };
  const std::string unfolded_friends = "SUMMARY:Friends of the Chair consultation (side meeting)";
  const std::string som_summary = "SUMMARY:Bali Process Ad Hoc Group Senior Officials' Meeting";

  // Indonesia: the public meetings, Bali's members' meeting, the restricted
  // side meeting it is named in, and the cancelled workshop.
  int n = 0;
  std::string url = url_of(Key("indonesia"), {});
  std::string body = fetch(url, &n);
  EXPECT_EQ(n, 6) << body;
  EXPECT_TRUE(absl::StrContains(body, unfolded_friends)) << body;
  EXPECT_TRUE(absl::StrContains(body, som_summary)) << body;
  EXPECT_TRUE(absl::StrContains(body, "STATUS:CANCELLED")) << body;
  EXPECT_TRUE(absl::StrContains(body, absl::StrCat("SEQUENCE:", cancelled.sequence()))) << body;
  EXPECT_GT(cancelled.sequence(), m.sequence());

  // The observer: public meetings only.
  body = fetch(url_of(Key("unhcr-observer"), {}), &n);
  EXPECT_EQ(n, 3) << body;
  EXPECT_FALSE(absl::StrContains(body, unfolded_friends)) << body;
  EXPECT_FALSE(absl::StrContains(body, som_summary)) << body;
  EXPECT_FALSE(absl::StrContains(body, "biometrics")) << body;

  // Indonesia, Bali only: the joint workshop, the two Bali meetings, the
  // cancelled one.
  std::string bali_url = url_of(Key("indonesia"), {kBali});
  EXPECT_TRUE(absl::StrContains(bali_url, "?processes=bali-process")) << bali_url;
  body = fetch(bali_url, &n);
  EXPECT_EQ(n, 4) << body;

  // A URL whose signature or process list was changed is not a calendar.
  std::string flipped = url;
  char& last = flipped[flipped.size() - 5];
  last = last == '0' ? '1' : '0';
  for (const std::string& forged : {absl::StrReplaceAll(bali_url, {{"bali-process", "colombo-process"}}),
                                    flipped, url + "?processes=igc"}) {
    auto res = http.Get(forged.substr(prefix.size()));
    ASSERT_TRUE(res) << forged;
    EXPECT_EQ(res->status, 404) << forged;
  }
}

// Keys: missing or bad ones are refused everywhere; a revoked one stops
// working within --auth_cache_ttl (1 s here), open streams included; the
// services refuse whoever comes without the internal token.
TEST_F(GatewayE2eTest, UnauthenticatedRevokedAndDirectCallsAreRefused) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  ev::GetMeetingRequest get;
  get.set_name("processes/igc/meetings/gcim-iom-workshop-2005");
  ev::Meeting m;
  const std::string valid = Key("unhcr-observer");
  std::string wrong_secret = valid.substr(0, valid.rfind('_') + 1) + "AAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  for (const std::string& header :
       {std::string("Bearer "), std::string("Bearer garbage"), std::string("Bearer rcp_x_y"),
        "Bearer " + wrong_secret, "Basic " + valid, valid}) {
    auto with = [&](grpc::ClientContext* c) {
      if (!header.empty()) c->AddMetadata("authorization", header);
    };
    grpc::ClientContext c1;
    with(&c1);
    EXPECT_EQ(events_stub_->GetMeeting(&c1, get, &m).error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << header;
    grpc::ClientContext c2;
    with(&c2);
    reg::Principal p;
    EXPECT_EQ(gateway_stub_->WhoAmI(&c2, {}, &p).error_code(), grpc::StatusCode::UNAUTHENTICATED) << header;
    grpc::ClientContext c3;
    with(&c3);
    gw::SubscribeResponse resp;
    auto reader = gateway_stub_->Subscribe(&c3, {});
    EXPECT_FALSE(reader->Read(&resp));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED) << header;
    grpc::ClientContext c4;
    with(&c4);
    doc::DownloadRequest dl;
    dl.set_document(kSummary);
    auto dreader = documents_stub_->Download(&c4, dl);
    doc::DownloadChunk chunk;
    EXPECT_FALSE(dreader->Read(&chunk));
    EXPECT_EQ(dreader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED) << header;
  }
  EXPECT_THAT(Call(valid, [&](auto* c) { return events_stub_->GetMeeting(c, get, &m); }), IsOk());

  // No header at all: PUBLIC items only (--anonymous_reads, on by
  // default), and nothing that needs a key.
  EXPECT_THAT(Call("", [&](auto* c) { return events_stub_->GetMeeting(c, get, &m); }), IsOk());
  ev::GetMeetingRequest members_only;
  members_only.set_name(kSom);
  ev::GetMeetingRequest absent;
  absent.set_name("processes/bali-process/meetings/no-such-meeting");
  absl::Status hidden = Call("", [&](auto* c) { return events_stub_->GetMeeting(c, members_only, &m); });
  absl::Status missing = Call("", [&](auto* c) { return events_stub_->GetMeeting(c, absent, &m); });
  EXPECT_THAT(hidden, StatusIs(absl::StatusCode::kNotFound, HasSubstr(kSom)));
  EXPECT_EQ(hidden.message(), absl::StrCat(kSom, " not found"));
  EXPECT_EQ(missing.message(), absl::StrCat(absent.name(), " not found"));
  ev::ListMeetingsResponse anonymous_list;
  ASSERT_THAT(Call("", [&](auto* c) { return events_stub_->ListMeetings(c, {}, &anonymous_list); }), IsOk());
  ASSERT_GT(anonymous_list.meetings_size(), 0);
  for (const auto& meeting : anonymous_list.meetings()) {
    EXPECT_EQ(meeting.visibility(), rcp::common::v1::PUBLIC) << meeting.name();
  }
  {
    grpc::ClientContext c;
    doc::DownloadRequest dl;
    dl.set_document(kSummary);
    auto reader = documents_stub_->Download(&c, dl);
    doc::DownloadChunk chunk;
    std::string bytes;
    while (reader->Read(&chunk)) bytes += chunk.data();
    EXPECT_TRUE(reader->Finish().ok()) << "a PUBLIC document downloads without a key";
    EXPECT_FALSE(bytes.empty());
  }
  {
    grpc::ClientContext c;
    reg::Principal p;
    EXPECT_EQ(gateway_stub_->WhoAmI(&c, {}, &p).error_code(), grpc::StatusCode::UNAUTHENTICATED);
    grpc::ClientContext c2;
    auto reader = gateway_stub_->Subscribe(&c2, {});
    gw::SubscribeResponse resp;
    EXPECT_FALSE(reader->Read(&resp));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
    ev::CancelMeetingRequest cancel;
    cancel.set_name(get.name());
    cancel.set_reason("no key");
    EXPECT_THAT(Call("", [&](auto* cc) { return events_stub_->CancelMeeting(cc, cancel, &m); }),
                StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("authorization: missing")));
  }

  // A key for Thailand: works, then is revoked by the admin.
  reg::CreateApiKeyResponse thailand = NewKey("parties/THA", "thailand");
  reg::Principal who;
  ASSERT_THAT(Call(thailand.key(), [&](auto* c) { return gateway_stub_->WhoAmI(c, {}, &who); }), IsOk());
  EXPECT_EQ(who.party(), "parties/THA");
  EXPECT_EQ(who.api_key(), thailand.api_key().name());
  gw::CalendarUrl url;
  ASSERT_THAT(Call(thailand.key(), [&](auto* c) { return gateway_stub_->GetCalendarUrl(c, {}, &url); }),
              IsOk());
  std::string prefix = absl::StrCat("http://127.0.0.1:", http_port_);
  std::string path = url.url().substr(prefix.size());
  httplib::Client http("127.0.0.1", http_port_);
  auto res = http.Get(path);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  FeedReader feed(channel_, thailand.key());
  feed.Connect();
  ASSERT_TRUE(feed.WaitForMessages(1)) << feed.end();

  reg::RevokeApiKeyRequest revoke;
  revoke.set_name(thailand.api_key().name());
  reg::ApiKey revoked;
  ASSERT_THAT(Call(Key("admin"), [&](auto* c) { return registry_stub_->RevokeApiKey(c, revoke, &revoked); }),
              IsOk());
  absl::Time at = absl::Now();
  EXPECT_TRUE(revoked.has_revoke_time());
  absl::Duration call_refused = absl::InfiniteDuration(), url_refused = absl::InfiniteDuration();
  while (absl::Now() - at < absl::Seconds(5) &&
         (call_refused == absl::InfiniteDuration() || url_refused == absl::InfiniteDuration())) {
    if (call_refused == absl::InfiniteDuration() &&
        absl::IsUnauthenticated(
            Call(thailand.key(), [&](auto* c) { return gateway_stub_->WhoAmI(c, {}, &who); }))) {
      call_refused = absl::Now() - at;
    }
    if (url_refused == absl::InfiniteDuration()) {
      auto r = http.Get(path);
      if (r && r->status == 404) url_refused = absl::Now() - at;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_LE(call_refused, absl::Milliseconds(1500)) << "the revoked key kept working";
  EXPECT_LE(url_refused, absl::Milliseconds(1500)) << "the revoked key's calendar URL kept working";
  EXPECT_THAT(Call(thailand.key(), [&](auto* c) { return events_stub_->GetMeeting(c, get, &m); }),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("")));
  // The stream opened before the revocation ends too: open streams are
  // authenticated again every --auth_cache_ttl, so within twice the TTL
  // (the cache's and the recheck's) and the gateway's 1 s tick.
  EXPECT_TRUE(feed.WaitForEnd(absl::Seconds(5)))
      << "a revoked key's Subscribe stream stayed open; " << gateway_->Log();
  absl::Duration stream_ended = absl::Now() - at;
  EXPECT_LE(stream_ended, absl::Milliseconds(3500));
  EXPECT_THAT(feed.end(), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("no longer valid")));
  feed.Disconnect();

  // The services themselves: nothing without the internal token.
  auto direct_events =
      ev::Events::NewStub(grpc::CreateChannel(events_->address(), grpc::InsecureChannelCredentials()));
  auto direct_registry =
      reg::Registry::NewStub(grpc::CreateChannel(registry_->address(), grpc::InsecureChannelCredentials()));
  auto direct_documents =
      doc::Documents::NewStub(grpc::CreateChannel(documents_->address(), grpc::InsecureChannelCredentials()));
  for (const std::string& token : {std::string(""), std::string("not-the-token")}) {
    auto with = [&](grpc::ClientContext* c) {
      c->AddMetadata("authorization", "Bearer " + Key("admin"));
      if (!token.empty()) c->AddMetadata("x-rcp-internal-token", token);
    };
    grpc::ClientContext c1;
    with(&c1);
    EXPECT_EQ(direct_events->GetMeeting(&c1, get, &m).error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << token;
    grpc::ClientContext c2;
    with(&c2);
    reg::AuthenticateRequest auth;
    auth.set_key(Key("admin"));
    reg::Principal p;
    EXPECT_EQ(direct_registry->Authenticate(&c2, auth, &p).error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << token;
    grpc::ClientContext c3;
    with(&c3);
    auto watch = direct_documents->Watch(&c3, {});
    rcp::common::v1::WatchResponse w;
    EXPECT_FALSE(watch->Read(&w));
    EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED) << token;
  }
  // Health probes need no secret.
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(events_->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext hc;
  grpc::health::v1::HealthCheckResponse hr;
  ASSERT_TRUE(health->Check(&hc, {}, &hr).ok());
  EXPECT_EQ(hr.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

// 5. The holes of issue 9's security review and hostile-input run,
// reproduced against the running suite with the demo keys, and closed.

// Hole 1: paging must not reveal meetings or documents the caller may not
// see. UNHCR lists the Bali Process's 23–25 February 2027 (a members-only
// senior officials' meeting and a restricted consultation) one item a page.
TEST_F(GatewayE2eTest, PagingRevealsNothingAnObserverMayNotSee) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  const std::string& observer = Key("unhcr-observer");
  auto list = [&](int64_t from, int64_t to) {
    ev::ListMeetingsRequest req;
    req.mutable_filter()->add_processes(kBali);
    *req.mutable_filter()->mutable_start_time() = TimeUtil::SecondsToTimestamp(from);
    *req.mutable_filter()->mutable_end_time() = TimeUtil::SecondsToTimestamp(to);
    req.set_page_size(1);
    std::vector<ev::ListMeetingsResponse> pages;
    do {
      ev::ListMeetingsResponse page;
      EXPECT_THAT(Call(observer, [&](auto* c) { return events_stub_->ListMeetings(c, req, &page); }), IsOk());
      pages.push_back(page);
      req.set_page_token(page.next_page_token());
    } while (!req.page_token().empty() && pages.size() < 10);
    return pages;
  };
  constexpr int64_t kFeb23 = 1803340800, kFeb26 = 1803600000;  // 2027-02-23, 2027-02-26 UTC
  constexpr int64_t kMar1 = 1803859200, kMar31 = 1806451200;
  auto february = list(kFeb23, kFeb26);
  auto march = list(kMar1, kMar31);
  // One empty page without a token, exactly as for a month with nothing.
  ASSERT_EQ(february.size(), 1u);
  EXPECT_EQ(february[0].meetings_size(), 0);
  EXPECT_TRUE(february[0].next_page_token().empty());
  ASSERT_EQ(march.size(), 1u);
  EXPECT_EQ(march[0].meetings_size(), 0);
  EXPECT_TRUE(march[0].next_page_token().empty());
  // Indonesia, a member, pages through both, one a page.
  ev::ListMeetingsRequest member_req;
  member_req.mutable_filter()->add_processes(kBali);
  *member_req.mutable_filter()->mutable_start_time() = TimeUtil::SecondsToTimestamp(kFeb23);
  *member_req.mutable_filter()->mutable_end_time() = TimeUtil::SecondsToTimestamp(kFeb26);
  member_req.set_page_size(1);
  ev::ListMeetingsResponse first;
  ASSERT_THAT(
      Call(Key("indonesia"), [&](auto* c) { return events_stub_->ListMeetings(c, member_req, &first); }),
      IsOk());
  EXPECT_EQ(first.meetings_size(), 1);
  EXPECT_FALSE(first.next_page_token().empty());

  // Documents: a members-only Bali document among public ones.
  RCP_ASSERT_OK_AND_ASSIGN(doc::Document hidden, CreateDocument(Key("bali-secretariat"), kBali,
                                                                "BALI/SOM/2027/9", rcp::common::v1::MEMBERS));
  RCP_ASSERT_OK_AND_ASSIGN(doc::Document shown, CreateDocument(Key("bali-secretariat"), kBali,
                                                               "BALI/SOM/2027/10", rcp::common::v1::PUBLIC));
  doc::ListDocumentsRequest docs;
  docs.set_parent(kBali);
  docs.set_page_size(1);
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    doc::ListDocumentsResponse page;
    ASSERT_THAT(Call(observer, [&](auto* c) { return documents_stub_->ListDocuments(c, docs, &page); }),
                IsOk());
    EXPECT_TRUE(page.documents_size() == 1 || page.next_page_token().empty()) << "an empty page with a token";
    for (const auto& d : page.documents()) seen.push_back(d.name());
    if (page.next_page_token().empty()) break;
    docs.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(seen, std::vector<std::string>{shown.name()});

  // Sync: a full sync is only of visible meetings, and an incremental one
  // after hidden changes is empty, with no page token and no removal.
  ev::SyncMeetingsRequest sync;
  sync.mutable_filter()->add_processes(kBali);
  sync.set_page_size(1);
  std::string sync_token;
  int synced = 0;
  for (int pages = 0; pages < 10; ++pages) {
    ev::SyncMeetingsResponse page;
    ASSERT_THAT(Call(observer, [&](auto* c) { return events_stub_->SyncMeetings(c, sync, &page); }), IsOk());
    EXPECT_TRUE(page.meetings_size() == 1 || page.next_page_token().empty());
    for (const auto& m : page.meetings()) {
      EXPECT_EQ(m.visibility(), rcp::common::v1::PUBLIC) << m.name();
      ++synced;
    }
    if (page.next_page_token().empty()) {
      sync_token = page.next_sync_token();
      break;
    }
    sync.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(synced, 1);  // the 2005 Geneva workshop, joint with every RCP
  ASSERT_FALSE(sync_token.empty());
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(CreateMeeting(Key("bali-secretariat"), NewMeeting(absl::StrCat("Closed session ", i), kBali,
                                                                  rcp::common::v1::MEMBERS)),
                IsOk());
  }
  ev::SyncMeetingsRequest incremental;
  incremental.mutable_filter()->add_processes(kBali);
  incremental.set_sync_token(sync_token);
  incremental.set_page_size(1);
  ev::SyncMeetingsResponse changes;
  ASSERT_THAT(Call(observer, [&](auto* c) { return events_stub_->SyncMeetings(c, incremental, &changes); }),
              IsOk());
  EXPECT_EQ(changes.meetings_size(), 0);
  EXPECT_EQ(changes.removed_size(), 0);
  EXPECT_TRUE(changes.next_page_token().empty());
  EXPECT_FALSE(changes.next_sync_token().empty());
}

// Hole 2: a key limited to the MEMBER role has no chair rights, though its
// party co-chairs the Bali Process; CHAIR in its roles gives them back.
TEST_F(GatewayE2eTest, ARoleLimitBindsTheChair) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  auto chair_in_bali = [&](const std::string& key) {
    reg::Principal p;
    EXPECT_THAT(Call(key, [&](auto* c) { return gateway_stub_->WhoAmI(c, gw::WhoAmIRequest(), &p); }),
                IsOk());
    for (const auto& r : p.rights()) {
      if (r.process() == kBali) return r.chair();
    }
    return false;
  };
  EXPECT_TRUE(chair_in_bali(Key("indonesia")));
  reg::CreateApiKeyResponse member_only = NewKey("parties/IDN", "indonesia-member", {}, {reg::MEMBER});
  reg::CreateApiKeyResponse with_chair =
      NewKey("parties/IDN", "indonesia-chair", {}, {reg::MEMBER, reg::CHAIR});
  EXPECT_FALSE(chair_in_bali(member_only.key()));
  EXPECT_TRUE(chair_in_bali(with_chair.key()));
  EXPECT_THAT(
      CreateMeeting(member_only.key(), NewMeeting("Chair's retreat", kBali, rcp::common::v1::MEMBERS)),
      StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr(kBali)));
  EXPECT_THAT(CreateMeeting(with_chair.key(), NewMeeting("Chair's retreat", kBali, rcp::common::v1::MEMBERS)),
              IsOk());
  reg::Principal limited;
  ASSERT_THAT(Call(member_only.key(),
                   [&](auto* c) { return gateway_stub_->WhoAmI(c, gw::WhoAmIRequest(), &limited); }),
              IsOk());
  ASSERT_EQ(limited.role_limit_size(), 1);
  EXPECT_EQ(limited.role_limit(0), reg::MEMBER);
}

// Hole 3: "acts only in these processes" holds for reads, subscriptions,
// feeds and downloads. Indonesia's key limited to the Colombo Process does
// not reach the Bali consultation that names Indonesia.
TEST_F(GatewayE2eTest, AProcessLimitBindsReads) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  reg::CreateApiKeyResponse colombo =
      NewKey("parties/IDN", "indonesia-colombo", {"processes/colombo-process"});
  ev::GetMeetingRequest friends;
  friends.set_name(kFriends);
  ev::Meeting m;
  ASSERT_THAT(Call(Key("indonesia"), [&](auto* c) { return events_stub_->GetMeeting(c, friends, &m); }),
              IsOk());
  EXPECT_THAT(Call(colombo.key(), [&](auto* c) { return events_stub_->GetMeeting(c, friends, &m); }),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(kFriends)));
  // Its calendar and lists hold Colombo's meetings and joint ones only.
  ev::ListMeetingsRequest all;
  ev::ListMeetingsResponse listed;
  ASSERT_THAT(Call(colombo.key(), [&](auto* c) { return events_stub_->ListMeetings(c, all, &listed); }),
              IsOk());
  ASSERT_GT(listed.meetings_size(), 0);
  for (const auto& meeting : listed.meetings()) {
    EXPECT_TRUE(std::find(meeting.processes().begin(), meeting.processes().end(),
                          "processes/colombo-process") != meeting.processes().end())
        << meeting.name();
  }
  gw::CalendarUrl url;
  ASSERT_THAT(
      Call(colombo.key(),
           [&](auto* c) { return gateway_stub_->GetCalendarUrl(c, gw::GetCalendarUrlRequest(), &url); }),
      IsOk());
  httplib::Client http("127.0.0.1", http_port_);
  auto feed = http.Get(url.url().substr(url.url().find("/calendar/")));
  ASSERT_TRUE(feed);
  EXPECT_EQ(feed->status, 200);
  EXPECT_EQ(feed->body.find("Friends of the Chair"), std::string::npos);
  EXPECT_EQ(feed->body.find("Senior Officials"), std::string::npos);
  // The register and documents of the Bali Process are out of its reach too.
  reg::GetProcessRequest bali;
  bali.set_name(kBali);
  reg::Process process;
  EXPECT_THAT(Call(colombo.key(), [&](auto* c) { return registry_stub_->GetProcess(c, bali, &process); }),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(kBali)));
  // The IGC's public report is beyond a key limited to Colombo as well.
  EXPECT_THAT(Download(colombo.key(), kSummary, "en"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(kSummary)));
  EXPECT_THAT(Download(Key("indonesia"), kSummary, "en"), IsOk());
  // Its subscription gets Colombo's changes and not Bali's.
  FeedReader feed_reader(channel_, colombo.key());
  feed_reader.Connect();
  ASSERT_TRUE(feed_reader.WaitForMessages(1));
  RCP_ASSERT_OK_AND_ASSIGN(
      ev::Meeting bali_meeting,
      CreateMeeting(Key("bali-secretariat"),
                    NewMeeting("Bali workshop", kBali, rcp::common::v1::RESTRICTED, {"parties/IDN"})));
  RCP_ASSERT_OK_AND_ASSIGN(
      ev::Meeting colombo_meeting,
      CreateMeeting(Key("admin"),
                    NewMeeting("Colombo workshop", "processes/colombo-process", rcp::common::v1::MEMBERS)));
  ASSERT_TRUE(feed_reader.WaitFor(
      [&](const std::vector<Received>& events) { return Contains(events, colombo_meeting.name()); }));
  EXPECT_FALSE(feed_reader.HasName(bali_meeting.name()));
  feed_reader.Disconnect();
}

// Hole 4: a key limited to the Bali Process manages no key beyond its
// limits, though the key is its party's: IOM's key for the Colombo Process
// is not the Bali secretariat's to see or revoke.
TEST_F(GatewayE2eTest, AProcessLimitedKeyManagesNoKeyBeyondItsLimits) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  const std::string& bali = Key("bali-secretariat");
  reg::CreateApiKeyResponse colombo =
      NewKey("parties/iom", "colombo-secretariat", {"processes/colombo-process"});
  reg::CreateApiKeyResponse bali_staff = NewKey("parties/iom", "bali-staff", {kBali});
  reg::ListApiKeysRequest list;
  reg::ListApiKeysResponse listed;
  ASSERT_THAT(Call(bali, [&](auto* c) { return registry_stub_->ListApiKeys(c, list, &listed); }), IsOk());
  std::set<std::string> names;
  for (const auto& k : listed.api_keys()) names.insert(k.name());
  EXPECT_TRUE(names.count(bali_staff.api_key().name()));
  EXPECT_FALSE(names.count(colombo.api_key().name()));
  reg::GetApiKeyRequest get;
  get.set_name(colombo.api_key().name());
  reg::ApiKey key;
  EXPECT_THAT(Call(bali, [&](auto* c) { return registry_stub_->GetApiKey(c, get, &key); }),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(colombo.api_key().name())));
  reg::RevokeApiKeyRequest revoke;
  revoke.set_name(colombo.api_key().name());
  EXPECT_THAT(Call(bali, [&](auto* c) { return registry_stub_->RevokeApiKey(c, revoke, &key); }),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(colombo.api_key().name())));
  // The Colombo key still works; the Bali staff key is the secretariat's to revoke.
  reg::Principal p;
  EXPECT_THAT(Call(colombo.key(), [&](auto* c) { return gateway_stub_->WhoAmI(c, gw::WhoAmIRequest(), &p); }),
              IsOk());
  revoke.set_name(bali_staff.api_key().name());
  EXPECT_THAT(Call(bali, [&](auto* c) { return registry_stub_->RevokeApiKey(c, revoke, &key); }), IsOk());
}

// Hole 5: every reference made at write time names something that exists;
// a missing one is NOT_FOUND naming the field, and nothing is written or
// reaches a subscriber. And a commit whose bytes do not match its declared
// SHA-256 is the client's error.
TEST_F(GatewayE2eTest, WritesNameOnlyWhatExists) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  const std::string& admin = Key("admin");
  FeedReader feed_reader(channel_, admin);
  feed_reader.Connect();
  ASSERT_TRUE(feed_reader.WaitForMessages(1));
  ev::CreateMeetingRequest atlantis =
      NewMeeting("Atlantis summit", "processes/atlantis", rcp::common::v1::PUBLIC);
  atlantis.set_meeting_id("atlantis-summit");
  EXPECT_THAT(
      CreateMeeting(admin, atlantis),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("meeting.processes: processes/atlantis not found")));
  ev::CreateMeetingRequest nobody = NewMeeting("Side meeting", kBali, rcp::common::v1::PUBLIC);
  nobody.mutable_meeting()->add_invited_parties("parties/IDN");
  nobody.mutable_meeting()->add_invited_parties("parties/no-such-organization");
  EXPECT_THAT(CreateMeeting(admin, nobody),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("meeting.invited_parties[1]: parties/no-such-organization not found")));
  ev::CreateMeetingRequest no_doc = NewMeeting("Side meeting", kBali, rcp::common::v1::PUBLIC);
  no_doc.mutable_meeting()->add_documents("processes/bali-process/documents/no-such-document");
  EXPECT_THAT(CreateMeeting(admin, no_doc),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("meeting.documents")));
  doc::CreateDocumentRequest doc_req;
  doc_req.set_parent(kBali);
  doc_req.mutable_document()->set_symbol("BALI/X/1");
  doc_req.mutable_document()->set_title("Orphan");
  doc_req.mutable_document()->set_kind(doc::REPORT);
  doc_req.mutable_document()->set_visibility(rcp::common::v1::PUBLIC);
  doc_req.mutable_document()->set_meeting("processes/bali-process/meetings/no-such-meeting");
  doc::Document d;
  EXPECT_THAT(Call(admin, [&](auto* c) { return documents_stub_->CreateDocument(c, doc_req, &d); }),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("document.meeting")));
  // Nothing was written: the name is free, and no subscriber heard of it.
  ev::GetMeetingRequest get;
  get.set_name("processes/atlantis/meetings/atlantis-summit");
  ev::Meeting m;
  EXPECT_THAT(Call(admin, [&](auto* c) { return events_stub_->GetMeeting(c, get, &m); }),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("")));
  // A marker write, then the feed: it carries the marker and nothing before it.
  RCP_ASSERT_OK_AND_ASSIGN(ev::Meeting marker,
                           CreateMeeting(admin, NewMeeting("Marker", kBali, rcp::common::v1::PUBLIC)));
  ASSERT_TRUE(feed_reader.WaitFor(
      [&](const std::vector<Received>& events) { return Contains(events, marker.name()); }));
  EXPECT_FALSE(feed_reader.HasName(get.name()));
  feed_reader.Disconnect();

  // A commit whose bytes are not what was declared.
  RCP_ASSERT_OK_AND_ASSIGN(doc::Document paper, CreateDocument(Key("bali-secretariat"), kBali,
                                                               "BALI/SOM/2027/11", rcp::common::v1::PUBLIC));
  std::string content = "Co-chairs' statement.\n";
  doc::StartUploadRequest start;
  start.set_document(paper.name());
  start.set_language("en");
  start.set_media_type("text/plain");
  start.set_declared_size(static_cast<int64_t>(content.size()));
  start.set_declared_sha256(crypto::Sha256Hex("something else"));
  doc::UploadSession session;
  ASSERT_THAT(Call(Key("bali-secretariat"),
                   [&](auto* c) { return documents_stub_->StartUpload(c, start, &session); }),
              IsOk());
  doc::UploadSession after;
  ASSERT_THAT(Call(Key("bali-secretariat"),
                   [&](auto* c) {
                     auto writer = documents_stub_->UploadChunks(c, &after);
                     doc::UploadChunk chunk;
                     chunk.set_upload(session.name());
                     chunk.set_data(content);
                     writer->Write(chunk);
                     writer->WritesDone();
                     return writer->Finish();
                   }),
              IsOk());
  doc::CommitUploadRequest commit;
  commit.set_name(session.name());
  doc::ContentVersion version;
  EXPECT_THAT(Call(Key("bali-secretariat"),
                   [&](auto* c) { return documents_stub_->CommitUpload(c, commit, &version); }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("declared_sha256")));
}

// Issue 10's identity: the deployment's signing key is made at the first
// start of the first gateway, kept (sealed) by the registry, shared by
// every replica, published without a credential, and rotated by
// administrators; a replica whose sealing key differs refuses to start.
TEST_F(GatewayE2eTest, TheDeploymentsSigningKeyIsMadeOnceAndSharedByEveryReplica) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  auto keys_of = [](const std::shared_ptr<grpc::Channel>& channel) {
    fed::ServerKeys keys;
    grpc::ClientContext anonymous;  // no credential
    anonymous.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Status s = fed::Federation::NewStub(channel)->GetServerKeys(&anonymous, {}, &keys);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return keys;
  };
  fed::ServerKeys first = keys_of(channel_);
  EXPECT_EQ(first.deployment_id(), "e2e.secretariat");
  ASSERT_EQ(first.keys_size(), 1);
  const std::string k1 = first.keys(0).key_id();
  EXPECT_TRUE(absl::StartsWith(k1, "ed25519:")) << k1;
  EXPECT_EQ(first.keys(0).public_key().size(), 32u);

  // A second replica adopts the same key.
  std::unique_ptr<Daemon> replica = NewGateway("127.0.0.1:0", "replica.log", dir_.Sub("keyring-key"));
  ASSERT_THAT(replica->Start(), IsOk());
  auto replica_channel = grpc::CreateChannel(replica->address(), grpc::InsecureChannelCredentials());
  EXPECT_EQ(keys_of(replica_channel).keys(0).key_id(), k1);

  // Administrators rotate; others may not.
  auto admin_stub = fed::FederationAdmin::NewStub(channel_);
  fed::ServerKeys rotated;
  EXPECT_THAT(Call(Key("indonesia"), [&](auto* c) { return admin_stub->RotateKey(c, {}, &rotated); }),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("administrators")));
  ASSERT_THAT(Call(Key("admin"), [&](auto* c) { return admin_stub->RotateKey(c, {}, &rotated); }), IsOk());
  ASSERT_EQ(rotated.keys_size(), 2);
  const std::string k2 = rotated.keys(0).key_id();
  EXPECT_NE(k2, k1);
  EXPECT_EQ(rotated.keys(0).predecessor_key_id(), k1);
  EXPECT_EQ(rotated.keys(0).predecessor_signature().size(), 64u);
  EXPECT_EQ(rotated.keys(1).key_id(), k1);
  EXPECT_TRUE(rotated.keys(1).has_expire_time());
  // The other replica reads the rotation within its refresh interval.
  bool adopted = false;
  for (int i = 0; i < 50 && !adopted; ++i) {
    adopted = keys_of(replica_channel).keys(0).key_id() == k2;
    if (!adopted) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(adopted) << "the replica still publishes " << keys_of(replica_channel).keys(0).key_id();

  // A restart makes no new key: it is the registry's, not the pod's.
  ASSERT_THAT(gateway_->Stop(SIGTERM), IsOk());
  ASSERT_NO_FATAL_FAILURE(StartGateway("127.0.0.1:0"));
  EXPECT_EQ(keys_of(channel_).keys(0).key_id(), k2);

  // A gateway given another sealing key cannot open the keyring: it says
  // so and does not serve.
  std::ofstream(dir_.Sub("other-key")) << crypto::HexEncode(crypto::RandomToken(20)) << "\n";
  std::unique_ptr<Daemon> stranger = NewGateway("127.0.0.1:0", "stranger.log", dir_.Sub("other-key"));
  EXPECT_FALSE(stranger->Start(absl::Seconds(10)).ok());
  EXPECT_THAT(stranger->Log(), HasSubstr("cannot load the deployment's keyring"));
  EXPECT_THAT(stranger->Log(), HasSubstr("does not open"));
}

// Issue 10's homes: a process whose home is another deployment is a mirror
// here. Writes to it fail naming its home, until an administrator pins the
// home back (here, after the homes' cache interval, 1 s in these tests).
TEST_F(GatewayE2eTest, WritesToAMirrorFailNamingItsHome) {
  ASSERT_NO_FATAL_FAILURE(StartSuite());
  const std::string& admin = Key("admin");
  auto pin = [&](const std::string& home) {
    reg::UpdateProcessRequest req;
    req.mutable_process()->set_name("processes/colombo-process");
    req.mutable_process()->set_home(home);
    req.mutable_update_mask()->add_paths("home");
    reg::Process p;
    return Call(admin, [&](auto* c) { return registry_stub_->UpdateProcess(c, req, &p); });
  };
  reg::GetProcessRequest get;
  get.set_name("processes/colombo-process");
  reg::Process colombo;
  ASSERT_THAT(Call(admin, [&](auto* c) { return registry_stub_->GetProcess(c, get, &colombo); }), IsOk());
  EXPECT_EQ(colombo.home(), "e2e.secretariat");
  ev::CreateMeetingRequest meeting =
      NewMeeting("Colombo labour ministers", "processes/colombo-process", rcp::common::v1::PUBLIC);
  ASSERT_THAT(CreateMeeting(admin, meeting), IsOk());

  ASSERT_THAT(pin("colombo-process.rcp"), IsOk());
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_THAT(CreateMeeting(admin, meeting),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("its home is colombo-process.rcp")));
  // Bali's processes are written as ever.
  EXPECT_THAT(CreateMeeting(admin, NewMeeting("Bali workshop", kBali, rcp::common::v1::PUBLIC)), IsOk());

  ASSERT_THAT(pin("e2e.secretariat"), IsOk());
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_THAT(CreateMeeting(admin, meeting), IsOk());
}

}  // namespace
}  // namespace rcp
