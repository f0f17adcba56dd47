// Applies a RegistrySeed through RegistryStore, so seeded data passes the
// same validation as any client's. (rcp-registryd loads it from --seed_file
// with server::ApplySeedFile.) Each request's
// request_id defaults to one derived from what it creates, so applying the
// same seed again creates nothing twice.
#ifndef RCP_SERVICES_REGISTRY_REGISTRY_SEED_H_
#define RCP_SERVICES_REGISTRY_REGISTRY_SEED_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/resource/resource.h"
#include "rcp/registry/v1/seed.pb.h"
#include "services/registry/registry_store.h"

namespace rcp::registry {

struct SeedResult {
  int applied = 0;  // requests that created something or found their earlier result
  // Keys issued by this run: (display name, key). Empty on later runs.
  std::vector<std::pair<std::string, std::string>> issued_keys;
};

// Applies the requests in order (parties, processes, memberships, chair
// terms, focal points); stops at the first error, naming the request. Of
// the processes and what belongs to them only `homes`' are seeded, and of
// the keys limited to processes only those reaching one of them: each
// deployment seeds what it is the home of.
absl::StatusOr<SeedResult> ApplySeed(RegistryStore* store, const v1::RegistrySeed& seed,
                                     const resource::HomeProcesses& homes = {});

}  // namespace rcp::registry

#endif  // RCP_SERVICES_REGISTRY_REGISTRY_SEED_H_
