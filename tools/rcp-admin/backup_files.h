// A backup on disk, as rcp-admin writes and restores it:
//
//   DIR/MANIFEST.textproto   rcp.admin.v1.BackupManifest, written last
//   DIR/<path>               each file of the manifest, mode 0600
//
// Directories are 0700: a registry's backup holds its (encrypted) keyring
// and its API keys' hashes.
#ifndef RCP_TOOLS_RCP_ADMIN_BACKUP_FILES_H_
#define RCP_TOOLS_RCP_ADMIN_BACKUP_FILES_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "rcp/admin/v1/backup.grpc.pb.h"

namespace rcp::admin {

inline constexpr char kManifestFile[] = "MANIFEST.textproto";

// Takes a backup of the service behind `stub` into `dir`, which must not
// exist or be empty. Every file is verified against the manifest's SHA-256
// and synced before the manifest is written: a backup without its manifest
// is incomplete.
absl::StatusOr<rcp::admin::v1::BackupManifest> TakeBackup(rcp::admin::v1::Backup::Stub* stub,
                                                          grpc::ClientContext* context, const std::string& dir);

// Checks every file of the backup in `from` against its manifest, then
// copies it into `data_dir` (which must not exist or be empty) and marks the
// database as restored, so that the service starts a new epoch on it.
absl::StatusOr<rcp::admin::v1::BackupManifest> Restore(const std::string& from, const std::string& data_dir);

}  // namespace rcp::admin

#endif  // RCP_TOOLS_RCP_ADMIN_BACKUP_FILES_H_
