#include "tools/rcpctl/transfer.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/io/file.h"
#include "tools/rcpctl/format.h"

namespace rcp::rcpctl {

namespace fs = std::filesystem;
namespace dv1 = ::rcp::documents::v1;

namespace {

grpc::Status FileError(const std::string& what, const std::string& path, int error) {
  grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
  if (error == ENOENT || error == ENOTDIR) code = grpc::StatusCode::NOT_FOUND;
  if (error == EISDIR) code = grpc::StatusCode::INVALID_ARGUMENT;
  return grpc::Status(code, absl::StrCat(what, " ", path, ": ", std::strerror(error)));
}

}  // namespace

grpc::Status HashFile(const std::string& path, int64_t limit, crypto::Sha256* hasher,
                      const std::function<void(int64_t, int64_t)>& progress) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return FileError("cannot read", path, errno);
  std::vector<char> buffer(static_cast<size_t>(kChunkBytes));
  int64_t done = 0;
  int64_t total = limit;
  if (total < 0) {
    std::error_code ec;
    total = static_cast<int64_t>(fs::file_size(path, ec));
  }
  while (limit < 0 || done < limit) {
    size_t want = buffer.size();
    if (limit >= 0) want = static_cast<size_t>(std::min<int64_t>(kChunkBytes, limit - done));
    size_t n = std::fread(buffer.data(), 1, want, f);
    if (n > 0) {
      hasher->Update(absl::string_view(buffer.data(), n));
      done += static_cast<int64_t>(n);
      if (progress) progress(done, total);
    }
    if (n < want) break;
  }
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return grpc::Status(grpc::StatusCode::UNKNOWN, absl::StrCat("error reading ", path));
  if (limit >= 0 && done != limit) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        absl::StrCat(path, " is shorter than ", limit, " bytes"));
  }
  return grpc::Status::OK;
}

std::string GuessMediaType(const std::string& path) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".pdf", "application/pdf"},
      {".doc", "application/msword"},
      {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {".xls", "application/vnd.ms-excel"},
      {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {".ppt", "application/vnd.ms-powerpoint"},
      {".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
      {".odt", "application/vnd.oasis.opendocument.text"},
      {".ods", "application/vnd.oasis.opendocument.spreadsheet"},
      {".odp", "application/vnd.oasis.opendocument.presentation"},
      {".rtf", "application/rtf"},
      {".csv", "text/csv"},
      {".txt", "text/plain"},
      {".md", "text/markdown"},
      {".html", "text/html"},
      {".htm", "text/html"},
      {".xml", "application/xml"},
      {".json", "application/json"},
      {".zip", "application/zip"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
  };
  std::string extension = absl::AsciiStrToLower(fs::path(path).extension().string());
  for (const auto& [ext, type] : kTypes) {
    if (extension == ext) return type;
  }
  return "application/octet-stream";
}

grpc::Status WriteFileAtomically(const std::string& path, const std::string& content) {
  fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), ec);
    if (ec) return FileError("cannot create", target.parent_path().string(), ec.value());
    fs::permissions(target.parent_path(), fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  std::string temporary = path + ".tmp";
  std::FILE* f = std::fopen(temporary.c_str(), "wb");
  if (f == nullptr) return FileError("cannot write", temporary, errno);
  bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) return grpc::Status(grpc::StatusCode::UNKNOWN, absl::StrCat("cannot write ", temporary));
  if (std::rename(temporary.c_str(), path.c_str()) != 0) return FileError("cannot rename to", path, errno);
  return grpc::Status::OK;
}

// ------------------------------------------------------------------ common

namespace {

// Errors worth another stream: the network or the server had a moment.
bool Transient(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return true;
    default:
      return false;
  }
}

std::string SecondsText(std::chrono::milliseconds d) {
  return absl::StrCat(static_cast<double>(d.count()) / 1000.0, "s");
}

// Counts failures without progress and sleeps between attempts.
class Backoff {
 public:
  explicit Backoff(const RetryPolicy& policy) : policy_(policy), delay_(policy.initial_backoff) {}

  // After a failed attempt that reached `position`: false when out of
  // attempts; otherwise waits and returns true.
  bool Next(int64_t position, const grpc::Status& status, const NoticeFn& notice) {
    if (position > best_) {
      best_ = position;
      failures_ = 0;
      delay_ = policy_.initial_backoff;
    }
    if (++failures_ >= policy_.max_attempts) return false;
    if (notice) {
      notice(absl::StrCat("stream broken (", StatusCodeName(status.error_code()), ": ",
                          status.error_message(), "); retrying in ", SecondsText(delay_)));
    }
    std::this_thread::sleep_for(delay_);
    delay_ = std::min(delay_ * 2, policy_.max_backoff);
    return true;
  }

 private:
  RetryPolicy policy_;
  std::chrono::milliseconds delay_;
  int64_t best_ = -1;
  int failures_ = 0;
};

// ------------------------------------------------------------------ upload

struct UploadPlan {
  const UploadOptions* options;
  std::string path;  // absolute
  std::string media_type;
  int64_t size = 0;
  std::string sha256;
  std::string state_path;
};

void RemoveState(const UploadPlan& plan) {
  std::error_code ec;
  fs::remove(plan.state_path, ec);
}

std::string SavedSession(const UploadPlan& plan) {
  absl::StatusOr<std::string> content = io::ReadFile(plan.state_path);
  if (!content.ok()) return "";
  for (absl::string_view line : absl::StrSplit(*content, '\n')) {
    if (absl::ConsumePrefix(&line, "session=")) return std::string(line);
  }
  return "";
}

grpc::Status SaveSession(const UploadPlan& plan, const std::string& session) {
  return WriteFileAtomically(plan.state_path,
                             absl::StrCat("session=", session, "\ndocument=", plan.options->document,
                                          "\nlanguage=", plan.options->language, "\npath=", plan.path,
                                          "\nsize=", plan.size, "\nsha256=", plan.sha256, "\n"));
}

void Notice(const UploadOptions& o, const std::string& message) {
  if (o.notice) o.notice(message);
}

// One UploadChunks stream from `offset` to the end of the file.
grpc::Status StreamChunks(Client& client, const UploadPlan& plan, const std::string& session, int64_t offset,
                          UploadResult* result, bool* retryable) {
  const UploadOptions& o = *plan.options;
  std::FILE* f = std::fopen(plan.path.c_str(), "rb");
  if (f == nullptr) return FileError("cannot read", plan.path, errno);
  struct Closer {
    std::FILE* f;
    ~Closer() { std::fclose(f); }
  } closer{f};
  if (fseeko(f, static_cast<off_t>(offset), SEEK_SET) != 0)
    return FileError("cannot seek in", plan.path, errno);

  grpc::ClientContext context;
  client.PrepareStream(&context);
  dv1::UploadSession response;
  auto writer = client.documents().UploadChunks(&context, &response);
  ++result->streams;
  std::string buffer(static_cast<size_t>(kChunkBytes), '\0');
  bool first = true;
  bool broken = false;
  if (o.progress) o.progress("upload", offset, plan.size);
  while (offset < plan.size) {
    if (o.before_chunk) {
      Interrupt interrupt = o.before_chunk(offset);
      if (interrupt != Interrupt::kNone) {
        context.TryCancel();
        writer->Finish();
        if (interrupt == Interrupt::kAbort) {
          return grpc::Status(grpc::StatusCode::CANCELLED,
                              absl::StrCat("upload interrupted at byte ", offset, "; rerun to resume"));
        }
        *retryable = true;
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, absl::StrCat("stream broken at byte ", offset));
      }
    }
    size_t n = static_cast<size_t>(std::min(kChunkBytes, plan.size - offset));
    if (std::fread(buffer.data(), 1, n, f) != n) {
      context.TryCancel();
      writer->Finish();
      return grpc::Status(
          grpc::StatusCode::FAILED_PRECONDITION,
          absl::StrCat(plan.path, " changed while uploading (it is shorter than when hashed)"));
    }
    dv1::UploadChunk chunk;
    if (first) chunk.set_upload(session);
    first = false;
    chunk.set_offset(offset);
    chunk.set_data(buffer.data(), n);
    if (!writer->Write(chunk)) {
      broken = true;  // Finish says why
      break;
    }
    offset += static_cast<int64_t>(n);
    if (o.progress) o.progress("upload", offset, plan.size);
  }
  if (!broken) writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) {
    switch (status.error_code()) {
      case grpc::StatusCode::NOT_FOUND:  // the session expired meanwhile: start over
        RemoveState(plan);
        *retryable = true;
        break;
      case grpc::StatusCode::FAILED_PRECONDITION:  // offset moved: ask again
        *retryable = true;
        break;
      default:
        *retryable = Transient(status.error_code());
    }
    return status;
  }
  if (broken || response.committed_offset() != plan.size) {
    *retryable = true;
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        absl::StrCat("the stream ended with ", response.committed_offset(), " of ", plan.size,
                                     " bytes stored"));
  }
  return grpc::Status::OK;
}

// Finds (or starts) the session, streams what is missing, commits.
// *position: the committed offset this attempt started from.
grpc::Status UploadAttempt(Client& client, const UploadPlan& plan, bool first_attempt, UploadResult* result,
                           bool* retryable, int64_t* position) {
  const UploadOptions& o = *plan.options;
  *retryable = false;
  dv1::UploadSession session;
  std::string saved = SavedSession(plan);
  if (!saved.empty()) {
    dv1::GetUploadSessionRequest get;
    get.set_name(saved);
    grpc::Status s = client.Unary(
        [&](grpc::ClientContext* c) { return client.documents().GetUploadSession(c, get, &session); });
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
      Notice(o, absl::StrCat("upload session ", saved, " is gone; starting over"));
      RemoveState(plan);
      saved.clear();
    } else if (!s.ok()) {
      *retryable = Transient(s.error_code());
      return s;
    } else if (session.state() == dv1::UploadSession::CANCELLED ||
               (session.state() == dv1::UploadSession::ACTIVE &&
                (session.declared_size() != plan.size || session.declared_sha256() != plan.sha256 ||
                 session.document() != o.document))) {
      Notice(o, absl::StrCat("upload session ", saved, " cannot be continued; starting over"));
      RemoveState(plan);
      saved.clear();
    } else if (first_attempt && session.state() == dv1::UploadSession::ACTIVE) {
      result->resumed_from = session.committed_offset();
      Notice(o, absl::StrCat("resuming ", saved, " at byte ", session.committed_offset(), " (",
                             FormatBytes(session.committed_offset()), " of ", FormatBytes(plan.size), ")"));
    }
  }
  if (saved.empty()) {
    dv1::StartUploadRequest start;
    start.set_document(o.document);
    start.set_language(o.language);
    start.set_media_type(plan.media_type);
    start.set_declared_size(plan.size);
    start.set_declared_sha256(plan.sha256);
    start.set_request_id("rcpctl-" + crypto::RandomToken(16));
    grpc::Status s = client.Unary(
        [&](grpc::ClientContext* c) { return client.documents().StartUpload(c, start, &session); });
    if (!s.ok()) {
      *retryable = Transient(s.error_code());
      return s;
    }
    saved = session.name();
    grpc::Status w = SaveSession(plan, saved);
    if (!w.ok()) return w;
  }
  result->session = saved;
  *position = session.committed_offset();

  if (session.state() == dv1::UploadSession::ACTIVE && session.committed_offset() < plan.size) {
    grpc::Status s = StreamChunks(client, plan, saved, session.committed_offset(), result, retryable);
    if (!s.ok()) return s;
  }

  dv1::CommitUploadRequest commit;
  commit.set_name(saved);
  // Committing re-reads the content when the server restarted meanwhile:
  // allow 30 s more per 256 MiB.
  double scale = 1.0 + static_cast<double>(plan.size) / static_cast<double>(int64_t{256} << 20);
  grpc::Status s = client.Unary(
      [&](grpc::ClientContext* c) { return client.documents().CommitUpload(c, commit, &result->version); },
      scale);
  // Done; or the bytes are not what was declared (the file changed under
  // the upload), which a resend of the same session cannot mend.
  if (s.ok() || s.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
      s.error_code() == grpc::StatusCode::DATA_LOSS) {
    RemoveState(plan);
    return s;
  }
  if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
    RemoveState(plan);
    *retryable = true;
  } else {
    *retryable = s.error_code() == grpc::StatusCode::FAILED_PRECONDITION || Transient(s.error_code());
  }
  return s;
}

}  // namespace

std::string UploadStatePath(const std::string& state_dir, const std::string& document,
                            const std::string& language, const std::string& absolute_path,
                            const std::string& file_sha256) {
  std::string key =
      crypto::Sha256Hex(absl::StrCat(document, "\n", language, "\n", absolute_path, "\n", file_sha256));
  return (fs::path(state_dir) / "uploads" / key).string();
}

grpc::Status Upload(Client& client, const UploadOptions& options, UploadResult* result) {
  *result = UploadResult();
  UploadPlan plan;
  plan.options = &options;
  std::error_code ec;
  fs::path absolute = fs::absolute(options.path, ec);
  if (ec) return FileError("cannot resolve", options.path, ec.value());
  plan.path = absolute.lexically_normal().string();
  auto status = fs::status(plan.path, ec);
  if (ec || !fs::exists(status)) return FileError("cannot read", options.path, ENOENT);
  if (!fs::is_regular_file(status)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat(options.path, " is not a regular file"));
  }
  plan.size = static_cast<int64_t>(fs::file_size(plan.path, ec));
  if (ec) return FileError("cannot read", options.path, ec.value());
  plan.media_type = options.media_type.empty() ? GuessMediaType(plan.path) : options.media_type;

  crypto::Sha256 hasher;
  std::function<void(int64_t, int64_t)> hash_progress;
  if (options.progress) {
    hash_progress = [&](int64_t done, int64_t total) { options.progress("sha256", done, total); };
  }
  grpc::Status hashed = HashFile(plan.path, plan.size, &hasher, hash_progress);
  if (!hashed.ok()) return hashed;
  plan.sha256 = hasher.HexDigest();
  plan.state_path =
      UploadStatePath(options.state_dir, options.document, options.language, plan.path, plan.sha256);

  Backoff backoff(options.retry);
  for (bool first = true;; first = false) {
    bool retryable = false;
    int64_t position = -1;
    grpc::Status s = UploadAttempt(client, plan, first, result, &retryable, &position);
    if (s.ok()) return s;
    if (!retryable || !backoff.Next(position, s, options.notice)) return s;
  }
}

// ---------------------------------------------------------------- download

grpc::Status Download(Client& client, const DownloadOptions& o, DownloadResult* result) {
  *result = DownloadResult();
  const bool to_file = !o.output_path.empty();
  if (!to_file && o.out == nullptr) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "download: no output");
  }
  crypto::Sha256 hasher;
  int64_t offset = 0;
  std::FILE* file = nullptr;
  bool created = false;
  if (to_file) {
    std::error_code ec;
    if (o.resume && fs::exists(o.output_path, ec)) {
      offset = static_cast<int64_t>(fs::file_size(o.output_path, ec));
      if (ec) return FileError("cannot read", o.output_path, ec.value());
      std::function<void(int64_t, int64_t)> hash_progress;
      if (o.progress) hash_progress = [&](int64_t done, int64_t total) { o.progress("sha256", done, total); };
      grpc::Status s = HashFile(o.output_path, offset, &hasher, hash_progress);
      if (!s.ok()) return s;
      result->resumed_from = offset;
      if (o.notice && offset > 0)
        o.notice(absl::StrCat("resuming at byte ", offset, " (", FormatBytes(offset), ")"));
      file = std::fopen(o.output_path.c_str(), "ab");
    } else {
      file = std::fopen(o.output_path.c_str(), "wb");
      created = true;
    }
    if (file == nullptr) return FileError("cannot write", o.output_path, errno);
  }
  // Closes the file; on failure removes it when it is worthless.
  auto fail = [&](const grpc::Status& s) {
    if (file != nullptr) std::fclose(file);
    file = nullptr;
    std::error_code ec;
    if (to_file && (s.error_code() == grpc::StatusCode::DATA_LOSS || (created && offset == 0))) {
      fs::remove(o.output_path, ec);
    } else if (to_file && o.notice && offset > 0) {
      o.notice(absl::StrCat("partial download kept in ", o.output_path, " (", FormatBytes(offset),
                            "); rerun with --resume to continue"));
    }
    return s;
  };

  dv1::ContentVersion pinned;
  bool have_version = false;
  Backoff backoff(o.retry);
  while (true) {
    grpc::ClientContext context;
    client.PrepareStream(&context);
    dv1::DownloadRequest request;
    request.set_document(o.document);
    request.set_language(have_version ? pinned.language() : o.language);
    request.set_version(have_version ? pinned.version() : o.version);
    request.set_offset(offset);
    auto reader = client.documents().Download(&context, request);
    ++result->streams;
    bool first = true;
    bool simulated_break = false;
    grpc::Status local;  // a problem found on this side
    dv1::DownloadChunk chunk;
    while (reader->Read(&chunk)) {
      if (first) {
        first = false;
        if (!chunk.has_version()) {
          local =
              grpc::Status(grpc::StatusCode::INTERNAL, "the first message of the download names no version");
          break;
        }
        if (!have_version) {
          pinned = chunk.version();
          have_version = true;
          result->version = pinned;
        } else if (chunk.version().name() != pinned.name() || chunk.version().sha256() != pinned.sha256()) {
          local = grpc::Status(grpc::StatusCode::DATA_LOSS, "the content version changed between attempts");
          break;
        }
        if (o.progress) o.progress("download", offset, pinned.size_bytes());
      }
      if (chunk.data().empty()) continue;
      if (chunk.offset() != offset) {
        local = grpc::Status(grpc::StatusCode::INTERNAL, absl::StrCat("the server sent bytes at ",
                                                                      chunk.offset(), ", expected ", offset));
        break;
      }
      const int64_t n = static_cast<int64_t>(chunk.data().size());
      if (offset + n > pinned.size_bytes()) {
        local = grpc::Status(
            grpc::StatusCode::DATA_LOSS,
            absl::StrCat("the server sent more than the announced ", pinned.size_bytes(), " bytes"));
        break;
      }
      if (o.before_chunk) {
        Interrupt interrupt = o.before_chunk(offset);
        if (interrupt == Interrupt::kAbort) {
          context.TryCancel();
          reader->Finish();
          return fail(grpc::Status(grpc::StatusCode::CANCELLED,
                                   absl::StrCat("download interrupted at byte ", offset)));
        }
        if (interrupt == Interrupt::kBreakStream) {
          simulated_break = true;
          break;
        }
      }
      bool written =
          to_file ? std::fwrite(chunk.data().data(), 1, chunk.data().size(), file) == chunk.data().size()
                  : static_cast<bool>(o.out->write(chunk.data().data(), n));
      if (!written) {
        local = grpc::Status(grpc::StatusCode::UNKNOWN,
                             absl::StrCat("cannot write ", to_file ? o.output_path : "the output", ": ",
                                          std::strerror(errno)));
        break;
      }
      hasher.Update(chunk.data());
      offset += n;
      result->bytes_received += n;
      if (o.progress) o.progress("download", offset, pinned.size_bytes());
    }
    if (!local.ok() || simulated_break) context.TryCancel();
    grpc::Status status = reader->Finish();
    if (!local.ok()) return fail(local);
    if (simulated_break)
      status = grpc::Status(grpc::StatusCode::UNAVAILABLE, absl::StrCat("stream broken at byte ", offset));
    if (status.ok() && first) {
      status = grpc::Status(grpc::StatusCode::INTERNAL, "the download stream ended without a message");
    }
    if (status.ok() && offset < pinned.size_bytes()) {
      status = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            absl::StrCat("the stream ended at byte ", offset, " of ", pinned.size_bytes()));
    }
    if (status.ok()) break;
    if (!Transient(status.error_code()) || !backoff.Next(offset, status, o.notice)) return fail(status);
  }

  if (to_file) {
    bool closed = std::fclose(file) == 0;
    file = nullptr;
    if (!closed)
      return fail(grpc::Status(grpc::StatusCode::UNKNOWN, absl::StrCat("cannot write ", o.output_path)));
  } else {
    o.out->flush();
  }
  std::string digest = hasher.HexDigest();
  if (offset != pinned.size_bytes()) {
    return fail(grpc::Status(
        grpc::StatusCode::DATA_LOSS,
        absl::StrCat("received ", offset, " bytes, but ", pinned.name(), " has ", pinned.size_bytes())));
  }
  if (digest != pinned.sha256()) {
    return fail(grpc::Status(
        grpc::StatusCode::DATA_LOSS,
        absl::StrCat("SHA-256 mismatch for ", pinned.name(), ": expected ", pinned.sha256(), ", got ", digest,
                     to_file ? absl::StrCat("; ", o.output_path, " deleted") : std::string())));
  }
  return grpc::Status::OK;
}

}  // namespace rcp::rcpctl
