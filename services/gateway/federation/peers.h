// The deployments this one federates with, as the registry keeps them
// (rcp.registry.v1.FederationPeer), read again at most every `refresh`, so
// that an administrator's change reaches every replica within it; and the
// channels to their peer endpoints.
#ifndef RCP_SERVICES_GATEWAY_FEDERATION_PEERS_H_
#define RCP_SERVICES_GATEWAY_FEDERATION_PEERS_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "services/gateway/federation/share.h"
#include "services/gateway/upstream/upstream.h"

namespace rcp::gateway::federation {

// Thread-safe.
class PeerDirectory {
 public:
  // `upstream` and `clock` are not owned. `self` is this deployment's id.
  PeerDirectory(upstream::Upstream* upstream, std::string self, Clock* clock, absl::Duration refresh);

  // Reads every peer from the registry now. UNAVAILABLE when it cannot.
  absl::Status Refresh();
  // The peers as last read, read again first when older than `refresh`
  // (a failed read keeps the last). Blocks then.
  std::vector<FederationPeer> Peers();
  std::optional<FederationPeer> Find(absl::string_view peer_id);

  // The deployment pinned as the home of `process` (a peer's
  // home_processes); "" when none is.
  std::string PinnedHomeOf(absl::string_view process);
  // Whether items of `process` are taken from `source`: its home processes
  // and the processes it relays.
  bool Accepts(const FederationPeer& source, absl::string_view process) const;

  const std::string& self() const { return self_; }

 private:
  void MaybeRefresh();

  upstream::Upstream* upstream_;
  const std::string self_;
  Clock* clock_;
  const absl::Duration refresh_;
  absl::Mutex mu_;
  std::vector<FederationPeer> peers_ ABSL_GUARDED_BY(mu_);
  absl::Time read_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// How this gateway reaches peers' endpoints: mTLS with the peers' CA and its
// own certificate, the peer's certificate required to name its deployment
// id; or, with `insecure_loopback` (tests and demos), plaintext to loopback
// addresses only, stating this deployment's id in x-rcp-peer.
struct PeerTransportOptions {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  bool insecure_loopback = false;
  // How often changed certificate, key and CA files are reread.
  absl::Duration credential_reload = absl::Seconds(10);
};

// Thread-safe.
class PeerChannels {
 public:
  // INVALID_ARGUMENT naming the flag when a PEM file cannot be read.
  static absl::StatusOr<std::unique_ptr<PeerChannels>> Create(const PeerTransportOptions& options,
                                                               std::string self);

  // The channel to `peer`'s endpoint (one per peer and address). Fails
  // when the peer has no address, or one beyond loopback without TLS.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelTo(const FederationPeer& peer);
  // Prepares a call to a peer: the deadline (none for streams) and, without
  // TLS, this deployment's id.
  void Prepare(grpc::ClientContext* context, absl::Duration deadline) const;

 private:
  PeerChannels(PeerTransportOptions options, std::string self, std::shared_ptr<grpc::ChannelCredentials> creds)
      : options_(std::move(options)), self_(std::move(self)), creds_(std::move(creds)) {}

  const PeerTransportOptions options_;
  const std::string self_;
  std::shared_ptr<grpc::ChannelCredentials> creds_;
  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rcp::gateway::federation

#endif  // RCP_SERVICES_GATEWAY_FEDERATION_PEERS_H_
