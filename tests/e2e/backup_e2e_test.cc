// Online backups as an operator takes them: rcp-admin backs up each data
// service while writes go on, the disks are lost, rcp-admin restores into
// fresh data directories, and the daemons start on the restored data with
// every write acknowledged before the backup began, in a new epoch.
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/crypto/crypto.h"
#include "common/io/file.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "tests/e2e/harness/deployment.h"
#include "tests/e2e/harness/feed_reader.h"

namespace rcp {
namespace {

namespace doc = ::rcp::documents::v1;
namespace ev = ::rcp::events::v1;
using ::google::protobuf::util::TimeUtil;
using ::rcp::testing::CallWith;
using ::rcp::testing::Deployment;
using ::rcp::testing::DeploymentOptions;
using ::rcp::testing::FeedReader;
using ::rcp::testing::IsOk;
using ::rcp::testing::StatusIs;
using ::testing::HasSubstr;
using Part = Deployment::Part;

const std::vector<std::pair<Part, std::string>> kDataServices = {
    {Part::kRegistry, "registry"}, {Part::kEvents, "events"}, {Part::kDocuments, "documents"}};

// Runs rcp-admin with `args`; its exit code, with its output in `*output`.
int RcpAdmin(const std::string& args, std::string* output) {
  std::string log = std::filesystem::temp_directory_path() / absl::StrCat("rcp-admin-", getpid(), ".out");
  int rc = std::system(absl::StrCat(rcp::testing::BuildDir(), "/tools/rcp-admin/rcp-admin ", args, " >", log,
                                    " 2>&1")
                           .c_str());
  *output = io::ReadFile(log).value_or("");
  std::filesystem::remove(log);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

ev::CreateMeetingRequest NewMeeting(int i) {
  ev::CreateMeetingRequest req;
  req.set_request_id(absl::StrCat("backup-load-", i));
  auto* m = req.mutable_meeting();
  m->add_processes("processes/bali-process");
  m->set_title(absl::StrCat("Working group session ", i));
  m->set_kind(ev::WORKING_GROUP);
  m->set_time_zone("Asia/Jakarta");
  int64_t start = 1830000000 + int64_t{i} * 3600;
  *m->mutable_start_time() = TimeUtil::SecondsToTimestamp(start);
  *m->mutable_end_time() = TimeUtil::SecondsToTimestamp(start + 1800);
  m->set_visibility(rcp::common::v1::MEMBERS);
  return req;
}

TEST(BackupE2eTest, AnOnlineBackupUnderWriteLoadRestoresEveryWriteAcknowledgedBeforeIt) {
  rcp::testing::TempDir dir;
  DeploymentOptions options;
  options.id = "bali-process.rcp";
  Deployment bali(dir.Sub("bali"), options);
  ASSERT_THAT(bali.Start(), IsOk());
  const std::string admin = bali.Key("admin");

  // Writes go on through the gateway for the whole backup.
  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    for (int i = 0; writing; ++i) {
      ev::Meeting m;
      absl::Status s = CallWith(admin, [&](auto* c) { return bali.events()->CreateMeeting(c, NewMeeting(i), &m); });
      if (s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        acknowledged.push_back(m.name());
      }
    }
  });
  auto acknowledged_count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return acknowledged.size();
  };
  while (acknowledged_count() < 20) absl::SleepFor(absl::Milliseconds(10));

  std::vector<std::string> before_backup;
  {
    std::lock_guard<std::mutex> lock(mu);
    before_backup = acknowledged;
  }
  const std::string token = dir.Sub("bali") + "/internal-token";
  std::map<Part, uint64_t> epochs_backed_up;
  for (const auto& [part, name] : kDataServices) {
    std::string out;
    ASSERT_EQ(RcpAdmin(absl::StrCat("backup --service=", bali.service_address(part), " --to=", dir.Sub("backup"),
                                    "/", name, " --internal_token_file=", token),
                       &out),
              0)
        << out;
    EXPECT_NE(out.find("backed up " + name + " at revision"), std::string::npos) << out;
    struct stat st {};
    ASSERT_EQ(stat((dir.Sub("backup") + "/" + name).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u) << name << ": a backup is the operator's alone";
  }
  size_t acknowledged_during = acknowledged_count() - before_backup.size();
  writing = false;
  writer.join();
  EXPECT_GT(acknowledged_during, 0u) << "no write went on during the backup";

  // A subscriber's cursor, newer than anything the backup holds.
  FeedReader feed(bali.channel(), admin);
  feed.Connect();
  ASSERT_TRUE(feed.WaitForMessages(1)) << feed.end();
  feed.Disconnect();
  ASSERT_FALSE(feed.cursor().empty());

  // The disks are lost; the backups come back into fresh directories.
  ASSERT_THAT(bali.Stop(Part::kGateway, SIGTERM), IsOk());
  for (const auto& [part, name] : kDataServices) {
    ASSERT_THAT(bali.Stop(part, SIGKILL), IsOk());
    std::filesystem::rename(bali.DataDir(part), bali.DataDir(part) + ".lost");
    std::string out;
    ASSERT_EQ(RcpAdmin(absl::StrCat("restore --from=", dir.Sub("backup"), "/", name, " --to=", bali.DataDir(part)),
                       &out),
              0)
        << out;
    EXPECT_NE(out.find("restored " + name), std::string::npos) << out;
  }
  for (const auto& [part, name] : kDataServices) ASSERT_THAT(bali.Restart(part), IsOk()) << name;
  ASSERT_THAT(bali.Restart(Part::kGateway), IsOk());

  // Every write acknowledged before the backup began is there.
  size_t missing = 0;
  for (const auto& name : before_backup) {
    ev::GetMeetingRequest get;
    get.set_name(name);
    ev::Meeting m;
    absl::Status s;
    for (absl::Time give_up = absl::Now() + absl::Seconds(20);;) {
      s = CallWith(admin, [&](auto* c) { return bali.events()->GetMeeting(c, get, &m); });
      if (!absl::IsUnavailable(s) || absl::Now() > give_up) break;
      absl::SleepFor(absl::Milliseconds(100));
    }
    if (!s.ok()) ++missing;
  }
  EXPECT_EQ(missing, 0u) << missing << " of " << before_backup.size() << " acknowledged writes were lost";

  // The document's content came back with its metadata, byte for byte.
  {
    grpc::ClientContext c;
    c.AddMetadata("authorization", "Bearer " + admin);
    doc::DownloadRequest req;
    req.set_document("processes/igc/documents/gcim-iom-workshop-2005-summary");
    req.set_language("en");
    auto reader = bali.documents()->Download(&c, req);
    doc::DownloadChunk piece;
    std::string downloaded;
    while (reader->Read(&piece)) downloaded += piece.data();
    ASSERT_TRUE(reader->Finish().ok());
    auto original =
        io::ReadFile(std::string(RCP_SOURCE_DIR) + "/deploy/seed/gcim-iom-workshop-2005-summary-report.txt");
    ASSERT_THAT(original.status(), IsOk());
    EXPECT_EQ(crypto::Sha256Hex(downloaded), crypto::Sha256Hex(*original));
  }

  // Writes go on in the restored stores, past the revisions of the old
  // cursor; the subscriber comes back with it, and is told to resync
  // rather than be given the changes after a revision of another epoch.
  for (int i = 0; i < 3 * static_cast<int>(before_backup.size() + acknowledged_during); ++i) {
    ev::Meeting after;
    ASSERT_THAT(CallWith(admin, [&](auto* c) { return bali.events()->CreateMeeting(c, NewMeeting(100000 + i), &after); }),
                IsOk());
  }
  feed.Connect();
  ASSERT_TRUE(feed.WaitForEnd(absl::Seconds(20))) << "the old cursor was served in the new epoch";
  EXPECT_THAT(feed.end(), StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("restored from a backup")));
  EXPECT_TRUE(feed.events().empty()) << feed.events().size() << " changes served after an old-epoch revision";
  // Without a cursor, the subscriber starts again.
  FeedReader fresh(bali.channel(), admin);
  fresh.Connect();
  EXPECT_TRUE(fresh.WaitForMessages(1)) << fresh.end();

  for (const auto& [part, name] : kDataServices) {
    EXPECT_NE(bali.Log(part).find("msg=\"store open\""), std::string::npos) << name;
    EXPECT_FALSE(std::filesystem::exists(bali.DataDir(part) + (part == Part::kDocuments ? "/metadata" : "") +
                                         "/RESTORED"))
        << name << ": the restore marker is consumed at open";
  }
}

TEST(BackupE2eTest, ARestoreRefusesADamagedOrUnfinishedBackup) {
  rcp::testing::TempDir dir;
  DeploymentOptions options;
  options.id = "bali-process.rcp";
  Deployment bali(dir.Sub("bali"), options);
  ASSERT_THAT(bali.Start(), IsOk());
  const std::string token = dir.Sub("bali") + "/internal-token";
  std::string out;
  ASSERT_EQ(RcpAdmin(absl::StrCat("backup --service=", bali.service_address(Part::kDocuments),
                                  " --to=", dir.Sub("docs"), " --internal_token_file=", token),
                     &out),
            0)
      << out;

  // Without the internal token, a data service gives nothing.
  EXPECT_NE(RcpAdmin(absl::StrCat("backup --service=", bali.service_address(Part::kDocuments), " --to=",
                                  dir.Sub("stolen")),
                     &out),
            0);
  EXPECT_NE(out.find("rcp-admin:"), std::string::npos) << out;

  // Into a directory that holds something: refused.
  EXPECT_EQ(RcpAdmin(absl::StrCat("backup --service=", bali.service_address(Part::kDocuments),
                                  " --to=", dir.Sub("docs"), " --internal_token_file=", token),
                     &out),
            1);
  EXPECT_NE(out.find("is not empty"), std::string::npos) << out;

  // A damaged content file: the restore names it and writes nothing.
  std::string blob;
  for (const auto& f : std::filesystem::directory_iterator(dir.Sub("docs") + "/content/blobs")) blob = f.path();
  ASSERT_FALSE(blob.empty());
  std::string bytes = *io::ReadFile(blob);
  {
    std::ofstream damaged(blob, std::ios::binary | std::ios::trunc);
    bytes[0] ^= 1;
    damaged << bytes;
  }
  EXPECT_EQ(RcpAdmin(absl::StrCat("restore --from=", dir.Sub("docs"), " --to=", dir.Sub("restored")), &out), 1);
  EXPECT_NE(out.find("does not match the manifest"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("restored")) && !std::filesystem::is_empty(dir.Sub("restored")));

  // A backup that never finished has no manifest.
  std::filesystem::remove(dir.Sub("docs") + "/MANIFEST.textproto");
  EXPECT_EQ(RcpAdmin(absl::StrCat("restore --from=", dir.Sub("docs"), " --to=", dir.Sub("restored")), &out), 1);
  EXPECT_NE(out.find("did not finish"), std::string::npos) << out;
}

}  // namespace
}  // namespace rcp
