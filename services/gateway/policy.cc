#include "services/gateway/policy.h"

#include "absl/strings/str_split.h"
#include "rcp/documents/v1/documents.pb.h"
#include "rcp/events/v1/events.pb.h"

namespace rcp::gateway::policy {

const std::vector<MethodRule>& MethodRules() {
  static const auto* rules = new std::vector<MethodRule>{
      // The register is public to every authenticated caller …
      {"/rcp.registry.v1.Registry/GetProcess", Rule::kAuthenticated},
      {"/rcp.registry.v1.Registry/ListProcesses", Rule::kAuthenticated},
      {"/rcp.registry.v1.Registry/GetParty", Rule::kAuthenticated},
      {"/rcp.registry.v1.Registry/ListParties", Rule::kAuthenticated},
      {"/rcp.registry.v1.Registry/GetMembership", Rule::kAuthenticated},
      {"/rcp.registry.v1.Registry/ListMemberships", Rule::kAuthenticated},
      {"/rcp.registry.v1.Registry/GetChairTerm", Rule::kAuthenticated},
      {"/rcp.registry.v1.Registry/ListChairTerms", Rule::kAuthenticated},
      // … but contact details of focal points only to the process's members.
      {"/rcp.registry.v1.Registry/GetFocalPoint", Rule::kMembersOnly},
      {"/rcp.registry.v1.Registry/ListFocalPoints", Rule::kMembersOnly},
      // Administration of the register and of access.
      {"/rcp.registry.v1.Registry/CreateProcess", Rule::kAdmin},
      {"/rcp.registry.v1.Registry/UpdateProcess", Rule::kAdmin},
      {"/rcp.registry.v1.Registry/CreateParty", Rule::kAdmin},
      {"/rcp.registry.v1.Registry/UpdateParty", Rule::kAdmin},
      {"/rcp.registry.v1.Registry/CreateMembership", Rule::kAdmin},
      {"/rcp.registry.v1.Registry/UpdateMembership", Rule::kAdmin},
      {"/rcp.registry.v1.Registry/CreateChairTerm", Rule::kAdmin},
      {"/rcp.registry.v1.Registry/UpdateChairTerm", Rule::kAdmin},
      {"/rcp.registry.v1.Registry/CreateFocalPoint", Rule::kWriter},
      {"/rcp.registry.v1.Registry/UpdateFocalPoint", Rule::kWriter},
      {"/rcp.registry.v1.Registry/DeleteFocalPoint", Rule::kWriter},
      {"/rcp.registry.v1.Registry/CreateApiKey", Rule::kAdmin},
      {"/rcp.registry.v1.Registry/GetApiKey", Rule::kOwnKeys},
      {"/rcp.registry.v1.Registry/ListApiKeys", Rule::kOwnKeys},
      {"/rcp.registry.v1.Registry/RevokeApiKey", Rule::kOwnKeys},
      {"/rcp.registry.v1.Registry/CreateFederationPeer", Rule::kAdmin},
      {"/rcp.registry.v1.Registry/GetFederationPeer", Rule::kAdmin},
      {"/rcp.registry.v1.Registry/ListFederationPeers", Rule::kAdmin},
      {"/rcp.registry.v1.Registry/UpdateFederationPeer", Rule::kAdmin},
      {"/rcp.registry.v1.Registry/DeleteFederationPeer", Rule::kAdmin},
      // The calendar.
      {"/rcp.events.v1.Events/GetMeeting", Rule::kVisible},
      {"/rcp.events.v1.Events/ListMeetings", Rule::kVisible},
      {"/rcp.events.v1.Events/SyncMeetings", Rule::kVisible},
      {"/rcp.events.v1.Events/ExportCalendar", Rule::kVisible},
      {"/rcp.events.v1.Events/CreateMeeting", Rule::kWriter},
      {"/rcp.events.v1.Events/UpdateMeeting", Rule::kWriter},
      {"/rcp.events.v1.Events/ConfirmMeeting", Rule::kWriter},
      {"/rcp.events.v1.Events/PostponeMeeting", Rule::kWriter},
      {"/rcp.events.v1.Events/RescheduleMeeting", Rule::kWriter},
      {"/rcp.events.v1.Events/CancelMeeting", Rule::kWriter},
      {"/rcp.events.v1.Events/MarkMeetingHeld", Rule::kWriter},
      // Documents.
      {"/rcp.documents.v1.Documents/GetDocument", Rule::kVisible},
      {"/rcp.documents.v1.Documents/ListDocuments", Rule::kVisible},
      {"/rcp.documents.v1.Documents/ListContentVersions", Rule::kVisible},
      {"/rcp.documents.v1.Documents/Download", Rule::kVisible},
      {"/rcp.documents.v1.Documents/CreateDocument", Rule::kWriter},
      {"/rcp.documents.v1.Documents/UpdateDocument", Rule::kWriter},
      {"/rcp.documents.v1.Documents/StartUpload", Rule::kWriter},
      {"/rcp.documents.v1.Documents/UploadChunks", Rule::kUploader},
      {"/rcp.documents.v1.Documents/GetUploadSession", Rule::kUploader},
      {"/rcp.documents.v1.Documents/CommitUpload", Rule::kUploader},
      {"/rcp.documents.v1.Documents/CancelUpload", Rule::kUploader},
      // The gateway's own.
      {"/rcp.gateway.v1.Gateway/WhoAmI", Rule::kAuthenticated},
      {"/rcp.gateway.v1.Gateway/Subscribe", Rule::kVisible},
      {"/rcp.gateway.v1.Gateway/GetCalendarUrl", Rule::kAuthenticated},
  };
  return *rules;
}

const MethodRule* RuleFor(absl::string_view method) {
  for (const auto& r : MethodRules()) {
    if (method == r.method) return &r;
  }
  return nullptr;
}

bool IsAdmin(const Principal& p) { return p.admin(); }

namespace {
const Principal::ProcessRights* RightsIn(const Principal& p, absl::string_view process) {
  for (const auto& r : p.rights()) {
    if (r.process() == process) return &r;
  }
  return nullptr;
}
bool HasRole(const Principal::ProcessRights& r, rcp::registry::v1::Role role) {
  for (int x : r.roles()) {
    if (x == role) return true;
  }
  return false;
}
}  // namespace

bool CanWriteIn(const Principal& p, absl::string_view process) {
  if (IsAdmin(p)) return true;
  const auto* r = RightsIn(p, process);
  return r != nullptr && (r->chair() || HasRole(*r, rcp::registry::v1::SECRETARIAT));
}

bool IsMemberOf(const Principal& p, absl::string_view process) {
  if (IsAdmin(p)) return true;
  const auto* r = RightsIn(p, process);
  return r != nullptr && (r->chair() || HasRole(*r, rcp::registry::v1::SECRETARIAT) ||
                          HasRole(*r, rcp::registry::v1::MEMBER));
}

bool MayManageKey(const Principal& p, const rcp::registry::v1::ApiKey& key) {
  return IsAdmin(p) || (key.party() == p.party() && !key.admin());
}

std::string ProcessOf(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() < 2 || parts[0] != "processes") return "";
  return std::string(parts[0]) + "/" + std::string(parts[1]);
}

namespace {

// Who a meeting or document value is for. A subscriber fan-out asks about
// the same change once per subscriber, on a few pool threads in turn, so
// each thread keeps the last value it decoded (one slot for changes' values,
// one for their previous values), keyed by the value's bytes (not by
// revision: a service restored from a backup reuses revisions).
struct Audience {
  std::string service;
  std::string type_url;
  std::string bytes;
  bool readable = false;
  google::protobuf::RepeatedPtrField<std::string> processes;
  rcp::common::v1::Visibility visibility{};
  google::protobuf::RepeatedPtrField<std::string> parties;
};

enum Slot { kValue = 0, kPreviousValue = 1 };

const Audience& AudienceOf(absl::string_view service, const google::protobuf::Any& value, Slot slot) {
  thread_local Audience slots[2];
  Audience& last = slots[slot];
  if (last.bytes == value.value() && last.type_url == value.type_url() && last.service == service)
    return last;
  last.service = std::string(service);
  last.type_url = value.type_url();
  last.bytes = value.value();
  last.processes.Clear();
  last.parties.Clear();
  if (service == "events") {
    rcp::events::v1::Meeting m;
    last.readable = value.UnpackTo(&m);
    last.processes.Swap(m.mutable_processes());
    last.visibility = m.visibility();
    last.parties.Swap(m.mutable_restricted_parties());
  } else {
    rcp::documents::v1::Document d;
    last.readable = value.UnpackTo(&d);
    *last.processes.Add() = ProcessOf(d.name());
    last.visibility = d.visibility();
    last.parties.Swap(d.mutable_restricted_parties());
  }
  return last;
}

bool HasAudience(absl::string_view service, absl::string_view kind) {
  return (service == "events" && kind == "meeting") || (service == "documents" && kind == "document");
}

}  // namespace

bool CanSeeChange(const Principal& p, absl::string_view service, const rcp::common::v1::Change& change,
                  std::vector<std::string>* processes) {
  processes->clear();
  const std::string& kind = change.kind();
  if (HasAudience(service, kind)) {
    const Audience& a = AudienceOf(service, change.value(), kValue);
    if (!a.readable) return false;
    processes->assign(a.processes.begin(), a.processes.end());
    return CanSee(p, a.processes, a.visibility, a.parties);
  }
  if (service == "registry") {
    std::string process = kind == "process" ? change.name() : ProcessOf(change.name());
    if (!process.empty()) processes->push_back(process);
    if (kind == "process" || kind == "party" || kind == "membership" || kind == "chair_term") return true;
    if (kind == "focal_point") return IsMemberOf(p, process);
    if (kind == "api_key") {
      rcp::registry::v1::ApiKey k;
      return IsAdmin(p) || (change.value().UnpackTo(&k) && MayManageKey(p, k));
    }
    return IsAdmin(p);  // federation peers and anything newer
  }
  return IsAdmin(p);
}

Delivery DeliveryOf(const Principal& p, absl::string_view service, const rcp::common::v1::Change& change,
                    std::vector<std::string>* processes) {
  if (CanSeeChange(p, service, change, processes)) return Delivery::kChange;
  if (change.operation() != rcp::common::v1::Change::UPDATED || !change.has_previous_value() ||
      !HasAudience(service, change.kind())) {
    return Delivery::kNone;
  }
  const Audience& before = AudienceOf(service, change.previous_value(), kPreviousValue);
  if (!before.readable || !CanSee(p, before.processes, before.visibility, before.parties))
    return Delivery::kNone;
  processes->assign(before.processes.begin(), before.processes.end());
  return Delivery::kWithdrawal;
}

void Withdrawal(const rcp::common::v1::Change& change, rcp::common::v1::Change* out) {
  out->Clear();
  out->set_revision(change.revision());
  out->set_name(change.name());
  out->set_kind(change.kind());
  out->set_operation(rcp::common::v1::Change::WITHDRAWN);
  *out->mutable_time() = change.time();
}

}  // namespace rcp::gateway::policy
