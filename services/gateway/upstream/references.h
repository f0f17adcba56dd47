// Write-time references must name something that exists — a meeting's or
// document's processes, parties, linked documents and meeting — and that
// the writer may see. The gateway decides this, not the services: each
// service owns one database and calls no other, and these references cross
// services (a meeting names the registry's processes and parties and the
// documents service's documents; a document names the events service's
// meetings). Only the gateway talks to all three.
//
// Processes and parties are never deleted, so a name seen to exist once
// exists for good: those are remembered, and a create that names only known
// ones costs no round trip. Linked documents and meetings are read every
// time, as the caller may not see them (and a hidden one must answer as an
// absent one).
#ifndef RCP_SERVICES_GATEWAY_UPSTREAM_REFERENCES_H_
#define RCP_SERVICES_GATEWAY_UPSTREAM_REFERENCES_H_

#include <google/protobuf/message.h>

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "services/gateway/access/policy.h"
#include "services/gateway/upstream/upstream.h"

namespace rcp::gateway::upstream {

// Thread-safe.
class References {
 public:
  // `upstream` is not owned.
  explicit References(Upstream* upstream) : upstream_(upstream) {}

  // OK when every reference `rule` lists in `request` (of an Update, those
  // its mask names) exists and `caller` may see it. Otherwise
  // INVALID_ARGUMENT for a malformed name and NOT_FOUND for a missing or
  // hidden one, naming the field ("meeting.invited_parties[2]"). Blocks.
  absl::Status Check(const Principal& caller, const access::MethodRule& rule,
                     const google::protobuf::Message& request, const grpc::ServerContextBase* client);
  // Whether Check would pass without a round trip: every reference is a
  // process or party already known to exist, visible to `caller`. Never
  // blocks.
  bool AllKnown(const Principal& caller, const access::MethodRule& rule,
                const google::protobuf::Message& request);

 private:
  bool Known(const std::string& name) ABSL_LOCKS_EXCLUDED(mu_);
  void Remember(const std::string& name) ABSL_LOCKS_EXCLUDED(mu_);

  Upstream* upstream_;
  absl::Mutex mu_;
  absl::flat_hash_set<std::string> known_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rcp::gateway::upstream

#endif  // RCP_SERVICES_GATEWAY_UPSTREAM_REFERENCES_H_
