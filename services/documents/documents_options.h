// Options of the documents service, as plain values (main fills them from flags).
#ifndef RCP_SERVICES_DOCUMENTS_DOCUMENTS_OPTIONS_H_
#define RCP_SERVICES_DOCUMENTS_DOCUMENTS_OPTIONS_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "common/storage/store.h"

namespace rcp::documents {

struct DocumentsOptions {
  // The metadata database; store_name and column families are filled in by
  // Open.
  storage::StoreOptions store;
  // Where content files live (see ContentStore).
  std::string content_dir;
  // Largest content version. Default: 2 GiB.
  int64_t max_document_bytes = int64_t{2} << 30;
  // An upload session without activity for this long expires and its data
  // is reclaimed. Default: 24 hours.
  absl::Duration upload_ttl = absl::Hours(24);
  // How often expired sessions are reclaimed. Default: 1 minute.
  absl::Duration reap_interval = absl::Minutes(1);
};

}  // namespace rcp::documents

#endif  // RCP_SERVICES_DOCUMENTS_DOCUMENTS_OPTIONS_H_
