#include "common/resource/kinds.h"

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

// Whether `name` has the shape of `pattern`, '*' standing for one non-empty
// segment. Segment by segment, without allocating: every call the gateway
// serves asks this of at least one name.
bool HasPattern(absl::string_view name, absl::string_view pattern) {
  for (;;) {
    size_t n = name.find('/'), p = pattern.find('/');
    absl::string_view segment = name.substr(0, n), want = pattern.substr(0, p);
    if (want == "*" ? segment.empty() : segment != want) return false;
    if (n == absl::string_view::npos || p == absl::string_view::npos) {
      return n == absl::string_view::npos && p == absl::string_view::npos;
    }
    name.remove_prefix(n + 1);
    pattern.remove_prefix(p + 1);
  }
}

}  // namespace

const KindInfo* KindOfName(absl::string_view resource_name) {
  for (const auto& k : Kinds()) {
    if (HasPattern(resource_name, k.pattern)) return &k;
  }
  return nullptr;
}

absl::string_view ProcessPrefix(absl::string_view name) {
  constexpr absl::string_view kPrefix = "processes/";
  if (name.size() <= kPrefix.size() || name.substr(0, kPrefix.size()) != kPrefix) return {};
  size_t end = name.find('/', kPrefix.size());
  if (end == kPrefix.size()) return {};
  return name.substr(0, end);
}

std::string ProcessOf(absl::string_view name) { return std::string(ProcessPrefix(name)); }

}  // namespace rcp::resource
