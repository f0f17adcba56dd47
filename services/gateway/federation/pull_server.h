// The source side of replication: Federation/Pull and FetchContent as this
// deployment serves them to its peers.
//
// A Pull streams, in order, the entries the peer is to receive: this
// deployment's own changes, signed now with its current key, and other
// deployments' mirrors, relayed as their origins signed them, each as far
// as share.h allows; a withdrawal when an item leaves the peer's share.
// The three stores are merged so that nothing reaches the peer before what
// it depends on: each step reads the events and documents changes first,
// then the registry's position, sends the registry up to there and this
// deployment's head, and only then those changes, marked with that registry
// revision. Relayed heads travel in the registry's order, after what they
// vouch for.
//
// A peer without a cursor, or whose cursor no longer holds (its share rules
// changed, a key was revoked, a store was restored or has trimmed past it),
// gets a snapshot first: every item it is to receive, store by store, then
// "complete", then the live feed from the snapshot's base. A snapshot
// interrupted resumes at its page. An idle stream gets a heartbeat, with a
// fresh head, every `heartbeat`. A caller that is no configured, enabled
// peer is sent an empty snapshot (so that it drops what it holds of this
// deployment) and then refused.
#ifndef RCP_SERVICES_GATEWAY_FEDERATION_PULL_SERVER_H_
#define RCP_SERVICES_GATEWAY_FEDERATION_PULL_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "rcp/federation/v1/replica.pb.h"
#include "services/gateway/federation/keyring.h"
#include "services/gateway/federation/peers.h"
#include "services/gateway/federation/producer_stream.h"
#include "services/gateway/federation/pull_cursor.h"

namespace rcp::gateway::federation {

struct PullOptions {
  // An idle stream gets a heartbeat, with this deployment's head, this
  // often. Default: 5 s.
  absl::Duration heartbeat = absl::Seconds(5);
  // Changes read per store and step, and items per snapshot page.
  // Default: 500.
  int batch = 500;
  // Peers are known by their state of x-rcp-peer on loopback, without TLS
  // (tests and demos only). Default: false.
  bool insecure_loopback = false;
};

// Thread-safe.
class PullServer {
 public:
  // None is owned. `keyring` may be null (federation off: every call fails).
  PullServer(upstream::Upstream* upstream, PeerDirectory* peers, KeyringManager* keyring, Clock* clock,
             PullOptions options);
  ~PullServer();

  grpc::ServerWriteReactor<fv1::PullResponse>* Pull(grpc::CallbackServerContext* context,
                                                    const fv1::PullRequest* request);
  // The content of a version of a document this deployment shares with
  // the caller; NOT_FOUND (worded as for an absent document) otherwise.
  grpc::ServerWriteReactor<fv1::ContentChunk>* FetchContent(grpc::CallbackServerContext* context,
                                                            const fv1::FetchContentRequest* request);

  // The data services have news: streams waiting for changes look again.
  void Wake();
  // Ends every stream (at shutdown); peers resume from their cursors.
  void Stop();

 private:
  struct Stream;
  // The configured, enabled peer the caller's transport names.
  absl::StatusOr<FederationPeer> PeerOf(const grpc::ServerContextBase& context);
  grpc::Status ServePull(ProducerStream<fv1::PullResponse>* out, const std::string& peer_id,
                         const std::string& cursor_text);
  grpc::Status ServeFetch(ProducerStream<fv1::ContentChunk>* out, const FederationPeer& peer,
                          const fv1::FetchContentRequest& request);

  upstream::Upstream* upstream_;
  PeerDirectory* peers_;
  KeyringManager* keyring_;
  Clock* clock_;
  const PullOptions options_;
  StreamThreads threads_;
  absl::Mutex mu_;
  // The open Pull of each peer: a new one from the same peer ends the old.
  std::map<std::string, std::shared_ptr<StreamSignal>> pulls_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rcp::gateway::federation

#endif  // RCP_SERVICES_GATEWAY_FEDERATION_PULL_SERVER_H_
