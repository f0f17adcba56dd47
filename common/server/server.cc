#include "common/server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/auth_metadata_processor.h>
#include <grpcpp/support/server_interceptor.h>
#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/server/service_manager.h"
#include "common/server/tls_files.h"
#include "common/status/status.h"

namespace rcp::server {
namespace {

// Rejects calls that lack the internal credential. Health checks pass, so
// that orchestrators can probe without secrets.
class InternalTokenProcessor : public grpc::AuthMetadataProcessor {
 public:
  explicit InternalTokenProcessor(std::shared_ptr<InternalTokens> tokens) : tokens_(std::move(tokens)) {}
  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata& auth_metadata, grpc::AuthContext* context,
                       OutputMetadata* consumed, OutputMetadata* response) override {
    auto path = auth_metadata.find(":path");
    if (path != auth_metadata.end() && path->second.starts_with("/grpc.health.v1.Health/")) {
      return grpc::Status::OK;
    }
    auto it = auth_metadata.find(kInternalTokenHeader);
    if (it == auth_metadata.end()) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          "this is an internal service: call it through the gateway (missing "
                          "internal credential)");
    }
    if (!tokens_->Accepts(absl::string_view(it->second.data(), it->second.size()))) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "internal credential is not valid");
    }
    consumed->insert({std::string(kInternalTokenHeader), std::string(it->second.data(), it->second.size())});
    return grpc::Status::OK;
  }

 private:
  std::shared_ptr<InternalTokens> tokens_;
};

// A gauge whose value is read at scrape time.
class CallbackGauges : public prometheus::Collectable {
 public:
  void Add(std::string name, std::string help, std::function<double()> read) {
    absl::MutexLock lock(&mu_);
    gauges_.push_back({std::move(name), std::move(help), std::move(read)});
  }
  std::vector<prometheus::MetricFamily> Collect() const override {
    absl::MutexLock lock(&mu_);
    std::vector<prometheus::MetricFamily> out;
    for (const auto& g : gauges_) {
      prometheus::MetricFamily f;
      f.name = g.name;
      f.help = g.help;
      f.type = prometheus::MetricType::Gauge;
      prometheus::ClientMetric m;
      m.gauge.value = g.read();
      f.metric.push_back(m);
      out.push_back(std::move(f));
    }
    return out;
  }

 private:
  struct Gauge {
    std::string name, help;
    std::function<double()> read;
  };
  mutable absl::Mutex mu_;
  std::vector<Gauge> gauges_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

struct Server::Metrics {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::shared_ptr<CallbackGauges> gauges = std::make_shared<CallbackGauges>();
  std::shared_ptr<CertificateExpiry> certificates = std::make_shared<CertificateExpiry>();
  std::unique_ptr<prometheus::Exposer> exposer;
  prometheus::Family<prometheus::Counter>* requests = nullptr;
  prometheus::Family<prometheus::Histogram>* latency = nullptr;
  // Calls between receiving their metadata and sending their status.
  std::atomic<int64_t> in_flight{0};
};

namespace {

// One method's metrics, resolved once: building label maps and bucket
// vectors on every call showed in profiles.
class MethodMetrics {
 public:
  MethodMetrics(std::string method, prometheus::Family<prometheus::Counter>* requests,
                prometheus::Family<prometheus::Histogram>* latency)
      : method_(std::move(method)),
        requests_(requests),
        latency_(&latency->Add({{"method", method_}}, prometheus::Histogram::BucketBoundaries{
                                                          0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                          0.1, 0.25, 0.5, 1, 2.5, 5, 10})) {}

  void Record(grpc::StatusCode code, double seconds) {
    latency_->Observe(seconds);
    auto index = static_cast<size_t>(code);
    if (index >= by_code_.size()) index = static_cast<size_t>(grpc::StatusCode::UNKNOWN);
    prometheus::Counter* counter = by_code_[index].load(std::memory_order_acquire);
    if (counter == nullptr) {
      counter = &requests_->Add({{"method", method_}, {"code", std::to_string(index)}});
      by_code_[index].store(counter, std::memory_order_release);
    }
    counter->Increment();
  }

 private:
  std::string method_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Histogram* latency_;
  // Family::Add returns the same counter for the same labels, so a race
  // between two first calls is harmless.
  std::array<std::atomic<prometheus::Counter*>, 17> by_code_{};
};

// Counts calls by method and code and records their latency (for streams:
// their lifetime).
class MetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(MethodMetrics* metrics, std::atomic<int64_t>* in_flight)
      : metrics_(metrics), in_flight_(in_flight) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      start_ = std::chrono::steady_clock::now();
      in_flight_->fetch_add(1);
      counted_ = true;
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      if (counted_) in_flight_->fetch_sub(1);
      counted_ = false;
      metrics_->Record(methods->GetSendStatus().error_code(),
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    }
    methods->Proceed();
  }

 private:
  MethodMetrics* metrics_;
  std::atomic<int64_t>* in_flight_;
  bool counted_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

class MetricsInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  MetricsInterceptorFactory(prometheus::Family<prometheus::Counter>* requests,
                            prometheus::Family<prometheus::Histogram>* latency,
                            std::atomic<int64_t>* in_flight)
      : requests_(requests), latency_(latency), in_flight_(in_flight) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    absl::string_view method = info->method() ? info->method() : "unknown";
    MethodMetrics* metrics;
    {
      absl::MutexLock lock(&mu_);
      auto it = by_method_.find(method);
      if (it == by_method_.end()) {
        it = by_method_
                 .emplace(std::string(method),
                          std::make_unique<MethodMetrics>(std::string(method), requests_, latency_))
                 .first;
      }
      metrics = it->second.get();
    }
    return new MetricsInterceptor(metrics, in_flight_);
  }

 private:
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* latency_;
  std::atomic<int64_t>* in_flight_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<MethodMetrics>, std::less<>> by_method_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

Server::Server(ServerOptions options) : options_(std::move(options)), metrics_(new Metrics) {
  metrics_->requests = &prometheus::BuildCounter()
                            .Name("rcp_grpc_requests_total")
                            .Help("gRPC calls handled, by method and status code")
                            .Register(*metrics_->registry);
  metrics_->latency = &prometheus::BuildHistogram()
                           .Name("rcp_grpc_request_duration_seconds")
                           .Help("gRPC call latency (stream lifetime for streams), by method")
                           .Register(*metrics_->registry);
}

Server::~Server() { Shutdown(); }

void Server::AddService(grpc::Service* service) { services_.push_back(service); }

void Server::OnShutdown(std::function<void()> hook) { shutdown_hooks_.push_back(std::move(hook)); }

prometheus::Registry& Server::metrics() { return *metrics_->registry; }

std::shared_ptr<grpc::Channel> Server::InProcessChannel() {
  grpc::ChannelArguments args;
  return server_->InProcessChannel(args);
}

void Server::WatchCertificateExpiry(const std::string& path) { metrics_->certificates->Add(path); }

void Server::AddGauge(const std::string& name, const std::string& help, std::function<double()> read) {
  metrics_->gauges->Add(name, help, std::move(read));
}

bool IsLoopbackAddress(const std::string& host_port) {
  std::string host = host_port.substr(0, host_port.rfind(':'));
  return absl::StartsWith(host, "127.") || host == "localhost" || host == "[::1]";
}

absl::Status CheckListenerSecurity(const ServerOptions& options) {
  if (IsLoopbackAddress(options.listen_address)) return absl::OkStatus();
  bool tls = !options.tls_cert_file.empty();
  if (options.exposure == Exposure::kPublic) {
    if (tls || options.insecure) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat(
        "listen: ", options.listen_address,
        " is beyond loopback and the port would carry API keys in plaintext; give --tls_cert and "
        "--tls_key (or --insecure, to serve without TLS)"));
  }
  if (options.internal_tokens && !tls) {
    return absl::FailedPreconditionError(absl::StrCat(
        "listen: ", options.listen_address,
        " is beyond loopback, where the internal token needs TLS (plaintext with a token is accepted from "
        "loopback alone); give --tls_cert and --tls_key"));
  }
  bool mtls = tls && !options.tls_client_ca_file.empty();
  if (options.internal_tokens || mtls || options.insecure) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "listen: ", options.listen_address,
      " is beyond loopback without internal authentication, so anyone could go around the gateway's "
      "policy; give --internal_token_file (with --tls_cert and --tls_key) or --tls_client_ca, or "
      "--insecure to serve anyone"));
}

absl::Status Server::Start() {
  RCP_RETURN_IF_ERROR(CheckListenerSecurity(options_));
  if (options_.insecure) {
    spdlog::warn("msg=\"running with --insecure: {}\" service={}",
                 options_.exposure == Exposure::kPublic ? "the public port may serve without TLS"
                                                        : "any caller that reaches the port is served, around the "
                                                          "gateway's policy",
                 options_.service_name);
  }
  bool insecure = options_.insecure;
  AddGauge("rcp_insecure", "1 when the daemon runs with --insecure (it may serve beyond loopback unprotected)",
           [insecure] { return insecure ? 1.0 : 0.0; });
  AddGauge("rcp_grpc_requests_in_flight", "calls received and not yet answered (open streams included)",
           [metrics = metrics_.get()] { return static_cast<double>(metrics->in_flight.load()); });
  // Debian builds Abseil without NDEBUG, which leaves absl::Mutex's deadlock
  // detector on: every lock (gRPC's included) then updates a global lock
  // graph under a global lock, 1-2% of a busy daemon's CPU in profiles.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  std::shared_ptr<grpc::ServerCredentials> creds;
  bool tls = !options_.tls_cert_file.empty() || !options_.tls_key_file.empty();
  if (tls) {
    if (options_.tls_cert_file.empty() || options_.tls_key_file.empty()) {
      return absl::InvalidArgumentError("tls_cert and tls_key: both are needed for TLS");
    }
    TlsFiles files{{options_.tls_cert_file, "tls_cert"},
                   {options_.tls_key_file, "tls_key"},
                   {options_.tls_client_ca_file, "tls_client_ca"},
                   options_.credential_reload};
    auto watched = WatchedServerCredentials(files);
    if (!watched.ok()) return watched.status();
    creds = *std::move(watched);
    metrics_->certificates->Add(options_.tls_cert_file);
  } else if (options_.internal_tokens) {
    // Plaintext with a token: gRPC attaches token checks only to secure
    // credentials, and "local" credentials are those for plaintext that
    // accept loopback peers alone; beyond loopback, use TLS.
    creds = grpc::experimental::LocalServerCredentials(LOCAL_TCP);
  } else {
    creds = grpc::InsecureServerCredentials();
  }
  if (options_.internal_tokens) {
    creds->SetAuthMetadataProcessor(std::make_shared<InternalTokenProcessor>(options_.internal_tokens));
  }

  grpc::ServerBuilder builder;
  // Without this, a second daemon on the same port would silently share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(options_.listen_address, creds, &port_);
  for (auto* s : services_) builder.RegisterService(s);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<MetricsInterceptorFactory>(metrics_->requests, metrics_->latency,
                                                                  &metrics_->in_flight));
  builder.experimental().SetInterceptorCreators(std::move(factories));
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    return absl::UnavailableError(absl::StrCat("listen: cannot listen on ", options_.listen_address,
                                               " (address in use or not local?)"));
  }

  if (!options_.metrics_address.empty()) {
    try {
      metrics_->exposer = std::make_unique<prometheus::Exposer>(options_.metrics_address);
    } catch (const std::exception& e) {
      return absl::UnavailableError(
          absl::StrCat("metrics_listen: cannot listen on ", options_.metrics_address, ": ", e.what()));
    }
    metrics_->exposer->RegisterCollectable(metrics_->registry);
    metrics_->exposer->RegisterCollectable(metrics_->gauges);
    metrics_->exposer->RegisterCollectable(metrics_->certificates);
    auto ports = metrics_->exposer->GetListeningPorts();
    metrics_port_ = ports.empty() ? 0 : ports.front();
  }

  server_->GetHealthCheckService()->SetServingStatus(kLivenessService, true);
  if (!options_.health_address.empty()) {
    // Health alone, in plaintext: the status of a probe is no secret, and
    // no other service is registered on this port.
    grpc::ServerBuilder health;
    health.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    health.AddListeningPort(options_.health_address, grpc::InsecureServerCredentials(), &health_port_);
    health_server_ = health.BuildAndStart();
    if (!health_server_ || health_port_ == 0) {
      return absl::UnavailableError(absl::StrCat("health_listen: cannot listen on ", options_.health_address,
                                                 " (address in use or not local?)"));
    }
    health_server_->GetHealthCheckService()->SetServingStatus(kLivenessService, true);
  }

  std::string host = options_.listen_address.substr(0, options_.listen_address.rfind(':'));
  spdlog::info(
      "msg=listening service={} address={}:{} tls={} mtls={} internal_auth={} metrics_port={} health_port={}",
      options_.service_name, host, port_, tls, !options_.tls_client_ca_file.empty(),
      options_.internal_tokens != nullptr, metrics_port_, health_port_);
  return absl::OkStatus();
}

void Server::BlockSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void Server::WaitForSignal() {
  service_manager::Ready(absl::StrCat("serving on port ", port_));
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("msg=\"shutting down\" service={} signal={} shutdown_delay={}", options_.service_name,
               sig == SIGINT ? "SIGINT" : "SIGTERM", absl::FormatDuration(options_.shutdown_delay));
  service_manager::Stopping("draining");
  if (options_.shutdown_delay > absl::ZeroDuration() && server_) {
    SetReady(false);
    // A second signal cuts the delay short, as an impatient operator expects.
    timespec wait = absl::ToTimespec(options_.shutdown_delay);
    sigtimedwait(&set, nullptr, &wait);
  }
  Shutdown();
}

void Server::SetReady(bool ready) {
  server_->GetHealthCheckService()->SetServingStatus("", ready);
  if (health_server_) health_server_->GetHealthCheckService()->SetServingStatus("", ready);
}

void Server::Shutdown() {
  if (shut_down_ || !server_) return;
  shut_down_ = true;
  // Probes see NOT_SERVING at once, liveness included: the process is going.
  server_->GetHealthCheckService()->Shutdown();
  if (health_server_) health_server_->GetHealthCheckService()->Shutdown();
  for (auto& hook : shutdown_hooks_) hook();
  // gRPC's own Shutdown(deadline) also waits for idle client connections to
  // close, which well-behaved clients may take seconds to do. So drain the
  // calls in flight here, within the grace period, then shut down at once.
  absl::Time deadline = absl::Now() + options_.grace_period;
  while (metrics_->in_flight.load() > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  if (metrics_->in_flight.load() > 0) {
    spdlog::warn("msg=\"grace period over; cancelling calls\" service={} calls={}", options_.service_name,
                 metrics_->in_flight.load());
  }
  server_->Shutdown(std::chrono::system_clock::now());
  server_->Wait();
  if (health_server_) {
    health_server_->Shutdown(std::chrono::system_clock::now());
    health_server_->Wait();
  }
  spdlog::info("msg=stopped service={}", options_.service_name);
}

}  // namespace rcp::server
