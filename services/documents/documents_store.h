// Documents, their language versions and content, over one storage::Store.
// No gRPC here: the service adapts these calls (and streams), tests call
// them directly.
//
// Content is stored in chunks of at most 1 MiB in a BlobDB column family,
// keyed by blob and offset; a content version points at its blob, and a
// version whose SHA-256 equals an existing one's shares that blob (identical
// content is stored once). No call holds more than one chunk in memory.
#ifndef RCP_SERVICES_DOCUMENTS_DOCUMENTS_STORE_H_
#define RCP_SERVICES_DOCUMENTS_DOCUMENTS_STORE_H_

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "common/storage/store.h"
#include "rcp/documents/v1/documents.pb.h"
#include "services/documents/documents_options.h"

namespace rcp::documents {

namespace v1 = ::rcp::documents::v1;

inline constexpr int64_t kMaxChunkBytes = 1 << 20;

// Where a download stands. Plain value; pass it back to ReadChunk.
struct DownloadCursor {
  v1::ContentVersion version;
  std::string blob;
  int64_t offset = 0;  // next byte to send
  int64_t end = 0;     // one past the last byte to send
};

// Thread-safe.
class DocumentsStore {
 public:
  static absl::StatusOr<std::unique_ptr<DocumentsStore>> Open(const DocumentsOptions& options);
  // Stops the reaper.
  ~DocumentsStore();

  storage::Store* store() { return store_.get(); }
  using Ctx = storage::WriteContext;

  absl::StatusOr<v1::Document> CreateDocument(const Ctx& ctx, const v1::CreateDocumentRequest& req);
  absl::StatusOr<v1::Document> GetDocument(const v1::GetDocumentRequest& req);
  absl::StatusOr<v1::ListDocumentsResponse> ListDocuments(const v1::ListDocumentsRequest& req);
  absl::StatusOr<v1::Document> UpdateDocument(const Ctx& ctx, const v1::UpdateDocumentRequest& req);
  absl::StatusOr<v1::ListContentVersionsResponse> ListContentVersions(
      const v1::ListContentVersionsRequest& req);

  absl::StatusOr<v1::UploadSession> StartUpload(const Ctx& ctx, const v1::StartUploadRequest& req);
  // Appends `data` at `offset` (which must be the committed offset) durably.
  // FAILED_PRECONDITION naming offset when it is not; OUT_OF_RANGE when the
  // data would exceed the declared size; NOT_FOUND for an unknown or expired
  // session.
  absl::StatusOr<v1::UploadSession> AppendChunk(const std::string& upload, int64_t offset,
                                                absl::string_view data);
  absl::StatusOr<v1::UploadSession> GetUploadSession(const v1::GetUploadSessionRequest& req);
  // Verifies size (FAILED_PRECONDITION: the session stays open to finish)
  // and SHA-256 (DATA_LOSS: the session is discarded), then makes the
  // content visible as the language's next version. Idempotent.
  absl::StatusOr<v1::ContentVersion> CommitUpload(const Ctx& ctx, const v1::CommitUploadRequest& req);
  absl::StatusOr<v1::UploadSession> CancelUpload(const Ctx& ctx, const v1::CancelUploadRequest& req);

  // Resolves what a Download sends. OUT_OF_RANGE when offset is past the end.
  absl::StatusOr<DownloadCursor> OpenDownload(const v1::DownloadRequest& req);
  // The next bytes (at most one stored chunk, ≤ 1 MiB) at cursor->offset,
  // advancing it; empty at the end.
  absl::StatusOr<std::string> ReadChunk(DownloadCursor* cursor);

  // Reclaims expired sessions now (also done every reap_interval).
  // Returns how many were reclaimed.
  absl::StatusOr<int> ReapExpiredUploads();

 private:
  struct Hasher;
  DocumentsStore(const DocumentsOptions& options, std::unique_ptr<storage::Store> store);
  absl::StatusOr<v1::UploadSession> LiveSession(const std::string& name);
  // Marks the session CANCELLED and deletes its chunks, in one write. The
  // caller holds the session's hasher lock.
  absl::Status Discard(const Ctx& ctx, v1::UploadSession* session);
  std::shared_ptr<Hasher> HasherFor(const std::string& upload);
  void DropHasher(const std::string& upload);

  DocumentsOptions options_;
  std::unique_ptr<storage::Store> store_;

  // SHA-256 state of active uploads, rebuilt from stored chunks after a
  // restart.
  std::mutex hashers_mu_;
  std::map<std::string, std::shared_ptr<Hasher>> hashers_;

  std::mutex reaper_mu_;
  std::condition_variable reaper_cv_;
  bool stopping_ = false;
  std::thread reaper_;
};

}  // namespace rcp::documents

#endif  // RCP_SERVICES_DOCUMENTS_DOCUMENTS_STORE_H_
