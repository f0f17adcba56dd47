// One secretariat's deployment for end-to-end tests and benchmarks of
// federation: rcp-registryd, rcp-eventsd and rcp-documentsd seeded from
// deploy/seed with only their home processes, behind rcp-gatewayd with its
// keyring and a peer endpoint (plaintext on loopback, the peers stating
// their ids, as --peer_insecure_loopback allows), each a real child process
// with its own data directory.
#ifndef RCP_TESTS_E2E_HARNESS_DEPLOYMENT_H_
#define RCP_TESTS_E2E_HARNESS_DEPLOYMENT_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/testing/daemon.h"
#include "rcp/documents/v1/documents.grpc.pb.h"
#include "rcp/events/v1/events.grpc.pb.h"
#include "rcp/federation/v1/federation.grpc.pb.h"
#include "rcp/federation/v1/replica.grpc.pb.h"
#include "rcp/gateway/v1/gateway.grpc.pb.h"
#include "rcp/registry/v1/registry.grpc.pb.h"

namespace rcp::testing {

struct DeploymentOptions {
  // e.g. "bali-process.rcp".
  std::string id;
  // --home_processes, e.g. "bali-process,apc"; empty = every process.
  std::string home_processes;
  // Seed the services from deploy/seed (otherwise they start empty).
  bool seed = true;
  // Extra flags for the gateway.
  std::vector<std::string> gateway_flags;
  // Extra flags for every data service.
  std::vector<std::string> service_flags;
  // A directory of deploy/make-certs.sh's certificates, one named by each
  // deployment id: peers then talk mTLS with them. Empty: plaintext on
  // loopback (--peer_insecure_loopback).
  std::string peer_tls_dir;
  // The certificate to present as this deployment's (default: its id's).
  std::string peer_certificate;
};

class Deployment {
 public:
  enum class Part { kRegistry, kEvents, kDocuments, kGateway };

  // Data under `dir` (created).
  Deployment(std::string dir, DeploymentOptions options);
  ~Deployment();

  // Starts the four daemons and reads the keys the seed issued.
  absl::Status Start();
  // Stops one daemon with `signal` (SIGKILL for a crash), and starts it
  // again on the same port.
  absl::Status Stop(Part which, int signal);
  absl::Status Restart(Part which);

  const std::string& id() const { return options_.id; }
  std::string gateway_address() const;
  std::string peer_address() const;
  std::string service_address(Part which) const;
  int http_port() const { return http_port_; }
  // The gateway's Prometheus endpoint.
  int metrics_port() const { return metrics_port_; }
  std::string Log(Part which) const;
  // Another gateway replica on the same services, with the gateway's flags
  // and its own ports (its peer endpoint included), started; `log_name` in
  // the deployment's directory.
  absl::StatusOr<std::unique_ptr<rcp::testing::Daemon>> StartGatewayReplica(const std::string& log_name) const;
  // A data service's data directory; a running daemon's pid (0 if none).
  std::string DataDir(Part which) const;
  pid_t Pid(Part which) const;
  // A key the seed issued: "admin", "indonesia", "unhcr-observer", …
  std::string Key(const std::string& name) const;
  // A new key for `party`, issued by the admin, limited to `processes`.
  absl::StatusOr<std::string> NewKey(const std::string& party, std::vector<std::string> processes = {});

  // The public API at this deployment's gateway.
  rcp::registry::v1::Registry::Stub* registry() { return registry_.get(); }
  rcp::events::v1::Events::Stub* events() { return events_.get(); }
  rcp::documents::v1::Documents::Stub* documents() { return documents_.get(); }
  rcp::gateway::v1::Gateway::Stub* gateway() { return gateway_.get(); }
  rcp::federation::v1::FederationAdmin::Stub* admin() { return admin_.get(); }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  // A data service's Replica, reached directly with the internal token
  // (for digests).
  std::unique_ptr<rcp::federation::v1::Replica::Stub> ReplicaOf(Part which);
  // Adds the internal token to a context for a direct call to a service.
  void Internal(grpc::ClientContext* context) const;

  // Makes `peer` a peer of this deployment (by its admin): pulled from at
  // `address` (default: its peer endpoint) when `enabled`, `homes` pinned to
  // it, `relays` taken from it, and `rules` what is shared with it. A peer
  // not enabled is known for its keys only.
  absl::Status AddPeer(const Deployment& peer, std::vector<std::string> homes, std::vector<std::string> relays,
                       std::vector<rcp::registry::v1::ShareRule> rules, bool enabled = true,
                       const std::string& address = "", bool send_only = false);
  absl::Status UpdatePeer(const std::string& peer_id, const rcp::registry::v1::FederationPeer& patch,
                          std::vector<std::string> paths);
  absl::Status RemovePeer(const std::string& peer_id);

  // Per origin ("" for its own items), the digest of one store's items.
  absl::StatusOr<std::map<std::string, rcp::federation::v1::DigestItemsResponse::OriginDigest>> Digests(
      Part store);

 private:
  std::vector<std::string> ArgsOf(Part which, const std::string& listen) const;
  absl::Status StartOne(Part which, const std::string& listen);
  void Connect();

  const std::string dir_;
  const DeploymentOptions options_;
  std::string token_;
  std::map<Part, std::unique_ptr<rcp::testing::Daemon>> daemons_;
  std::map<Part, int> ports_;
  int peer_port_ = 0;
  int http_port_ = 0;
  int metrics_port_ = 0;
  std::map<std::string, std::string> keys_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<rcp::registry::v1::Registry::Stub> registry_;
  std::unique_ptr<rcp::events::v1::Events::Stub> events_;
  std::unique_ptr<rcp::documents::v1::Documents::Stub> documents_;
  std::unique_ptr<rcp::gateway::v1::Gateway::Stub> gateway_;
  std::unique_ptr<rcp::federation::v1::FederationAdmin::Stub> admin_;
};

// A rule sharing `process`'s items up to `max` (of `kinds`, or all).
rcp::registry::v1::ShareRule Share(const std::string& process, rcp::common::v1::Visibility max,
                                   std::vector<std::string> kinds = {});

// Runs one unary call with `key` (empty: none) and a 10 s deadline.
template <typename Fn>
absl::Status CallWith(const std::string& key, Fn fn) {
  grpc::ClientContext ctx;
  if (!key.empty()) ctx.AddMetadata("authorization", "Bearer " + key);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Status s = fn(&ctx);
  return s.ok() ? absl::OkStatus()
                : absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

}  // namespace rcp::testing

#endif  // RCP_TESTS_E2E_HARNESS_DEPLOYMENT_H_
