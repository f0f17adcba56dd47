// The documents store's column families and key formats: what
// documents_store.cc and documents_mirrors.cc both write. Internal to the
// service.
#ifndef RCP_SERVICES_DOCUMENTS_DOCUMENTS_KEYS_H_
#define RCP_SERVICES_DOCUMENTS_DOCUMENTS_KEYS_H_

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/coding/coding.h"
#include "common/entity/entity.h"

namespace rcp::documents {

inline constexpr entity::Kind kDocument{"documents", "document"};
inline constexpr entity::Kind kUpload{"uploads", "upload"};
// process + "\n" + symbol → document name: symbols are unique per process.
inline constexpr char kSymbolsCf[] = "symbols";
// document + "\n" + language + "\n" + version(8) → ContentVersion.
inline constexpr char kVersionsCf[] = "versions";
// Content itself lives in the ContentStore, named by the version's SHA-256.
// sha256 + "\n" + version key → "": who names each content, so that the
// content of a mirror withdrawn is reclaimed once nothing else names it.
inline constexpr char kContentRefsCf[] = "content_refs";
// In kContentRefsCf: present once every version is indexed (databases from
// before the index are indexed at open).
inline constexpr char kContentRefsIndexedKey[] = "!indexed";
// sha256 → "": content a mirror's removal stopped naming, written with the
// removal, for ReclaimContent to remove if nothing names it any more.
inline constexpr char kContentReclaimCf[] = "content_reclaim";
// sha256 → ContentFetch: content mirrors name and this deployment does not
// hold yet, with the bytes received durably.
inline constexpr char kContentFetchesCf[] = "content_fetches";

// The part file a fetch of `sha256` is received into.
inline std::string FetchPartId(absl::string_view sha256) { return absl::StrCat("fetch-", sha256); }

inline std::string VersionsPrefix(absl::string_view document, absl::string_view language) {
  return language.empty() ? absl::StrCat(document, "\n") : absl::StrCat(document, "\n", language, "\n");
}
inline std::string VersionKey(absl::string_view document, absl::string_view language, int64_t version) {
  std::string key = VersionsPrefix(document, language);
  coding::AppendUint64(&key, static_cast<uint64_t>(version));
  return key;
}
inline std::string ContentRefKey(absl::string_view sha256, absl::string_view version_key) {
  return absl::StrCat(sha256, "\n", version_key);
}

}  // namespace rcp::documents

#endif  // RCP_SERVICES_DOCUMENTS_DOCUMENTS_KEYS_H_
