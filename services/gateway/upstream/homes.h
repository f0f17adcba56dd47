// One home per process (Process.home): only the home deployment accepts
// writes to a process and its memberships, chair terms, focal points,
// meetings and documents; elsewhere they are read-only mirrors, and a write
// fails with FAILED_PRECONDITION naming the home. A process without a
// recorded home (stored before homes existed) is this deployment's.
//
// Homes change only when an administrator pins one, so each is remembered
// for a while (`ttl`): a pin takes effect at every replica within it.
#ifndef RCP_SERVICES_GATEWAY_UPSTREAM_HOMES_H_
#define RCP_SERVICES_GATEWAY_UPSTREAM_HOMES_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "services/gateway/upstream/upstream.h"

namespace rcp::gateway::upstream {

// Thread-safe.
class Homes {
 public:
  // `upstream` and `clock` are not owned.
  Homes(Upstream* upstream, std::string deployment_id, Clock* clock, absl::Duration ttl);

  // OK when this deployment is the home of every process of `processes`;
  // FAILED_PRECONDITION naming `field`, the process and its home otherwise.
  // A process that cannot be read is left to the call itself (it answers
  // NOT_FOUND, or the references check does). Blocks.
  absl::Status CheckLocal(const std::vector<std::string>& processes, absl::string_view field,
                          const grpc::ServerContextBase* client);
  // CheckLocal from what is remembered, without blocking: false when a
  // home is not known (or has expired); then `*verdict` is unset.
  bool CheckLocalCached(const std::vector<std::string>& processes, absl::string_view field,
                        absl::Status* verdict);

  const std::string& deployment_id() const { return deployment_id_; }

 private:
  struct Entry {
    std::string home;
    absl::Time read;
  };
  absl::Status Judge(const std::string& process, const std::string& home, absl::string_view field) const;

  Upstream* upstream_;
  const std::string deployment_id_;
  Clock* clock_;
  const absl::Duration ttl_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> known_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rcp::gateway::upstream

#endif  // RCP_SERVICES_GATEWAY_UPSTREAM_HOMES_H_
