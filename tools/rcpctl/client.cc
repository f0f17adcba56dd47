#include "tools/rcpctl/client.h"

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/io/file.h"

namespace rcp::rcpctl {

int ExitCodeFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return kExitOk;
    case grpc::StatusCode::NOT_FOUND:
      return kExitNotFound;
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
      return kExitDenied;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::ALREADY_EXISTS:
      return kExitInvalid;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return kExitUnavailable;
    case grpc::StatusCode::DATA_LOSS:
      return kExitDataLoss;
    default:
      return kExitOther;
  }
}

std::string StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return absl::StrCat("CODE_", static_cast<int>(code));
  }
}

std::string FormatError(const grpc::Status& status) {
  std::string message = status.error_message();
  if (message.empty()) message = "(no message)";
  return absl::StrCat("rcpctl: ", StatusCodeName(status.error_code()), ": ", message);
}

grpc::Status Client::Connect(const ConnectionOptions& options, std::unique_ptr<Client>* client) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.ca_file.empty()) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    absl::StatusOr<std::string> pem = io::ReadFile(options.ca_file);
    if (!pem.ok()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat("--ca_file: cannot read ", options.ca_file));
    }
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = *std::move(pem);
    credentials = grpc::SslCredentials(ssl);
  }
  if (options.address.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "--address: must not be empty");
  }
  grpc::ChannelArguments args;
  // Large enough for one 1 MiB chunk plus framing in either direction.
  args.SetMaxReceiveMessageSize(8 << 20);
  args.SetMaxSendMessageSize(8 << 20);
  auto channel = grpc::CreateCustomChannel(options.address, credentials, args);
  *client = std::make_unique<Client>(std::move(channel), options);
  return grpc::Status::OK;
}

Client::Client(std::shared_ptr<grpc::Channel> channel, ConnectionOptions options)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      registry_(rcp::registry::v1::Registry::NewStub(channel_)),
      events_(rcp::events::v1::Events::NewStub(channel_)),
      documents_(rcp::documents::v1::Documents::NewStub(channel_)),
      gateway_(rcp::gateway::v1::Gateway::NewStub(channel_)),
      federation_(rcp::federation::v1::Federation::NewStub(channel_)),
      federation_admin_(rcp::federation::v1::FederationAdmin::NewStub(channel_)) {}

void Client::PrepareStream(grpc::ClientContext* context) const {
  if (!options_.key.empty()) context->AddMetadata("authorization", "Bearer " + options_.key);
}

void Client::PrepareUnary(grpc::ClientContext* context, double deadline_scale) const {
  PrepareStream(context);
  auto deadline =
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.unary_deadline * deadline_scale);
  context->set_deadline(std::chrono::system_clock::now() + deadline);
}

namespace {
std::string WithPrefix(const std::string& prefix, const std::string& value) {
  if (absl::StartsWith(value, prefix)) return value;
  return prefix + value;
}
}  // namespace

std::string ProcessName(const std::string& id_or_name) { return WithPrefix("processes/", id_or_name); }
std::string PartyName(const std::string& code_or_name) { return WithPrefix("parties/", code_or_name); }
std::string ApiKeyName(const std::string& id_or_name) { return WithPrefix("apiKeys/", id_or_name); }
std::string UnderProcessName(const std::string& name) { return WithPrefix("processes/", name); }

std::string ShortName(const std::string& name) {
  auto slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

std::string DefaultStateDir() {
  const char* xdg = std::getenv("XDG_STATE_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/rcpctl";
  const char* home = std::getenv("HOME");
  std::string base = (home != nullptr && home[0] != '\0') ? home : ".";
  return base + "/.local/state/rcpctl";
}

}  // namespace rcp::rcpctl
