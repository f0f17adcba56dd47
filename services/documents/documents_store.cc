#include "services/documents/documents_store.h"

#include <algorithm>
#include <regex>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/audience/audience.h"
#include "common/crypto/crypto.h"
#include "common/time/timestamp.h"
#include "common/entity/entity.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/coding/coding.h"
#include "services/documents/documents_keys.h"

namespace rcp::documents {
namespace {

using rcp::common::v1::Change;
using rcp::common::v1::Visibility;
using storage::Transaction;
namespace res = rcp::resource;

// An upload's received bytes are made durable (part file synced, session
// offset recorded) at least this often, and at the end of each stream.
// Between those points a crash loses at most this much, which the client
// resends from the session's committed_offset, as after any interruption.
constexpr int64_t kSyncBytes = 8 << 20;

constexpr char kDocumentPattern[] = "processes/*/documents/*";

// "uploads/abc" → "abc", the part file's name.
absl::string_view UploadId(absl::string_view upload) {
  absl::ConsumePrefix(&upload, "uploads/");
  return upload;
}

absl::Status ValidateSymbol(absl::string_view symbol) {
  static const std::regex re(R"(^[A-Z0-9][A-Za-z0-9.()\-]*(/[A-Za-z0-9.()\-]+)*$)");
  if (symbol.size() < 3 || symbol.size() > 100 || !std::regex_match(symbol.begin(), symbol.end(), re)) {
    return InvalidField("document.symbol",
                        "must be 3 to 100 characters, UN style: parts of letters, digits, '.', '-', "
                        "'(' and ')' separated by '/', starting with a capital or digit, e.g. "
                        "BALI/SOM/2005/3 or BALI/SOM/2005/3/Rev.1");
  }
  return absl::OkStatus();
}

// "X/Rev.1" or "X/Corr.2" → "X"; otherwise empty.
std::string OriginalSymbol(absl::string_view symbol) {
  static const std::regex re(R"(^(.+)/(Rev|Corr)\.[1-9][0-9]*$)");
  std::match_results<absl::string_view::const_iterator> m;
  if (std::regex_match(symbol.begin(), symbol.end(), m, re)) return m[1].str();
  return "";
}

absl::Status ValidateDocumentFields(const v1::Document& d) {
  RCP_RETURN_IF_ERROR(res::ValidateText("document.title", d.title(), 1, 500));
  if (d.kind() == v1::DOCUMENT_KIND_UNSPECIFIED || !v1::DocumentKind_IsValid(d.kind())) {
    return InvalidField("document.kind",
                        "is required: DECLARATION, RECOMMENDATION, PLAN_OF_ACTION, GUIDELINES, "
                        "MODEL_LEGISLATION, REPORT, BACKGROUND_PAPER, PRESENTATION or STATISTICS");
  }
  if (!d.meeting().empty()) {
    RCP_RETURN_IF_ERROR(res::ParseName("document.meeting", d.meeting(), "processes/*/meetings/*").status());
  }
  if (d.visibility() == Visibility::VISIBILITY_UNSPECIFIED ||
      !rcp::common::v1::Visibility_IsValid(d.visibility())) {
    return InvalidField("document.visibility", "is required: PUBLIC, MEMBERS or RESTRICTED");
  }
  if (d.visibility() == Visibility::RESTRICTED) {
    if (d.restricted_parties_size() == 0 || d.restricted_parties_size() > 300) {
      return InvalidField("document.restricted_parties",
                          "must name 1 to 300 parties when visibility is RESTRICTED");
    }
    for (int i = 0; i < d.restricted_parties_size(); ++i) {
      RCP_RETURN_IF_ERROR(
          res::PartyId(absl::StrCat("document.restricted_parties[", i, "]"), d.restricted_parties(i))
              .status());
    }
  } else if (d.restricted_parties_size() > 0) {
    return InvalidField("document.restricted_parties", "is only for visibility RESTRICTED");
  }
  if (d.tags_size() > 20) return InvalidField("document.tags", "must have at most 20 tags");
  for (int i = 0; i < d.tags_size(); ++i) {
    RCP_RETURN_IF_ERROR(res::ValidateText(absl::StrCat("document.tags[", i, "]"), d.tags(i), 1, 50));
  }
  return absl::OkStatus();
}

absl::Status ValidateMediaType(absl::string_view media_type) {
  static const std::regex re(
      R"(^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(; ?[a-z0-9-]+=[A-Za-z0-9._-]+)*$)");
  if (media_type.empty()) return InvalidField("media_type", "is required, e.g. application/pdf");
  if (media_type.size() > 200 || !std::regex_match(media_type.begin(), media_type.end(), re)) {
    return InvalidField("media_type",
                        "must be a media type such as application/pdf or text/plain; charset=utf-8");
  }
  return absl::OkStatus();
}

}  // namespace

// ----------------------------------------------------------------- uploads in flight

std::shared_ptr<DocumentsStore::Upload> DocumentsStore::UploadFor(const std::string& upload) {
  absl::MutexLock lock(&uploads_mu_);
  auto& u = uploads_[upload];
  if (!u) u = std::make_shared<Upload>();
  return u;
}

void DocumentsStore::DropUpload(const std::string& upload) {
  absl::MutexLock lock(&uploads_mu_);
  uploads_.erase(upload);
}

absl::Status DocumentsStore::LoadUpload(const v1::UploadSession& session, Upload* u) {
  // Bytes past the recorded offset were never acknowledged as durable: they
  // go, and the hash is rebuilt from the rest.
  if (u->part == nullptr) {
    RCP_ASSIGN_OR_RETURN(u->part, content_->OpenPart(UploadId(session.name())));
  }
  const int64_t keep = session.committed_offset();
  RCP_ASSIGN_OR_RETURN(int64_t size, u->part->Size());
  if (size < keep) {
    return absl::DataLossError(
        absl::StrCat(session.name(), ": ", size, " bytes stored, but ", keep, " recorded"));
  }
  if (size > keep) RCP_RETURN_IF_ERROR(u->part->Truncate(keep));
  crypto::Sha256 fresh;
  std::string buffer;
  for (int64_t at = 0; at < keep; at += kMaxChunkBytes) {
    RCP_RETURN_IF_ERROR(u->part->ReadAt(at, std::min<int64_t>(kMaxChunkBytes, keep - at), &buffer));
    fresh.Update(buffer);
  }
  u->sha.CopyFrom(fresh);
  u->received = u->durable = keep;
  return absl::OkStatus();
}

absl::Status DocumentsStore::PersistUpload(v1::UploadSession* session, Upload* u) {
  RCP_RETURN_IF_ERROR(u->part->Sync());
  session->set_committed_offset(u->received);
  *session->mutable_expire_time() = ToTimestamp(store_->options().clock->Now() + options_.upload_ttl);
  RCP_RETURN_IF_ERROR(store_
                          ->Write({session->uploader()}, {session->name()},
                                  [&](Transaction& txn) {
                                    txn.Put(kUpload.cf, session->name(), *session);
                                    return absl::OkStatus();
                                  })
                          .status());
  u->durable = u->received;
  return absl::OkStatus();
}

// ------------------------------------------------------------------- store

DocumentsStore::DocumentsStore(const DocumentsOptions& options, std::unique_ptr<storage::Store> store,
                               std::unique_ptr<ContentStore> content)
    : options_(options),
      store_(std::move(store)),
      content_(std::move(content)),
      mirrors_(store_.get(), MirrorKinds()) {
  reaper_ = std::thread([this] {
    reaper_mu_.Lock();
    while (!reaper_mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.reap_interval)) {
      reaper_mu_.Unlock();
      (void)ReapExpiredUploads();  // retried next interval
      (void)ReclaimContent();
      reaper_mu_.Lock();
    }
    reaper_mu_.Unlock();
  });
}

DocumentsStore::~DocumentsStore() {
  {
    absl::MutexLock lock(&reaper_mu_);
    stopping_ = true;
  }
  reaper_.join();
}

absl::StatusOr<std::unique_ptr<DocumentsStore>> DocumentsStore::Open(const DocumentsOptions& options) {
  storage::StoreOptions so = options.store;
  so.store_name = "documents";
  so.column_families = {kDocument.cf, kUpload.cf, kSymbolsCf, kVersionsCf, kContentRefsCf, kContentFetchesCf,
                        kContentReclaimCf};
  for (const auto& cf : mirror::MirrorStore::ColumnFamilies()) so.column_families.push_back(cf);
  RCP_ASSIGN_OR_RETURN(auto store, storage::Store::Open(so));
  RCP_ASSIGN_OR_RETURN(auto content, ContentStore::Open(options.content_dir));
  std::unique_ptr<DocumentsStore> opened(new DocumentsStore(options, std::move(store), std::move(content)));
  RCP_RETURN_IF_ERROR(opened->IndexContentRefs());
  RCP_RETURN_IF_ERROR(opened->SweepContent());
  return opened;
}

absl::Status DocumentsStore::ForEachContentFileKept(
    absl::FunctionRef<absl::Status(const backup::ExtraFile&)> emit) {
  absl::MutexLock reclaiming(&reclaim_mu_);
  RCP_ASSIGN_OR_RETURN(auto blobs, content_->ListBlobs());
  for (const auto& sha : blobs) {
    RCP_RETURN_IF_ERROR(emit({absl::StrCat("content/blobs/", sha), absl::StrCat(options_.content_dir, "/blobs/", sha), sha}));
  }
  // A part only grows, and its session's recorded offset was durable
  // first: the copy holds at least what the checkpoint says was received.
  RCP_ASSIGN_OR_RETURN(auto parts, content_->ListParts());
  for (const auto& id : parts) {
    RCP_RETURN_IF_ERROR(
        emit({absl::StrCat("content/parts/", id), absl::StrCat(options_.content_dir, "/parts/", id), std::nullopt,
              /*may_vanish=*/true}));
  }
  return absl::OkStatus();
}

absl::Status DocumentsStore::SweepContent() {
  // A crash between publishing a blob and recording its version, or between
  // ending a session and removing its part, leaves a file nothing names.
  std::set<std::string> referenced;
  std::set<std::string> active;
  auto view = store_->Read();
  absl::Status parse;
  // Fetches of mirrors' content resume from their parts.
  RCP_RETURN_IF_ERROR(view->Scan(kContentFetchesCf, "", "", [&](absl::string_view key, absl::string_view) {
    active.insert(FetchPartId(key));
    return true;
  }));
  RCP_RETURN_IF_ERROR(view->Scan(kVersionsCf, "", "", [&](absl::string_view, absl::string_view value) {
    v1::ContentVersion v;
    if (!v.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      parse = absl::DataLossError("a content version is unreadable");
      return false;
    }
    referenced.insert(v.sha256());
    return true;
  }));
  RCP_RETURN_IF_ERROR(view->Scan(kUpload.cf, "", "", [&](absl::string_view key, absl::string_view value) {
    v1::UploadSession s;
    if (!s.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      parse = absl::DataLossError("an upload session is unreadable");
      return false;
    }
    if (s.state() == v1::UploadSession::ACTIVE) active.insert(std::string(UploadId(key)));
    return true;
  }));
  RCP_RETURN_IF_ERROR(parse);
  RCP_ASSIGN_OR_RETURN(auto blobs, content_->ListBlobs());
  for (const auto& sha : blobs) {
    if (!referenced.count(sha)) RCP_RETURN_IF_ERROR(content_->RemoveBlob(sha));
  }
  RCP_ASSIGN_OR_RETURN(auto parts, content_->ListParts());
  for (const auto& id : parts) {
    if (!active.count(id)) RCP_RETURN_IF_ERROR(content_->RemovePart(id));
  }
  return absl::OkStatus();
}

// --------------------------------------------------------------- documents

absl::StatusOr<v1::Document> DocumentsStore::CreateDocument(const Ctx& ctx,
                                                            const v1::CreateDocumentRequest& req) {
  RCP_RETURN_IF_ERROR(res::ProcessId("parent", req.parent()).status());
  if (!req.document_id().empty())
    RCP_RETURN_IF_ERROR(res::ValidateSlug("document_id", req.document_id(), 1, 63));
  v1::Document d = req.document();
  RCP_RETURN_IF_ERROR(ValidateSymbol(d.symbol()));
  RCP_RETURN_IF_ERROR(ValidateDocumentFields(d));
  std::string id = req.document_id().empty() ? crypto::RandomToken(8) : req.document_id();
  d.set_name(absl::StrCat(req.parent(), "/documents/", id));
  d.clear_languages();
  d.clear_original();
  d.set_creator(ctx.principal);
  d.set_updater(ctx.principal);
  d.clear_etag();
  std::string symbol_key = absl::StrCat(req.parent(), "\n", d.symbol());
  std::string original = OriginalSymbol(d.symbol());
  std::vector<std::string> locks = {d.name(), symbol_key};
  return entity::Create<v1::Document>(
      store_.get(), ctx, kDocument, req, req.request_id(), locks,
      [&](Transaction& txn) -> absl::StatusOr<v1::Document> {
        RCP_ASSIGN_OR_RETURN(auto taken, txn.Get(kSymbolsCf, symbol_key));
        if (taken.has_value()) {
          return absl::AlreadyExistsError(absl::StrCat("document.symbol: ", d.symbol(),
                                                       " is already used by ", *taken, " in ", req.parent()));
        }
        if (!original.empty()) {
          RCP_ASSIGN_OR_RETURN(auto of, txn.Get(kSymbolsCf, absl::StrCat(req.parent(), "\n", original)));
          if (!of.has_value()) {
            return absl::FailedPreconditionError(
                absl::StrCat("document.symbol: ", d.symbol(), " revises or corrects ", original,
                             ", which is not a document of ", req.parent(), "; create the original first"));
          }
          d.set_original(*of);
        }
        return d;
      },
      [&](Transaction& txn, const v1::Document& stored) { txn.Put(kSymbolsCf, symbol_key, stored.name()); });
}

absl::StatusOr<v1::Document> DocumentsStore::GetDocument(const v1::GetDocumentRequest& req) {
  RCP_RETURN_IF_ERROR(res::ParseName("name", req.name(), kDocumentPattern).status());
  return entity::Get<v1::Document>(store_.get(), kDocument, req.name());
}

absl::StatusOr<v1::ListDocumentsResponse> DocumentsStore::ListDocuments(const v1::ListDocumentsRequest& req,
                                                                       const audience::Viewer* viewer) {
  std::string prefix = "processes/";
  if (!req.parent().empty() && req.parent() != "processes/-") {
    RCP_RETURN_IF_ERROR(res::ProcessId("parent", req.parent()).status());
    prefix = absl::StrCat(req.parent(), "/documents/");
  }
  if (!v1::DocumentKind_IsValid(req.kind())) return InvalidField("kind", "is not a document kind");
  if (!req.meeting().empty()) {
    RCP_RETURN_IF_ERROR(res::ParseName("meeting", req.meeting(), "processes/*/meetings/*").status());
  }
  std::string language;
  if (!req.language().empty()) {
    RCP_ASSIGN_OR_RETURN(language, res::NormalizeLanguageTag("language", req.language()));
  }
  if (req.query().size() > 200) return InvalidField("query", "must be at most 200 characters");
  const std::string query = absl::AsciiStrToLower(req.query());
  auto holds_query = [&](const std::string& text) { return absl::StrContains(absl::AsciiStrToLower(text), query); };
  auto view = store_->Read();
  v1::ListDocumentsResponse resp;
  RCP_RETURN_IF_ERROR(entity::List<v1::Document>(
      *view, kDocument, prefix, req, req.page_size(), req.page_token(),
      [&](const v1::Document& d) {
        if (req.kind() != v1::DOCUMENT_KIND_UNSPECIFIED && d.kind() != req.kind()) return false;
        if (!req.meeting().empty() && d.meeting() != req.meeting()) return false;
        if (!query.empty() && !holds_query(d.symbol()) && !holds_query(d.title())) {
          return false;
        }
        if (!req.tag().empty() && std::find(d.tags().begin(), d.tags().end(), req.tag()) == d.tags().end()) {
          return false;
        }
        if (!language.empty()) {
          bool has = false;
          for (const auto& l : d.languages()) has = has || l.language() == language;
          if (!has) return false;
        }
        return audience::VisibleTo(viewer, res::Kind::kDocument, d);
      },
      resp.mutable_documents(), resp.mutable_next_page_token()));
  resp.set_revision(view->revision());
  return resp;
}

absl::StatusOr<v1::Document> DocumentsStore::UpdateDocument(const Ctx& ctx,
                                                            const v1::UpdateDocumentRequest& req) {
  RCP_RETURN_IF_ERROR(res::ParseName("document.name", req.document().name(), kDocumentPattern).status());
  RCP_RETURN_IF_ERROR(res::ValidateUpdateMask(
      req.update_mask(), {"title", "kind", "meeting", "visibility", "restricted_parties", "tags"}));
  return entity::Update<v1::Document>(store_.get(), ctx, kDocument, req.document(), req.update_mask(), {},
                                      [&](Transaction&, const v1::Document&, v1::Document* merged) {
                                        merged->set_updater(ctx.principal);
                                        return ValidateDocumentFields(*merged);
                                      });
}

absl::StatusOr<v1::ListContentVersionsResponse> DocumentsStore::ListContentVersions(
    const v1::ListContentVersionsRequest& req) {
  RCP_RETURN_IF_ERROR(res::ParseName("document", req.document(), kDocumentPattern).status());
  std::string language;
  if (!req.language().empty()) {
    RCP_ASSIGN_OR_RETURN(language, res::NormalizeLanguageTag("language", req.language()));
  }
  auto view = store_->Read();
  v1::Document d;
  absl::Status found = view->Get(kDocument.cf, req.document(), &d);
  if (absl::IsNotFound(found)) return res::NotFound(req.document());
  RCP_RETURN_IF_ERROR(found);
  v1::ListContentVersionsResponse resp;
  std::string prefix = VersionsPrefix(req.document(), language);
  absl::Status parse;
  RCP_RETURN_IF_ERROR(view->Scan(
      kVersionsCf, prefix, coding::PrefixSuccessor(prefix), [&](absl::string_view, absl::string_view value) {
        if (!resp.add_versions()->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse = absl::DataLossError("a content version record is unreadable");
          return false;
        }
        return true;
      }));
  RCP_RETURN_IF_ERROR(parse);
  // Newest first within each language.
  std::stable_sort(resp.mutable_versions()->begin(), resp.mutable_versions()->end(),
                   [](const v1::ContentVersion& a, const v1::ContentVersion& b) {
                     return a.language() != b.language() ? a.language() < b.language()
                                                         : a.version() > b.version();
                   });
  return resp;
}

// ----------------------------------------------------------------- uploads

absl::StatusOr<v1::UploadSession> DocumentsStore::StartUpload(const Ctx& ctx,
                                                              const v1::StartUploadRequest& req) {
  RCP_RETURN_IF_ERROR(res::ParseName("document", req.document(), kDocumentPattern).status());
  RCP_ASSIGN_OR_RETURN(std::string language, res::NormalizeLanguageTag("language", req.language()));
  RCP_RETURN_IF_ERROR(ValidateMediaType(req.media_type()));
  if (req.declared_size() <= 0) return InvalidField("declared_size", "must be at least 1 byte");
  if (req.declared_size() > options_.max_document_bytes) {
    return InvalidField("declared_size",
                        absl::StrCat("must be at most ", options_.max_document_bytes,
                                     " bytes (the deployment's limit); got ", req.declared_size()));
  }
  static const std::regex hex64("^[0-9a-fA-F]{64}$");
  if (!std::regex_match(req.declared_sha256(), hex64)) {
    return InvalidField("declared_sha256", "must be a SHA-256 digest as 64 hex digits");
  }
  std::string name = absl::StrCat("uploads/", crypto::RandomToken(10));
  std::string fingerprint = res::Fingerprint(req);
  v1::UploadSession session;
  std::vector<std::string> locks = {name};
  if (!req.request_id().empty()) locks.push_back(storage::RequestLockKey(kUpload.name, req.request_id()));
  RCP_RETURN_IF_ERROR(store_
                          ->Write(ctx, locks,
                                  [&](Transaction& txn) -> absl::Status {
                                    RCP_ASSIGN_OR_RETURN(
                                        auto prior,
                                        txn.LookupRequest(kUpload.name, req.request_id(), fingerprint));
                                    if (prior.has_value()) {
                                      return entity::MustExist<v1::UploadSession>(txn, kUpload, "request_id",
                                                                                  *prior, &session);
                                    }
                                    RCP_RETURN_IF_ERROR(entity::MustExist<v1::Document>(
                                        txn, kDocument, "document", req.document()));
                                    session.set_name(name);
                                    session.set_document(req.document());
                                    session.set_language(language);
                                    session.set_media_type(req.media_type());
                                    session.set_declared_size(req.declared_size());
                                    session.set_declared_sha256(absl::AsciiStrToLower(req.declared_sha256()));
                                    session.set_state(v1::UploadSession::ACTIVE);
                                    session.set_uploader(ctx.principal);
                                    *session.mutable_create_time() = ToTimestamp(txn.now());
                                    *session.mutable_expire_time() = ToTimestamp(txn.now() + options_.upload_ttl);
                                    // Sessions are private to their uploader: no change record.
                                    txn.Put(kUpload.cf, name, session);
                                    txn.RememberRequest(kUpload.name, req.request_id(), fingerprint, name);
                                    return absl::OkStatus();
                                  })
                          .status());
  return session;
}

absl::StatusOr<v1::UploadSession> DocumentsStore::LiveSession(const std::string& name, Upload* u) {
  auto session = ReadLiveSession(name);
  // An entry made for a name that is not a live session goes again.
  if (!session.ok() && u->received < 0) DropUpload(name);
  return session;
}

absl::StatusOr<v1::UploadSession> DocumentsStore::ReadLiveSession(const std::string& name) {
  RCP_RETURN_IF_ERROR(res::ParseName("upload", name, "uploads/*").status());
  v1::UploadSession s;
  absl::Status st = store_->Get(kUpload.cf, name, &s);
  if (absl::IsNotFound(st)) {
    return absl::NotFoundError(absl::StrCat(name, " not found (an upload session expires after ",
                                            absl::FormatDuration(options_.upload_ttl), " without activity)"));
  }
  RCP_RETURN_IF_ERROR(st);
  if (s.state() == v1::UploadSession::ACTIVE &&
      FromTimestamp(s.expire_time()) <= store_->options().clock->Now()) {
    return absl::NotFoundError(absl::StrCat(name, " has expired; start a new upload"));
  }
  return s;
}

absl::StatusOr<v1::UploadSession> DocumentsStore::AppendChunk(const std::string& upload, int64_t offset,
                                                              absl::string_view data) {
  if (data.empty()) return InvalidField("data", "must not be empty");
  if (static_cast<int64_t>(data.size()) > kMaxChunkBytes) {
    return InvalidField("data",
                        absl::StrCat("a chunk holds at most ", kMaxChunkBytes, " bytes; got ", data.size()));
  }
  auto u = UploadFor(upload);
  absl::MutexLock hold(&u->mu);
  RCP_ASSIGN_OR_RETURN(v1::UploadSession session, LiveSession(upload, u.get()));
  if (session.state() != v1::UploadSession::ACTIVE) {
    return absl::FailedPreconditionError(absl::StrCat("upload: ", upload, " is ",
                                                      v1::UploadSession::State_Name(session.state()),
                                                      "; no more data is accepted"));
  }
  // Resending from the committed offset is how a client resumes, also while
  // this process still holds bytes of the interrupted stream.
  if (u->received < 0 || (offset == session.committed_offset() && offset != u->received)) {
    RCP_RETURN_IF_ERROR(LoadUpload(session, u.get()));
  }
  if (offset != u->received) {
    return absl::FailedPreconditionError(
        absl::StrCat("offset: the session's committed offset is ", session.committed_offset(),
                     u->received != session.committed_offset()
                         ? absl::StrCat(" and this upload has received ", u->received)
                         : std::string(),
                     "; got ", offset, "; continue from there"));
  }
  // More bytes than declared are the client's error, as S3, GCS and tus
  // answer them with a 4xx; the session stays open for the right ones.
  if (offset + static_cast<int64_t>(data.size()) > session.declared_size()) {
    return InvalidField("declared_size", absl::StrCat(offset + static_cast<int64_t>(data.size()),
                                                      " bytes would exceed the declared ",
                                                      session.declared_size()));
  }
  RCP_RETURN_IF_ERROR(u->part->WriteAt(offset, data));
  u->sha.Update(data);
  u->received = offset + static_cast<int64_t>(data.size());
  // Persisting also pushes the expiry back: activity keeps a session alive.
  absl::Duration left = FromTimestamp(session.expire_time()) - store_->options().clock->Now();
  if (u->received - u->durable >= kSyncBytes || u->received == session.declared_size() ||
      left < options_.upload_ttl / 2) {
    RCP_RETURN_IF_ERROR(PersistUpload(&session, u.get()));
  }
  return session;
}

absl::StatusOr<v1::UploadSession> DocumentsStore::FlushUpload(const std::string& upload) {
  auto u = UploadFor(upload);
  absl::MutexLock hold(&u->mu);
  RCP_ASSIGN_OR_RETURN(v1::UploadSession session, LiveSession(upload, u.get()));
  if (session.state() == v1::UploadSession::ACTIVE && u->received > u->durable) {
    RCP_RETURN_IF_ERROR(PersistUpload(&session, u.get()));
  }
  return session;
}

absl::StatusOr<v1::UploadSession> DocumentsStore::GetUploadSession(const v1::GetUploadSessionRequest& req) {
  // Asked mostly to resume: everything received counts.
  return FlushUpload(req.name());
}

absl::StatusOr<v1::ContentVersion> DocumentsStore::CommitUpload(const Ctx& ctx,
                                                                const v1::CommitUploadRequest& req) {
  auto u = UploadFor(req.name());
  absl::MutexLock hold(&u->mu);
  RCP_ASSIGN_OR_RETURN(v1::UploadSession session, LiveSession(req.name(), u.get()));
  if (session.state() == v1::UploadSession::COMMITTED) {
    v1::ContentVersion done;
    auto view = store_->Read();
    // The version record is keyed by document, language and number.
    auto parts = absl::StrSplit(session.content_version(), '/');
    std::vector<std::string> p(parts.begin(), parts.end());
    int64_t number = std::stoll(p.back());
    RCP_RETURN_IF_ERROR(
        view->Get(kVersionsCf, VersionKey(session.document(), session.language(), number), &done));
    return done;
  }
  if (session.state() != v1::UploadSession::ACTIVE) {
    return absl::FailedPreconditionError(absl::StrCat("name: ", req.name(), " was cancelled"));
  }
  if (u->received > u->durable) RCP_RETURN_IF_ERROR(PersistUpload(&session, u.get()));
  if (session.committed_offset() != session.declared_size()) {
    return absl::FailedPreconditionError(
        absl::StrCat("declared_size: received ", session.committed_offset(), " of ", session.declared_size(),
                     " bytes; upload the rest from offset ", session.committed_offset(), ", then commit"));
  }
  if (u->received != session.committed_offset()) RCP_RETURN_IF_ERROR(LoadUpload(session, u.get()));
  std::string sha256 = u->sha.HexDigest();
  if (sha256 != session.declared_sha256()) {
    // The client sent other bytes than it declared: its error, as S3, GCS
    // and tus answer it with a 4xx, not a loss of data here. Nothing becomes
    // visible, and the bytes are reclaimed.
    RCP_RETURN_IF_ERROR(Discard(ctx, &session));
    DropUpload(req.name());
    return InvalidField("declared_sha256",
                        absl::StrCat("the uploaded bytes hash to ", sha256, ", not ", session.declared_sha256(),
                                     "; the upload was discarded, start it again"));
  }
  // The content is durable under its hash before any record names it, and
  // no reclaim of that hash runs in between (see ReclaimContent).
  absl::MutexLock content_lock(&content_mu_);
  RCP_RETURN_IF_ERROR(content_->Publish(UploadId(req.name()), sha256));

  v1::ContentVersion version;
  RCP_RETURN_IF_ERROR(
      store_
          ->Write(ctx, {req.name(), session.document()},
                  [&](Transaction& txn) -> absl::Status {
                    v1::Document doc;
                    RCP_RETURN_IF_ERROR(entity::MustExist<v1::Document>(txn, kDocument, "document",
                                                                        session.document(), &doc));
                    v1::LanguageVersion* lang = nullptr;
                    for (auto& l : *doc.mutable_languages()) {
                      if (l.language() == session.language()) lang = &l;
                    }
                    if (lang == nullptr) {
                      lang = doc.add_languages();
                      lang->set_language(session.language());
                      std::sort(doc.mutable_languages()->begin(), doc.mutable_languages()->end(),
                                [](const auto& a, const auto& b) { return a.language() < b.language(); });
                      for (auto& l : *doc.mutable_languages()) {
                        if (l.language() == session.language()) lang = &l;
                      }
                    }
                    int64_t number = lang->version_count() + 1;
                    version.set_name(absl::StrCat(session.document(), "/languages/", session.language(),
                                                  "/versions/", number));
                    version.set_language(session.language());
                    version.set_version(number);
                    version.set_media_type(session.media_type());
                    version.set_size_bytes(session.declared_size());
                    version.set_sha256(sha256);
                    version.set_uploader(session.uploader());
                    *version.mutable_create_time() = ToTimestamp(txn.now());
                    *lang->mutable_latest() = version;
                    lang->set_version_count(number);
                    doc.set_updater(ctx.principal);
                    entity::Stamp(&doc, txn.now(), /*creating=*/false);
                    std::string key = VersionKey(session.document(), session.language(), number);
                    txn.Put(kVersionsCf, key, version);
                    txn.Put(kContentRefsCf, ContentRefKey(sha256, key), "");
                    session.set_state(v1::UploadSession::COMMITTED);
                    session.set_content_version(version.name());
                    txn.Put(kUpload.cf, req.name(), session);
                    txn.Put(kDocument.cf, doc.name(), doc);
                    txn.RecordChange(doc.name(), kDocument.name, Change::UPDATED, doc);
                    return absl::OkStatus();
                  })
          .status());
  DropUpload(req.name());
  // The blob holds the bytes now; a failure here leaves the part to the
  // sweep at the next start.
  (void)content_->RemovePart(UploadId(req.name()));
  return version;
}

absl::StatusOr<v1::UploadSession> DocumentsStore::CancelUpload(const Ctx& ctx,
                                                               const v1::CancelUploadRequest& req) {
  auto u = UploadFor(req.name());
  absl::MutexLock hold(&u->mu);
  RCP_ASSIGN_OR_RETURN(v1::UploadSession session, LiveSession(req.name(), u.get()));
  if (session.state() == v1::UploadSession::COMMITTED) {
    return absl::FailedPreconditionError(absl::StrCat("name: ", req.name(), " is already committed"));
  }
  if (session.state() == v1::UploadSession::CANCELLED) return session;
  RCP_RETURN_IF_ERROR(Discard(ctx, &session));
  DropUpload(req.name());
  return session;
}

absl::Status DocumentsStore::Discard(const Ctx& ctx, v1::UploadSession* session) {
  session->set_state(v1::UploadSession::CANCELLED);
  RCP_RETURN_IF_ERROR(store_
                          ->Write(ctx, {session->name()},
                                  [&](Transaction& txn) -> absl::Status {
                                    txn.Put(kUpload.cf, session->name(), *session);
                                    return absl::OkStatus();
                                  })
                          .status());
  // Once the session is CANCELLED its part is unreachable; the sweep at
  // start removes it if this does not.
  return content_->RemovePart(UploadId(session->name()));
}

absl::StatusOr<int> DocumentsStore::ReapExpiredUploads() {
  absl::Time now = store_->options().clock->Now();
  std::vector<v1::UploadSession> doomed;
  {
    auto view = store_->Read();
    absl::Status parse;
    RCP_RETURN_IF_ERROR(view->Scan(kUpload.cf, "uploads/", coding::PrefixSuccessor("uploads/"),
                                   [&](absl::string_view, absl::string_view value) {
                                     v1::UploadSession s;
                                     if (!s.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                                       parse = absl::DataLossError("an upload session is unreadable");
                                       return false;
                                     }
                                     // Cancelled sessions go at once; others when
                                     // they expire (committed ones are kept that long
                                     // so a retried commit still answers).
                                     if (s.state() == v1::UploadSession::CANCELLED ||
                                         FromTimestamp(s.expire_time()) <= now) {
                                       doomed.push_back(std::move(s));
                                     }
                                     return true;
                                   }));
    RCP_RETURN_IF_ERROR(parse);
  }
  int reaped = 0;
  for (const auto& s : doomed) {
    auto u = UploadFor(s.name());
    absl::MutexLock hold(&u->mu);
    auto written = store_->Write({"system/reaper"}, {s.name()}, [&](Transaction& txn) {
      txn.Delete(kUpload.cf, s.name());
      return absl::OkStatus();
    });
    RCP_RETURN_IF_ERROR(written.status());
    // A committed session's bytes live on as its blob.
    u->part.reset();
    RCP_RETURN_IF_ERROR(content_->RemovePart(UploadId(s.name())));
    DropUpload(s.name());
    ++reaped;
  }
  return reaped;
}

// --------------------------------------------------------------- downloads

absl::StatusOr<DownloadCursor> DocumentsStore::OpenDownload(const v1::DownloadRequest& req) {
  RCP_RETURN_IF_ERROR(res::ParseName("document", req.document(), kDocumentPattern).status());
  if (req.version() < 0) return InvalidField("version", "must be 0 (latest) or a version number");
  if (req.offset() < 0) return InvalidField("offset", "must not be negative");
  if (req.length() < 0) return InvalidField("length", "must not be negative");
  auto view = store_->Read();
  v1::Document doc;
  absl::Status found = view->Get(kDocument.cf, req.document(), &doc);
  if (absl::IsNotFound(found)) return res::NotFound(req.document());
  RCP_RETURN_IF_ERROR(found);
  std::string language;
  if (req.language().empty()) {
    if (doc.languages_size() == 0) {
      return absl::FailedPreconditionError(absl::StrCat(req.document(), " has no content yet"));
    }
    if (doc.languages_size() > 1) {
      std::vector<std::string> tags;
      for (const auto& l : doc.languages()) tags.push_back(l.language());
      return InvalidField("language", absl::StrCat("the document has several languages; choose one of ",
                                                   absl::StrJoin(tags, ", ")));
    }
    language = doc.languages(0).language();
  } else {
    RCP_ASSIGN_OR_RETURN(language, res::NormalizeLanguageTag("language", req.language()));
  }
  const v1::LanguageVersion* lang = nullptr;
  for (const auto& l : doc.languages()) {
    if (l.language() == language) lang = &l;
  }
  if (lang == nullptr)
    return absl::NotFoundError(absl::StrCat(req.document(), " has no ", language, " version"));
  DownloadCursor cursor;
  if (req.version() == 0 || req.version() == lang->latest().version()) {
    cursor.version = lang->latest();
  } else {
    std::string key = VersionsPrefix(req.document(), language);
    coding::AppendUint64(&key, static_cast<uint64_t>(req.version()));
    absl::Status s = view->Get(kVersionsCf, key, &cursor.version);
    if (absl::IsNotFound(s)) {
      return absl::NotFoundError(
          absl::StrCat(req.document(), " has no version ", req.version(), " in ", language));
    }
    RCP_RETURN_IF_ERROR(s);
  }
  int64_t size = cursor.version.size_bytes();
  if (req.offset() > size) {
    return absl::OutOfRangeError(
        absl::StrCat("offset: ", req.offset(), " is past the end (the content is ", size, " bytes)"));
  }
  if (!content_->HasBlob(cursor.version.sha256()) &&
      view->Get(kContentFetchesCf, cursor.version.sha256()).ok()) {
    return absl::UnavailableError(absl::StrCat(cursor.version.name(),
                                               ": the content is still being fetched from the deployment it "
                                               "comes from; try again shortly"));
  }
  RCP_ASSIGN_OR_RETURN(cursor.content, content_->OpenBlob(cursor.version.sha256()));
  cursor.offset = req.offset();
  cursor.end = req.length() == 0 ? size : std::min(size, req.offset() + req.length());
  return cursor;
}

absl::Status DocumentsStore::ReadChunk(DownloadCursor* cursor, std::string* out) {
  int64_t want = std::min<int64_t>(kMaxChunkBytes, cursor->end - cursor->offset);
  if (want <= 0) {
    out->clear();
    return absl::OkStatus();
  }
  RCP_RETURN_IF_ERROR(cursor->content->ReadAt(cursor->offset, want, out));
  if (static_cast<int64_t>(out->size()) != want) {
    return absl::DataLossError(absl::StrCat(cursor->version.name(), ": content missing at offset ",
                                            cursor->offset + static_cast<int64_t>(out->size())));
  }
  cursor->offset += want;
  return absl::OkStatus();
}

}  // namespace rcp::documents
