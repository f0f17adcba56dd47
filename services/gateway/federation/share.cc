#include "services/gateway/federation/share.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "common/crypto/crypto.h"
#include "common/resource/resource.h"

namespace rcp::gateway::federation {
namespace {

using resource::Kind;
using rcp::common::v1::Visibility;

constexpr char kAnyProcess[] = "processes/-";

bool Covers(const rcp::registry::v1::ShareRule& rule, const std::vector<std::string>& processes) {
  if (rule.process() == kAnyProcess) return true;
  return std::find(processes.begin(), processes.end(), rule.process()) != processes.end();
}

bool NamesKind(const rcp::registry::v1::ShareRule& rule, Kind kind) {
  if (rule.kinds().empty()) return true;
  const char* name = resource::InfoOf(kind).name;
  return std::find(rule.kinds().begin(), rule.kinds().end(), name) != rule.kinds().end();
}

// PUBLIC < MEMBERS < RESTRICTED, as the enum orders them.
bool Reaches(Visibility max, Visibility visibility) {
  return visibility != rcp::common::v1::VISIBILITY_UNSPECIFIED && visibility <= max;
}

}  // namespace

bool Travels(Kind kind) {
  switch (kind) {
    case Kind::kProcess:
    case Kind::kParty:
    case Kind::kMembership:
    case Kind::kChairTerm:
    case Kind::kFocalPoint:
    case Kind::kMeeting:
    case Kind::kDocument:
      return true;
    case Kind::kApiKey:
    case Kind::kFederationPeer:
    case Kind::kUpload:
      break;
  }
  return false;
}

std::optional<Shape> ShapeOf(Kind kind, const google::protobuf::Message& item) {
  if (!Travels(kind)) return std::nullopt;
  return Shape{kind, audience::AudienceOf(kind, item)};
}

std::optional<Shape> ShapeOf(absl::string_view kind, absl::string_view name, const google::protobuf::Any& value) {
  const resource::KindInfo* info = resource::KindNamed(kind);
  if (info == nullptr) return std::nullopt;
  if (!Travels(info->kind)) return std::nullopt;
  Shape shape{info->kind, {}};
  if (!audience::AudienceOf(info->kind, name, value, &shape.audience)) return std::nullopt;
  return shape;
}

bool Shares(const FederationPeer& peer, const Shape& shape) {
  if (!peer.enabled()) return false;
  if (shape.kind == Kind::kParty) return peer.share_rules_size() > 0;
  for (const auto& rule : peer.share_rules()) {
    if (!Covers(rule, shape.audience.processes)) continue;
    switch (shape.kind) {
      case Kind::kProcess:
      case Kind::kMembership:
      case Kind::kChairTerm:
        return true;
      case Kind::kFocalPoint:
        if (NamesKind(rule, shape.kind) && Reaches(rule.max_visibility(), rcp::common::v1::MEMBERS)) return true;
        break;
      case Kind::kMeeting:
      case Kind::kDocument:
        if (NamesKind(rule, shape.kind) && Reaches(rule.max_visibility(), shape.audience.visibility)) return true;
        break;
      default:
        break;
    }
  }
  return false;
}

std::vector<std::string> RecipientsOf(const std::vector<FederationPeer>& peers, const Shape& shape) {
  std::vector<std::string> out;
  if (shape.audience.visibility == rcp::common::v1::PUBLIC) return out;
  for (const auto& peer : peers) {
    if (Shares(peer, shape)) out.push_back(PeerId(peer));
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool MayRelay(const FederationPeer& peer, const Shape& shape, const rcp::federation::v1::Envelope& envelope) {
  const std::string id = PeerId(peer);
  if (envelope.origin() == id) return false;
  if (!Shares(peer, shape)) return false;
  if (shape.audience.visibility == rcp::common::v1::PUBLIC) return true;
  return std::find(envelope.recipients().begin(), envelope.recipients().end(), id) != envelope.recipients().end();
}

std::string PeerId(const FederationPeer& peer) {
  absl::string_view name = peer.name();
  absl::ConsumePrefix(&name, "federationPeers/");
  return std::string(name);
}

std::string RulesFingerprint(const FederationPeer& peer) {
  std::string rules;
  for (const auto& rule : peer.share_rules()) rules += rule.SerializeAsString() + "\n";
  return crypto::Sha256Hex(rules).substr(0, 16);
}

}  // namespace rcp::gateway::federation
