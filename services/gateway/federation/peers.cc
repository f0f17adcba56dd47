#include "services/gateway/federation/peers.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/server/tls_files.h"
#include "common/status/status.h"
#include "services/gateway/access/peers.h"

namespace rcp::gateway::federation {

PeerDirectory::PeerDirectory(upstream::Upstream* upstream, std::string self, Clock* clock, absl::Duration refresh)
    : upstream_(upstream), self_(std::move(self)), clock_(clock), refresh_(refresh) {}

absl::Status PeerDirectory::Refresh() {
  std::vector<FederationPeer> peers;
  rcp::registry::v1::ListFederationPeersRequest req;
  req.set_page_size(1000);
  do {
    rcp::registry::v1::ListFederationPeersResponse resp;
    grpc::Status s = upstream_->WithRetry(
        {}, nullptr, [&](grpc::ClientContext* c) { return upstream_->registry()->ListFederationPeers(c, req, &resp); });
    if (!s.ok()) return FromGrpcStatus(s);
    for (auto& p : *resp.mutable_federation_peers()) peers.push_back(std::move(p));
    req.set_page_token(resp.next_page_token());
  } while (!req.page_token().empty());
  absl::MutexLock lock(&mu_);
  peers_ = std::move(peers);
  read_ = clock_->Now();
  return absl::OkStatus();
}

void PeerDirectory::MaybeRefresh() {
  {
    absl::MutexLock lock(&mu_);
    if (clock_->Now() - read_ < refresh_) return;
  }
  (void)Refresh();  // the last peers stand until the registry answers
}

std::vector<FederationPeer> PeerDirectory::Peers() {
  MaybeRefresh();
  absl::MutexLock lock(&mu_);
  return peers_;
}

std::optional<FederationPeer> PeerDirectory::Find(absl::string_view peer_id) {
  for (auto& p : Peers()) {
    if (PeerId(p) == peer_id) return p;
  }
  return std::nullopt;
}

std::string PeerDirectory::PinnedHomeOf(absl::string_view process) {
  for (const auto& p : Peers()) {
    for (const auto& home : p.home_processes()) {
      if (home == process) return PeerId(p);
    }
  }
  return "";
}

bool PeerDirectory::Accepts(const FederationPeer& source, absl::string_view process) const {
  for (const auto& list : {&source.home_processes(), &source.relay_processes()}) {
    for (const auto& p : *list) {
      if (p == process) return true;
    }
  }
  return false;
}

absl::StatusOr<std::unique_ptr<PeerChannels>> PeerChannels::Create(const PeerTransportOptions& options,
                                                                     std::string self) {
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (options.ca_file.empty()) {
    if (!options.insecure_loopback) {
      return absl::InvalidArgumentError(
          "peer_ca: federation needs the peers' CA (with peer_cert and peer_key), or --peer_insecure_loopback for "
          "tests and demos on one machine");
    }
    creds = grpc::InsecureChannelCredentials();
  } else {
    // A peer must present our CA's certificate too, so the identity is
    // required, not optional as for the upstream services.
    if (options.cert_file.empty() || options.key_file.empty()) {
      return absl::InvalidArgumentError("peer_tls_cert and peer_tls_key: both are needed with peer_ca");
    }
    auto watched = server::WatchedChannelCredentials({{options.cert_file, "peer_tls_cert"},
                                                      {options.key_file, "peer_tls_key"},
                                                      {options.ca_file, "peer_ca"},
                                                      options.credential_reload});
    if (!watched.ok()) return watched.status();
    creds = *std::move(watched);
  }
  return std::unique_ptr<PeerChannels>(new PeerChannels(options, std::move(self), std::move(creds)));
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> PeerChannels::ChannelTo(const FederationPeer& peer) {
  if (peer.address().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(peer.name(), " has no address"));
  }
  const bool tls = !options_.ca_file.empty();
  if (!tls) {
    std::string host = peer.address().substr(0, peer.address().rfind(':'));
    if (!absl::StartsWith(host, "127.") && host != "localhost" && host != "[::1]") {
      return absl::FailedPreconditionError(absl::StrCat(
          peer.name(), ": ", peer.address(), " is beyond loopback, and peers are reached without TLS"));
    }
  }
  std::string key = absl::StrCat(peer.name(), " ", peer.address());
  absl::MutexLock lock(&mu_);
  auto& channel = channels_[key];
  if (channel == nullptr) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    // The peer's certificate must name its deployment id, whatever the
    // address it is reached at.
    if (tls) args.SetSslTargetNameOverride(PeerId(peer));
    channel = grpc::CreateCustomChannel(peer.address(), creds_, args);
  }
  return channel;
}

void PeerChannels::Prepare(grpc::ClientContext* context, absl::Duration deadline) const {
  if (options_.ca_file.empty()) context->AddMetadata(access::kPeerHeader, self_);
  if (deadline != absl::InfiniteDuration()) {
    context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(deadline));
  }
}

}  // namespace rcp::gateway::federation
