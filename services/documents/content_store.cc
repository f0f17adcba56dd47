#include "services/documents/content_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace rcp::documents {
namespace {

absl::Status ErrnoStatus(int err, absl::string_view what) {
  std::string message = absl::StrCat(what, ": ", std::strerror(err));
  if (err == ENOSPC || err == EDQUOT) return absl::ResourceExhaustedError(message);
  if (err == EIO) return absl::DataLossError(message);
  return absl::InternalError(message);
}

absl::Status MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0750) != 0 && errno != EEXIST) return ErrnoStatus(errno, "creating " + path);
  return absl::OkStatus();
}

// A rename or link is durable once its directory is synced.
absl::Status SyncDir(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "opening " + path);
  int rc = fsync(fd);
  int err = errno;
  close(fd);
  return rc == 0 ? absl::OkStatus() : ErrnoStatus(err, "syncing " + path);
}

// Names become file names: only what the services generate is accepted.
bool IsFileNameSafe(absl::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

bool IsSha256Hex(absl::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

}  // namespace

// ------------------------------------------------------------- ContentFile

ContentFile::~ContentFile() { close(fd_); }

absl::Status ContentFile::WriteAt(int64_t offset, absl::string_view data) {
  const int64_t start = offset;
  while (!data.empty()) {
    ssize_t n = pwrite(fd_, data.data(), data.size(), offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "writing content");
    }
    data.remove_prefix(static_cast<size_t>(n));
    offset += n;
  }
  // Write-back starts now rather than at Sync; the flag only schedules it.
  sync_file_range(fd_, start, offset - start, SYNC_FILE_RANGE_WRITE);
  return absl::OkStatus();
}

absl::Status ContentFile::ReadAt(int64_t offset, int64_t max, std::string* out) const {
  out->resize(static_cast<size_t>(max));
  int64_t got = 0;
  while (got < max) {
    ssize_t n = pread(fd_, out->data() + got, static_cast<size_t>(max - got), offset + got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "reading content");
    }
    if (n == 0) break;
    got += n;
  }
  out->resize(static_cast<size_t>(got));
  return absl::OkStatus();
}

absl::Status ContentFile::Sync() {
  if (fdatasync(fd_) != 0) return ErrnoStatus(errno, "syncing content");
  return absl::OkStatus();
}

absl::Status ContentFile::Truncate(int64_t size) {
  if (ftruncate(fd_, size) != 0) return ErrnoStatus(errno, "truncating content");
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ContentFile::Size() const {
  struct stat st;
  if (fstat(fd_, &st) != 0) return ErrnoStatus(errno, "reading content size");
  return static_cast<int64_t>(st.st_size);
}

// ------------------------------------------------------------ ContentStore

absl::StatusOr<std::unique_ptr<ContentStore>> ContentStore::Open(const std::string& dir) {
  for (const std::string& d : {dir, dir + "/parts", dir + "/blobs"}) {
    if (auto s = MakeDir(d); !s.ok()) return s;
  }
  return std::unique_ptr<ContentStore>(new ContentStore(dir));
}

std::string ContentStore::PartPath(absl::string_view upload) const {
  return absl::StrCat(dir_, "/parts/", upload);
}
std::string ContentStore::BlobPath(absl::string_view sha256) const {
  return absl::StrCat(dir_, "/blobs/", sha256);
}

absl::StatusOr<std::shared_ptr<ContentFile>> ContentStore::OpenPart(absl::string_view upload) {
  if (!IsFileNameSafe(upload))
    return absl::InvalidArgumentError(absl::StrCat("upload id '", upload, "' is malformed"));
  std::string path = PartPath(upload);
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd >= 0) {
    // A new file's name is durable once its directory is synced: before any
    // of its bytes is reported committed.
    auto file = std::make_shared<ContentFile>(fd);
    if (auto s = SyncDir(dir_ + "/parts"); !s.ok()) return s;
    return file;
  }
  if (errno != EEXIST) return ErrnoStatus(errno, "creating " + path);
  fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "opening " + path);
  return std::make_shared<ContentFile>(fd);
}

absl::Status ContentStore::Publish(absl::string_view upload, absl::string_view sha256) {
  if (!IsFileNameSafe(upload) || !IsSha256Hex(sha256)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot publish '", upload, "' as '", sha256, "'"));
  }
  // A hard link, not a rename: the part survives until the metadata names
  // the blob, so a commit interrupted anywhere can be retried.
  std::string blob = BlobPath(sha256);
  if (link(PartPath(upload).c_str(), blob.c_str()) != 0 && errno != EEXIST) {
    return ErrnoStatus(errno, "publishing " + blob);
  }
  return SyncDir(dir_ + "/blobs");
}

absl::Status ContentStore::RemovePart(absl::string_view upload) {
  if (!IsFileNameSafe(upload))
    return absl::InvalidArgumentError(absl::StrCat("upload id '", upload, "' is malformed"));
  std::string path = PartPath(upload);
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus(errno, "removing " + path);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<ContentFile>> ContentStore::OpenBlob(absl::string_view sha256) const {
  if (!IsSha256Hex(sha256))
    return absl::DataLossError(absl::StrCat("content hash '", sha256, "' is malformed"));
  std::string path = BlobPath(sha256);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return absl::DataLossError(absl::StrCat("the content ", sha256, " is missing from ", dir_));
    return ErrnoStatus(errno, "opening " + path);
  }
  return std::make_shared<ContentFile>(fd);
}

bool ContentStore::HasBlob(absl::string_view sha256) const {
  struct stat st;
  return IsSha256Hex(sha256) && stat(BlobPath(sha256).c_str(), &st) == 0;
}

absl::StatusOr<std::vector<std::string>> ContentStore::List(const std::string& sub,
                                                            bool (*accept)(absl::string_view)) const {
  std::string path = absl::StrCat(dir_, "/", sub);
  DIR* d = opendir(path.c_str());
  if (d == nullptr) return ErrnoStatus(errno, "listing " + path);
  std::vector<std::string> out;
  while (dirent* e = readdir(d)) {
    if (accept(e->d_name)) out.emplace_back(e->d_name);
  }
  closedir(d);
  return out;
}

absl::StatusOr<std::vector<std::string>> ContentStore::ListBlobs() const {
  return List("blobs", IsSha256Hex);
}
absl::StatusOr<std::vector<std::string>> ContentStore::ListParts() const {
  return List("parts", IsFileNameSafe);
}

absl::Status ContentStore::RemoveBlob(absl::string_view sha256) {
  if (!IsSha256Hex(sha256))
    return absl::InvalidArgumentError(absl::StrCat("content hash '", sha256, "' is malformed"));
  std::string path = BlobPath(sha256);
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus(errno, "removing " + path);
  return absl::OkStatus();
}

}  // namespace rcp::documents
