// The receiving side of replication: this deployment pulls from each of
// its enabled peers and applies what they send as mirrors.
//
// One gateway replica pulls each peer, under a lease kept in the peer's
// state in the registry (a compare-and-set row: whoever holds it renews it
// with every checkpoint; when it lapses another replica takes over from the
// checkpoint). Per response of the stream: every entry is admitted
// (inbound.h), then applied to the service that keeps it (the registry
// first, since events and documents depend on it), and only once that is
// durable is the response's cursor checkpointed, so that a crash anywhere
// repeats work and never loses any. An entry refused stalls its source:
// nothing of its response is applied, the checkpoint stays before it, the
// error shows in the peer's status, and the pull is tried again with
// backoff; other peers go on. A completed snapshot is checkpointed first
// with its purge pending, then the mirrors the source gave before it are
// removed, and the purge is cleared: a purge interrupted resumes.
//
// A peer that is down is retried with jittered exponential backoff, capped
// at `max_backoff` and reset once a stream delivers. A peer removed is
// purged of everything it gave, and its state deleted. Mirrored documents'
// content is fetched, in bounded memory, from the peers that gave them.
#ifndef RCP_SERVICES_GATEWAY_FEDERATION_REPLICATOR_H_
#define RCP_SERVICES_GATEWAY_FEDERATION_REPLICATOR_H_

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/resource/kinds.h"
#include "common/time/clock.h"
#include "services/gateway/federation/inbound.h"
#include "services/gateway/federation/peers.h"

namespace prometheus {
class Registry;
}

namespace rcp::gateway::federation {

struct ReplicatorOptions {
  // This gateway replica, as lease holder (host, process, a random part).
  std::string replica_id;
  // A lease held is renewed with every checkpoint and heartbeat; unrenewed
  // for this long, another replica may take it. Default: 15 s.
  absl::Duration lease = absl::Seconds(15);
  // Backoff between attempts to pull a peer that is down or stalls.
  // Defaults: 500 ms, doubling, jittered, at most 60 s.
  absl::Duration min_backoff = absl::Milliseconds(500);
  absl::Duration max_backoff = absl::Seconds(60);
  // How often the peers are looked at (pullers started and stopped) and
  // pending content is fetched. Default: 1 s.
  absl::Duration tick = absl::Seconds(1);
};

// Thread-safe.
class Replicator {
 public:
  // None is owned. `metrics` may be null.
  Replicator(upstream::Upstream* upstream, PeerDirectory* peers, PeerChannels* channels, Inbound* inbound,
             Clock* clock, ReplicatorOptions options, prometheus::Registry* metrics);
  ~Replicator();

  void Start();
  // Stops every puller (their leases lapse; another replica takes over).
  void Stop();

 private:
  class Puller;
  struct Metrics;
  // The epoch of each of this deployment's stores, by resource::Service.
  using LocalEpochs = std::array<uint64_t, resource::kServices.size()>;
  absl::StatusOr<LocalEpochs> ReadLocalEpochs();
  void Supervise();
  // Removes what a peer no longer configured gave, then its state.
  void Forget(const rcp::federation::v1::PeerState& state);
  // Fetches pending content from peers this replica pulls.
  void FetchContent();
  bool HoldsLease(const std::string& peer_name);

  upstream::Upstream* upstream_;
  PeerDirectory* peers_;
  PeerChannels* channels_;
  Inbound* inbound_;
  Clock* clock_;
  const ReplicatorOptions options_;
  std::unique_ptr<Metrics> metrics_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, std::unique_ptr<Puller>> pullers_ ABSL_GUARDED_BY(mu_);
  std::thread supervisor_;
  std::thread fetcher_;
};

// A replica id for this process: "<host>/<pid>/<random>".
std::string NewReplicaId();

}  // namespace rcp::gateway::federation

#endif  // RCP_SERVICES_GATEWAY_FEDERATION_REPLICATOR_H_
