#include "tests/e2e/harness/deployment.h"

#include <google/protobuf/util/time_util.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/crypto/crypto.h"
#include "common/io/file.h"
#include "common/server/server.h"

namespace rcp::testing {
namespace {

namespace reg = ::rcp::registry::v1;
namespace fv1 = ::rcp::federation::v1;
using Part = Deployment::Part;

const char* NameOf(Part p) {
  switch (p) {
    case Part::kRegistry:
      return "registry";
    case Part::kEvents:
      return "events";
    case Part::kDocuments:
      return "documents";
    case Part::kGateway:
      break;
  }
  return "gateway";
}

std::string BinaryOf(Part p) {
  std::string build = BuildDir();
  switch (p) {
    case Part::kRegistry:
      return build + "/services/registry/rcp-registryd";
    case Part::kEvents:
      return build + "/services/events/rcp-eventsd";
    case Part::kDocuments:
      return build + "/services/documents/rcp-documentsd";
    case Part::kGateway:
      break;
  }
  return build + "/services/gateway/rcp-gatewayd";
}

absl::Status FromGrpc(const grpc::Status& s) {
  return s.ok() ? absl::OkStatus() : absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

}  // namespace

reg::ShareRule Share(const std::string& process, rcp::common::v1::Visibility max, std::vector<std::string> kinds) {
  reg::ShareRule r;
  r.set_process(process);
  r.set_max_visibility(max);
  for (auto& k : kinds) r.add_kinds(std::move(k));
  return r;
}

Deployment::Deployment(std::string dir, DeploymentOptions options) : dir_(std::move(dir)), options_(std::move(options)) {
  std::filesystem::create_directories(dir_);
}

Deployment::~Deployment() {
  // The gateway first: it calls the others.
  daemons_.erase(Part::kGateway);
  daemons_.clear();
}

std::vector<std::string> Deployment::ArgsOf(Part which, const std::string& listen) const {
  const std::string seed = std::string(RCP_SOURCE_DIR) + "/deploy/seed/";
  const std::string token = "--internal_token_file=" + dir_ + "/internal-token";
  const std::string id = "--deployment_id=" + options_.id;
  std::vector<std::string> args = {"--listen=" + listen, token, id};
  if (which != Part::kGateway) {
    args.push_back(absl::StrCat("--data_dir=", dir_, "/", NameOf(which)));
    args.push_back("--home_processes=" + options_.home_processes);
    if (options_.seed) args.push_back(absl::StrCat("--seed_file=", seed, NameOf(which), ".textproto"));
    for (const auto& f : options_.service_flags) args.push_back(f);
  }
  switch (which) {
    case Part::kRegistry:
      args.push_back("--seed_keys_out=" + dir_ + "/keys.tsv");
      break;
    case Part::kDocuments:
      args.push_back("--reap_interval=1s");
      break;
    case Part::kGateway:
      args.push_back("--registry=" + service_address(Part::kRegistry));
      args.push_back("--events=" + service_address(Part::kEvents));
      args.push_back("--documents=" + service_address(Part::kDocuments));
      args.push_back("--keyring_key_file=" + dir_ + "/keyring-key");
      args.push_back("--keyring_refresh_interval=1s");
      args.push_back("--http_listen=127.0.0.1:0");
      args.push_back("--metrics_listen=127.0.0.1:0");
      args.push_back("--calendar_secret_file=" + dir_ + "/calendar-secret");
      args.push_back("--auth_cache_ttl=1s");
      args.push_back("--heartbeat_interval=1s");
      args.push_back(absl::StrCat("--peer_listen=127.0.0.1:", peer_port_));
      if (options_.peer_tls_dir.empty()) {
        args.push_back("--peer_insecure_loopback");
      } else {
        const std::string& cert = options_.peer_certificate.empty() ? options_.id : options_.peer_certificate;
        args.push_back(absl::StrCat("--peer_tls_cert=", options_.peer_tls_dir, "/", cert, ".pem"));
        args.push_back(absl::StrCat("--peer_tls_key=", options_.peer_tls_dir, "/", cert, ".key"));
        args.push_back(absl::StrCat("--peer_ca=", options_.peer_tls_dir, "/ca.pem"));
      }
      args.push_back("--pull_heartbeat=1s");
      args.push_back("--peer_refresh_interval=500ms");
      args.push_back("--federation_max_backoff=2s");
      for (const auto& f : options_.gateway_flags) args.push_back(f);
      break;
    default:
      break;
  }
  return args;
}

absl::Status Deployment::StartOne(Part which, const std::string& listen) {
  auto daemon = std::make_unique<rcp::testing::Daemon>(BinaryOf(which), ArgsOf(which, listen),
                                                       absl::StrCat(dir_, "/", NameOf(which), ".log"));
  if (absl::Status s = daemon->Start(); !s.ok()) return s;
  ports_[which] = daemon->port();
  if (which == Part::kGateway) {
    if (peer_port_ == 0) {
      absl::StatusOr<int> peer = daemon->PortOf("gateway-peers");
      if (!peer.ok()) return peer.status();
      peer_port_ = *peer;
    }
    absl::StatusOr<int> http = daemon->PortOf("gateway-http");
    if (!http.ok()) return http.status();
    http_port_ = *http;
    std::string log = daemon->Log();
    std::regex metrics(R"re(msg=listening service=gateway address=\S+ .*metrics_port=([0-9]+))re");
    for (auto it = std::sregex_iterator(log.begin(), log.end(), metrics); it != std::sregex_iterator(); ++it) {
      metrics_port_ = std::stoi((*it)[1]);
    }
  }
  daemons_[which] = std::move(daemon);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<rcp::testing::Daemon>> Deployment::StartGatewayReplica(
    const std::string& log_name) const {
  std::vector<std::string> args = ArgsOf(Part::kGateway, "127.0.0.1:0");
  for (auto& a : args) {
    if (absl::StartsWith(a, "--peer_listen=")) a = "--peer_listen=127.0.0.1:0";
  }
  auto daemon = std::make_unique<rcp::testing::Daemon>(BinaryOf(Part::kGateway), args, dir_ + "/" + log_name);
  if (absl::Status s = daemon->Start(); !s.ok()) return s;
  return daemon;
}

absl::Status Deployment::Start() {
  token_ = crypto::RandomToken(32);
  std::ofstream(dir_ + "/internal-token") << token_ << "\n";
  std::ofstream(dir_ + "/calendar-secret") << crypto::RandomToken(32) << "\n";
  std::ofstream(dir_ + "/keyring-key") << crypto::HexEncode(crypto::RandomToken(20)) << "\n";
  for (Part p : {Part::kRegistry, Part::kEvents, Part::kDocuments, Part::kGateway}) {
    if (absl::Status s = StartOne(p, "127.0.0.1:0"); !s.ok()) return s;
  }
  std::string keys = io::ReadFile(dir_ + "/keys.tsv").value_or("");
  for (absl::string_view line : absl::StrSplit(keys, '\n', absl::SkipEmpty())) {
    std::vector<std::string> parts = absl::StrSplit(line, '\t');
    if (parts.size() == 2) keys_[parts[0]] = parts[1];
  }
  Connect();
  return absl::OkStatus();
}

void Deployment::Connect() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  args.SetMaxReceiveMessageSize(64 << 20);
  channel_ = grpc::CreateCustomChannel(gateway_address(), grpc::InsecureChannelCredentials(), args);
  registry_ = reg::Registry::NewStub(channel_);
  events_ = rcp::events::v1::Events::NewStub(channel_);
  documents_ = rcp::documents::v1::Documents::NewStub(channel_);
  gateway_ = rcp::gateway::v1::Gateway::NewStub(channel_);
  admin_ = fv1::FederationAdmin::NewStub(channel_);
}

absl::Status Deployment::Stop(Part which, int signal) {
  auto it = daemons_.find(which);
  if (it == daemons_.end()) return absl::FailedPreconditionError("not running");
  absl::StatusOr<int> stopped = it->second->Stop(signal);
  daemons_.erase(it);
  return stopped.status();
}

absl::Status Deployment::Restart(Part which) {
  return StartOne(which, absl::StrCat("127.0.0.1:", ports_[which]));
}

std::string Deployment::gateway_address() const { return service_address(Part::kGateway); }
std::string Deployment::peer_address() const { return absl::StrCat("127.0.0.1:", peer_port_); }
std::string Deployment::service_address(Part which) const {
  auto it = ports_.find(which);
  return absl::StrCat("127.0.0.1:", it == ports_.end() ? 0 : it->second);
}
std::string Deployment::DataDir(Part which) const { return absl::StrCat(dir_, "/", NameOf(which)); }

pid_t Deployment::Pid(Part which) const {
  auto it = daemons_.find(which);
  return it == daemons_.end() ? 0 : it->second->pid();
}

std::string Deployment::Log(Part which) const {
  return io::ReadFile(absl::StrCat(dir_, "/", NameOf(which), ".log")).value_or("");
}

std::string Deployment::Key(const std::string& name) const {
  auto it = keys_.find(name);
  return it == keys_.end() ? "" : it->second;
}

absl::StatusOr<std::string> Deployment::NewKey(const std::string& party, std::vector<std::string> processes) {
  reg::CreateApiKeyRequest req;
  req.mutable_api_key()->set_party(party);
  req.mutable_api_key()->set_display_name(absl::StrCat(party, " ", crypto::RandomToken(4)));
  for (auto& p : processes) req.mutable_api_key()->add_processes(std::move(p));
  *req.mutable_api_key()->mutable_expire_time() = google::protobuf::util::TimeUtil::GetCurrentTime() +
                                                  google::protobuf::util::TimeUtil::HoursToDuration(48);
  reg::CreateApiKeyResponse resp;
  absl::Status s = CallWith(Key("admin"), [&](auto* c) { return registry_->CreateApiKey(c, req, &resp); });
  if (!s.ok()) return s;
  return resp.key();
}

void Deployment::Internal(grpc::ClientContext* context) const {
  context->AddMetadata(server::kInternalTokenHeader, token_);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
}

std::unique_ptr<fv1::Replica::Stub> Deployment::ReplicaOf(Part which) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  return fv1::Replica::NewStub(
      grpc::CreateCustomChannel(service_address(which), grpc::InsecureChannelCredentials(), args));
}

absl::Status Deployment::AddPeer(const Deployment& peer, std::vector<std::string> homes,
                                 std::vector<std::string> relays, std::vector<reg::ShareRule> rules, bool enabled,
                                 const std::string& address, bool send_only) {
  reg::CreateFederationPeerRequest req;
  req.set_peer_id(peer.id());
  auto* p = req.mutable_federation_peer();
  p->set_display_name(peer.id());
  p->set_address(address.empty() ? peer.peer_address() : address);
  p->set_enabled(enabled);
  p->set_send_only(send_only);
  for (auto& h : homes) p->add_home_processes(std::move(h));
  for (auto& r : relays) p->add_relay_processes(std::move(r));
  for (auto& r : rules) *p->add_share_rules() = std::move(r);
  reg::FederationPeer created;
  return CallWith(Key("admin"), [&](auto* c) { return registry_->CreateFederationPeer(c, req, &created); });
}

absl::Status Deployment::UpdatePeer(const std::string& peer_id, const reg::FederationPeer& patch,
                                    std::vector<std::string> paths) {
  reg::UpdateFederationPeerRequest req;
  *req.mutable_federation_peer() = patch;
  req.mutable_federation_peer()->set_name("federationPeers/" + peer_id);
  for (auto& p : paths) req.mutable_update_mask()->add_paths(std::move(p));
  reg::FederationPeer updated;
  return CallWith(Key("admin"), [&](auto* c) { return registry_->UpdateFederationPeer(c, req, &updated); });
}

absl::Status Deployment::RemovePeer(const std::string& peer_id) {
  reg::DeleteFederationPeerRequest req;
  req.set_name("federationPeers/" + peer_id);
  reg::DeleteResponse resp;
  return CallWith(Key("admin"), [&](auto* c) { return registry_->DeleteFederationPeer(c, req, &resp); });
}

absl::StatusOr<std::map<std::string, fv1::DigestItemsResponse::OriginDigest>> Deployment::Digests(Part store) {
  auto replica = ReplicaOf(store);
  grpc::ClientContext c;
  Internal(&c);
  fv1::DigestItemsResponse resp;
  grpc::Status s = replica->DigestItems(&c, {}, &resp);
  if (!s.ok()) return FromGrpc(s);
  std::map<std::string, fv1::DigestItemsResponse::OriginDigest> out;
  for (const auto& d : resp.origins()) out[d.origin()] = d;
  return out;
}

}  // namespace rcp::testing
