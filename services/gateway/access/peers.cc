#include "services/gateway/access/peers.h"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto/crypto.h"
#include "common/resource/resource.h"

namespace rcp::gateway::access {
namespace {

bool IsLoopbackPeer(const std::string& peer) {
  // gRPC writes "ipv4:127.0.0.1:port", "ipv6:[::1]:port", "unix:…".
  return absl::StartsWith(peer, "ipv4:127.") || absl::StartsWith(peer, "ipv6:[::1]") ||
         absl::StartsWith(peer, "ipv6:%5B::1%5D") || absl::StartsWith(peer, "unix:");
}

// SHA-256 of the certificate's DER, as `openssl x509 -fingerprint -sha256`
// shows it (without colons, lowercase).
std::string DerSha256(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return "";
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (cert == nullptr) return "";
  unsigned char* der = nullptr;
  int n = i2d_X509(cert, &der);
  std::string out;
  if (n > 0) out = crypto::Sha256Hex(absl::string_view(reinterpret_cast<const char*>(der), static_cast<size_t>(n)));
  OPENSSL_free(der);
  X509_free(cert);
  return out;
}

}  // namespace

absl::StatusOr<PeerIdentity> PeerOf(const grpc::ServerContextBase& context, bool insecure_loopback) {
  PeerIdentity identity;
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    for (const auto& san : auth->FindPropertyValues("x509_subject_alternative_name")) {
      std::string name(san.data(), san.size());
      if (resource::ValidateDeploymentId("", name).ok()) identity.names.push_back(std::move(name));
    }
    for (const auto& pem : auth->FindPropertyValues("x509_pem_cert")) {
      identity.certificate_sha256 = DerSha256(std::string(pem.data(), pem.size()));
    }
    if (identity.names.empty()) {
      return absl::UnauthenticatedError("the client certificate names no deployment id (a DNS subject alternative name)");
    }
    return identity;
  }
  if (!insecure_loopback) {
    return absl::UnauthenticatedError(
        "peers must present a client certificate (mTLS) that names their deployment id");
  }
  if (!IsLoopbackPeer(context.peer())) {
    return absl::UnauthenticatedError("without TLS, peers are accepted on loopback only");
  }
  auto stated = context.client_metadata().find(kPeerHeader);
  if (stated == context.client_metadata().end()) {
    return absl::UnauthenticatedError(absl::StrCat("without TLS, a peer states its deployment id in ", kPeerHeader));
  }
  identity.names.emplace_back(stated->second.data(), stated->second.size());
  return identity;
}

bool IsPeer(const PeerIdentity& identity, const std::string& peer_id, const std::string& pinned_sha256) {
  if (std::find(identity.names.begin(), identity.names.end(), peer_id) == identity.names.end()) return false;
  return pinned_sha256.empty() || identity.certificate_sha256.empty() || identity.certificate_sha256 == pinned_sha256;
}

}  // namespace rcp::gateway::access
