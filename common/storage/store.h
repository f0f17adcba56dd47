// The one storage and change-feed pattern of RCP Exchange (DESIGN.md §4).
//
// A Store is one RocksDB database owned by one service. Entities live in
// column families named by the service, encoded as protobuf under ordered
// keys. Every committed Transaction gets store revisions (one per change
// record) and appends its change records to the "changelog" column family in
// the same WriteBatch as the entity writes, so the feed can never disagree with
// the data. Writes are synced to the WAL before they are acknowledged;
// concurrent writers share fsyncs through RocksDB's group commit (no mutex is
// held around the fsync except the per-key locks a transaction asked for).
//
// Watch(since_revision) replays the changelog after since_revision and then
// streams live changes, in revision order, with no gaps and no duplicates.
// Each watcher has a bounded queue; one that falls behind is ended with
// UNAVAILABLE carrying rcp.common.v1.ResumeFrom, and never slows writers or
// other watchers. The changelog is trimmed by count and age; asking for a
// trimmed revision fails with FAILED_PRECONDITION carrying
// rcp.common.v1.ResyncRequired.
//
// Two facts serve federation (DESIGN.md §6): every resource name a change
// record names remembers the revision of its last change (ItemRevision: an
// item's version, stable until it changes again), and the store has an
// epoch, set when it is created and renewed when it is restored from a
// backup, so that a restored store's new revisions are never taken for old
// ones.
#ifndef RCP_COMMON_STORAGE_STORE_H_
#define RCP_COMMON_STORAGE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "rcp/common/v1/common.pb.h"

namespace rocksdb {
class Env;
}

namespace rcp::storage {

class Store;

// A step from one schema version of a store's data to the next.
struct Migration {
  int from_version = 0;
  // Rewrites the data of version `from_version` as `from_version + 1`;
  // runs on the open store before it serves, and must be idempotent (a
  // crash may repeat it before the new version is recorded).
  std::function<absl::Status(Store&)> apply;
};

struct StoreOptions {
  // Directory of the database. Created when missing; a non-empty directory
  // that is not a database of this store is refused. A file named RESTORED
  // in it (left by a restore from a backup) makes Open start a new epoch,
  // then removes it.
  std::string path;

  // Identifies what the database holds (e.g. "registry"); a database created
  // by another service is refused at Open.
  std::string store_name;

  // Entity column families. "changelog", "meta", "requests" and
  // "item_revisions" are reserved and always present.
  std::vector<std::string> column_families;

  // Sync the WAL before a write is acknowledged. Turn off only in tests that
  // measure something else. Default: true.
  bool sync_writes = true;

  // Changelog retention: the newest `changelog_max_records` records younger
  // than `changelog_max_age` are kept (the newest record is always kept).
  // Defaults: 1,000,000 records, 30 days.
  uint64_t changelog_max_records = 1'000'000;
  absl::Duration changelog_max_age = absl::Hours(24 * 30);
  // A request_id is remembered this long: a retry with it returns the first
  // result; afterwards the id is forgotten and may create again. Default:
  // 7 days.
  absl::Duration request_id_retention = absl::Hours(24 * 7);
  // How often the background trimmer runs. Default: 10 s.
  absl::Duration trim_interval = absl::Seconds(10);

  // RocksDB's memory, in MiB: one block cache of this size, to which the
  // memtables (through a WriteBufferManager, up to half of it) and the
  // index and filter blocks are charged, so the database stays near this
  // budget however many column families it has. 0: RocksDB's defaults (an
  // 8 MiB cache per column family, memtables and index blocks uncounted).
  // Default: 0.
  uint64_t memory_budget_mb = 0;

  // Changes a watcher may have queued before it is ended as too slow.
  // Default: 4096.
  size_t watcher_queue_limit = 4096;
  // Changes read from disk per catch-up step of a replaying watcher.
  // Default: 256.
  size_t replay_batch = 256;
  // Threads that replay history for watchers. Default: 2.
  int replay_threads = 2;

  // The version of the data layout this code reads and writes. A database
  // that records a newer one is refused at Open (a rollback must restore
  // the checkpoint kept before the migration); an older one is migrated,
  // after a checkpoint of it is kept at <path>/pre-migrate-v<old version>.
  // Version 0 is a database from before versions were recorded, laid out
  // as version 1. Default: 1.
  int schema_version = 1;
  // The steps from each older version; version 0 to 1 needs none.
  std::vector<Migration> migrations;

  // Not owned; must outlive the store. Default: the real clock.
  Clock* clock = Clock::Real();
  // Not owned; RocksDB's in-memory Env in tests. Default: the real disk.
  rocksdb::Env* env = nullptr;
};

// Who made a change, recorded in every change record.
struct WriteContext {
  std::string principal;  // e.g. "apiKeys/abc" or "system/seed"
};

// The writes of one transaction. Not thread-safe; lives inside Store::Write.
class Transaction {
 public:
  // Reads the latest committed value (locked keys cannot change under you).
  // nullopt when absent.
  absl::StatusOr<std::optional<std::string>> Get(absl::string_view cf, absl::string_view key);
  // Parses into `message`; false when absent, DATA_LOSS when unparsable.
  absl::StatusOr<bool> Get(absl::string_view cf, absl::string_view key, google::protobuf::Message* message);

  void Put(absl::string_view cf, absl::string_view key, absl::string_view value);
  void Put(absl::string_view cf, absl::string_view key, const google::protobuf::Message& value);
  void Delete(absl::string_view cf, absl::string_view key);

  // Appends a change record; it gets the next store revision at commit,
  // which becomes `name`'s ItemRevision. For DELETED (and WITHDRAWN),
  // `value` is the last value and the record is a tombstone. Returns the
  // record, to be completed (a mirror's origin) before the transaction ends.
  rcp::common::v1::Change& RecordChange(absl::string_view name, absl::string_view kind,
                                        rcp::common::v1::Change::Operation op,
                                        const google::protobuf::Message& value);
  // An UPDATED change that also carries the value before it.
  rcp::common::v1::Change& RecordUpdate(absl::string_view name, absl::string_view kind,
                                        const google::protobuf::Message& before,
                                        const google::protobuf::Message& after);

  // Idempotent creates (AIP-155). When `request_id` was used before by
  // `method`, returns the resource name it produced; INVALID_ARGUMENT when it
  // was used with a different request (`fingerprint` differs) or is longer
  // than 100 characters.
  // Call with the request key among the transaction's lock keys
  // (RequestLockKey). Empty request_id: always nullopt.
  absl::StatusOr<std::optional<std::string>> LookupRequest(absl::string_view method,
                                                           absl::string_view request_id,
                                                           absl::string_view fingerprint);
  // Remembers that `request_id` produced `resource_name` (committed with the
  // transaction).
  void RememberRequest(absl::string_view method, absl::string_view request_id, absl::string_view fingerprint,
                       absl::string_view resource_name);

  // The time of this transaction (the store's clock, read once).
  absl::Time now() const { return now_; }
  const WriteContext& context() const { return context_; }

 private:
  friend class Store;
  struct Op;
  Transaction(class Store* store, WriteContext context, absl::Time now);
  ~Transaction();

  Store* store_;
  WriteContext context_;
  absl::Time now_;
  std::vector<Op> ops_;
  std::vector<rcp::common::v1::Change> changes_;
};

// The lock key that serializes creates with the same request id.
std::string RequestLockKey(absl::string_view method, absl::string_view request_id);

class ReadView;
class Watcher;

// Thread-safe.
class Store {
 public:
  // Opens or creates the database. Fails (never starts empty) when the
  // database is held by another process (FAILED_PRECONDITION), unreadable or
  // corrupt (DATA_LOSS), or belongs to another store (FAILED_PRECONDITION).
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);

  // Ends every watcher with UNAVAILABLE (ResumeFrom) and closes the database.
  ~Store();

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Runs `fn` while holding exclusive locks on `lock_keys` (any strings; by
  // convention resource names), then commits what it staged atomically with
  // its change records and returns the revision of the last record (or the
  // current revision when it recorded none). When `fn` fails nothing is
  // written and its status is returned.
  absl::StatusOr<uint64_t> Write(const WriteContext& context, std::vector<std::string> lock_keys,
                                 absl::FunctionRef<absl::Status(Transaction&)> fn);

  // Point read of the latest committed value. NOT_FOUND when absent.
  absl::StatusOr<std::string> Get(absl::string_view cf, absl::string_view key) const;
  // Parses into `message`; NOT_FOUND when absent.
  absl::Status Get(absl::string_view cf, absl::string_view key, google::protobuf::Message* message) const;

  // A consistent snapshot for multi-key reads (Lists).
  std::unique_ptr<ReadView> Read() const;

  // Newest revision whose write, and all before it, is visible to readers.
  // Advanced by the writer itself, so after a Write returns with no other
  // write in flight, revision() equals its revision. With concurrent writers
  // it may briefly trail a returned revision (an earlier one of the same
  // group commit is still finishing): it is a lower bound, and watching from
  // it replays what came after, which applying idempotently absorbs.
  uint64_t revision() const;
  // Oldest revision a Watch may still start after (the trimmed floor).
  uint64_t compacted_revision() const;
  // The store's epoch: the time (µs since 1970) it was created, or last
  // restored from a backup. Never goes back.
  uint64_t epoch() const;
  // The schema version of the data (StoreOptions::schema_version once open).
  int schema_version() const;
  // The revision of the last change record naming `name`; 0 when none
  // does (an item older than the revisions' record).
  absl::StatusOr<uint64_t> ItemRevision(absl::string_view name) const;

  // Starts a watch of changes with revision > since_revision.
  // OUT_OF_RANGE when since_revision is in the future; FAILED_PRECONDITION
  // (ResyncRequired) when it was trimmed. `on_ready` is called, from a store
  // thread and without locks held, whenever the watcher has something to
  // Poll after a Poll found nothing; it must not block.
  absl::StatusOr<std::shared_ptr<Watcher>> Watch(uint64_t since_revision, std::function<void()> on_ready);

  // Reads up to `max` change records with revision > after_revision, in
  // order, as of now: for callers that poll instead of watching
  // (incremental sync). FAILED_PRECONDITION + ResyncRequired when
  // after_revision was trimmed; OUT_OF_RANGE when it is in the future.
  // `*through` is the revision the result is complete up to (the last
  // record's, or the current revision when fewer than `max` came back).
  absl::Status ReadChanges(uint64_t after_revision, size_t max, std::vector<rcp::common::v1::Change>* out,
                           uint64_t* through) const;

  // Makes a consistent copy of the database as of now, while writes go on
  // (a RocksDB checkpoint: hard links to its immutable files, beside it on
  // the same file system), and calls `use(dir, revision)` with it: every
  // change up to `revision` is in it. The copy is removed after `use`
  // returns, and at the next Open if the process died first.
  absl::Status WithCheckpoint(absl::FunctionRef<absl::Status(const std::string& dir, uint64_t revision)> use);

  // Applies changelog and request_id retention now (also done every
  // trim_interval).
  absl::Status TrimChangelog();

  // Ends every watcher with UNAVAILABLE (ResumeFrom), e.g. at shutdown.
  void CloseWatchers(absl::string_view reason);

  // Live watchers (for metrics).
  size_t watcher_count() const;
  // The oldest position among live watchers: the lowest revision one of
  // them was last handed (revision() when none is behind, or none watches).
  // When compacted_revision() reaches it, that watcher must resync.
  uint64_t oldest_watcher_revision() const;

  // Remembers, durably, that a complete backup of the store was taken at
  // `taken_at` (kept across restarts; an earlier time than one recorded is
  // ignored). The Backup service calls it once the backup is sent.
  absl::Status RecordBackup(absl::Time taken_at);
  // When the last complete backup was taken; nullopt when never.
  std::optional<absl::Time> last_backup() const;

  // A RocksDB integer property of the whole database (e.g.
  // "rocksdb.background-errors", "rocksdb.is-write-stopped",
  // "rocksdb.actual-delayed-write-rate"), read now; nullopt when RocksDB
  // does not know it.
  std::optional<uint64_t> IntProperty(absl::string_view property) const;
  // A per-column-family RocksDB integer property summed over the store's
  // column families (e.g. "rocksdb.total-sst-files-size").
  std::optional<uint64_t> SummedIntProperty(absl::string_view property) const;

  const StoreOptions& options() const { return options_; }

  class Impl;

 private:
  explicit Store(const StoreOptions& options);
  // Runs the migrations from the recorded schema version (Open).
  absl::Status Migrate();
  friend class Transaction;
  friend class ReadView;

  StoreOptions options_;
  std::unique_ptr<Impl> impl_;
};

// A snapshot of the store. Thread-compatible.
class ReadView {
 public:
  ~ReadView();
  // The store revision at the snapshot: every change up to it is visible
  // (later ones may be too; replaying them from Watch is idempotent).
  uint64_t revision() const { return revision_; }

  absl::StatusOr<std::string> Get(absl::string_view cf, absl::string_view key) const;
  absl::Status Get(absl::string_view cf, absl::string_view key, google::protobuf::Message* message) const;
  // Store::ItemRevision, as of the snapshot.
  absl::StatusOr<uint64_t> ItemRevision(absl::string_view name) const;
  // Calls `fn(key, value)` for keys in [start, limit) in order, until it
  // returns false. Empty `limit` = to the end of the column family.
  absl::Status Scan(absl::string_view cf, absl::string_view start, absl::string_view limit,
                    absl::FunctionRef<bool(absl::string_view key, absl::string_view value)> fn) const;

 private:
  friend class Store;
  ReadView(const Store* store, uint64_t revision);
  const Store* store_;
  uint64_t revision_;
  const void* snapshot_;  // rocksdb::Snapshot
};

using ChangePtr = std::shared_ptr<const rcp::common::v1::Change>;

// One consumer's position in the change feed. Thread-safe.
class Watcher {
 public:
  virtual ~Watcher() = default;
  // Moves up to `max` queued changes (in revision order) into `out`. Returns
  // OK with nothing added when none is ready yet (on_ready will be called);
  // returns the terminal status once the watch has ended and the queue is
  // drained (UNAVAILABLE + ResumeFrom, or FAILED_PRECONDITION +
  // ResyncRequired).
  virtual absl::Status Poll(std::vector<ChangePtr>* out, size_t max) = 0;
  // Like Poll but waits up to `timeout` for at least one change.
  virtual absl::Status Next(std::vector<ChangePtr>* out, size_t max, absl::Duration timeout) = 0;
  // Stops the watch; later Polls return CANCELLED. Idempotent.
  virtual void Cancel() = 0;
  // Revision of the last change handed out by Poll/Next (or since_revision).
  virtual uint64_t last_revision() const = 0;
};

}  // namespace rcp::storage

#endif  // RCP_COMMON_STORAGE_STORE_H_
