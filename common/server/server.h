// One bootstrap for all four daemons: listen (optionally TLS/mTLS), require
// the internal credential on data services, gRPC health and reflection,
// Prometheus metrics, structured logs, graceful shutdown.
//
// main() reads flags into ServerOptions (see flags.h), builds the service
// objects, and hands them to a Server:
//
//   rcp::server::Server server(options);
//   server.AddService(&registry_service);
//   server.OnShutdown([&] { store->CloseWatchers("server shutting down"); });
//   RCP_RETURN_IF_ERROR(server.Start());
//   server.WaitForSignal();   // SIGINT/SIGTERM, then graceful shutdown
#ifndef RCP_COMMON_SERVER_SERVER_H_
#define RCP_COMMON_SERVER_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/server/internal_token.h"

namespace grpc {
class Channel;
class Server;
class Service;
}  // namespace grpc

namespace prometheus {
class Registry;
}

namespace rcp::server {

// Who a daemon's port is for, and so what it must ask of callers before it
// may listen beyond loopback.
enum class Exposure {
  // A data service: only the gateway may call it (DESIGN.md §1), so beyond
  // loopback it needs internal authentication: the internal token (over
  // TLS) or mTLS client certificates.
  kInternal,
  // The gateway's public port: API keys authenticate callers, so beyond
  // loopback it needs TLS to keep those keys secret.
  kPublic,
};

struct ServerOptions {
  // Name used in logs and metrics, e.g. "registry".
  std::string service_name;
  // host:port of the gRPC port; port 0 picks a free one. Default: loopback.
  std::string listen_address = "127.0.0.1:0";
  // PEM files. When cert and key are set, the port speaks TLS; when
  // client_ca is set too, clients must present a certificate it signed.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // When set, every call except health checks must carry the metadata
  // "x-rcp-internal-token: <token>" with one of these tokens (DESIGN.md §1:
  // only the gateway may call a data service). Default: none (no check),
  // for loopback development.
  std::shared_ptr<InternalTokens> internal_tokens;
  // How often changed certificate, key and CA files are reread (the token
  // file's own recheck is set where it is opened). Default: 10 s.
  absl::Duration credential_reload = absl::Seconds(10);
  // host:port for the Prometheus /metrics endpoint; empty disables it.
  std::string metrics_address;
  // host:port of a plaintext port serving grpc.health.v1 alone, for probes
  // that speak neither TLS nor the internal token (the kubelet's gRPC
  // probe). It mirrors the main port's health; empty disables it.
  std::string health_address;
  // How long in-flight calls may run after a shutdown signal. Default: 10 s.
  absl::Duration grace_period = absl::Seconds(10);
  // How long, after a shutdown signal, the daemon keeps serving while its
  // health says NOT_SERVING, so that load balancers and Kubernetes
  // endpoints stop sending it calls before it drains. Default: none.
  absl::Duration shutdown_delay = absl::ZeroDuration();
  Exposure exposure = Exposure::kInternal;
  // Serve beyond loopback without what `exposure` asks for (--insecure).
  // Warned of at start and exported as the rcp_insecure metric.
  bool insecure = false;
};

// Whether `host_port` binds loopback only (127.0.0.0/8, [::1], localhost).
bool IsLoopbackAddress(const std::string& host_port);

// FAILED_PRECONDITION naming the flags to give when `options` would serve
// beyond loopback without what its exposure asks for (and without
// `insecure`), or with an internal token in plaintext, which gRPC accepts
// from loopback peers alone.
absl::Status CheckListenerSecurity(const ServerOptions& options);

// Thread-safe after Start.
class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();

  // Registers a service (not owned; must outlive the server). Before Start.
  void AddService(grpc::Service* service);
  // Called, in order, when shutdown begins (before in-flight calls drain):
  // end open streams here so their clients resume elsewhere.
  void OnShutdown(std::function<void()> hook);

  // Binds and starts serving; logs "listening" with the bound address.
  // Refuses what CheckListenerSecurity refuses.
  absl::Status Start();
  // The bound gRPC port (after Start).
  int port() const { return port_; }
  // The bound metrics port, 0 when disabled.
  int metrics_port() const { return metrics_port_; }
  // The bound health port, 0 when disabled.
  int health_port() const { return health_port_; }
  // A channel to this server that bypasses the network (after Start): the
  // gateway's HTTP side calls its own services through it, so that they
  // meet the same interceptors, authentication and policy as a gRPC client.
  std::shared_ptr<grpc::Channel> InProcessChannel();
  // Registry for service-specific metrics (never null).
  prometheus::Registry& metrics();
  // Adds a gauge read at every scrape.
  void AddGauge(const std::string& name, const std::string& help, std::function<double()> read);
  // Exports the notAfter of the certificate file at `path` (one the daemon
  // presents or trusts beyond its own port, such as the gateway's client
  // certificate), read at every scrape. The port's own --tls_cert is added
  // by Start.
  void WatchCertificateExpiry(const std::string& path);

  // Tells the service manager the daemon is ready (call it once main has
  // started everything), blocks until SIGINT or SIGTERM, reports NOT_SERVING
  // for the shutdown delay, then calls Shutdown. Call BlockSignals() first
  // thing in main, before any thread starts.
  void WaitForSignal();
  // Stops accepting calls, runs the shutdown hooks, lets in-flight calls
  // finish within the grace period, then cancels the rest. Idempotent.
  void Shutdown();

  // Blocks SIGINT/SIGTERM in the calling thread and every thread started
  // after, so that WaitForSignal receives them.
  static void BlockSignals();

 private:
  struct Metrics;
  ServerOptions options_;
  std::vector<grpc::Service*> services_;
  std::vector<std::function<void()>> shutdown_hooks_;
  // Sets the readiness status ("") on every port that serves health.
  void SetReady(bool ready);

  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::Server> health_server_;
  std::unique_ptr<Metrics> metrics_;
  int port_ = 0;
  int metrics_port_ = 0;
  int health_port_ = 0;
  bool shut_down_ = false;
};

// The health service name that reports whether the process is alive,
// whatever its readiness: it stays SERVING through the shutdown delay, so a
// liveness probe does not kill a daemon that is draining as asked. The
// overall status ("") is readiness.
inline constexpr char kLivenessService[] = "liveness";

// The metadata key carrying the internal credential.
inline constexpr char kInternalTokenHeader[] = "x-rcp-internal-token";

}  // namespace rcp::server

#endif  // RCP_COMMON_SERVER_SERVER_H_
