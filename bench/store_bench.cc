// Durable write throughput of common/storage against bare RocksDB with the
// same options and value size, at 1, 8 and 64 concurrent writers.
//
//   build/bench/store_bench [--seconds=2] [--rounds=3] [--value_bytes=256] [--dir=/path]
//
// Each of our writes is one entity Put plus its change record, synced, with
// a per-key lock; each raw write is one synced Put. The two alternate for
// `rounds` rounds and the median of each is printed, so that the disk's and
// the machine's drift hits both alike. Target: ours ≥ 0.8× raw.
#include <google/protobuf/wrappers.pb.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "bench/load.h"
#include "bench/rocksdb_baseline.h"
#include "common/storage/store.h"
#include "common/testing/temp_dir.h"

namespace {

struct Args {
  double seconds = 2;
  int rounds = 3;
  size_t value_bytes = 256;
  std::string dir;
};

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s.rfind("--seconds=", 0) == 0) a.seconds = std::stod(s.substr(10));
    if (s.rfind("--rounds=", 0) == 0) a.rounds = std::stoi(s.substr(9));
    if (s.rfind("--value_bytes=", 0) == 0) a.value_bytes = std::stoul(s.substr(14));
    if (s.rfind("--dir=", 0) == 0) a.dir = s.substr(6);
  }
  return a;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

absl::StatusOr<double> MeasureOurs(const std::string& path, int writers, const Args& args,
                                   const std::string& value) {
  rcp::storage::StoreOptions o;
  o.path = path;
  o.store_name = "bench";
  o.column_families = {"items"};
  auto store = rcp::storage::Store::Open(o);
  if (!store.ok()) return store.status();
  google::protobuf::BytesValue v;
  v.set_value(value);
  return rcp::bench::RunThreads(writers, absl::Seconds(args.seconds), [&](int t, uint64_t i) {
    std::string key = absl::StrCat("items/", t, "-", i);
    return (*store)
        ->Write({"bench"}, {key},
                [&](rcp::storage::Transaction& txn) {
                  txn.Put("items", key, value);
                  txn.RecordChange(key, "item", rcp::common::v1::Change::CREATED, v);
                  return absl::OkStatus();
                })
        .ok();
  });
}

}  // namespace

int main(int argc, char** argv) {
  Args args = Parse(argc, argv);
  rcp::testing::TempDir tmp;
  std::string base = args.dir.empty() ? tmp.path() : args.dir;
  std::string value(args.value_bytes, 'x');
  std::printf("durable writes, value %zu bytes, median of %d rounds of %.1f s, data under %s\n",
              args.value_bytes, args.rounds, args.seconds, base.c_str());
  std::printf("%8s %14s %14s %8s\n", "writers", "rcp ops/s", "rocksdb ops/s", "ratio");
  for (int writers : {1, 8, 64}) {
    std::vector<double> ours, raw;
    for (int round = 0; round < args.rounds; ++round) {
      auto r = MeasureOurs(absl::StrCat(base, "/rcp-", writers, "-", round), writers, args, value);
      if (!r.ok()) {
        std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
        return 1;
      }
      ours.push_back(*r);
      auto b = rcp::bench::SyncedRocksDbPuts(absl::StrCat(base, "/raw-", writers, "-", round), writers,
                                             absl::Seconds(args.seconds), args.value_bytes);
      if (!b.ok()) {
        std::fprintf(stderr, "%s\n", b.status().ToString().c_str());
        return 1;
      }
      raw.push_back(*b);
    }
    double o = Median(ours), r = Median(raw);
    std::printf("%8d %14.0f %14.0f %8.2f\n", writers, o, r, o / r);
    std::fflush(stdout);
  }
  return 0;
}
