// Documents, their language versions and content, over one storage::Store.
// No gRPC here: the service adapts these calls (and streams), tests call
// them directly.
//
// Metadata (documents, versions, upload sessions) lives in the Store;
// content in the ContentStore, as one file per upload in progress and one
// per distinct SHA-256 once committed (identical content is stored once).
// No call holds more than one chunk (≤ 1 MiB) in memory.
#ifndef RCP_SERVICES_DOCUMENTS_DOCUMENTS_STORE_H_
#define RCP_SERVICES_DOCUMENTS_DOCUMENTS_STORE_H_

#include <map>
#include <set>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/audience/audience.h"
#include "common/backup/backup_service.h"
#include "common/crypto/crypto.h"
#include "common/mirror/mirror_store.h"
#include "common/storage/store.h"
#include "rcp/documents/v1/documents.pb.h"
#include "services/documents/content_store.h"
#include "services/documents/documents_options.h"

namespace rcp::documents {


inline constexpr int64_t kMaxChunkBytes = 1 << 20;

// Where a download stands. Plain value; pass it back to ReadChunk.
struct DownloadCursor {
  v1::ContentVersion version;
  std::shared_ptr<ContentFile> content;
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
  // Federation mirrors of other deployments' documents, with their content
  // versions; their content arrives through the fetches below.
  mirror::MirrorStore* mirrors() { return &mirrors_; }
  using Ctx = storage::WriteContext;

  absl::StatusOr<v1::Document> CreateDocument(const Ctx& ctx, const v1::CreateDocumentRequest& req);
  absl::StatusOr<v1::Document> GetDocument(const v1::GetDocumentRequest& req);
  // Keeps only the documents `viewer` may see (audience::MaySee) before
  // paging: a page is full whenever more visible documents exist and
  // carries a token only then. nullptr (an internal caller) sees all.
  absl::StatusOr<v1::ListDocumentsResponse> ListDocuments(const v1::ListDocumentsRequest& req,
                                                          const audience::Viewer* viewer = nullptr);
  absl::StatusOr<v1::Document> UpdateDocument(const Ctx& ctx, const v1::UpdateDocumentRequest& req);
  absl::StatusOr<v1::ListContentVersionsResponse> ListContentVersions(
      const v1::ListContentVersionsRequest& req);

  absl::StatusOr<v1::UploadSession> StartUpload(const Ctx& ctx, const v1::StartUploadRequest& req);
  // Appends `data` at `offset`, which must be where the data received so
  // far ends, or the session's committed offset (to resend from there after
  // an interruption). FAILED_PRECONDITION naming offset otherwise;
  // INVALID_ARGUMENT naming declared_size when the data would
  // exceed it; NOT_FOUND for
  // an unknown or expired session. What is received becomes durable, and
  // the session's committed offset advances, every few MiB, at the declared
  // size and at FlushUpload.
  absl::StatusOr<v1::UploadSession> AppendChunk(const std::string& upload, int64_t offset,
                                                absl::string_view data);
  // Makes everything received durable (the end of an upload stream); the
  // session with its committed offset.
  absl::StatusOr<v1::UploadSession> FlushUpload(const std::string& upload);
  // The session, after FlushUpload: its committed offset covers everything
  // this process has received.
  absl::StatusOr<v1::UploadSession> GetUploadSession(const v1::GetUploadSessionRequest& req);
  // Verifies that all declared bytes arrived (FAILED_PRECONDITION naming
  // declared_size: the session stays open to send the rest) and that they
  // hash to the declared SHA-256 (INVALID_ARGUMENT naming declared_sha256:
  // the client sent other bytes than it declared, and the session is
  // discarded), then makes the content visible as the language's next
  // version. Idempotent.
  absl::StatusOr<v1::ContentVersion> CommitUpload(const Ctx& ctx, const v1::CommitUploadRequest& req);
  absl::StatusOr<v1::UploadSession> CancelUpload(const Ctx& ctx, const v1::CancelUploadRequest& req);

  // Resolves what a Download sends. OUT_OF_RANGE when offset is past the end.
  absl::StatusOr<DownloadCursor> OpenDownload(const v1::DownloadRequest& req);
  // The next bytes (at most one stored chunk, ≤ 1 MiB) at cursor->offset,
  // advancing it; empty at the end.
  // Reuses `out`'s buffer: a download reads into the same string each time.
  absl::Status ReadChunk(DownloadCursor* cursor, std::string* out);

  // Reclaims expired sessions now (also done every reap_interval).
  // Returns how many were reclaimed.
  absl::StatusOr<int> ReapExpiredUploads();

  // Mirrors' content still to be fetched (documents_mirrors.cc): up to
  // page_size fetches, each with the bytes received durably and the peers
  // that gave the document.
  absl::StatusOr<v1::ListContentFetchesResponse> ListContentFetches(const v1::ListContentFetchesRequest& req);
  // Appends a chunk of the content of `req.sha256()` at `req.offset()`,
  // which must be where the bytes received so far end (FAILED_PRECONDITION
  // naming offset otherwise; NOT_FOUND when no fetch of it is pending).
  // Received bytes become durable every few MiB and at the end. When all
  // have arrived they must hash to sha256: then the content is published
  // (done); otherwise DATA_LOSS, and the fetch starts again from 0.
  absl::StatusOr<v1::ContentFetch> WriteFetchedContent(const v1::WriteFetchedContentRequest& req);
  // Removes content nothing names any more (a withdrawn mirror's), now
  // (also done every reap_interval). Returns how many blobs went.
  absl::StatusOr<int> ReclaimContent();

  // The content files for a backup taken while the service runs: every
  // blob (each verified against its SHA-256 name) and every upload's part,
  // as "content/…" in the backup, with reclamation paused until `emit` has
  // seen them all, so that the blobs a checkpoint taken before names are
  // all there.
  absl::Status ForEachContentFileKept(absl::FunctionRef<absl::Status(const backup::ExtraFile&)> emit);

 private:
  // An active upload in this process: its open part file and running
  // SHA-256; `mu` serializes everything done to the session.
  struct Upload {
    absl::Mutex mu;
    std::shared_ptr<ContentFile> part ABSL_GUARDED_BY(mu);
    crypto::Sha256 sha ABSL_GUARDED_BY(mu);
    // Bytes written and hashed; -1 = not loaded since the start.
    int64_t received ABSL_GUARDED_BY(mu) = -1;
    // The session's recorded committed_offset.
    int64_t durable ABSL_GUARDED_BY(mu) = 0;
  };
  // A fetch in progress in this process (see WriteFetchedContent).
  struct Fetch {
    absl::Mutex mu;
    std::shared_ptr<ContentFile> part ABSL_GUARDED_BY(mu);
    int64_t written ABSL_GUARDED_BY(mu) = -1;  // -1 = not loaded since the start
    int64_t durable ABSL_GUARDED_BY(mu) = 0;
  };
  DocumentsStore(const DocumentsOptions& options, std::unique_ptr<storage::Store> store,
                 std::unique_ptr<ContentStore> content);
  // The kinds federation mirrors here (documents_mirrors.cc).
  mirror::MirrorOptions MirrorKinds();
  // Builds the content references of every version once, for databases
  // made before them.
  absl::Status IndexContentRefs();
  std::shared_ptr<Fetch> FetchFor(const std::string& sha256);
  // Removes content files that no record names (left by a crash).
  absl::Status SweepContent();
  // The stored session; NOT_FOUND when unknown or expired.
  absl::StatusOr<v1::UploadSession> ReadLiveSession(const std::string& name);
  // The same, for the holder of `u`'s lock.
  absl::StatusOr<v1::UploadSession> LiveSession(const std::string& name, Upload* u)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(u->mu);
  // Marks the session CANCELLED, then removes its part. The caller holds
  // the upload's lock.
  absl::Status Discard(const Ctx& ctx, v1::UploadSession* session);
  std::shared_ptr<Upload> UploadFor(const std::string& upload);
  void DropUpload(const std::string& upload);
  // Opens the part and rebuilds the running hash from the session's
  // committed bytes, dropping any received after them.
  absl::Status LoadUpload(const v1::UploadSession& session, Upload* u) ABSL_EXCLUSIVE_LOCKS_REQUIRED(u->mu);
  // Syncs the part, then records the received bytes as committed.
  absl::Status PersistUpload(v1::UploadSession* session, Upload* u) ABSL_EXCLUSIVE_LOCKS_REQUIRED(u->mu);

  DocumentsOptions options_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<ContentStore> content_;
  mirror::MirrorStore mirrors_;

  // Held from publishing a blob until the metadata naming it is written,
  // and by the reclaim that removes blobs nothing names: the two never
  // interleave.
  absl::Mutex content_mu_;
  // Held by ReclaimContent and by a backup copying the content.
  absl::Mutex reclaim_mu_;
  absl::Mutex fetches_mu_;
  std::map<std::string, std::shared_ptr<Fetch>> fetches_ ABSL_GUARDED_BY(fetches_mu_);

  // Active uploads, loaded again from the part files after a restart.
  absl::Mutex uploads_mu_;
  std::map<std::string, std::shared_ptr<Upload>> uploads_ ABSL_GUARDED_BY(uploads_mu_);

  // The reaper waits on it for `stopping_` or the next reap_interval.
  absl::Mutex reaper_mu_;
  bool stopping_ ABSL_GUARDED_BY(reaper_mu_) = false;
  std::thread reaper_;
};

}  // namespace rcp::documents

#endif  // RCP_SERVICES_DOCUMENTS_DOCUMENTS_STORE_H_
