#include "services/gateway/upstream/upstream.h"

#include "absl/strings/str_cat.h"
#include "common/audience/audience.h"
#include "common/resource/kinds.h"
#include "common/server/principal.h"
#include "common/server/server.h"
#include "common/server/tls_files.h"
#include "common/status/status.h"

namespace rcp::gateway::upstream {
namespace {

namespace reg = ::rcp::registry::v1;
namespace ev = ::rcp::events::v1;
namespace doc = ::rcp::documents::v1;

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(const GatewayOptions& options) {
  if (options.upstream_ca_file.empty()) return grpc::InsecureChannelCredentials();
  return server::WatchedChannelCredentials({{options.upstream_cert_file, "upstream_cert"},
                                            {options.upstream_key_file, "upstream_key"},
                                            {options.upstream_ca_file, "upstream_ca"},
                                            options.credential_reload});
}

// One Get of the item's service, for the forwarder's reads of stored items.
template <typename Request, typename Response, typename Stub, typename Method>
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Get(const Upstream& up, Stub* stub, Method method,
                                                               const For& who, const std::string& name,
                                                               const grpc::ServerContextBase* client) {
  Request request;
  request.set_name(name);
  auto response = std::make_unique<Response>();
  grpc::Status s = up.WithRetry(
      who, client, [&](grpc::ClientContext* c) { return (stub->*method)(c, request, response.get()); });
  if (!s.ok()) return FromGrpcStatus(s);
  return std::unique_ptr<google::protobuf::Message>(std::move(response));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Upstream>> Upstream::Connect(const GatewayOptions& options) {
  for (const auto& [flag, address] :
       {std::pair<const char*, const std::string&>{"registry", options.registry_address},
        {"events", options.events_address},
        {"documents", options.documents_address}}) {
    if (address.empty())
      return absl::InvalidArgumentError(absl::StrCat(flag, ": the service's address is required"));
  }
  RCP_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> creds, Credentials(options));
  grpc::ChannelArguments args;
  // Federation's catch-up reads and applies batches of items: room for
  // their largest answers.
  args.SetMaxSendMessageSize(64 << 20);
  args.SetMaxReceiveMessageSize(64 << 20);
  Stubs stubs;
  auto registry = grpc::CreateCustomChannel(options.registry_address, creds, args);
  auto events = grpc::CreateCustomChannel(options.events_address, creds, args);
  auto documents = grpc::CreateCustomChannel(options.documents_address, creds, args);
  stubs.registry = reg::Registry::NewStub(registry);
  stubs.events = ev::Events::NewStub(events);
  stubs.documents = doc::Documents::NewStub(documents);
  using resource::Service;
  stubs.replicas[static_cast<size_t>(Service::kRegistry)] = rcp::federation::v1::Replica::NewStub(registry);
  stubs.replicas[static_cast<size_t>(Service::kEvents)] = rcp::federation::v1::Replica::NewStub(events);
  stubs.replicas[static_cast<size_t>(Service::kDocuments)] = rcp::federation::v1::Replica::NewStub(documents);
  return std::make_unique<Upstream>(std::move(stubs), options);
}

Upstream::Upstream(Stubs stubs, const GatewayOptions& options)
    : stubs_(std::move(stubs)), options_(options) {}

void Upstream::Prepare(grpc::ClientContext* context, const For& who, const grpc::ServerContextBase* client,
                       bool streaming) const {
  if (options_.internal_tokens != nullptr)
    context->AddMetadata(server::kInternalTokenHeader, options_.internal_tokens->Current());
  if (who.principal != nullptr) {
    // Anonymous callers have no key to name in the services' audit.
    if (!who.principal->api_key().empty())
      context->AddMetadata(server::kPrincipalHeader, who.principal->api_key());
    if (who.as_viewer) context->AddMetadata(audience::kViewerHeader, who.principal->SerializeAsString());
  }
  if (streaming) return;
  // The client's own deadline when it set one (a commit that re-hashes a
  // large upload may need it); otherwise the gateway's default.
  auto deadline = std::chrono::system_clock::now() + absl::ToChronoNanoseconds(options_.upstream_deadline);
  if (client != nullptr && client->deadline() != std::chrono::system_clock::time_point::max()) {
    deadline = client->deadline();
  }
  context->set_deadline(deadline);
}

absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Upstream::Fetch(
    const For& who, const std::string& name, absl::string_view field, const grpc::ServerContextBase* client) {
  using resource::Kind;
  const resource::KindInfo* kind = resource::KindOfName(name);
  switch (kind == nullptr ? Kind::kFederationPeer : kind->kind) {
    case Kind::kMeeting:
      return Get<ev::GetMeetingRequest, ev::Meeting>(*this, events(), &ev::Events::StubInterface::GetMeeting,
                                                     who, name, client);
    case Kind::kDocument:
      return Get<doc::GetDocumentRequest, doc::Document>(
          *this, documents(), &doc::Documents::StubInterface::GetDocument, who, name, client);
    case Kind::kUpload:
      return Get<doc::GetUploadSessionRequest, doc::UploadSession>(
          *this, documents(), &doc::Documents::StubInterface::GetUploadSession, who, name, client);
    case Kind::kProcess:
      return Get<reg::GetProcessRequest, reg::Process>(
          *this, registry(), &reg::Registry::StubInterface::GetProcess, who, name, client);
    case Kind::kParty:
      return Get<reg::GetPartyRequest, reg::Party>(*this, registry(), &reg::Registry::StubInterface::GetParty,
                                                   who, name, client);
    case Kind::kMembership:
      return Get<reg::GetMembershipRequest, reg::Membership>(
          *this, registry(), &reg::Registry::StubInterface::GetMembership, who, name, client);
    case Kind::kChairTerm:
      return Get<reg::GetChairTermRequest, reg::ChairTerm>(
          *this, registry(), &reg::Registry::StubInterface::GetChairTerm, who, name, client);
    case Kind::kFocalPoint:
      return Get<reg::GetFocalPointRequest, reg::FocalPoint>(
          *this, registry(), &reg::Registry::StubInterface::GetFocalPoint, who, name, client);
    case Kind::kApiKey:
      return Get<reg::GetApiKeyRequest, reg::ApiKey>(
          *this, registry(), &reg::Registry::StubInterface::GetApiKey, who, name, client);
    case Kind::kFederationPeer:
      break;
  }
  return InvalidField(field,
                      name.empty() ? "is required" : absl::StrCat("'", name, "' is not the name of an item"));
}

absl::StatusOr<Principal> Upstream::Authenticate(const std::string& key) {
  reg::AuthenticateRequest request;
  request.set_key(key);
  Principal principal;
  grpc::Status s = WithRetry(
      {}, nullptr, [&](grpc::ClientContext* c) { return registry()->Authenticate(c, request, &principal); });
  if (!s.ok()) return FromGrpcStatus(s);
  return principal;
}

absl::StatusOr<Principal> Upstream::ResolveKeyName(const std::string& name) {
  reg::ResolveApiKeyRequest request;
  request.set_name(name);
  Principal principal;
  grpc::Status s = WithRetry(
      {}, nullptr, [&](grpc::ClientContext* c) { return registry()->ResolveApiKey(c, request, &principal); });
  if (!s.ok()) return FromGrpcStatus(s);
  return principal;
}

absl::StatusOr<reg::CreateWebSessionResponse> Upstream::CreateWebSession(const reg::CreateWebSessionRequest& request) {
  reg::CreateWebSessionResponse response;
  grpc::Status s = WithRetry(
      {}, nullptr, [&](grpc::ClientContext* c) { return registry()->CreateWebSession(c, request, &response); });
  if (!s.ok()) return FromGrpcStatus(s);
  return response;
}

absl::StatusOr<Principal> Upstream::AuthenticateWebSession(const std::string& id_sha256) {
  reg::AuthenticateWebSessionRequest request;
  request.set_id_sha256(id_sha256);
  Principal principal;
  grpc::Status s = WithRetry(
      {}, nullptr, [&](grpc::ClientContext* c) { return registry()->AuthenticateWebSession(c, request, &principal); });
  if (!s.ok()) return FromGrpcStatus(s);
  return principal;
}

absl::Status Upstream::DeleteWebSession(const std::string& id_sha256) {
  reg::DeleteWebSessionRequest request;
  request.set_id_sha256(id_sha256);
  reg::DeleteResponse response;
  return FromGrpcStatus(WithRetry(
      {}, nullptr, [&](grpc::ClientContext* c) { return registry()->DeleteWebSession(c, request, &response); }));
}

absl::Status Upstream::DeleteWebSessions(const std::string& api_key) {
  reg::DeleteWebSessionsRequest request;
  request.set_api_key(api_key);
  reg::DeleteWebSessionsResponse response;
  return FromGrpcStatus(WithRetry(
      {}, nullptr, [&](grpc::ClientContext* c) { return registry()->DeleteWebSessions(c, request, &response); }));
}

}  // namespace rcp::gateway::upstream
