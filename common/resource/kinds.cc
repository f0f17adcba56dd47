#include "common/resource/kinds.h"

#include <vector>

#include "absl/strings/str_split.h"

namespace rcp::resource {

const char* ServiceName(Service service) {
  switch (service) {
    case Service::kRegistry:
      return "registry";
    case Service::kEvents:
      return "events";
    case Service::kDocuments:
      return "documents";
  }
  return "?";
}

const std::array<KindInfo, 10>& Kinds() {
  static constexpr std::array<KindInfo, 10> kKinds = {{
      {Kind::kProcess, "process", "processes/*", Service::kRegistry, true},
      {Kind::kParty, "party", "parties/*", Service::kRegistry, true},
      {Kind::kMembership, "membership", "processes/*/memberships/*", Service::kRegistry, true},
      {Kind::kChairTerm, "chair_term", "processes/*/chairTerms/*", Service::kRegistry, true},
      {Kind::kFocalPoint, "focal_point", "processes/*/focalPoints/*", Service::kRegistry, true},
      {Kind::kApiKey, "api_key", "apiKeys/*", Service::kRegistry, true},
      {Kind::kFederationPeer, "federation_peer", "federationPeers/*", Service::kRegistry, true},
      {Kind::kMeeting, "meeting", "processes/*/meetings/*", Service::kEvents, true},
      {Kind::kDocument, "document", "processes/*/documents/*", Service::kDocuments, true},
      {Kind::kUpload, "upload", "uploads/*", Service::kDocuments, false},
  }};
  return kKinds;
}

const KindInfo& InfoOf(Kind kind) { return Kinds()[static_cast<size_t>(kind)]; }

const KindInfo* KindNamed(absl::string_view name) {
  for (const auto& k : Kinds()) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

namespace {
bool HasPattern(absl::string_view name, absl::string_view pattern) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  std::vector<absl::string_view> want = absl::StrSplit(pattern, '/');
  if (parts.size() != want.size()) return false;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (want[i] == "*" ? parts[i].empty() : parts[i] != want[i]) return false;
  }
  return true;
}
}  // namespace

const KindInfo* KindOfName(absl::string_view resource_name) {
  for (const auto& k : Kinds()) {
    if (HasPattern(resource_name, k.pattern)) return &k;
  }
  return nullptr;
}

std::string ProcessOf(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() < 2 || parts[0] != "processes" || parts[1].empty()) return "";
  return std::string(parts[0]) + "/" + std::string(parts[1]);
}

}  // namespace rcp::resource
