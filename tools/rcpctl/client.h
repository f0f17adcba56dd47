// rcpctl's connection to the gateway: one channel (TLS when a CA file is
// given, plaintext otherwise), the stubs of the four services the gateway
// serves, the `authorization: Bearer <key>` metadata on every call, and the
// mapping from a gRPC status to the message and exit code rcpctl reports.
#ifndef RCP_TOOLS_RCPCTL_CLIENT_H_
#define RCP_TOOLS_RCPCTL_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "rcp/documents/v1/documents.grpc.pb.h"
#include "rcp/events/v1/events.grpc.pb.h"
#include "rcp/federation/v1/federation.grpc.pb.h"
#include "rcp/gateway/v1/gateway.grpc.pb.h"
#include "rcp/registry/v1/registry.grpc.pb.h"

namespace rcp::rcpctl {

// Process exit codes. Scripts may rely on them.
enum ExitCode : int {
  kExitOk = 0,
  kExitOther = 1,        // anything not listed below
  kExitUsage = 2,        // the command line did not parse
  kExitNotFound = 3,     // NOT_FOUND
  kExitDenied = 4,       // PERMISSION_DENIED, UNAUTHENTICATED
  kExitInvalid = 5,      // INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE, ALREADY_EXISTS
  kExitUnavailable = 6,  // UNAVAILABLE, DEADLINE_EXCEEDED
  kExitDataLoss = 7,     // DATA_LOSS (checksum mismatch)
};

// The exit code for a status (kExitOk for OK).
int ExitCodeFor(grpc::StatusCode code);
inline int ExitCodeFor(const grpc::Status& status) { return ExitCodeFor(status.error_code()); }

// "NOT_FOUND", "UNAVAILABLE", … (the canonical upper-case names).
std::string StatusCodeName(grpc::StatusCode code);

// "rcpctl: NOT_FOUND: processes/x does not exist" — what rcpctl prints on
// stderr for a failed command.
std::string FormatError(const grpc::Status& status);

struct ConnectionOptions {
  // host:port of rcp-gatewayd.
  std::string address = "127.0.0.1:7100";
  // The API key ("rcp_<id>_<secret>"), sent as `authorization: Bearer <key>`.
  // Empty: no authorization header (the gateway will answer UNAUTHENTICATED).
  std::string key;
  // PEM file of the root certificate(s) to trust. Non-empty: TLS; empty:
  // plaintext.
  std::string ca_file;
  // Deadline of every unary call.
  std::chrono::milliseconds unary_deadline = std::chrono::seconds(30);
};

class Client {
 public:
  // Builds the channel (reads ca_file when set). Does not connect yet: the
  // first call does. INVALID_ARGUMENT when the CA file cannot be read.
  static grpc::Status Connect(const ConnectionOptions& options, std::unique_ptr<Client>* client);
  // Over an existing channel (tests, or a channel built elsewhere).
  Client(std::shared_ptr<grpc::Channel> channel, ConnectionOptions options);

  // Adds the authorization metadata, and for unary calls the deadline
  // (`deadline_scale` multiplies the configured unary deadline).
  void PrepareUnary(grpc::ClientContext* context, double deadline_scale = 1.0) const;
  // Authorization only: streams run as long as they need.
  void PrepareStream(grpc::ClientContext* context) const;

  // Runs one unary call with a prepared context:
  //   client.Unary([&](grpc::ClientContext* c) { return stub.GetProcess(c, req, &resp); });
  template <typename Call>
  grpc::Status Unary(Call&& call, double deadline_scale = 1.0) const {
    grpc::ClientContext context;
    PrepareUnary(&context, deadline_scale);
    return call(&context);
  }

  rcp::registry::v1::Registry::StubInterface& registry() { return *registry_; }
  rcp::events::v1::Events::StubInterface& events() { return *events_; }
  rcp::documents::v1::Documents::StubInterface& documents() { return *documents_; }
  rcp::gateway::v1::Gateway::StubInterface& gateway() { return *gateway_; }
  rcp::federation::v1::Federation::StubInterface& federation() { return *federation_; }
  rcp::federation::v1::FederationAdmin::StubInterface& federation_admin() { return *federation_admin_; }

  const ConnectionOptions& options() const { return options_; }

 private:
  ConnectionOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<rcp::registry::v1::Registry::StubInterface> registry_;
  std::unique_ptr<rcp::events::v1::Events::StubInterface> events_;
  std::unique_ptr<rcp::documents::v1::Documents::StubInterface> documents_;
  std::unique_ptr<rcp::gateway::v1::Gateway::StubInterface> gateway_;
  std::unique_ptr<rcp::federation::v1::Federation::StubInterface> federation_;
  std::unique_ptr<rcp::federation::v1::FederationAdmin::StubInterface> federation_admin_;
};

// Resource-name helpers: accept the short and the full form.
//   ProcessName("bali-process") == ProcessName("processes/bali-process")
//     == "processes/bali-process"
std::string ProcessName(const std::string& id_or_name);
//   PartyName("IDN") == "parties/IDN"
std::string PartyName(const std::string& code_or_name);
//   ApiKeyName("abc") == "apiKeys/abc"
std::string ApiKeyName(const std::string& id_or_name);
// Meetings and documents live under a process: "bali-process/meetings/som"
// gets the "processes/" prefix; a full name is kept.
std::string UnderProcessName(const std::string& name);
// The last segment of a resource name ("processes/x" → "x").
std::string ShortName(const std::string& name);

// The directory rcpctl keeps its state in: $XDG_STATE_HOME/rcpctl, else
// $HOME/.local/state/rcpctl (not created here).
std::string DefaultStateDir();

}  // namespace rcp::rcpctl

#endif  // RCP_TOOLS_RCPCTL_CLIENT_H_
