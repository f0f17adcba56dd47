// Child of store_crash_test: writes to a store from several threads and
// prints "<key> <revision>" to stdout after each write is acknowledged, until
// it is killed.
#include <google/protobuf/wrappers.pb.h>

#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/storage/store.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: store_crash_writer <db dir> <round>\n");
    return 2;
  }
  rcp::storage::StoreOptions o;
  o.path = argv[1];
  o.store_name = "crash";
  o.column_families = {"items"};
  auto store = rcp::storage::Store::Open(o);
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    return 1;
  }
  std::mutex out_mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0;; ++i) {
        std::string key = absl::StrCat("r", argv[2], "-t", t, "-", i);
        google::protobuf::StringValue v;
        v.set_value(key);
        auto rev = (*store)->Write({"crash"}, {key}, [&](rcp::storage::Transaction& txn) {
          txn.Put("items", key, key);
          txn.RecordChange(key, "item", rcp::common::v1::Change::CREATED, v);
          return absl::OkStatus();
        });
        if (!rev.ok()) {
          std::fprintf(stderr, "write: %s\n", rev.status().ToString().c_str());
          std::_Exit(1);
        }
        std::lock_guard<std::mutex> lock(out_mu);
        std::printf("%s %llu\n", key.c_str(), static_cast<unsigned long long>(*rev));
        std::fflush(stdout);
      }
    });
  }
  for (auto& t : threads) t.join();
}
