#include "common/audience/audience.h"

#include <algorithm>
#include <array>

#include "common/status/status.h"
#include "rcp/documents/v1/documents.pb.h"
#include "rcp/events/v1/events.pb.h"

namespace rcp::audience {

using rcp::common::v1::Visibility;
using resource::Kind;
namespace reg = ::rcp::registry::v1;

namespace {

const Viewer::ProcessRights* RightsIn(const Viewer& v, absl::string_view process) {
  for (const auto& r : v.rights()) {
    if (r.process() == process) return &r;
  }
  return nullptr;
}

template <typename Container, typename Value>
bool Contains(const Container& c, const Value& v) {
  return std::find(c.begin(), c.end(), v) != c.end();
}

// The registry already filters a principal's rights by the key's role
// limit; the rule applies it again so that it holds for any principal it is
// given (a cached one, one from an older registry), as it does the process
// limit.
bool RoleAllowed(const Viewer& v, reg::Role role) {
  return v.role_limit().empty() || Contains(v.role_limit(), role);
}

bool HasRole(const Viewer& v, const Viewer::ProcessRights& r, reg::Role role) {
  return RoleAllowed(v, role) && Contains(r.roles(), role);
}

bool Chairs(const Viewer& v, const Viewer::ProcessRights& r) {
  return r.chair() && RoleAllowed(v, reg::CHAIR);
}

// Every element of `inner` is in `outer`, and an empty `inner` (no limit)
// fits only an empty `outer`.
template <typename A, typename B>
bool LimitWithin(const A& inner, const B& outer) {
  if (outer.empty()) return true;
  if (inner.empty()) return false;
  for (const auto& x : inner) {
    if (!Contains(outer, x)) return false;
  }
  return true;
}

Audience Public(std::vector<std::string> processes) {
  Audience a;
  a.processes = std::move(processes);
  a.visibility = rcp::common::v1::PUBLIC;
  return a;
}

std::vector<std::string> OwnProcess(absl::string_view name) {
  std::string p = resource::ProcessOf(name);
  if (p.empty()) return {};
  return {std::move(p)};
}

// Register entries: their audience follows from their name alone.
Audience OfRegisterEntry(Kind kind, absl::string_view name) {
  switch (kind) {
    case Kind::kProcess:
    case Kind::kMembership:
    case Kind::kChairTerm:
      return Public(OwnProcess(name));
    case Kind::kParty:
      return Public({});
    case Kind::kFocalPoint: {
      Audience a;
      a.processes = OwnProcess(name);
      a.visibility = rcp::common::v1::MEMBERS;
      return a;
    }
    default:
      return Audience{OwnProcess(name), rcp::common::v1::VISIBILITY_UNSPECIFIED, {}};
  }
}

Audience OfMeeting(const rcp::events::v1::Meeting& m) {
  Audience a;
  a.processes.assign(m.processes().begin(), m.processes().end());
  a.visibility = m.visibility();
  a.restricted_parties.assign(m.restricted_parties().begin(), m.restricted_parties().end());
  return a;
}

Audience OfDocument(const rcp::documents::v1::Document& d) {
  Audience a;
  a.processes = OwnProcess(d.name());
  a.visibility = d.visibility();
  a.restricted_parties.assign(d.restricted_parties().begin(), d.restricted_parties().end());
  return a;
}

std::string NameOf(const google::protobuf::Message& m) {
  const auto* f = m.GetDescriptor()->FindFieldByName("name");
  return f ? m.GetReflection()->GetString(m, f) : std::string();
}

}  // namespace

Audience AudienceOf(Kind kind, const google::protobuf::Message& item) {
  switch (kind) {
    case Kind::kMeeting:
      return OfMeeting(static_cast<const rcp::events::v1::Meeting&>(item));
    case Kind::kDocument:
      return OfDocument(static_cast<const rcp::documents::v1::Document&>(item));
    default:
      return OfRegisterEntry(kind, NameOf(item));
  }
}

bool AudienceOf(Kind kind, absl::string_view name, const google::protobuf::Any& value, Audience* out) {
  switch (kind) {
    case Kind::kMeeting: {
      rcp::events::v1::Meeting m;
      if (!value.UnpackTo(&m)) return false;
      *out = OfMeeting(m);
      return true;
    }
    case Kind::kDocument: {
      rcp::documents::v1::Document d;
      if (!value.UnpackTo(&d)) return false;
      *out = OfDocument(d);
      return true;
    }
    default:
      *out = OfRegisterEntry(kind, name);
      return true;
  }
}

// An administrator's key takes no role limits (the registry refuses such
// keys); one that has them administers nothing.
bool IsAdmin(const Viewer& v) { return v.admin() && !v.anonymous() && v.role_limit().empty(); }

bool IsDeploymentAdmin(const Viewer& v) { return IsAdmin(v) && v.process_limit().empty(); }

bool WithinLimit(const Viewer& v, const std::vector<std::string>& processes) {
  if (v.process_limit().empty() || processes.empty()) return true;
  for (const auto& p : processes) {
    if (Contains(v.process_limit(), p)) return true;
  }
  return false;
}

namespace {
bool InLimit(const Viewer& v, absl::string_view process) {
  return v.process_limit().empty() || Contains(v.process_limit(), process);
}
}  // namespace

bool IsMemberOf(const Viewer& v, absl::string_view process) {
  if (v.anonymous() || !InLimit(v, process)) return false;
  if (IsAdmin(v)) return true;
  const auto* r = RightsIn(v, process);
  return r != nullptr && (Chairs(v, *r) || HasRole(v, *r, reg::SECRETARIAT) || HasRole(v, *r, reg::MEMBER));
}

bool CanWriteIn(const Viewer& v, absl::string_view process) {
  if (v.anonymous() || !InLimit(v, process)) return false;
  if (IsAdmin(v)) return true;
  const auto* r = RightsIn(v, process);
  return r != nullptr && (Chairs(v, *r) || HasRole(v, *r, reg::SECRETARIAT));
}

namespace {

// The rule itself, over any ranges of process and party names, so that a
// stored message is judged without copying its lists (scans judge every
// item they pass).
template <typename Processes, typename Parties>
bool Sees(const Viewer& v, const Processes& processes, rcp::common::v1::Visibility visibility,
          const Parties& restricted_parties) {
  if (visibility == rcp::common::v1::VISIBILITY_UNSPECIFIED || !Visibility_IsValid(visibility)) {
    return IsDeploymentAdmin(v);
  }
  if (v.anonymous()) return visibility == rcp::common::v1::PUBLIC;
  if (!v.process_limit().empty() && !processes.empty()) {
    bool within = false;
    for (const auto& p : processes) within = within || InLimit(v, p);
    if (!within) return false;
  }
  if (IsAdmin(v)) return true;
  switch (visibility) {
    case rcp::common::v1::PUBLIC:
      return true;
    case rcp::common::v1::MEMBERS:
      for (const auto& p : processes) {
        if (IsMemberOf(v, p)) return true;
      }
      return false;
    case rcp::common::v1::RESTRICTED:
      // A principal of no party (an anonymous one) is named by no item.
      if (!v.party().empty() && Contains(restricted_parties, v.party())) return true;
      for (const auto& p : processes) {
        if (CanWriteIn(v, p)) return true;
      }
      return false;
    default:
      return false;
  }
}

// The one process of an item named "processes/x/…", or none.
struct OwnProcessView {
  explicit OwnProcessView(absl::string_view name) : process(resource::ProcessPrefix(name)) {}
  const absl::string_view* begin() const { return &process; }
  const absl::string_view* end() const { return process.empty() ? &process : &process + 1; }
  bool empty() const { return process.empty(); }
  absl::string_view process;
};

}  // namespace

bool CanSee(const Viewer& v, const Audience& a) {
  return Sees(v, a.processes, a.visibility, a.restricted_parties);
}

bool MayManageKey(const Viewer& v, const reg::ApiKey& key) {
  if (v.anonymous()) return false;
  if (!LimitWithin(key.processes(), v.process_limit())) return false;
  if (!LimitWithin(key.roles(), v.role_limit())) return false;
  return IsAdmin(v) || (key.party() == v.party() && !key.admin());
}

bool MaySee(const Viewer& v, Kind kind, const google::protobuf::Message& item) {
  switch (kind) {
    case Kind::kApiKey:
      return MayManageKey(v, static_cast<const reg::ApiKey&>(item));
    case Kind::kMeeting: {
      const auto& m = static_cast<const rcp::events::v1::Meeting&>(item);
      return Sees(v, m.processes(), m.visibility(), m.restricted_parties());
    }
    case Kind::kDocument: {
      const auto& d = static_cast<const rcp::documents::v1::Document&>(item);
      return Sees(v, OwnProcessView(d.name()), d.visibility(), d.restricted_parties());
    }
    default:
      return CanSee(v, AudienceOf(kind, item));
  }
}

absl::StatusOr<std::optional<Viewer>> ViewerOf(const grpc::ServerContextBase& context) {
  const auto& md = context.client_metadata();
  auto it = md.find(kViewerHeader);
  if (it == md.end()) return std::optional<Viewer>();
  Viewer v;
  if (!v.ParseFromArray(it->second.data(), static_cast<int>(it->second.size()))) {
    return InvalidField(kViewerHeader, "is not a serialized rcp.registry.v1.Principal");
  }
  return std::optional<Viewer>(std::move(v));
}

}  // namespace rcp::audience
