// Kill -9 at random moments loses no acknowledged write nor its change
// record: a child writes and reports each acknowledged write over a pipe; the
// parent kills it, reopens the store and checks.
//
// The changelog may skip revisions, but only unacknowledged ones: revisions
// are allocated before RocksDB's group commit orders the batches, so a kill
// can land after a later revision's batch reached the WAL and before an
// earlier one's. That revision's writer never had an answer; watchers skip
// the hole as they skip a failed write's.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/str_split.h"
#include "common/coding/coding.h"
#include "common/storage/store.h"
#include "common/testing/daemon.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"

namespace rcp::storage {
namespace {

using ::rcp::testing::IsOk;

struct Ack {
  std::string key;
  uint64_t revision;
};

// Runs the writer for `run_for`, kills it with SIGKILL, and returns every
// write it acknowledged.
std::vector<Ack> RunAndKill(const std::string& db, int round, std::chrono::milliseconds run_for) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  std::string writer = rcp::testing::BuildDir() + "/tests/common/storage/store_crash_writer";
  std::string round_arg = std::to_string(round);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execl(writer.c_str(), writer.c_str(), db.c_str(), round_arg.c_str(), nullptr);
    _exit(127);
  }
  close(fds[1]);
  std::string output;
  std::thread reader([&] {
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) output.append(buf, n);
  });
  std::this_thread::sleep_for(run_for);
  kill(pid, SIGKILL);
  int status;
  waitpid(pid, &status, 0);
  reader.join();  // EOF once the child is gone: everything it acknowledged
  close(fds[0]);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "writer exited early with status " << status;
  std::vector<Ack> acks;
  for (absl::string_view line : absl::StrSplit(output, '\n', absl::SkipEmpty())) {
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    if (parts.size() != 2) continue;  // a line cut by the kill was never acknowledged whole
    acks.push_back({parts[0], std::stoull(parts[1])});
  }
  return acks;
}

TEST(StoreCrashTest, KillNineLosesNoAcknowledgedWrite) {
  rcp::testing::TempDir dir;
  std::string db = dir.Sub("db");
  std::mt19937 rng(20050414);
  std::uniform_int_distribution<int> millis(20, 250);
  std::vector<Ack> all;
  constexpr int kRounds = 25;
  for (int round = 0; round < kRounds; ++round) {
    auto acks = RunAndKill(db, round, std::chrono::milliseconds(millis(rng)));
    all.insert(all.end(), acks.begin(), acks.end());

    StoreOptions o;
    o.path = db;
    o.store_name = "crash";
    o.column_families = {"items"};
    auto store = Store::Open(o);
    ASSERT_THAT(store, IsOk());
    for (const auto& ack : all) {
      ASSERT_THAT((*store)->Get("items", ack.key), IsOk()) << "lost acknowledged " << ack.key;
      ASSERT_LE(ack.revision, (*store)->revision());
    }
    // Every acknowledged revision holds its write's change record; records
    // ascend; every record's entity exists.
    auto view = (*store)->Read();
    std::map<uint64_t, std::string> changelog;  // revision → entity name
    absl::Status scan_error;
    ASSERT_THAT(view->Scan("changelog", "", "", [&](absl::string_view key, absl::string_view value) {
      auto rev = coding::DecodeUint64(key);
      rcp::common::v1::Change c;
      if (!rev.has_value() || !c.ParseFromArray(value.data(), static_cast<int>(value.size())) ||
          c.revision() != *rev) {
        scan_error = absl::DataLossError("malformed change record");
        return false;
      }
      if (!view->Get("items", c.name()).ok()) {
        scan_error = absl::DataLossError("change without entity: " + c.name());
        return false;
      }
      changelog[*rev] = c.name();
      return true;
    }), IsOk());
    ASSERT_THAT(scan_error, IsOk());
    for (const auto& ack : all) {
      auto it = changelog.find(ack.revision);
      ASSERT_TRUE(it != changelog.end()) << "no change record for acknowledged revision " << ack.revision;
      EXPECT_EQ(it->second, ack.key);
    }
    // The newest record is the store's revision; 0 while nothing is written,
    // as when a kill lands before the first write (opening a new store takes
    // a dozen fsyncs, longer than a short round on a busy disk).
    uint64_t newest = changelog.empty() ? 0 : changelog.rbegin()->first;
    EXPECT_EQ(newest, (*store)->revision());
  }
  EXPECT_GT(all.size(), static_cast<size_t>(kRounds)) << "the writer barely wrote";
  std::printf("acknowledged writes checked: %zu over %d kills\n", all.size(), kRounds);
}

}  // namespace
}  // namespace rcp::storage
