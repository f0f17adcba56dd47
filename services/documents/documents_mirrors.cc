// Federation in the documents store: how a mirrored document is kept (its
// symbol, its content versions, the fetch of content not held yet), and
// the fetch's delivery and the reclaim of content nothing names any more.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/crypto/crypto.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "services/documents/documents_keys.h"
#include "services/documents/documents_store.h"

namespace rcp::documents {
namespace {

using google::protobuf::Message;
using storage::Transaction;
namespace res = rcp::resource;
namespace fv1 = rcp::federation::v1;

// Fetched bytes are made durable at least this often (as uploads are).
constexpr int64_t kFetchSyncBytes = 8 << 20;

bool IsSha256(absl::string_view s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// A content version as its origin signed it, checked before it becomes a
// key here: the signature proves who sent it, not that it is well formed.
absl::Status CheckVersion(int i, const v1::ContentVersion& v, int64_t max_bytes) {
  std::string at = absl::StrCat("item.content_versions[", i, "]");
  RCP_ASSIGN_OR_RETURN(std::string language, res::NormalizeLanguageTag(at + ".language", v.language()));
  if (language != v.language()) return InvalidField(at + ".language", "must be normalized");
  if (v.version() < 1) return InvalidField(at + ".version", "must be 1 or more");
  if (!IsSha256(v.sha256())) return InvalidField(at + ".sha256", "must be 64 lowercase hex digits");
  if (v.size_bytes() < 0 || v.size_bytes() > max_bytes) {
    return InvalidField(at + ".size_bytes", absl::StrCat("must be between 0 and ", max_bytes));
  }
  return absl::OkStatus();
}

}  // namespace

mirror::MirrorOptions DocumentsStore::MirrorKinds() {
  mirror::KindSpec document;
  document.kind = kDocument.name;
  document.cf = kDocument.cf;
  document.prototype = &v1::Document::default_instance();
  document.write_beside = [this](Transaction& txn, const Message* before, const Message* after,
                                 const fv1::Item* item) -> absl::Status {
    if (before != nullptr) {
      const auto& d = static_cast<const v1::Document&>(*before);
      txn.Delete(kSymbolsCf, absl::StrCat(resource::ProcessOf(d.name()), "\n", d.symbol()));
      for (const auto& lang : d.languages()) {
        for (int64_t n = 1; n <= lang.version_count(); ++n) {
          std::string key = VersionKey(d.name(), lang.language(), n);
          v1::ContentVersion v;
          RCP_ASSIGN_OR_RETURN(bool present, txn.Get(kVersionsCf, key, &v));
          if (!present) continue;
          txn.Delete(kVersionsCf, key);
          txn.Delete(kContentRefsCf, ContentRefKey(v.sha256(), key));
          // Committed with the removal, so the reclaim sees it only then.
          txn.Put(kContentReclaimCf, v.sha256(), "");
        }
      }
    }
    if (after != nullptr) {
      const auto& d = static_cast<const v1::Document&>(*after);
      txn.Put(kSymbolsCf, absl::StrCat(resource::ProcessOf(d.name()), "\n", d.symbol()), d.name());
      for (int i = 0; i < item->content_versions_size(); ++i) {
        const v1::ContentVersion& v = item->content_versions(i);
        RCP_RETURN_IF_ERROR(CheckVersion(i, v, options_.max_document_bytes));
        std::string key = VersionKey(d.name(), v.language(), v.version());
        txn.Put(kVersionsCf, key, v);
        txn.Put(kContentRefsCf, ContentRefKey(v.sha256(), key), "");
        if (content_->HasBlob(v.sha256())) continue;
        // Content is fetched once, whichever documents name it.
        RCP_ASSIGN_OR_RETURN(auto queued, txn.Get(kContentFetchesCf, v.sha256()));
        if (queued.has_value()) continue;
        v1::ContentFetch fetch;
        fetch.set_sha256(v.sha256());
        fetch.set_size_bytes(v.size_bytes());
        fetch.set_document(d.name());
        fetch.set_language(v.language());
        fetch.set_version(v.version());
        txn.Put(kContentFetchesCf, v.sha256(), fetch);
      }
    }
    return absl::OkStatus();
  };
  document.describe = [](const storage::ReadView& view, const Message& value, fv1::Item* item) {
    const auto& d = static_cast<const v1::Document&>(value);
    std::string prefix = VersionsPrefix(d.name(), "");
    absl::Status parse;
    RCP_RETURN_IF_ERROR(view.Scan(kVersionsCf, prefix, coding::PrefixSuccessor(prefix),
                                  [&](absl::string_view, absl::string_view v) {
                                    if (!item->add_content_versions()->ParseFromArray(
                                            v.data(), static_cast<int>(v.size()))) {
                                      parse = absl::DataLossError(
                                          absl::StrCat("a content version of ", d.name(), " is unreadable"));
                                      return false;
                                    }
                                    return true;
                                  }));
    return parse;
  };
  return mirror::MirrorOptions{"documents", {document}};
}

absl::Status DocumentsStore::IndexContentRefs() {
  if (store_->Read()->Get(kContentRefsCf, kContentRefsIndexedKey).ok()) return absl::OkStatus();
  return store_
      ->Write({"system/migration"}, {},
              [&](Transaction& txn) -> absl::Status {
                absl::Status parse;
                auto view = store_->Read();
                RCP_RETURN_IF_ERROR(
                    view->Scan(kVersionsCf, "", "", [&](absl::string_view key, absl::string_view value) {
                      v1::ContentVersion v;
                      if (!v.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                        parse = absl::DataLossError(absl::StrCat("unreadable content version ", key));
                        return false;
                      }
                      txn.Put(kContentRefsCf, ContentRefKey(v.sha256(), key), "");
                      return true;
                    }));
                RCP_RETURN_IF_ERROR(parse);
                txn.Put(kContentRefsCf, kContentRefsIndexedKey, "");
                return absl::OkStatus();
              })
      .status();
}

absl::StatusOr<v1::ListContentFetchesResponse> DocumentsStore::ListContentFetches(
    const v1::ListContentFetchesRequest& req) {
  if (req.page_size() < 0 || req.page_size() > 1000) {
    return InvalidField("page_size", "must be between 0 and 1000 (0 = 100)");
  }
  const int size = req.page_size() == 0 ? 100 : req.page_size();
  v1::ListContentFetchesResponse resp;
  auto view = store_->Read();
  absl::Status parse;
  RCP_RETURN_IF_ERROR(view->Scan(kContentFetchesCf, "", "", [&](absl::string_view, absl::string_view value) {
    if (resp.fetches_size() == size) return false;
    v1::ContentFetch* f = resp.add_fetches();
    if (!f->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      parse = absl::DataLossError("a content fetch is unreadable");
      return false;
    }
    return true;
  }));
  RCP_RETURN_IF_ERROR(parse);
  for (auto& f : *resp.mutable_fetches()) {
    absl::StatusOr<fv1::MirrorState> state = mirrors_.StateOf(f.document());
    if (!state.ok()) continue;
    for (const auto& s : state->sources()) f.add_sources(s.source());
  }
  return resp;
}

std::shared_ptr<DocumentsStore::Fetch> DocumentsStore::FetchFor(const std::string& sha256) {
  absl::MutexLock lock(&fetches_mu_);
  auto& f = fetches_[sha256];
  if (f == nullptr) f = std::make_shared<Fetch>();
  return f;
}

absl::StatusOr<v1::ContentFetch> DocumentsStore::WriteFetchedContent(const v1::WriteFetchedContentRequest& req) {
  if (!IsSha256(req.sha256())) return InvalidField("sha256", "must be 64 lowercase hex digits");
  if (req.data().empty() || static_cast<int64_t>(req.data().size()) > kMaxChunkBytes) {
    return InvalidField("data", absl::StrCat("must be 1 to ", kMaxChunkBytes, " bytes"));
  }
  std::shared_ptr<Fetch> f = FetchFor(req.sha256());
  absl::MutexLock hold(&f->mu);
  v1::ContentFetch fetch;
  absl::Status queued = store_->Get(kContentFetchesCf, req.sha256(), &fetch);
  if (absl::IsNotFound(queued)) {
    return absl::NotFoundError(absl::StrCat("sha256: no fetch of ", req.sha256(), " is pending"));
  }
  RCP_RETURN_IF_ERROR(queued);
  const std::string part_id = FetchPartId(req.sha256());
  if (f->written < 0) {
    // Bytes past the durable offset may be lost or torn: drop them.
    RCP_ASSIGN_OR_RETURN(f->part, content_->OpenPart(part_id));
    RCP_RETURN_IF_ERROR(f->part->Truncate(fetch.received_bytes()));
    f->written = f->durable = fetch.received_bytes();
  }
  if (req.offset() != f->written) {
    return absl::FailedPreconditionError(absl::StrCat("offset: the fetch of ", req.sha256(), " has ", f->written,
                                                      " bytes; continue from ", f->written));
  }
  if (f->written + static_cast<int64_t>(req.data().size()) > fetch.size_bytes()) {
    return InvalidField("data", absl::StrCat("goes past the content's size, ", fetch.size_bytes(), " bytes"));
  }
  RCP_RETURN_IF_ERROR(f->part->WriteAt(f->written, req.data()));
  f->written += static_cast<int64_t>(req.data().size());
  const bool complete = f->written == fetch.size_bytes();
  auto record = [&](int64_t received) {
    fetch.set_received_bytes(received);
    return store_
        ->Write({"system/federation"}, {req.sha256()},
                [&](Transaction& txn) {
                  txn.Put(kContentFetchesCf, req.sha256(), fetch);
                  return absl::OkStatus();
                })
        .status();
  };
  if (complete || f->written - f->durable >= kFetchSyncBytes) {
    RCP_RETURN_IF_ERROR(f->part->Sync());
    f->durable = f->written;
    if (!complete) RCP_RETURN_IF_ERROR(record(f->durable));
  }
  if (!complete) {
    fetch.set_received_bytes(f->durable);
    return fetch;
  }
  // All here: it must be the content the origin signed.
  crypto::Sha256 sha;
  std::string buffer;
  for (int64_t offset = 0; offset < fetch.size_bytes(); offset += kMaxChunkBytes) {
    RCP_RETURN_IF_ERROR(f->part->ReadAt(offset, kMaxChunkBytes, &buffer));
    sha.Update(buffer);
  }
  if (sha.HexDigest() != req.sha256()) {
    f->part.reset();
    f->written = -1;
    RCP_RETURN_IF_ERROR(content_->RemovePart(part_id));
    RCP_RETURN_IF_ERROR(record(0));
    return absl::DataLossError(absl::StrCat("sha256: the content fetched hashes to ", sha.HexDigest(), ", not ",
                                            req.sha256(), "; it is fetched again from the start"));
  }
  {
    absl::MutexLock content_lock(&content_mu_);
    RCP_RETURN_IF_ERROR(content_->Publish(part_id, req.sha256()));
    RCP_RETURN_IF_ERROR(store_
                            ->Write({"system/federation"}, {req.sha256()},
                                    [&](Transaction& txn) {
                                      txn.Delete(kContentFetchesCf, req.sha256());
                                      return absl::OkStatus();
                                    })
                            .status());
  }
  f->part.reset();
  f->written = -1;
  (void)content_->RemovePart(part_id);  // the blob holds the bytes; the sweep retries
  {
    absl::MutexLock lock(&fetches_mu_);
    fetches_.erase(req.sha256());
  }
  fetch.set_received_bytes(fetch.size_bytes());
  fetch.set_done(true);
  return fetch;
}

absl::StatusOr<int> DocumentsStore::ReclaimContent() {
  absl::MutexLock reclaiming(&reclaim_mu_);
  std::vector<std::string> candidates;
  RCP_RETURN_IF_ERROR(store_->Read()->Scan(kContentReclaimCf, "", "", [&](absl::string_view key, absl::string_view) {
    candidates.emplace_back(key);
    return true;
  }));
  int removed = 0;
  for (const auto& sha : candidates) {
    absl::MutexLock content_lock(&content_mu_);
    // Whatever follows, the candidate is settled: unnamed content goes, and
    // content named again is kept.
    RCP_RETURN_IF_ERROR(store_
                            ->Write({"system/federation"}, {sha},
                                    [&](Transaction& txn) {
                                      txn.Delete(kContentReclaimCf, sha);
                                      return absl::OkStatus();
                                    })
                            .status());
    auto view = store_->Read();
    std::string prefix = absl::StrCat(sha, "\n");
    bool named = false;
    RCP_RETURN_IF_ERROR(view->Scan(kContentRefsCf, prefix, coding::PrefixSuccessor(prefix),
                                   [&](absl::string_view, absl::string_view) {
                                     named = true;
                                     return false;
                                   }));
    if (named) continue;
    if (view->Get(kContentFetchesCf, sha).ok()) {
      // Still being fetched for a mirror that is gone: the fetch goes too.
      std::shared_ptr<Fetch> f = FetchFor(sha);
      absl::MutexLock hold(&f->mu);
      RCP_RETURN_IF_ERROR(store_
                              ->Write({"system/federation"}, {sha},
                                      [&](Transaction& txn) {
                                        txn.Delete(kContentFetchesCf, sha);
                                        return absl::OkStatus();
                                      })
                              .status());
      f->part.reset();
      f->written = -1;
      RCP_RETURN_IF_ERROR(content_->RemovePart(FetchPartId(sha)));
    }
    if (content_->HasBlob(sha)) {
      RCP_RETURN_IF_ERROR(content_->RemoveBlob(sha));
      ++removed;
    }
  }
  return removed;
}

}  // namespace rcp::documents
