// Resumable, verified document transfers.
//
// Upload (tus-like, see rcp.documents.v1.Documents): the file is hashed
// (SHA-256, streaming), a session is started with the declared size and
// hash, the file is streamed in 1 MiB chunks from the session's committed
// offset, and the session is committed. The file is never read whole into
// memory. The session's name is saved in a state file
//   <state_dir>/uploads/<sha256(document, language, absolute path, file sha256)>
// so that a rerun of the same upload (same document, language, file and
// content) asks GetUploadSession for the committed offset and continues from
// there; a session that is gone (expired, cancelled) starts over. A broken
// stream is retried a few times with exponential backoff, each time from the
// committed offset the server reports. The state file is removed once the
// upload is committed (or the server rejected its checksum).
//
// Download: streams a content version to a file (or a stream), hashing as it
// goes, and compares with the SHA-256 the first message announces. A
// mismatch is DATA_LOSS and deletes the output file. With `resume`, an
// existing partial file is hashed and the download continues at its size.
// Retries pin the content version the first message named, so a version
// published meanwhile cannot be spliced in.
#ifndef RCP_TOOLS_RCPCTL_TRANSFER_H_
#define RCP_TOOLS_RCPCTL_TRANSFER_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "common/crypto/crypto.h"
#include "rcp/documents/v1/documents.pb.h"
#include "tools/rcpctl/client.h"

namespace rcp::rcpctl {

// Size of the chunks rcpctl sends (the service's maximum).
inline constexpr int64_t kChunkBytes = int64_t{1} << 20;

// Hashes the first `limit` bytes of the file (all of it when limit < 0) in
// 1 MiB blocks into *hasher; `progress(done, total)` after each block.
grpc::Status HashFile(const std::string& path, int64_t limit, crypto::Sha256* hasher,
                      const std::function<void(int64_t, int64_t)>& progress = nullptr);

// A media type from the file name's extension ("report.pdf" →
// "application/pdf"); "application/octet-stream" when unknown.
std::string GuessMediaType(const std::string& path);

// How often and how patiently a broken stream is retried. Attempts count
// consecutive failures without progress; a failure after some progress
// starts the count again.
struct RetryPolicy {
  int max_attempts = 5;
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{8000};
};

// Testing hook, called before each chunk is sent (upload) or written
// (download) with its offset.
enum class Interrupt {
  kNone,         // go on
  kBreakStream,  // cancel the stream as a network failure would (retried)
  kAbort,        // stop as a killed process would: CANCELLED, state kept
};
using InterruptHook = std::function<Interrupt(int64_t offset)>;

// phase: "sha256" (hashing the local file), "upload", "download".
using ProgressFn = std::function<void(const std::string& phase, int64_t done, int64_t total)>;
// Human messages about what the transfer does ("resuming at 3.0 MiB",
// "stream broken (UNAVAILABLE), retrying in 1s").
using NoticeFn = std::function<void(const std::string& message)>;

struct UploadOptions {
  std::string document;    // "processes/{p}/documents/{d}"
  std::string language;    // BCP 47
  std::string media_type;  // empty: GuessMediaType(path)
  std::string path;        // the file
  std::string state_dir;   // e.g. DefaultStateDir(); state files go to <state_dir>/uploads/
  RetryPolicy retry;
  ProgressFn progress;
  NoticeFn notice;
  InterruptHook before_chunk;
};

struct UploadResult {
  rcp::documents::v1::ContentVersion version;
  std::string session;       // "uploads/{id}"
  int64_t resumed_from = 0;  // committed offset found on start (0 = fresh)
  int streams = 0;           // UploadChunks streams opened
};

grpc::Status Upload(Client& client, const UploadOptions& options, UploadResult* result);

// Where Upload keeps the session of this (document, language, file, content).
std::string UploadStatePath(const std::string& state_dir, const std::string& document, const std::string& language,
                            const std::string& absolute_path, const std::string& file_sha256);

struct DownloadOptions {
  std::string document;  // "processes/{p}/documents/{d}"
  std::string language;  // empty: the document's only language
  int64_t version = 0;   // 0: latest
  // The file to write; empty: write to `out`.
  std::string output_path;
  std::ostream* out = nullptr;
  // Continue an existing partial output_path from its size.
  bool resume = false;
  RetryPolicy retry;
  ProgressFn progress;
  NoticeFn notice;
  InterruptHook before_chunk;
};

struct DownloadResult {
  rcp::documents::v1::ContentVersion version;
  int64_t resumed_from = 0;    // bytes already in the partial file
  int64_t bytes_received = 0;  // over the network in this run
  int streams = 0;
};

grpc::Status Download(Client& client, const DownloadOptions& options, DownloadResult* result);

// Writes `content` to `path` atomically (temporary file + rename), creating
// the parent directories (mode 0700).
grpc::Status WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace rcp::rcpctl

#endif  // RCP_TOOLS_RCPCTL_TRANSFER_H_
