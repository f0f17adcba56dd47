#include "common/server/data_service.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <iostream>
#include <optional>

#include "absl/flags/flag.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "common/server/flags.h"
#include "common/server/principal.h"

ABSL_FLAG(uint64_t, changelog_max_records, 1'000'000, "change records kept for Watch and incremental sync");
ABSL_FLAG(absl::Duration, changelog_max_age, absl::Hours(24 * 30),
          "age of the oldest change kept (older cursors and sync tokens must resync)");
ABSL_FLAG(std::string, home_processes, "",
          "the processes this deployment is the home of, comma-separated (e.g. bali-process,apc): the only "
          "ones it seeds and accepts writes to; empty = every process (a deployment on its own)");
ABSL_FLAG(uint64_t, rocksdb_memory_mb, 0,
          "RocksDB's memory budget in MiB: one block cache, to which memtables and index and filter blocks are "
          "charged (give the container a memory limit of at least 1.5 x this + 128 MiB); 0 = RocksDB's defaults");
ABSL_FLAG(absl::Duration, request_id_retention, absl::Hours(24 * 7),
          "how long a create's request_id is remembered for retries");

namespace rcp::server {

storage::StoreOptions StoreOptionsFromFlags() {
  storage::StoreOptions o;
  o.path = absl::GetFlag(FLAGS_data_dir);
  o.changelog_max_records = absl::GetFlag(FLAGS_changelog_max_records);
  o.changelog_max_age = absl::GetFlag(FLAGS_changelog_max_age);
  o.request_id_retention = absl::GetFlag(FLAGS_request_id_retention);
  o.memory_budget_mb = absl::GetFlag(FLAGS_rocksdb_memory_mb);
  return o;
}

resource::HomeProcesses HomeProcessesFromFlags() {
  resource::HomeProcesses homes;
  for (absl::string_view id : absl::StrSplit(absl::GetFlag(FLAGS_home_processes), ',', absl::SkipWhitespace())) {
    id = absl::StripAsciiWhitespace(id);
    absl::ConsumePrefix(&id, "processes/");
    if (absl::Status s = resource::ValidateSlug("home_processes", id); !s.ok()) {
      std::cerr << "--" << s.message() << "\n";
      std::exit(2);
    }
    homes.names.push_back(absl::StrCat("processes/", id));
  }
  return homes;
}

storage::WriteContext WriteContextOf(const grpc::ServerContextBase* context) {
  return storage::WriteContext{PrincipalOf(context)};
}

void AddStoreGauges(Server& server, const storage::Store* store) {
  // Changelog retention against its readers: when the floor reaches the
  // oldest watcher, that watcher (the gateway's feed, a peer's pull) must
  // resync (deploy/observability: RcpChangelogRetentionNearOldestWatcher).
  server.AddGauge("rcp_store_compacted_revision",
                  "the changelog's trimmed floor: a Watch or sync from an older revision must resync",
                  [store] { return static_cast<double>(store->compacted_revision()); });
  server.AddGauge("rcp_store_oldest_watcher_revision",
                  "the lowest revision among open watchers (the latest revision when none is behind)",
                  [store] { return static_cast<double>(store->oldest_watcher_revision()); });
  server.AddGauge("rcp_backup_last_success_timestamp_seconds",
                  "when the last complete backup of the store was taken, as Unix time (0: never)", [store] {
                    std::optional<absl::Time> t = store->last_backup();
                    return t.has_value() ? static_cast<double>(absl::ToUnixMicros(*t)) / 1e6 : 0.0;
                  });
  // RocksDB's own health, read at every scrape. A background error (a
  // failed flush or compaction, a full disk) leaves the database read-only;
  // a write stop or delay is RocksDB throttling writers behind compaction.
  struct Property {
    const char* metric;
    const char* help;
    const char* property;
    bool summed;  // per column family, summed over them
  };
  static constexpr Property kProperties[] = {
      {"rcp_rocksdb_background_errors",
       "background errors since the database opened (after one it may be read-only)", "rocksdb.background-errors",
       false},
      {"rcp_rocksdb_write_stopped", "1 while RocksDB stops every write (a write stall)", "rocksdb.is-write-stopped",
       false},
      {"rcp_rocksdb_delayed_write_rate_bytes",
       "the rate, in bytes per second, RocksDB slows writes to while delaying them (0: no delay)",
       "rocksdb.actual-delayed-write-rate", false},
      {"rcp_rocksdb_pending_compaction_bytes", "bytes compaction estimates it must still rewrite",
       "rocksdb.estimate-pending-compaction-bytes", true},
      {"rcp_rocksdb_sst_files_bytes", "size of the database's SST files", "rocksdb.total-sst-files-size", true},
      {"rcp_rocksdb_memtable_bytes", "size of the database's memtables", "rocksdb.cur-size-all-mem-tables", true},
  };
  for (const Property& p : kProperties) {
    server.AddGauge(p.metric, p.help, [store, p] {
      std::optional<uint64_t> v = p.summed ? store->SummedIntProperty(p.property) : store->IntProperty(p.property);
      return v.has_value() ? static_cast<double>(*v) : std::nan("");
    });
  }
}

int ServeUntilSignal(const ServerOptions& options, const std::vector<grpc::Service*>& services,
                     storage::Store* store) {
  Server server(options);
  for (auto* s : services) server.AddService(s);
  server.AddGauge("rcp_store_revision", "latest committed store revision",
                  [store] { return static_cast<double>(store->revision()); });
  server.AddGauge("rcp_store_watchers", "open watchers of the change feed",
                  [store] { return static_cast<double>(store->watcher_count()); });
  AddStoreGauges(server, store);
  server.OnShutdown([store] { store->CloseWatchers("the server is shutting down"); });
  if (auto s = server.Start(); !s.ok()) {
    spdlog::critical("msg=\"cannot start\" error=\"{}\"", s.ToString());
    return 1;
  }
  server.WaitForSignal();
  return 0;
}

}  // namespace rcp::server
