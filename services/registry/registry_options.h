// Options of the registry, as plain values (main fills them from flags).
#ifndef RCP_SERVICES_REGISTRY_REGISTRY_OPTIONS_H_
#define RCP_SERVICES_REGISTRY_REGISTRY_OPTIONS_H_

#include <string>

#include "absl/time/time.h"
#include "common/storage/store.h"

namespace rcp::registry {

struct RegistryOptions {
  // The database; store_name and column_families are filled in by Open.
  storage::StoreOptions store;
  // This deployment's id: the home of the processes it creates, unless
  // they name another. Default: "rcp-exchange.local".
  std::string deployment_id = "rcp-exchange.local";
  // Longest lifetime an API key may be issued for. Default: 2 years.
  absl::Duration max_api_key_lifetime = absl::Hours(24 * 366 * 2);
};

}  // namespace rcp::registry

#endif  // RCP_SERVICES_REGISTRY_REGISTRY_OPTIONS_H_
