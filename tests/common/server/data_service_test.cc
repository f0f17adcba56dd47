// The gauges a data service exports about its store, scraped from a real
// /metrics endpoint: the changelog against its watchers, the last backup,
// and RocksDB's health (deploy/observability alerts on each).
#include "common/server/data_service.h"

#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <cmath>
#include <regex>

#include "absl/strings/str_cat.h"
#include "common/server/server.h"
#include "common/storage/store.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"

namespace rcp::server {
namespace {

using ::rcp::testing::IsOk;

// The value of the label-less sample `name` in `body`, or NaN when absent.
double Sample(const std::string& body, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(body, m, std::regex("(^|\n)" + name + " ([^\n]+)"))) return std::nan("");
  return std::stod(m[2]);
}

TEST(DataServiceGaugesTest, TheStoreChangelogBackupAndRocksDbAreExported) {
  rcp::testing::TempDir dir;
  storage::StoreOptions so;
  so.path = dir.Sub("db");
  so.store_name = "test";
  so.column_families = {"items"};
  auto store = storage::Store::Open(so);
  ASSERT_THAT(store, IsOk());
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT((*store)->Write({"test"}, {}, [&](storage::Transaction& txn) {
      google::protobuf::StringValue v;
      v.set_value("v");
      txn.Put("items", absl::StrCat("k", i), v);
      txn.RecordChange(absl::StrCat("k", i), "item", rcp::common::v1::Change::UPDATED, v);
      return absl::OkStatus();
    }),
                IsOk());
  }
  auto watcher = (*store)->Watch(2, nullptr);
  ASSERT_THAT(watcher, IsOk());

  ServerOptions o;
  o.service_name = "test";
  o.metrics_address = "127.0.0.1:0";
  Server server(o);
  AddStoreGauges(server, store->get());
  ASSERT_THAT(server.Start(), IsOk());
  httplib::Client http("127.0.0.1", server.metrics_port());
  auto scrape = [&] {
    auto res = http.Get("/metrics");
    EXPECT_TRUE(res && res->status == 200);
    return res ? res->body : std::string();
  };

  std::string body = scrape();
  EXPECT_EQ(Sample(body, "rcp_store_compacted_revision"), 0);
  EXPECT_EQ(Sample(body, "rcp_store_oldest_watcher_revision"), 2) << body;
  EXPECT_EQ(Sample(body, "rcp_backup_last_success_timestamp_seconds"), 0) << "never backed up";
  EXPECT_EQ(Sample(body, "rcp_rocksdb_background_errors"), 0);
  EXPECT_EQ(Sample(body, "rcp_rocksdb_write_stopped"), 0);
  EXPECT_EQ(Sample(body, "rcp_rocksdb_delayed_write_rate_bytes"), 0);
  EXPECT_GE(Sample(body, "rcp_rocksdb_pending_compaction_bytes"), 0);
  EXPECT_GE(Sample(body, "rcp_rocksdb_sst_files_bytes"), 0);
  EXPECT_GT(Sample(body, "rcp_rocksdb_memtable_bytes"), 0) << "five writes sit in the memtables";

  // Read at scrape time: a backup and a trim show at the next scrape.
  ASSERT_THAT((*store)->RecordBackup(absl::FromUnixSeconds(1'780'000'000)), IsOk());
  (*watcher)->Cancel();
  body = scrape();
  EXPECT_EQ(Sample(body, "rcp_backup_last_success_timestamp_seconds"), 1'780'000'000);
  EXPECT_EQ(Sample(body, "rcp_store_oldest_watcher_revision"), 5);
  server.Shutdown();
}

}  // namespace
}  // namespace rcp::server
