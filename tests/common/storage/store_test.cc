#include "common/storage/store.h"

#include <gmock/gmock.h>
#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>
#include <rocksdb/env.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "common/coding/coding.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"

namespace rcp::storage {
namespace {

using ::rcp::common::v1::Change;
using ::rcp::testing::IsOk;
using ::rcp::testing::IsOkAndHolds;
using ::rcp::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

google::protobuf::StringValue Str(const std::string& s) {
  google::protobuf::StringValue v;
  v.set_value(s);
  return v;
}

// Writes `value` under `key` in "items" with its change record.
absl::StatusOr<uint64_t> Put(Store* store, const std::string& key, const std::string& value) {
  return store->Write({"test"}, {key}, [&](Transaction& txn) {
    txn.Put("items", key, value);
    txn.RecordChange(key, "item", Change::UPDATED, Str(value));
    return absl::OkStatus();
  });
}

class StoreTest : public ::testing::Test {
 protected:
  StoreOptions Options() {
    StoreOptions o;
    o.path = dir_.Sub("db");
    o.store_name = "test";
    o.column_families = {"items"};
    return o;
  }
  std::unique_ptr<Store> OpenOrDie(const StoreOptions& o) {
    auto s = Store::Open(o);
    EXPECT_THAT(s, IsOk());
    return s.ok() ? std::move(*s) : nullptr;
  }
  // Drains `w` until `count` changes arrived or 10 s passed.
  std::vector<ChangePtr> Collect(Watcher* w, size_t count, absl::Status* end = nullptr) {
    std::vector<ChangePtr> out;
    absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (out.size() < count && absl::Now() < deadline) {
      absl::Status s = w->Next(&out, 1000, absl::Milliseconds(100));
      if (!s.ok()) {
        if (end) *end = s;
        break;
      }
    }
    return out;
  }
  rcp::testing::TempDir dir_;
};

// --rocksdb_memory_mb: one cache of the budget, which the memtables are
// charged to as they fill (without a budget, they are charged nowhere).
TEST_F(StoreTest, AMemoryBudgetIsOneCacheThatTheMemtablesAreChargedTo) {
  for (uint64_t budget : {0, 16}) {
    SCOPED_TRACE(budget);
    StoreOptions o = Options();
    o.path = dir_.Sub(absl::StrCat("db-", budget));
    o.memory_budget_mb = budget;
    auto store = OpenOrDie(o);
    ASSERT_NE(store, nullptr);
    const std::string value(64 << 10, 'x');
    // 2 MiB of values (and as much in the changelog): below the write
    // buffer manager's flush point (7/8 of half the budget), so no flush
    // races the reading of the charge.
    for (int i = 0; i < 32; ++i) ASSERT_THAT(Put(store.get(), absl::StrCat("k", i), value), IsOk());
    std::optional<uint64_t> capacity = store->IntProperty("rocksdb.block-cache-capacity");
    std::optional<uint64_t> usage = store->IntProperty("rocksdb.block-cache-usage");
    ASSERT_TRUE(capacity.has_value() && usage.has_value());
    if (budget == 0) {
      EXPECT_LT(*usage, 1u << 20);
    } else {
      EXPECT_EQ(*capacity, budget << 20);
      // 2 MiB written: the memtable holds it all, and is charged.
      EXPECT_GE(*usage, 2u << 20);
      EXPECT_LE(*usage, budget << 20);
    }
  }
}

TEST_F(StoreTest, WriteBumpsRevisionAndAppendsChangeInSameBatch) {
  auto store = OpenOrDie(Options());
  EXPECT_EQ(store->revision(), 0u);
  auto rev = Put(store.get(), "a", "1");
  ASSERT_THAT(rev, IsOk());
  EXPECT_EQ(*rev, 1u);
  auto view = store->Read();
  EXPECT_THAT(view->Get("items", "a"), IsOk());
  // The change record is in the changelog under its revision.
  auto raw = view->Get("changelog", coding::EncodeUint64(1));
  ASSERT_THAT(raw, IsOk());
  Change c;
  ASSERT_TRUE(c.ParseFromString(*raw));
  EXPECT_EQ(c.revision(), 1u);
  EXPECT_EQ(c.name(), "a");
  EXPECT_EQ(c.kind(), "item");
  EXPECT_EQ(c.principal(), "test");
  google::protobuf::StringValue v;
  ASSERT_TRUE(c.value().UnpackTo(&v));
  EXPECT_EQ(v.value(), "1");
}

TEST_F(StoreTest, FailedTransactionWritesNothingAndUsesNoRevision) {
  auto store = OpenOrDie(Options());
  auto rev = store->Write({"test"}, {"a"}, [&](Transaction& txn) {
    txn.Put("items", "a", "x");
    txn.RecordChange("a", "item", Change::CREATED, Str("x"));
    return absl::InvalidArgumentError("no");
  });
  EXPECT_THAT(rev, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no")));
  EXPECT_THAT(store->Get("items", "a"), StatusIs(absl::StatusCode::kNotFound, HasSubstr("a")));
  ASSERT_THAT(Put(store.get(), "b", "1"), IsOk());
  auto w = store->Watch(0, nullptr);
  ASSERT_THAT(w, IsOk());
  auto got = Collect(w->get(), 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->revision(), 1u);
  EXPECT_EQ(got[0]->name(), "b");
}

TEST_F(StoreTest, SeveralChangesInOneTransactionGetConsecutiveRevisions) {
  auto store = OpenOrDie(Options());
  auto rev = store->Write({"test"}, {"a", "b"}, [&](Transaction& txn) {
    for (const char* k : {"a", "b"}) {
      txn.Put("items", k, k);
      txn.RecordChange(k, "item", Change::CREATED, Str(k));
    }
    return absl::OkStatus();
  });
  ASSERT_THAT(rev, IsOk());
  EXPECT_EQ(*rev, 2u);
  auto w = store->Watch(0, nullptr);
  ASSERT_THAT(w, IsOk());
  auto got = Collect(w->get(), 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0]->name(), "a");
  EXPECT_EQ(got[1]->name(), "b");
}

TEST_F(StoreTest, ConcurrentWritersProduceGapFreeFeedInOrder) {
  auto store = OpenOrDie(Options());
  // A live watcher from the start and a replaying one afterwards must both
  // see every revision exactly once, in order.
  auto live = store->Watch(0, nullptr);
  ASSERT_THAT(live, IsOk());
  constexpr int kThreads = 8, kPerThread = 200;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!Put(store.get(), absl::StrCat("k", t, "-", i), "v").ok()) ++failures;
      }
    });
  }
  auto live_got = Collect(live->get(), kThreads * kPerThread);
  for (auto& w : writers) w.join();
  EXPECT_EQ(failures.load(), 0);
  auto replay = store->Watch(0, nullptr);
  ASSERT_THAT(replay, IsOk());
  auto replay_got = Collect(replay->get(), kThreads * kPerThread);
  for (const auto* got : {&live_got, &replay_got}) {
    ASSERT_EQ(got->size(), static_cast<size_t>(kThreads * kPerThread));
    std::set<std::string> names;
    for (size_t i = 0; i < got->size(); ++i) {
      EXPECT_EQ((*got)[i]->revision(), i + 1) << "gap or reorder at " << i;
      names.insert((*got)[i]->name());
    }
    EXPECT_EQ(names.size(), got->size()) << "duplicates";
  }
}

TEST_F(StoreTest, WatchFromMiddleReplaysThenStreamsLive) {
  auto store = OpenOrDie(Options());
  for (int i = 0; i < 10; ++i) ASSERT_THAT(Put(store.get(), absl::StrCat("k", i), "v"), IsOk());
  auto w = store->Watch(4, nullptr);
  ASSERT_THAT(w, IsOk());
  auto first = Collect(w->get(), 6);
  ASSERT_EQ(first.size(), 6u);
  EXPECT_EQ(first.front()->revision(), 5u);
  EXPECT_EQ(first.back()->revision(), 10u);
  ASSERT_THAT(Put(store.get(), "late", "v"), IsOk());
  auto next = Collect(w->get(), 1);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0]->revision(), 11u);
  EXPECT_EQ((*w)->last_revision(), 11u);
}

TEST_F(StoreTest, OnReadyWakesAConsumerThatFoundNothing) {
  auto store = OpenOrDie(Options());
  std::atomic<int> wakeups{0};
  auto w = store->Watch(0, [&] { ++wakeups; });
  ASSERT_THAT(w, IsOk());
  std::vector<ChangePtr> out;
  // Let the initial catch-up settle, then poll to arm on_ready.
  absl::SleepFor(absl::Milliseconds(50));
  ASSERT_THAT((*w)->Poll(&out, 10), IsOk());
  EXPECT_TRUE(out.empty());
  int before = wakeups.load();
  ASSERT_THAT(Put(store.get(), "a", "1"), IsOk());
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (wakeups.load() == before && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_GT(wakeups.load(), before);
  ASSERT_THAT((*w)->Poll(&out, 10), IsOk());
  ASSERT_EQ(out.size(), 1u);
}

TEST_F(StoreTest, SlowWatcherIsCutWithResumeRevisionAndResumesWithoutLoss) {
  StoreOptions o = Options();
  o.watcher_queue_limit = 16;
  auto store = OpenOrDie(o);
  auto slow = store->Watch(0, nullptr);
  auto fast = store->Watch(0, nullptr);
  ASSERT_THAT(slow, IsOk());
  ASSERT_THAT(fast, IsOk());
  absl::SleepFor(absl::Milliseconds(50));  // both caught up (live)
  std::vector<ChangePtr> fast_got;
  // The fast reader keeps up; should the machine starve it long enough to be
  // cut too, it resumes as any client does, from its last revision.
  std::thread fast_reader([&] {
    std::shared_ptr<Watcher> w = *fast;
    while (fast_got.size() < 100) {
      absl::Status end;
      auto got = Collect(w.get(), 100 - fast_got.size(), &end);
      fast_got.insert(fast_got.end(), got.begin(), got.end());
      if (end.ok()) break;
      auto again = store->Watch(fast_got.empty() ? 0 : fast_got.back()->revision(), nullptr);
      if (!again.ok()) break;
      w = *again;
    }
  });
  // The slow one reads 5 changes, then stops reading while 95 more arrive.
  for (int i = 0; i < 5; ++i) ASSERT_THAT(Put(store.get(), absl::StrCat("k", i), "v"), IsOk());
  auto slow_first = Collect(slow->get(), 5);
  ASSERT_EQ(slow_first.size(), 5u);
  for (int i = 5; i < 100; ++i) ASSERT_THAT(Put(store.get(), absl::StrCat("k", i), "v"), IsOk());
  fast_reader.join();
  ASSERT_EQ(fast_got.size(), 100u) << "a slow watcher must not hold back others";
  for (size_t i = 0; i < fast_got.size(); ++i) EXPECT_EQ(fast_got[i]->revision(), i + 1);

  absl::Status end;
  auto rest = Collect(slow->get(), 1000, &end);
  EXPECT_THAT(end, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("fell behind")));
  rcp::common::v1::ResumeFrom resume;
  ASSERT_TRUE(GetDetail(end, &resume));
  uint64_t resume_at = slow_first.back()->revision();
  if (!rest.empty()) resume_at = rest.back()->revision();
  EXPECT_EQ(resume.resume_revision(), resume_at);

  auto again = store->Watch(resume.resume_revision(), nullptr);
  ASSERT_THAT(again, IsOk());
  auto tail = Collect(again->get(), 100 - resume_at);
  ASSERT_EQ(tail.size(), 100 - resume_at);
  EXPECT_EQ(tail.front()->revision(), resume_at + 1);
  EXPECT_EQ(tail.back()->revision(), 100u);
}

TEST_F(StoreTest, WatchFromTheFutureIsOutOfRange) {
  auto store = OpenOrDie(Options());
  ASSERT_THAT(Put(store.get(), "a", "1"), IsOk());
  EXPECT_THAT(store->Watch(5, nullptr), StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("since_revision")));
}

TEST_F(StoreTest, TrimmedRevisionFailsWithResyncDetail) {
  StoreOptions o = Options();
  o.changelog_max_records = 10;
  auto store = OpenOrDie(o);
  for (int i = 0; i < 30; ++i) ASSERT_THAT(Put(store.get(), absl::StrCat("k", i), "v"), IsOk());
  // Published asynchronously: wait for all 30 before trimming.
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (store->revision() < 30 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  ASSERT_THAT(store->TrimChangelog(), IsOk());
  EXPECT_EQ(store->compacted_revision(), 20u);
  auto old = store->Watch(5, nullptr);
  EXPECT_THAT(old, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("compacted")));
  rcp::common::v1::ResyncRequired detail;
  ASSERT_TRUE(GetDetail(old.status(), &detail));
  EXPECT_EQ(detail.requested_revision(), 5u);
  EXPECT_EQ(detail.oldest_available_revision(), 20u);
  EXPECT_EQ(detail.current_revision(), 30u);
  // From the floor on, the feed is whole.
  auto ok = store->Watch(20, nullptr);
  ASSERT_THAT(ok, IsOk());
  auto got = Collect(ok->get(), 10);
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(got.front()->revision(), 21u);
  // The floor survives a restart.
  store.reset();
  store = OpenOrDie(o);
  EXPECT_EQ(store->compacted_revision(), 20u);
  EXPECT_EQ(store->revision(), 30u);
  EXPECT_THAT(store->Watch(19, nullptr),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("compacted")));
}

TEST_F(StoreTest, TrimByAgeKeepsRecentAndAlwaysTheNewest) {
  FakeClock clock(absl::FromUnixSeconds(1'700'000'000));
  StoreOptions o = Options();
  o.clock = &clock;
  o.changelog_max_age = absl::Hours(1);
  auto store = OpenOrDie(o);
  for (int i = 0; i < 5; ++i) ASSERT_THAT(Put(store.get(), absl::StrCat("old", i), "v"), IsOk());
  clock.Advance(absl::Hours(2));
  for (int i = 0; i < 3; ++i) ASSERT_THAT(Put(store.get(), absl::StrCat("new", i), "v"), IsOk());
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (store->revision() < 8 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  ASSERT_THAT(store->TrimChangelog(), IsOk());
  EXPECT_EQ(store->compacted_revision(), 5u);
  clock.Advance(absl::Hours(10));
  ASSERT_THAT(store->TrimChangelog(), IsOk());
  EXPECT_EQ(store->compacted_revision(), 7u) << "the newest record is always kept";
}

TEST_F(StoreTest, ReplayingWatcherOvertakenByTrimGetsResync) {
  StoreOptions o = Options();
  o.changelog_max_records = 5;
  o.replay_batch = 4;
  auto store = OpenOrDie(o);
  for (int i = 0; i < 20; ++i) ASSERT_THAT(Put(store.get(), absl::StrCat("k", i), "v"), IsOk());
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (store->revision() < 20 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  auto w = store->Watch(0, nullptr);
  ASSERT_THAT(w, IsOk());
  // The first batch is queued (replay_batch 4); trim before it is read.
  absl::SleepFor(absl::Milliseconds(50));
  ASSERT_THAT(store->TrimChangelog(), IsOk());
  absl::Status end;
  auto got = Collect(w->get(), 100, &end);
  EXPECT_THAT(end, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("compacted")));
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i]->revision(), i + 1);
}

TEST_F(StoreTest, DataAndRevisionSurviveCloseAndReopen) {
  auto store = OpenOrDie(Options());
  for (int i = 0; i < 5; ++i) ASSERT_THAT(Put(store.get(), absl::StrCat("k", i), "v"), IsOk());
  store.reset();
  store = OpenOrDie(Options());
  EXPECT_EQ(store->revision(), 5u);
  EXPECT_THAT(store->Get("items", "k3"), IsOk());
  auto rev = Put(store.get(), "k5", "v");
  ASSERT_THAT(rev, IsOk());
  EXPECT_EQ(*rev, 6u);
}

TEST_F(StoreTest, EachNameRemembersTheRevisionOfItsLastChange) {
  auto store = OpenOrDie(Options());
  EXPECT_THAT(store->ItemRevision("a"), IsOkAndHolds(0u));  // never changed
  ASSERT_THAT(Put(store.get(), "a", "1"), IsOk());
  ASSERT_THAT(Put(store.get(), "b", "1"), IsOk());
  // Two records of one name in one transaction: the last one counts.
  ASSERT_THAT(store->Write({"test"}, {"a"},
                           [&](Transaction& txn) {
                             txn.RecordChange("a", "item", Change::UPDATED, Str("2"));
                             txn.RecordChange("c", "item", Change::CREATED, Str("2"));
                             txn.RecordChange("a", "item", Change::UPDATED, Str("3"));
                             return absl::OkStatus();
                           }),
              IsOkAndHolds(5u));
  EXPECT_THAT(store->ItemRevision("a"), IsOkAndHolds(5u));
  EXPECT_THAT(store->ItemRevision("b"), IsOkAndHolds(2u));
  EXPECT_THAT(store->ItemRevision("c"), IsOkAndHolds(4u));
  // A snapshot sees the revisions of its moment.
  auto view = store->Read();
  ASSERT_THAT(Put(store.get(), "b", "2"), IsOk());
  EXPECT_THAT(view->ItemRevision("b"), IsOkAndHolds(2u));
  EXPECT_THAT(store->ItemRevision("b"), IsOkAndHolds(6u));
  // A failed transaction changes no item's revision.
  EXPECT_THAT(store->Write({"test"}, {"b"},
                           [&](Transaction& txn) {
                             txn.RecordChange("b", "item", Change::UPDATED, Str("x"));
                             return absl::AbortedError("no");
                           }),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("no")));
  view.reset();
  store.reset();
  store = OpenOrDie(Options());
  EXPECT_THAT(store->ItemRevision("b"), IsOkAndHolds(6u));
}

TEST_F(StoreTest, TheEpochIsSetAtCreationKeptAcrossOpensAndRenewedAfterARestore) {
  auto store = OpenOrDie(Options());
  uint64_t created = store->epoch();
  EXPECT_GT(created, 0u);
  ASSERT_THAT(Put(store.get(), "a", "1"), IsOk());
  store.reset();
  store = OpenOrDie(Options());
  EXPECT_EQ(store->epoch(), created);
  store.reset();
  // A restore from a backup leaves its marker: the store starts a new
  // epoch, later than the old one, and removes the marker.
  std::ofstream(dir_.Sub("db") + "/RESTORED") << "restored from a backup\n";
  store = OpenOrDie(Options());
  uint64_t restored = store->epoch();
  EXPECT_GT(restored, created);
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("db") + "/RESTORED"));
  EXPECT_EQ(store->revision(), 1u);  // the data is as it was
  store.reset();
  store = OpenOrDie(Options());
  EXPECT_EQ(store->epoch(), restored);
}

TEST_F(StoreTest, DatabaseHeldByAnotherOpenerIsRefused) {
  auto store = OpenOrDie(Options());
  EXPECT_THAT(Store::Open(Options()), StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("in use")));
}

TEST_F(StoreTest, CorruptDatabaseFailsInsteadOfStartingEmpty) {
  {
    auto store = OpenOrDie(Options());
    ASSERT_THAT(Put(store.get(), "a", "1"), IsOk());
  }
  std::string current;
  {
    std::ifstream in(Options().path + "/CURRENT");
    std::getline(in, current);
  }
  // Point CURRENT at a manifest that is garbage.
  {
    std::ofstream out(Options().path + "/" + current, std::ios::trunc);
    out << "this is not a manifest";
  }
  auto s = Store::Open(Options());
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kDataLoss, HasSubstr(Options().path)));
}

TEST_F(StoreTest, NonEmptyDirectoryWithoutDatabaseIsRefused) {
  std::filesystem::create_directories(Options().path);
  std::ofstream(Options().path + "/notes.txt") << "hello";
  EXPECT_THAT(Store::Open(Options()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no RocksDB database")));
}

// A first start killed before RocksDB wrote CURRENT (found by
// StoreCrashTest): what it left is RocksDB's own and holds nothing
// acknowledged, so the next start creates the store; anything more is
// still refused.
TEST_F(StoreTest, ACreationKilledBeforeCurrentIsCreatedAgainButNothingElseIsTouched) {
  const std::string path = Options().path;
  auto leave = [&](std::vector<std::pair<std::string, std::string>> files) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
    for (const auto& [name, content] : files) std::ofstream(path + "/" + name) << content;
  };
  const std::vector<std::pair<std::string, std::string>> interrupted = {
      {"LOCK", ""}, {"IDENTITY", "id"}, {"LOG", "info"}, {"MANIFEST-000001", "partial"},
      {"OPTIONS-000003.dbtmp", "opts"}, {"000004.log", ""}};
  leave(interrupted);
  {
    auto store = Store::Open(Options());
    ASSERT_THAT(store, IsOk());
    ASSERT_THAT((*store)->Write({"p"}, {"k"}, [](Transaction& txn) {
                  txn.Put("items", "k", "v");
                  return absl::OkStatus();
                }).status(),
                IsOk());
  }
  auto reopened = Store::Open(Options());
  ASSERT_THAT(reopened, IsOk());
  EXPECT_THAT((*reopened)->Get("items", "k"), IsOk());
  reopened->reset();

  for (const auto& extra : std::vector<std::pair<std::string, std::string>>{
           {"000004.log", "records"}, {"000005.sst", "table"}, {"notes.txt", "hello"}}) {
    auto files = interrupted;
    files.push_back(extra);
    leave(files);
    EXPECT_THAT(Store::Open(Options()), StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no RocksDB database")))
        << extra.first;
    EXPECT_TRUE(std::filesystem::exists(path + "/" + extra.first)) << extra.first << " is left alone";
  }
}

TEST_F(StoreTest, DatabaseOfAnotherStoreIsRefused) {
  { auto store = OpenOrDie(Options()); }
  StoreOptions o = Options();
  o.store_name = "other";
  EXPECT_THAT(Store::Open(o), StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("'test'")));
}

// Upgrades: a database of an older schema version is migrated once, after
// a checkpoint of it is kept for a rollback; a newer one is refused.
TEST_F(StoreTest, AnOlderSchemaIsMigratedOnceAfterACheckpointAndANewerOneIsRefused) {
  {
    auto store = OpenOrDie(Options());
    EXPECT_EQ(store->schema_version(), 1);
    ASSERT_THAT(Put(store.get(), "a", "written by version 1"), IsOk());
  }
  int runs = 0;
  StoreOptions v2 = Options();
  v2.schema_version = 2;
  v2.migrations.push_back({1, [&](Store& store) -> absl::Status {
                             ++runs;
                             auto old = store.Get("items", "a");
                             if (!old.ok()) return old.status();
                             return Put(&store, "a", *old + ", migrated to version 2").status();
                           }});
  {
    auto store = OpenOrDie(v2);
    EXPECT_EQ(store->schema_version(), 2);
    EXPECT_THAT(store->Get("items", "a"), IsOkAndHolds(std::string("written by version 1, migrated to version 2")));
  }
  EXPECT_EQ(runs, 1);
  // The checkpoint holds the data as version 1 left it.
  ASSERT_TRUE(std::filesystem::exists(Options().path + "/pre-migrate-v1/CURRENT"));
  {
    StoreOptions kept = Options();
    kept.path = Options().path + "/pre-migrate-v1";
    auto store = OpenOrDie(kept);
    EXPECT_THAT(store->Get("items", "a"), IsOkAndHolds(std::string("written by version 1")));
  }
  { auto again = OpenOrDie(v2); }
  EXPECT_EQ(runs, 1) << "a migration runs once";
  // Version 1's code on version 2's data: refused, naming both and the way back.
  EXPECT_THAT(Store::Open(Options()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("schema version 2"), HasSubstr("(1)"), HasSubstr("pre-migrate-v1"))));
}

TEST_F(StoreTest, AFailedMigrationLeavesTheOldVersionToRetry) {
  { auto store = OpenOrDie(Options()); }
  StoreOptions v2 = Options();
  v2.schema_version = 2;
  v2.migrations.push_back({1, [](Store&) { return absl::DataLossError("item a is unreadable"); }});
  EXPECT_THAT(Store::Open(v2), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("from schema version 1")));
  auto store = OpenOrDie(Options());
  EXPECT_EQ(store->schema_version(), 1);
}

TEST_F(StoreTest, RequestIdsMakeCreatesIdempotent) {
  auto store = OpenOrDie(Options());
  auto create = [&](const std::string& fingerprint, const std::string& name) {
    std::string result;
    auto rev =
        store->Write({"test"}, {RequestLockKey("create", "r1")}, [&](Transaction& txn) -> absl::Status {
          auto prior = txn.LookupRequest("create", "r1", fingerprint);
          if (!prior.ok()) return prior.status();
          if (prior->has_value()) {
            result = **prior;
            return absl::OkStatus();
          }
          txn.Put("items", name, "v");
          txn.RecordChange(name, "item", Change::CREATED, Str("v"));
          txn.RememberRequest("create", "r1", fingerprint, name);
          result = name;
          return absl::OkStatus();
        });
    return rev.ok() ? absl::StatusOr<std::string>(result) : absl::StatusOr<std::string>(rev.status());
  };
  auto first = create("fp", "items/1");
  ASSERT_THAT(first, IsOk());
  auto retry = create("fp", "items/2");
  ASSERT_THAT(retry, IsOk());
  EXPECT_EQ(*retry, "items/1");
  EXPECT_THAT(store->Get("items", "items/2"), StatusIs(absl::StatusCode::kNotFound, HasSubstr("items/2")));
  EXPECT_THAT(create("other", "items/3"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("request_id")));
}

TEST_F(StoreTest, RequestIdsAreForgottenAfterTheirRetention) {
  FakeClock clock(absl::FromUnixSeconds(1'700'000'000));
  StoreOptions o = Options();
  o.clock = &clock;
  o.request_id_retention = absl::Hours(24);
  auto store = OpenOrDie(o);
  auto remember = [&](const std::string& id) {
    return store
        ->Write({"test"}, {RequestLockKey("create", id)},
                [&](Transaction& txn) {
                  txn.RememberRequest("create", id, "fp", "items/" + id);
                  return absl::OkStatus();
                })
        .status();
  };
  auto lookup = [&](const std::string& id) {
    std::optional<std::string> found;
    EXPECT_THAT(store->Write({"test"}, {},
                             [&](Transaction& txn) -> absl::Status {
                               RCP_ASSIGN_OR_RETURN(found, txn.LookupRequest("create", id, "fp"));
                               return absl::OkStatus();
                             }),
                IsOk());
    return found;
  };
  ASSERT_THAT(remember("old"), IsOk());
  clock.Advance(absl::Hours(20));
  ASSERT_THAT(remember("recent"), IsOk());
  clock.Advance(absl::Hours(5));  // "old" is 25 h old, "recent" 5 h
  ASSERT_THAT(store->TrimChangelog(), IsOk());
  EXPECT_EQ(lookup("old"), std::nullopt) << "forgotten after 24 h";
  EXPECT_EQ(lookup("recent"), std::optional<std::string>("items/recent"));
  // Forgotten means free: the id creates again, and is remembered anew.
  ASSERT_THAT(remember("old"), IsOk());
  clock.Advance(absl::Hours(1));
  ASSERT_THAT(store->TrimChangelog(), IsOk());
  EXPECT_EQ(lookup("old"), std::optional<std::string>("items/old"));
}

TEST_F(StoreTest, ClosingTheStoreEndsWatchersWithResume) {
  auto store = OpenOrDie(Options());
  ASSERT_THAT(Put(store.get(), "a", "1"), IsOk());
  auto w = store->Watch(0, nullptr);
  ASSERT_THAT(w, IsOk());
  auto got = Collect(w->get(), 1);
  ASSERT_EQ(got.size(), 1u);
  store->CloseWatchers("shutting down");
  absl::Status end;
  Collect(w->get(), 1, &end);
  EXPECT_THAT(end, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("since_revision=1")));
}

TEST_F(StoreTest, RunsOnRocksDbInMemoryEnv) {
  std::unique_ptr<rocksdb::Env> env(rocksdb::NewMemEnv(rocksdb::Env::Default()));
  StoreOptions o = Options();
  o.path = "/in-memory/db";
  o.env = env.get();
  {
    auto store = OpenOrDie(o);
    ASSERT_THAT(Put(store.get(), "a", "1"), IsOk());
  }
  EXPECT_FALSE(std::filesystem::exists("/in-memory/db"));
  auto store = OpenOrDie(o);
  EXPECT_THAT(store->Get("items", "a"), IsOk());
}

TEST_F(StoreTest, TheOldestWatcherRevisionIsTheLowestPositionAmongLiveWatchers) {
  auto store = OpenOrDie(Options());
  for (int i = 0; i < 10; ++i) ASSERT_THAT(Put(store.get(), absl::StrCat("k", i), "v"), IsOk());
  // Nobody watches: nobody is behind.
  EXPECT_EQ(store->oldest_watcher_revision(), 10u);
  auto ahead = store->Watch(4, nullptr);
  ASSERT_THAT(ahead, IsOk());
  EXPECT_EQ(store->oldest_watcher_revision(), 4u);
  ASSERT_EQ(Collect(ahead->get(), 6).size(), 6u);
  EXPECT_EQ(store->oldest_watcher_revision(), 10u);
  auto behind = store->Watch(2, nullptr);
  ASSERT_THAT(behind, IsOk());
  EXPECT_EQ(store->oldest_watcher_revision(), 2u);
  (*behind)->Cancel();
  EXPECT_EQ(store->oldest_watcher_revision(), 10u);
}

TEST_F(StoreTest, TheLastBackupIsKeptAcrossOpensAndNeverGoesBack) {
  auto store = OpenOrDie(Options());
  EXPECT_EQ(store->last_backup(), std::nullopt);
  const absl::Time taken = absl::FromUnixSeconds(1'780'000'000);
  ASSERT_THAT(store->RecordBackup(taken), IsOk());
  EXPECT_EQ(store->last_backup(), taken);
  ASSERT_THAT(store->RecordBackup(taken - absl::Hours(1)), IsOk());
  EXPECT_EQ(store->last_backup(), taken);
  store.reset();
  store = OpenOrDie(Options());
  EXPECT_EQ(store->last_backup(), taken);
  ASSERT_THAT(store->RecordBackup(taken + absl::Hours(24)), IsOk());
  store.reset();
  store = OpenOrDie(Options());
  EXPECT_EQ(store->last_backup(), taken + absl::Hours(24));
}

TEST_F(StoreTest, RocksDbPropertiesAreReadFromTheDatabase) {
  auto store = OpenOrDie(Options());
  ASSERT_THAT(Put(store.get(), "a", "1"), IsOk());
  // A healthy database: no background error, no stall.
  EXPECT_EQ(store->IntProperty("rocksdb.background-errors"), 0u);
  EXPECT_EQ(store->IntProperty("rocksdb.is-write-stopped"), 0u);
  EXPECT_EQ(store->IntProperty("rocksdb.actual-delayed-write-rate"), 0u);
  EXPECT_EQ(store->IntProperty("rocksdb.no-such-property"), std::nullopt);
  // The write sits in the memtables of "items" and "changelog".
  std::optional<uint64_t> one = store->IntProperty("rocksdb.cur-size-all-mem-tables");
  std::optional<uint64_t> all = store->SummedIntProperty("rocksdb.cur-size-all-mem-tables");
  ASSERT_TRUE(one.has_value() && all.has_value());
  EXPECT_GT(*all, *one);
  EXPECT_THAT(store->SummedIntProperty("rocksdb.total-sst-files-size"), ::testing::Optional(::testing::_));
}

}  // namespace
}  // namespace rcp::storage
