// Flags shared by every daemon. Each flag --name can also be set by the
// environment variable RCP_NAME (upper case); the command line wins.
#ifndef RCP_COMMON_SERVER_FLAGS_H_
#define RCP_COMMON_SERVER_FLAGS_H_

#include <string>

#include "absl/flags/declare.h"
#include "absl/time/time.h"
#include "common/server/server.h"

ABSL_DECLARE_FLAG(std::string, listen);
ABSL_DECLARE_FLAG(std::string, data_dir);
ABSL_DECLARE_FLAG(std::string, tls_cert);
ABSL_DECLARE_FLAG(std::string, tls_key);
ABSL_DECLARE_FLAG(std::string, tls_client_ca);
ABSL_DECLARE_FLAG(std::string, internal_token);
ABSL_DECLARE_FLAG(std::string, internal_token_file);
ABSL_DECLARE_FLAG(absl::Duration, credential_reload);
ABSL_DECLARE_FLAG(bool, insecure);
ABSL_DECLARE_FLAG(std::string, metrics_listen);
ABSL_DECLARE_FLAG(absl::Duration, grace_period);
ABSL_DECLARE_FLAG(absl::Duration, shutdown_delay);
ABSL_DECLARE_FLAG(std::string, log_level);
ABSL_DECLARE_FLAG(int, handler_threads);
ABSL_DECLARE_FLAG(std::string, deployment_id);

namespace rcp::server {

// Applies RCP_* environment variables, then parses the command line, then
// sets up logging. Exits with a message on a bad flag or value.
void ParseFlags(int argc, char** argv, const char* usage);

// The ServerOptions the flags describe (reads --internal_token_file), for a
// port of `exposure`. Also begins the daemon's start: tells the service
// manager (service_manager.h) and raises the open-file limit. Exits with a clear message when a file cannot be read
// or the listener would be unprotected (CheckListenerSecurity): call it
// before opening anything.
ServerOptions ServerOptionsFromFlags(const std::string& service_name, Exposure exposure);

// This deployment's id from --deployment_id (a DNS-like name, see
// resource::ValidateDeploymentId). Exits with a clear message when malformed.
std::string DeploymentIdFromFlags();

// Structured (logfmt) logs on stderr at `level` (trace … critical).
void InitLogging(const std::string& service_name, const std::string& level);

}  // namespace rcp::server

#endif  // RCP_COMMON_SERVER_FLAGS_H_
