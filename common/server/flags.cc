#include "common/server/flags.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/io/file.h"
#include "common/resource/resource.h"
#include "common/server/service_manager.h"
#include "common/version/version.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "host:port to serve gRPC on (port 0 = any free port)");
ABSL_FLAG(std::string, data_dir, "./data", "directory of this service's database");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain; with --tls_key enables TLS");
ABSL_FLAG(std::string, tls_key, "", "PEM private key for --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "", "PEM CA; clients must present a certificate it signed (mTLS)");
ABSL_FLAG(std::string, internal_token, "",
          "shared secret every caller of a data service must present (x-rcp-internal-token); "
          "prefer --internal_token_file");
ABSL_FLAG(std::string, internal_token_file, "",
          "file holding the internal token, one per line: callers present the first, services accept any "
          "(two while a rotation is under way); reread when it changes");
ABSL_FLAG(absl::Duration, credential_reload, absl::Seconds(10),
          "how often changed certificate, key, CA and internal token files are looked for (no restart needed)");
ABSL_FLAG(bool, insecure, false,
          "serve beyond loopback without protection: a data service without internal authentication, the "
          "gateway without TLS (warned of at start, and exported as the rcp_insecure metric)");
ABSL_FLAG(std::string, metrics_listen, "", "host:port for the Prometheus /metrics endpoint");
ABSL_FLAG(std::string, health_listen, "",
          "host:port of a plaintext port serving grpc.health.v1 alone (for probes that speak neither TLS nor "
          "the internal token, such as the kubelet's): \"\" is readiness, \"liveness\" whether the process "
          "lives");
ABSL_FLAG(absl::Duration, grace_period, absl::Seconds(10), "how long in-flight calls may run after SIGTERM");
ABSL_FLAG(absl::Duration, shutdown_delay, absl::ZeroDuration(),
          "after SIGTERM, how long to go on serving while health says NOT_SERVING (so load balancers "
          "stop sending calls), before draining for --grace_period");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error or critical");
ABSL_FLAG(
    std::string, deployment_id, "rcp-exchange.local",
    "this deployment's stable, DNS-like id (e.g. bali-process.rcp): the home of the processes it creates, "
    "the domain of its calendar UIDs, its name among federated deployments");
ABSL_FLAG(int, handler_threads, 64,
          "threads running blocking storage work (synced writers share fsyncs, so more "
          "concurrent writers cost little)");

namespace rcp::server {

std::string DeploymentIdFromFlags() {
  std::string id = absl::GetFlag(FLAGS_deployment_id);
  if (absl::Status s = resource::ValidateDeploymentId("deployment_id", id); !s.ok()) {
    std::cerr << "--" << s.message() << "\n";
    std::exit(2);
  }
  return id;
}

void ParseFlags(int argc, char** argv, const char* usage) {
  absl::SetProgramUsageMessage(usage);
  absl::FlagsUsageConfig config;
  std::string program = argv[0];
  program = program.substr(program.rfind('/') + 1);
  config.version_string = [program] { return absl::StrCat(program, " ", kVersion, "\n"); };
  absl::SetFlagsUsageConfig(config);
  const auto flags = absl::GetAllFlags();
  // A variable that names no flag is most likely a renamed or misspelt one,
  // which would otherwise be ignored without a word.
  for (char** e = environ; *e != nullptr; ++e) {
    absl::string_view entry(*e);
    absl::string_view name = entry.substr(0, entry.find('='));
    if (!absl::ConsumePrefix(&name, "RCP_")) continue;
    if (flags.count(absl::AsciiStrToLower(name)) == 0) {
      std::cerr << "warning: environment variable RCP_" << name << " names no flag of " << program
                << " (see --help): ignored\n";
    }
  }
  for (const auto& [name, flag] : flags) {
    std::string env = absl::StrCat("RCP_", absl::AsciiStrToUpper(name));
    const char* value = std::getenv(env.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      std::cerr << "invalid value in environment variable " << env << ": " << error << "\n";
      std::exit(2);
    }
  }
  absl::ParseCommandLine(argc, argv);
}

namespace {

// Every open stream, watcher and RocksDB file costs a descriptor; the soft
// limit (often 1024) is a default, the hard limit is what the operator
// allows (LimitNOFILE=, the container's ulimit).
void RaiseFileLimit(const std::string& service_name) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    spdlog::warn("msg=\"cannot raise the open-file limit\" service={} limit={}", service_name, before);
  }
}

}  // namespace

ServerOptions ServerOptionsFromFlags(const std::string& service_name, Exposure exposure) {
  service_manager::Starting(absl::StrCat("starting ", service_name));
  RaiseFileLimit(service_name);
  ServerOptions o;
  o.service_name = service_name;
  o.exposure = exposure;
  o.insecure = absl::GetFlag(FLAGS_insecure);
  o.listen_address = absl::GetFlag(FLAGS_listen);
  o.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  o.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  o.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  o.credential_reload = absl::GetFlag(FLAGS_credential_reload);
  if (o.credential_reload <= absl::ZeroDuration()) {
    spdlog::critical("msg=\"credential_reload: must be positive\" value={}", absl::FormatDuration(o.credential_reload));
    std::exit(2);
  }
  if (std::string token = absl::GetFlag(FLAGS_internal_token); !token.empty()) {
    o.internal_tokens = InternalTokens::Fixed(std::move(token));
  }
  if (std::string token_file = absl::GetFlag(FLAGS_internal_token_file); !token_file.empty()) {
    auto tokens = InternalTokens::FromFile(token_file, "internal_token_file", o.credential_reload);
    if (!tokens.ok()) {
      spdlog::critical("msg=\"cannot read --internal_token_file\" path={} error=\"{}\"", token_file,
                       std::string(tokens.status().message()));
      std::exit(2);
    }
    o.internal_tokens = *std::move(tokens);
  }
  o.metrics_address = absl::GetFlag(FLAGS_metrics_listen);
  o.health_address = absl::GetFlag(FLAGS_health_listen);
  o.grace_period = absl::GetFlag(FLAGS_grace_period);
  o.shutdown_delay = absl::GetFlag(FLAGS_shutdown_delay);
  if (absl::Status s = CheckListenerSecurity(o); !s.ok()) {
    spdlog::critical("msg=\"refusing to start\" service={} error=\"{}\"", service_name, std::string(s.message()));
    std::exit(2);
  }
  return o;
}

void InitLogging(const std::string& service_name, const std::string& level) {
  auto logger =
      std::make_shared<spdlog::logger>(service_name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l service=%n %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

}  // namespace rcp::server
