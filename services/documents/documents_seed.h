// Loads a DocumentsSeed (text format) and applies it through DocumentsStore,
// uploading each content file as any client would (chunked, verified).
#ifndef RCP_SERVICES_DOCUMENTS_DOCUMENTS_SEED_H_
#define RCP_SERVICES_DOCUMENTS_DOCUMENTS_SEED_H_

#include <string>

#include "absl/status/statusor.h"
#include "rcp/documents/v1/seed.pb.h"
#include "services/documents/documents_store.h"

namespace rcp::documents {

absl::StatusOr<v1::DocumentsSeed> LoadSeedFile(const std::string& path);

// Creates each document (idempotent by request_id) and uploads each content
// file whose language has no version yet; files are read relative to
// `base_dir`. Returns the number of documents.
absl::StatusOr<int> ApplySeed(DocumentsStore* store, const v1::DocumentsSeed& seed,
                              const std::string& base_dir);

}  // namespace rcp::documents

#endif  // RCP_SERVICES_DOCUMENTS_DOCUMENTS_SEED_H_
