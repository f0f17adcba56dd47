// The internal Backup service (rcp.admin.v1.Backup) of a data service: a
// consistent online backup of its store, plus the files kept beside it,
// streamed to rcp-admin. Backups are consistent per service, not across
// services: a restore may find links to items another service's backup
// lacks, which readers already treat as dangling.
#ifndef RCP_COMMON_BACKUP_BACKUP_SERVICE_H_
#define RCP_COMMON_BACKUP_BACKUP_SERVICE_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "common/storage/store.h"
#include "rcp/admin/v1/backup.grpc.pb.h"

namespace rcp::backup {

// A file beside the database that a backup takes: `path` in the backup
// (relative to the data directory), `source` on disk, and, when its name
// promises its content, the SHA-256 it must have (the backup fails with
// DATA_LOSS otherwise).
struct ExtraFile {
  std::string path;
  std::string source;
  std::optional<std::string> sha256;
  // An upload's part goes when the upload commits: then it is not taken.
  bool may_vanish = false;
};

// Calls `emit` for every file beside the database, while keeping them
// (e.g. with content reclamation paused) until it returns.
using ExtraFiles = std::function<absl::Status(absl::FunctionRef<absl::Status(const ExtraFile&)> emit)>;

// A backup sent whole (manifest included) is recorded in the store
// (Store::RecordBackup), which the daemon exports as
// rcp_backup_last_success_timestamp_seconds.
class BackupService final : public rcp::admin::v1::Backup::Service {
 public:
  // `database_dir`: where the store's database is within the data
  // directory ("" = the directory itself). Not owned: `store`.
  BackupService(storage::Store* store, std::string database_dir, ExtraFiles extra_files = nullptr);

  grpc::Status TakeBackup(grpc::ServerContext* context, const rcp::admin::v1::TakeBackupRequest* request,
                          grpc::ServerWriter<rcp::admin::v1::BackupChunk>* writer) override;

 private:
  storage::Store* store_;
  std::string database_dir_;
  ExtraFiles extra_files_;
};

}  // namespace rcp::backup

#endif  // RCP_COMMON_BACKUP_BACKUP_SERVICE_H_
