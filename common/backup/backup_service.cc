#include "common/backup/backup_service.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/crypto/crypto.h"
#include "common/status/status.h"
#include "common/time/timestamp.h"
#include "google/protobuf/util/time_util.h"

namespace rcp::backup {
namespace {

namespace v1 = rcp::admin::v1;
constexpr size_t kChunk = 1 << 20;

// Streams one file and adds its digest to `manifest`.
absl::Status SendFile(const std::string& path, const std::string& source, const std::optional<std::string>& sha256,
                      bool may_vanish, grpc::ServerContext* context, grpc::ServerWriter<v1::BackupChunk>* writer,
                      v1::BackupManifest* manifest) {
  std::ifstream in(source, std::ios::binary);
  if (!in && may_vanish && !std::filesystem::exists(source)) return absl::OkStatus();
  if (!in) return absl::InternalError(absl::StrCat("backup: cannot read ", path));
  std::error_code ec;
  const auto size = std::filesystem::file_size(source, ec);
  if (ec) return absl::InternalError(absl::StrCat("backup: cannot stat ", path, ": ", ec.message()));
  v1::BackupChunk start;
  start.mutable_file()->set_path(path);
  start.mutable_file()->set_size(static_cast<int64_t>(size));
  if (!writer->Write(start)) return absl::CancelledError("backup: the client went away");
  crypto::Sha256 digest;
  int64_t sent = 0;
  std::string buffer(kChunk, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    std::streamsize n = in.gcount();
    if (n <= 0) break;
    if (context->IsCancelled()) return absl::CancelledError("backup: cancelled");
    v1::BackupChunk data;
    data.set_data(buffer.data(), static_cast<size_t>(n));
    digest.Update(absl::string_view(buffer.data(), static_cast<size_t>(n)));
    if (!writer->Write(data)) return absl::CancelledError("backup: the client went away");
    sent += n;
  }
  if (in.bad()) return absl::InternalError(absl::StrCat("backup: error reading ", path));
  // Files in a checkpoint are immutable; a part file may have grown since
  // its size was read, and what was read is what the digest covers.
  std::string hex = digest.HexDigest();
  if (sha256.has_value() && hex != *sha256) {
    return absl::DataLossError(absl::StrCat("backup: ", path, " does not hash to its name (", hex,
                                            "): the content on disk is damaged"));
  }
  auto* d = manifest->add_files();
  d->set_path(path);
  d->set_size(sent);
  d->set_sha256(hex);
  return absl::OkStatus();
}

}  // namespace

BackupService::BackupService(storage::Store* store, std::string database_dir, ExtraFiles extra_files)
    : store_(store), database_dir_(std::move(database_dir)), extra_files_(std::move(extra_files)) {}

grpc::Status BackupService::TakeBackup(grpc::ServerContext* context, const v1::TakeBackupRequest*,
                                       grpc::ServerWriter<v1::BackupChunk>* writer) {
  v1::BackupManifest manifest;
  manifest.set_store_name(store_->options().store_name);
  manifest.set_database_dir(database_dir_);
  manifest.set_epoch(store_->epoch());
  *manifest.mutable_taken_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
  const std::string prefix = database_dir_.empty() ? "" : database_dir_ + "/";
  absl::Status s = store_->WithCheckpoint([&](const std::string& dir, uint64_t revision) -> absl::Status {
    manifest.set_revision(revision);
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    if (ec) return absl::InternalError(absl::StrCat("backup: cannot list the checkpoint: ", ec.message()));
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      RCP_RETURN_IF_ERROR(
          SendFile(prefix + f.filename().string(), f.string(), std::nullopt, false, context, writer, &manifest));
    }
    // While the checkpoint exists, so that every file it names is still
    // there (reclamation is paused inside extra_files_).
    if (!extra_files_) return absl::OkStatus();
    return extra_files_([&](const ExtraFile& file) {
      return SendFile(file.path, file.source, file.sha256, file.may_vanish, context, writer, &manifest);
    });
  });
  if (!s.ok()) {
    spdlog::warn("msg=\"backup failed\" store={} error=\"{}\"", manifest.store_name(), s.ToString());
    return ToGrpcStatus(s);
  }
  v1::BackupChunk last;
  *last.mutable_manifest() = manifest;
  if (!writer->Write(last)) return grpc::Status(grpc::StatusCode::CANCELLED, "backup: the client went away");
  // Exported as rcp_backup_last_success_timestamp_seconds; a failure to
  // record it does not undo a backup that was sent whole.
  if (absl::Status recorded = store_->RecordBackup(FromTimestamp(manifest.taken_at()));
      !recorded.ok()) {
    spdlog::warn("msg=\"cannot record the backup's time\" store={} error=\"{}\"", manifest.store_name(),
                 recorded.ToString());
  }
  spdlog::info("msg=\"backup taken\" store={} revision={} files={}", manifest.store_name(), manifest.revision(),
               manifest.files_size());
  return grpc::Status::OK;
}

}  // namespace rcp::backup
