#include "services/gateway/upstream.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/server/principal.h"
#include "common/server/server.h"

namespace rcp::gateway {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, const char* flag) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(flag, ": cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Upstream>> Upstream::Connect(const GatewayOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (options.upstream_ca_file.empty()) {
    creds = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    auto ca = ReadFile(options.upstream_ca_file, "upstream_ca");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
    if (!options.upstream_cert_file.empty()) {
      auto cert = ReadFile(options.upstream_cert_file, "upstream_cert");
      if (!cert.ok()) return cert.status();
      auto key = ReadFile(options.upstream_key_file, "upstream_key");
      if (!key.ok()) return key.status();
      ssl.pem_cert_chain = *cert;
      ssl.pem_private_key = *key;
    }
    creds = grpc::SslCredentials(ssl);
  }
  for (const auto& [flag, address] :
       {std::pair<const char*, const std::string&>{"registry", options.registry_address},
        {"events", options.events_address},
        {"documents", options.documents_address}}) {
    if (address.empty())
      return absl::InvalidArgumentError(absl::StrCat(flag, ": the service's address is required"));
  }
  std::unique_ptr<Upstream> up(new Upstream(options));
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(8 << 20);
  up->registry_ =
      rcp::registry::v1::Registry::NewStub(grpc::CreateCustomChannel(options.registry_address, creds, args));
  up->events_ =
      rcp::events::v1::Events::NewStub(grpc::CreateCustomChannel(options.events_address, creds, args));
  up->documents_ = rcp::documents::v1::Documents::NewStub(
      grpc::CreateCustomChannel(options.documents_address, creds, args));
  return up;
}

void Upstream::Prepare(grpc::ClientContext* context, const std::string& principal,
                       const grpc::ServerContextBase* client, bool streaming) const {
  if (!options_.internal_token.empty())
    context->AddMetadata(server::kInternalTokenHeader, options_.internal_token);
  if (!principal.empty()) context->AddMetadata(server::kPrincipalHeader, principal);
  if (streaming) return;
  // The client's own deadline when it set one (a commit that re-hashes a
  // large upload may need it); otherwise the gateway's default.
  auto deadline = std::chrono::system_clock::now() + absl::ToChronoNanoseconds(options_.upstream_deadline);
  if (client != nullptr && client->deadline() != std::chrono::system_clock::time_point::max()) {
    deadline = client->deadline();
  }
  context->set_deadline(deadline);
}

}  // namespace rcp::gateway
