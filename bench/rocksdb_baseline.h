// The bare-RocksDB baseline of the durable-write figures: what the disk and
// RocksDB give without our store around them.
#ifndef RCP_BENCH_ROCKSDB_BASELINE_H_
#define RCP_BENCH_ROCKSDB_BASELINE_H_

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "bench/load.h"

namespace rcp::bench {

// Synced Puts of `value_bytes` into a fresh RocksDB at `path`, opened with
// the options our store uses, from `threads` threads for `d`; Puts per
// second.
inline absl::StatusOr<double> SyncedRocksDbPuts(const std::string& path, int threads, absl::Duration d,
                                                size_t value_bytes) {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.IncreaseParallelism(2);
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(o, path, &db);
  if (!s.ok()) return absl::InternalError(absl::StrCat("cannot open RocksDB at ", path, ": ", s.ToString()));
  std::unique_ptr<rocksdb::DB> owned(db);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const std::string value(value_bytes, 'x');
  return RunThreads(threads, d, [&](int t, uint64_t i) {
    return db->Put(wo, absl::StrCat("items/", t, "-", i), value).ok();
  });
}

}  // namespace rcp::bench

#endif  // RCP_BENCH_ROCKSDB_BASELINE_H_
