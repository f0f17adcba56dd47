// Applies a DocumentsSeed through DocumentsStore, uploading each content file
// as any client would (chunked, verified). (rcp-documentsd loads it from
// --seed_file with server::ApplySeedFile.)
#ifndef RCP_SERVICES_DOCUMENTS_DOCUMENTS_SEED_H_
#define RCP_SERVICES_DOCUMENTS_DOCUMENTS_SEED_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/resource/resource.h"
#include "rcp/documents/v1/seed.pb.h"
#include "services/documents/documents_store.h"

namespace rcp::documents {

// Creates each document (idempotent by request_id) and uploads each content
// file whose language has no version yet; files are read relative to
// `base_dir`. Documents of processes not among `homes` are left to their
// home deployment. Returns the number of documents seeded.
absl::StatusOr<int> ApplySeed(DocumentsStore* store, const v1::DocumentsSeed& seed,
                              const std::string& base_dir, const resource::HomeProcesses& homes = {});

}  // namespace rcp::documents

#endif  // RCP_SERVICES_DOCUMENTS_DOCUMENTS_SEED_H_
