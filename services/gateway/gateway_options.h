// Options of the gateway, as plain values (main fills them from flags).
#ifndef RCP_SERVICES_GATEWAY_GATEWAY_OPTIONS_H_
#define RCP_SERVICES_GATEWAY_GATEWAY_OPTIONS_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "common/server/internal_token.h"

namespace rcp::gateway {

struct GatewayOptions {
  // host:port of the data services.
  std::string registry_address;
  std::string events_address;
  std::string documents_address;
  // Presented to the data services as x-rcp-internal-token (the file's
  // current token, reread when it changes); none = no token (loopback).
  std::shared_ptr<server::InternalTokens> internal_tokens;
  // PEM CA to verify the data services' TLS certificates; empty = plaintext
  // (loopback). With client_cert/client_key, the gateway presents them (mTLS).
  std::string upstream_ca_file;
  std::string upstream_cert_file;
  std::string upstream_key_file;
  // How often changed upstream certificate, key and CA files are reread.
  absl::Duration credential_reload = absl::Seconds(10);

  // How long an authenticated key's principal is reused before the registry
  // is asked again: the bound on how long a revoked key keeps working.
  // Default: 10 s.
  absl::Duration auth_cache_ttl = absl::Seconds(10);
  // Deadline of each call to a data service (a client's shorter deadline
  // wins). Default: 10 s.
  absl::Duration upstream_deadline = absl::Seconds(10);

  // This deployment's stable id (federation).
  std::string deployment_id = "rcp-exchange.local";

  // Subscribe: changes kept in memory per service for resuming subscribers.
  // Default: 100,000.
  size_t feed_log_limit = 100000;
  // Subscribe: an idle subscriber gets a message with a fresh cursor this
  // often. Default: 15 s.
  absl::Duration heartbeat_interval = absl::Seconds(15);
};

}  // namespace rcp::gateway

#endif  // RCP_SERVICES_GATEWAY_GATEWAY_OPTIONS_H_
