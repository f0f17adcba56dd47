// Upgrades as an operator does them: today's daemons start on databases
// the release before schema versions wrote (tests/fixtures/schema-v0),
// keep a checkpoint of each for a rollback, and serve its data; a database
// of a newer schema than theirs they refuse, saying so.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/storage/store.h"
#include "common/testing/daemon.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "rcp/documents/v1/documents.grpc.pb.h"
#include "rcp/events/v1/events.grpc.pb.h"
#include "rcp/registry/v1/registry.grpc.pb.h"

namespace rcp {
namespace {

using ::rcp::testing::Daemon;
using ::rcp::testing::IsOk;
using ::testing::HasSubstr;

// A copy of the fixture of `service`, to be opened (and so changed).
std::string CopyOfFixture(const rcp::testing::TempDir& dir, const std::string& service) {
  std::string to = dir.Sub(service);
  std::filesystem::copy(absl::StrCat(RCP_SOURCE_DIR, "/tests/fixtures/schema-v0/", service), to,
                        std::filesystem::copy_options::recursive);
  return to;
}

std::unique_ptr<Daemon> Start(const rcp::testing::TempDir& dir, const std::string& service,
                              const std::string& binary, const std::string& data_dir) {
  auto d = std::make_unique<Daemon>(
      rcp::testing::BuildDir() + "/" + binary,
      std::vector<std::string>{"--listen=127.0.0.1:0", "--data_dir=" + data_dir, "--deployment_id=fixture.rcp"},
      dir.Sub(service + ".log"));
  return d;
}

TEST(UpgradeE2eTest, TodaysDaemonsMigrateAndServeTheDatabasesOfTheReleaseBefore) {
  rcp::testing::TempDir dir;
  std::string registry_dir = CopyOfFixture(dir, "registry");
  std::string events_dir = CopyOfFixture(dir, "events");
  std::string documents_dir = CopyOfFixture(dir, "documents");
  auto registry = Start(dir, "registry", "services/registry/rcp-registryd", registry_dir);
  auto events = Start(dir, "events", "services/events/rcp-eventsd", events_dir);
  auto documents = Start(dir, "documents", "services/documents/rcp-documentsd", documents_dir);
  ASSERT_THAT(registry->Start(), IsOk());
  ASSERT_THAT(events->Start(), IsOk());
  ASSERT_THAT(documents->Start(), IsOk());

  // What the old release stored is served.
  auto channel = [](const Daemon& d) { return grpc::CreateChannel(d.address(), grpc::InsecureChannelCredentials()); };
  {
    auto stub = rcp::registry::v1::Registry::NewStub(channel(*registry));
    grpc::ClientContext c;
    rcp::registry::v1::ListProcessesRequest req;
    req.set_page_size(100);
    rcp::registry::v1::ListProcessesResponse resp;
    ASSERT_TRUE(stub->ListProcesses(&c, req, &resp).ok());
    EXPECT_EQ(resp.processes_size(), 9) << "the nine RCPs of the seed";
  }
  {
    auto stub = rcp::events::v1::Events::NewStub(channel(*events));
    grpc::ClientContext c;
    rcp::events::v1::GetMeetingRequest req;
    req.set_name("processes/igc/meetings/gcim-iom-workshop-2005");
    rcp::events::v1::Meeting m;
    grpc::Status s = stub->GetMeeting(&c, req, &m);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(m.status(), rcp::events::v1::HELD);
  }
  {
    auto stub = rcp::documents::v1::Documents::NewStub(channel(*documents));
    grpc::ClientContext c;
    rcp::documents::v1::DownloadRequest req;
    req.set_document("processes/igc/documents/gcim-iom-workshop-2005-summary");
    req.set_language("en");
    auto reader = stub->Download(&c, req);
    rcp::documents::v1::DownloadChunk piece;
    size_t bytes = 0;
    while (reader->Read(&piece)) bytes += piece.data().size();
    grpc::Status s = reader->Finish();
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(bytes, std::filesystem::file_size(std::string(RCP_SOURCE_DIR) +
                                                "/deploy/seed/gcim-iom-workshop-2005-summary-report.txt"));
  }
  // Each kept the data as the old release left it, for a rollback.
  for (const std::string& db : {registry_dir, events_dir, documents_dir + "/metadata"}) {
    EXPECT_TRUE(std::filesystem::exists(db + "/pre-migrate-v0/CURRENT")) << db;
  }
  for (auto* d : {registry.get(), events.get(), documents.get()}) {
    auto exit = d->Stop(SIGTERM);
    ASSERT_THAT(exit.status(), IsOk());
  }

  // A database of a newer release than this one: refused at start, saying so.
  {
    storage::StoreOptions newer;
    newer.path = events_dir;
    newer.store_name = "events";
    newer.schema_version = 2;
    newer.migrations.push_back({1, [](storage::Store&) { return absl::OkStatus(); }});
    auto opened = storage::Store::Open(newer);
    ASSERT_THAT(opened.status(), IsOk());
  }
  auto again = Start(dir, "events-again", "services/events/rcp-eventsd", events_dir);
  EXPECT_FALSE(again->Start().ok());
  EXPECT_THAT(again->Log(), HasSubstr("schema version 2, newer than this release reads (1)"));
}

}  // namespace
}  // namespace rcp
