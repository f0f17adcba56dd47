// Who another deployment's gateway is, from its transport (never from an
// API key): the deployment ids its mTLS client certificate names (its DNS
// subject alternative names) and the certificate's SHA-256, or, on a
// loopback connection when the gateway runs with an explicit insecure
// flag (tests and demos only), the id it states in x-rcp-peer. The
// federation room then finds the configured peer it is (policy Rule::kPeer).
#ifndef RCP_SERVICES_GATEWAY_ACCESS_PEERS_H_
#define RCP_SERVICES_GATEWAY_ACCESS_PEERS_H_

#include <grpcpp/server_context.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace rcp::gateway::access {

// The metadata naming the calling deployment on an insecure loopback
// connection.
inline constexpr char kPeerHeader[] = "x-rcp-peer";

struct PeerIdentity {
  // Deployment ids it may be (a certificate may name several).
  std::vector<std::string> names;
  // SHA-256 (hex) of its certificate's DER; empty without TLS.
  std::string certificate_sha256;
};

// UNAUTHENTICATED when the transport names nobody: no client certificate,
// or without TLS a caller that is not on loopback, or not allowed to be
// (`insecure_loopback` false), or that states no id.
absl::StatusOr<PeerIdentity> PeerOf(const grpc::ServerContextBase& context, bool insecure_loopback);

// Whether `identity` is the deployment `peer_id`, with its certificate
// `pinned_sha256` when one is pinned.
bool IsPeer(const PeerIdentity& identity, const std::string& peer_id, const std::string& pinned_sha256);

}  // namespace rcp::gateway::access

#endif  // RCP_SERVICES_GATEWAY_ACCESS_PEERS_H_
