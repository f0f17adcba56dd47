#include "tools/rcp-admin/backup_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/crypto/crypto.h"
#include "common/io/file.h"
#include "common/status/status.h"
#include "google/protobuf/text_format.h"

namespace rcp::admin {
namespace {

namespace fs = std::filesystem;
namespace v1 = rcp::admin::v1;

// A relative path that stays inside the directory it is joined to.
absl::Status CheckRelative(const std::string& path) {
  if (path.empty() || path.front() == '/') return absl::DataLossError(absl::StrCat("backup: bad path \"", path, "\""));
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part == "." || part == "..") {
      return absl::DataLossError(absl::StrCat("backup: bad path \"", path, "\""));
    }
  }
  return absl::OkStatus();
}

absl::Status EmptyDirectory(const std::string& dir, const char* what) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return absl::FailedPreconditionError(absl::StrCat(what, ": ", dir, " is not empty"));
  }
  fs::create_directories(dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat(what, ": cannot create ", dir, ": ", ec.message()));
  fs::permissions(dir, fs::perms::owner_all, ec);
  return absl::OkStatus();
}

absl::Status SyncPath(const std::string& path, int flags) {
  int fd = open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("cannot open ", path, " to sync it"));
  int rc = fsync(fd);
  close(fd);
  return rc == 0 ? absl::OkStatus() : absl::UnavailableError(absl::StrCat("cannot sync ", path));
}

// A file being written, with its running digest.
class OutFile {
 public:
  absl::Status Open(const std::string& root, const std::string& relative) {
    RCP_RETURN_IF_ERROR(CheckRelative(relative));
    path_ = root + "/" + relative;
    std::error_code ec;
    fs::path parent = fs::path(path_).parent_path();
    fs::create_directories(parent, ec);
    if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", parent.string(), ": ", ec.message()));
    for (fs::path p = parent; p.string().size() > root.size(); p = p.parent_path()) {
      fs::permissions(p, fs::perms::owner_all, ec);
      dirs_.push_back(p.string());
    }
    fd_ = open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0) return absl::UnavailableError(absl::StrCat("cannot create ", path_));
    return absl::OkStatus();
  }
  absl::Status Write(absl::string_view data) {
    digest_.Update(data);
    size_ += static_cast<int64_t>(data.size());
    for (size_t off = 0; off < data.size();) {
      ssize_t n = write(fd_, data.data() + off, data.size() - off);
      if (n <= 0) return absl::UnavailableError(absl::StrCat("cannot write ", path_));
      off += static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }
  absl::Status Close() {
    if (fd_ < 0) return absl::OkStatus();
    int rc = fsync(fd_);
    rc |= close(fd_);
    fd_ = -1;
    return rc == 0 ? absl::OkStatus() : absl::UnavailableError(absl::StrCat("cannot sync ", path_));
  }
  ~OutFile() {
    if (fd_ >= 0) close(fd_);
  }
  std::string sha256() const { return digest_.HexDigest(); }
  int64_t size() const { return size_; }
  const std::vector<std::string>& dirs() const { return dirs_; }

 private:
  std::string path_;
  int fd_ = -1;
  crypto::Sha256 digest_;
  int64_t size_ = 0;
  std::vector<std::string> dirs_;
};

// Reads the file at `path` in chunks (backups hold files of gigabytes),
// passing each to `sink` when given; returns its digest.
absl::StatusOr<v1::FileDigest> ReadInChunks(const std::string& path,
                                            const std::function<absl::Status(absl::string_view)>& sink) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::DataLossError(absl::StrCat("backup: cannot read ", path));
  crypto::Sha256 digest;
  int64_t size = 0;
  std::string buffer(1 << 20, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    std::streamsize n = in.gcount();
    if (n <= 0) break;
    absl::string_view piece(buffer.data(), static_cast<size_t>(n));
    digest.Update(piece);
    size += n;
    if (sink) RCP_RETURN_IF_ERROR(sink(piece));
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat("backup: error reading ", path));
  v1::FileDigest d;
  d.set_size(size);
  d.set_sha256(digest.HexDigest());
  return d;
}

// Each file's digest as received or found, checked against the manifest.
absl::Status MatchManifest(const v1::BackupManifest& manifest, const std::map<std::string, v1::FileDigest>& found) {
  if (manifest.store_name().empty()) return absl::DataLossError("backup: the manifest names no store");
  if (static_cast<size_t>(manifest.files_size()) != found.size()) {
    return absl::DataLossError(absl::StrCat("backup: the manifest lists ", manifest.files_size(), " files, ",
                                            found.size(), " are present"));
  }
  for (const auto& f : manifest.files()) {
    auto it = found.find(f.path());
    if (it == found.end()) return absl::DataLossError(absl::StrCat("backup: ", f.path(), " is missing"));
    if (it->second.size() != f.size() || it->second.sha256() != f.sha256()) {
      return absl::DataLossError(absl::StrCat("backup: ", f.path(), " does not match the manifest (size ",
                                              it->second.size(), ", sha256 ", it->second.sha256(), ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::BackupManifest> TakeBackup(v1::Backup::Stub* stub, grpc::ClientContext* context,
                                              const std::string& dir) {
  RCP_RETURN_IF_ERROR(EmptyDirectory(dir, "to"));
  auto reader = stub->TakeBackup(context, v1::TakeBackupRequest());
  std::map<std::string, v1::FileDigest> received;
  std::set<std::string> dirs = {dir};
  std::unique_ptr<OutFile> current;
  std::string current_path;
  v1::BackupManifest manifest;
  bool has_manifest = false;
  auto finish_file = [&]() -> absl::Status {
    if (!current) return absl::OkStatus();
    RCP_RETURN_IF_ERROR(current->Close());
    v1::FileDigest d;
    d.set_path(current_path);
    d.set_size(current->size());
    d.set_sha256(current->sha256());
    received[current_path] = d;
    for (const auto& p : current->dirs()) dirs.insert(p);
    current.reset();
    return absl::OkStatus();
  };
  v1::BackupChunk chunk;
  while (reader->Read(&chunk)) {
    if (has_manifest) return absl::DataLossError("backup: data after the manifest");
    switch (chunk.part_case()) {
      case v1::BackupChunk::kFile:
        RCP_RETURN_IF_ERROR(finish_file());
        if (received.count(chunk.file().path())) {
          return absl::DataLossError(absl::StrCat("backup: ", chunk.file().path(), " sent twice"));
        }
        current = std::make_unique<OutFile>();
        current_path = chunk.file().path();
        RCP_RETURN_IF_ERROR(current->Open(dir, current_path));
        break;
      case v1::BackupChunk::kData:
        if (!current) return absl::DataLossError("backup: data before any file");
        RCP_RETURN_IF_ERROR(current->Write(chunk.data()));
        break;
      case v1::BackupChunk::kManifest:
        RCP_RETURN_IF_ERROR(finish_file());
        manifest = chunk.manifest();
        has_manifest = true;
        break;
      default:
        return absl::DataLossError("backup: an empty chunk");
    }
  }
  RCP_RETURN_IF_ERROR(FromGrpcStatus(reader->Finish()));
  if (!has_manifest) return absl::DataLossError("backup: the stream ended without its manifest");
  RCP_RETURN_IF_ERROR(MatchManifest(manifest, received));
  for (const auto& d : dirs) RCP_RETURN_IF_ERROR(SyncPath(d, O_RDONLY | O_DIRECTORY));
  // The manifest last, atomically: its presence says the backup is whole.
  std::string text;
  google::protobuf::TextFormat::PrintToString(manifest, &text);
  OutFile out;
  RCP_RETURN_IF_ERROR(out.Open(dir, std::string(kManifestFile) + ".tmp"));
  RCP_RETURN_IF_ERROR(out.Write(text));
  RCP_RETURN_IF_ERROR(out.Close());
  std::error_code ec;
  fs::rename(dir + "/" + kManifestFile + ".tmp", dir + "/" + kManifestFile, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot write the manifest: ", ec.message()));
  RCP_RETURN_IF_ERROR(SyncPath(dir, O_RDONLY | O_DIRECTORY));
  return manifest;
}

absl::StatusOr<v1::BackupManifest> Restore(const std::string& from, const std::string& data_dir) {
  v1::BackupManifest manifest;
  absl::Status loaded = io::LoadTextProto(from + "/" + kManifestFile, &manifest);
  if (absl::IsNotFound(loaded)) {
    return absl::FailedPreconditionError(
        absl::StrCat("from: ", from, " has no ", kManifestFile, ": not a backup, or one that did not finish"));
  }
  RCP_RETURN_IF_ERROR(loaded);
  if (!manifest.database_dir().empty()) RCP_RETURN_IF_ERROR(CheckRelative(manifest.database_dir()));
  // Every file is read and checked before anything is written.
  std::map<std::string, v1::FileDigest> found;
  for (const auto& f : manifest.files()) {
    RCP_RETURN_IF_ERROR(CheckRelative(f.path()));
    RCP_ASSIGN_OR_RETURN(v1::FileDigest d, ReadInChunks(from + "/" + f.path(), nullptr));
    d.set_path(f.path());
    found[f.path()] = d;
  }
  RCP_RETURN_IF_ERROR(MatchManifest(manifest, found));
  RCP_RETURN_IF_ERROR(EmptyDirectory(data_dir, "to"));
  std::set<std::string> dirs = {data_dir};
  for (const auto& f : manifest.files()) {
    OutFile out;
    RCP_RETURN_IF_ERROR(out.Open(data_dir, f.path()));
    RCP_RETURN_IF_ERROR(
        ReadInChunks(from + "/" + f.path(), [&](absl::string_view piece) { return out.Write(piece); }).status());
    RCP_RETURN_IF_ERROR(out.Close());
    if (out.sha256() != f.sha256()) return absl::DataLossError(absl::StrCat("restore: ", f.path(), " changed while copied"));
    for (const auto& p : out.dirs()) dirs.insert(p);
  }
  // The service starts a new epoch on the restored database (store.h).
  std::string database = manifest.database_dir().empty() ? data_dir : data_dir + "/" + manifest.database_dir();
  OutFile marker;
  RCP_RETURN_IF_ERROR(marker.Open(data_dir, (manifest.database_dir().empty() ? "" : manifest.database_dir() + "/") +
                                                std::string("RESTORED")));
  RCP_RETURN_IF_ERROR(marker.Write(absl::StrCat("restored from ", from, " (revision ", manifest.revision(), ")\n")));
  RCP_RETURN_IF_ERROR(marker.Close());
  dirs.insert(database);
  for (const auto& d : dirs) RCP_RETURN_IF_ERROR(SyncPath(d, O_RDONLY | O_DIRECTORY));
  return manifest;
}

}  // namespace rcp::admin
