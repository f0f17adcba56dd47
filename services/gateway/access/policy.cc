#include "services/gateway/access/policy.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/field_mask.pb.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/resource/kinds.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "rcp/documents/v1/documents.pb.h"

namespace rcp::gateway::access {

namespace {
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using resource::Kind;
}  // namespace

const std::vector<MethodRule>& MethodRules() {
  using E = Effect;
  using R = Rule;
  using T = Target;
  static const auto* rules = new std::vector<MethodRule>{
      // The register: entries of the processes a key reaches; parties for all.
      {"/rcp.registry.v1.Registry/GetProcess", R::kVisible, T::kResponse, E::kRead, "name"},
      {"/rcp.registry.v1.Registry/ListProcesses", R::kVisible, T::kList, E::kRead},
      {"/rcp.registry.v1.Registry/GetParty", R::kVisible, T::kResponse, E::kRead, "name"},
      {"/rcp.registry.v1.Registry/ListParties", R::kVisible, T::kList, E::kRead},
      {"/rcp.registry.v1.Registry/GetMembership", R::kVisible, T::kResponse, E::kRead, "name"},
      {"/rcp.registry.v1.Registry/ListMemberships", R::kVisible, T::kList, E::kRead},
      {"/rcp.registry.v1.Registry/GetChairTerm", R::kVisible, T::kResponse, E::kRead, "name"},
      {"/rcp.registry.v1.Registry/ListChairTerms", R::kVisible, T::kList, E::kRead},
      // Focal points' contact details are for the process's members (their
      // audience says so).
      {"/rcp.registry.v1.Registry/GetFocalPoint", R::kVisible, T::kResponse, E::kRead, "name"},
      {"/rcp.registry.v1.Registry/ListFocalPoints", R::kVisible, T::kList, E::kRead},
      // Administration of the register and of access.
      {"/rcp.registry.v1.Registry/CreateProcess", R::kAdmin, T::kNone, E::kWrite},
      {"/rcp.registry.v1.Registry/UpdateProcess", R::kAdmin, T::kRequest, E::kWrite, "process.name"},
      {"/rcp.registry.v1.Registry/CreateParty", R::kAdmin, T::kNone, E::kWrite},
      {"/rcp.registry.v1.Registry/UpdateParty", R::kAdmin, T::kNone, E::kWrite},
      {"/rcp.registry.v1.Registry/CreateMembership", R::kAdmin, T::kRequest, E::kWrite, "parent"},
      {"/rcp.registry.v1.Registry/UpdateMembership", R::kAdmin, T::kRequest, E::kWrite, "membership.name"},
      {"/rcp.registry.v1.Registry/CreateChairTerm", R::kAdmin, T::kRequest, E::kWrite, "parent"},
      {"/rcp.registry.v1.Registry/UpdateChairTerm", R::kAdmin, T::kRequest, E::kWrite, "chair_term.name"},
      {"/rcp.registry.v1.Registry/CreateFocalPoint", R::kWriter, T::kRequest, E::kWrite, "parent"},
      {"/rcp.registry.v1.Registry/UpdateFocalPoint", R::kWriter, T::kRequest, E::kWrite, "focal_point.name"},
      {"/rcp.registry.v1.Registry/DeleteFocalPoint", R::kWriter, T::kRequest, E::kWrite, "name"},
      {"/rcp.registry.v1.Registry/CreateApiKey", R::kKeyIssuer, T::kRequest, E::kWrite, "api_key"},
      {"/rcp.registry.v1.Registry/GetApiKey", R::kOwnKeys, T::kResponse, E::kRead, "name"},
      {"/rcp.registry.v1.Registry/ListApiKeys", R::kOwnKeys, T::kList, E::kRead},
      {"/rcp.registry.v1.Registry/RevokeApiKey", R::kOwnKeys, T::kStored, E::kWrite, "name"},
      {"/rcp.registry.v1.Registry/CreateFederationPeer", R::kAdmin, T::kNone, E::kWrite},
      {"/rcp.registry.v1.Registry/GetFederationPeer", R::kAdmin, T::kNone, E::kRead},
      {"/rcp.registry.v1.Registry/ListFederationPeers", R::kAdmin, T::kNone, E::kRead},
      {"/rcp.registry.v1.Registry/UpdateFederationPeer", R::kAdmin, T::kNone, E::kWrite},
      {"/rcp.registry.v1.Registry/DeleteFederationPeer", R::kAdmin, T::kNone, E::kWrite},
      // The calendar.
      {"/rcp.events.v1.Events/GetMeeting", R::kVisible, T::kResponse, E::kRead, "name"},
      {"/rcp.events.v1.Events/ListMeetings", R::kVisible, T::kList, E::kRead},
      {"/rcp.events.v1.Events/SyncMeetings", R::kVisible, T::kList, E::kRead},
      {"/rcp.events.v1.Events/ExportCalendar", R::kVisible, T::kList, E::kRead},
      {"/rcp.events.v1.Events/CreateMeeting",
       R::kWriter,
       T::kRequest,
       E::kWrite,
       "meeting.processes",
       "",
       {"meeting.processes", "meeting.venue.host_party", "meeting.chair_party", "meeting.invited_parties",
        "meeting.restricted_parties", "meeting.documents"}},
      {"/rcp.events.v1.Events/UpdateMeeting",
       R::kWriter,
       T::kStored,
       E::kWrite,
       "meeting.name",
       "meeting.processes",
       {"meeting.processes", "meeting.venue.host_party", "meeting.chair_party", "meeting.invited_parties",
        "meeting.restricted_parties", "meeting.documents"}},
      {"/rcp.events.v1.Events/ConfirmMeeting", R::kWriter, T::kStored, E::kWrite, "name"},
      {"/rcp.events.v1.Events/PostponeMeeting", R::kWriter, T::kStored, E::kWrite, "name"},
      {"/rcp.events.v1.Events/RescheduleMeeting", R::kWriter, T::kStored, E::kWrite, "name"},
      {"/rcp.events.v1.Events/CancelMeeting", R::kWriter, T::kStored, E::kWrite, "name"},
      {"/rcp.events.v1.Events/MarkMeetingHeld", R::kWriter, T::kStored, E::kWrite, "name"},
      // Documents.
      {"/rcp.documents.v1.Documents/GetDocument", R::kVisible, T::kResponse, E::kRead, "name"},
      {"/rcp.documents.v1.Documents/ListDocuments", R::kVisible, T::kList, E::kRead},
      {"/rcp.documents.v1.Documents/ListContentVersions", R::kVisible, T::kStored, E::kRead, "document"},
      {"/rcp.documents.v1.Documents/Download", R::kVisible, T::kStored, E::kRead, "document"},
      {"/rcp.documents.v1.Documents/CreateDocument",
       R::kWriter,
       T::kRequest,
       E::kWrite,
       "parent",
       "",
       {"parent", "document.meeting", "document.restricted_parties"}},
      {"/rcp.documents.v1.Documents/UpdateDocument",
       R::kWriter,
       T::kStored,
       E::kWrite,
       "document.name",
       "",
       {"document.meeting", "document.restricted_parties"}},
      {"/rcp.documents.v1.Documents/StartUpload", R::kWriter, T::kStored, E::kWrite, "document"},
      {"/rcp.documents.v1.Documents/UploadChunks", R::kUploader, T::kStored, E::kWrite, "upload"},
      {"/rcp.documents.v1.Documents/GetUploadSession", R::kUploader, T::kStored, E::kRead, "name"},
      {"/rcp.documents.v1.Documents/CommitUpload", R::kUploader, T::kStored, E::kWrite, "name"},
      {"/rcp.documents.v1.Documents/CancelUpload", R::kUploader, T::kStored, E::kWrite, "name"},
      // The gateway's own.
      {"/rcp.gateway.v1.Gateway/WhoAmI", R::kAuthenticated, T::kNone, E::kRead},
      {"/rcp.gateway.v1.Gateway/Subscribe", R::kVisible, T::kList, E::kRead, "", "", {}, /*needs_key=*/true},
      {"/rcp.gateway.v1.Gateway/GetCalendarUrl", R::kAuthenticated, T::kNone, E::kRead},
      // Federation: the deployment's identity, and its keys' administration.
      {"/rcp.federation.v1.Federation/GetServerKeys", R::kAnyone, T::kNone, E::kRead},
      {"/rcp.federation.v1.Federation/Pull", R::kPeer, T::kNone, E::kRead},
      {"/rcp.federation.v1.Federation/FetchContent", R::kPeer, T::kNone, E::kRead},
      {"/rcp.federation.v1.FederationAdmin/RotateKey", R::kAdmin, T::kNone, E::kWrite},
      {"/rcp.federation.v1.FederationAdmin/ListPeerStatuses", R::kAdmin, T::kNone, E::kRead},
  };
  return *rules;
}

const MethodRule* RuleFor(absl::string_view method) {
  for (const auto& r : MethodRules()) {
    if (method == r.method) return &r;
  }
  return nullptr;
}

namespace {

// The message at the start of `path` (all segments but the last), and the
// last segment's field; nullptr when a segment is unknown or a message on
// the way is unset.
const Message* Walk(const Message& message, absl::string_view path, const FieldDescriptor** field) {
  std::vector<absl::string_view> segments = absl::StrSplit(path, '.');
  const Message* m = &message;
  for (size_t i = 0; i < segments.size(); ++i) {
    const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(std::string(segments[i]));
    if (f == nullptr) return nullptr;
    if (i + 1 == segments.size()) {
      *field = f;
      return m;
    }
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated() ||
        !m->GetReflection()->HasField(*m, f)) {
      return nullptr;
    }
    m = &m->GetReflection()->GetMessage(*m, f);
  }
  return nullptr;
}

const Message* SubMessage(const Message& message, absl::string_view path) {
  const FieldDescriptor* f = nullptr;
  const Message* parent = Walk(message, path, &f);
  if (parent == nullptr || f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated() ||
      !parent->GetReflection()->HasField(*parent, f)) {
    return nullptr;
  }
  return &parent->GetReflection()->GetMessage(*parent, f);
}

// The item's name, without a copy (`scratch` holds it when the message
// keeps it otherwise).
const std::string& NameOf(const Message& m, std::string* scratch) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName("name");
  if (f == nullptr || f->type() != FieldDescriptor::TYPE_STRING) {
    scratch->clear();
    return *scratch;
  }
  return m.GetReflection()->GetStringReference(m, f, scratch);
}

std::string ShortName(const MethodRule& rule) {
  absl::string_view m(rule.method);
  return std::string(m.substr(m.rfind('/') + 1));
}

// The processes `names` (processes, or items in them) are in; INVALID_ARGUMENT
// naming `field` for a name in no process.
absl::StatusOr<std::vector<std::string>> ProcessesOf(const std::vector<std::string>& names,
                                                     absl::string_view field) {
  std::vector<std::string> out;
  for (size_t i = 0; i < names.size(); ++i) {
    std::string process = resource::ProcessOf(names[i]);
    if (process.empty()) {
      std::string where = names.size() > 1 ? absl::StrCat(field, "[", i, "]") : std::string(field);
      return InvalidField(where, "must name a process (processes/{id}) or an item of one");
    }
    out.push_back(std::move(process));
  }
  return out;
}

std::string LimitText(const Principal& caller) {
  return absl::StrCat("this key is limited to ", absl::StrJoin(caller.process_limit(), ", "));
}

absl::Status CheckAdmin(const MethodRule& rule, const Principal& caller, const Message& request) {
  if (!audience::IsAdmin(caller)) {
    return absl::PermissionDeniedError(
        absl::StrCat(ShortName(rule), " is for the deployment's administrators"));
  }
  if (rule.target == Target::kNone) {
    if (audience::IsDeploymentAdmin(caller)) return absl::OkStatus();
    return absl::PermissionDeniedError(
        absl::StrCat(ShortName(rule), " is for administrators of the whole deployment; ", LimitText(caller)));
  }
  RCP_ASSIGN_OR_RETURN(std::vector<std::string> processes,
                       ProcessesOf(FieldValues(request, rule.field), rule.field));
  for (const auto& process : processes) {
    if (!audience::WithinLimit(caller, {process})) {
      return absl::PermissionDeniedError(
          absl::StrCat(rule.field, ": ", process, " is beyond this key's limits; ", LimitText(caller)));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckKeyIssuer(const MethodRule& rule, const Principal& caller, const Message& request) {
  if (!audience::IsAdmin(caller)) {
    return absl::PermissionDeniedError(
        absl::StrCat(ShortName(rule), " is for the deployment's administrators"));
  }
  const Message* key = SubMessage(request, rule.field);
  rcp::registry::v1::ApiKey none;
  const auto* api_key = key != nullptr ? static_cast<const rcp::registry::v1::ApiKey*>(key) : &none;
  if (!audience::MayManageKey(caller, *api_key)) {
    return absl::PermissionDeniedError(absl::StrCat(
        rule.field, ": a key may only issue keys whose limits (processes, roles) lie within its own"));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> FieldValues(const Message& message, absl::string_view path) {
  std::vector<std::string> out;
  const FieldDescriptor* f = nullptr;
  const Message* m = Walk(message, path, &f);
  if (m == nullptr || f->cpp_type() != FieldDescriptor::CPPTYPE_STRING) return out;
  const auto* r = m->GetReflection();
  if (f->is_repeated()) {
    for (int i = 0; i < r->FieldSize(*m, f); ++i) out.push_back(r->GetRepeatedString(*m, f, i));
  } else if (std::string v = r->GetString(*m, f); !v.empty()) {
    out.push_back(std::move(v));
  }
  return out;
}

bool MaskNames(const Message& request, absl::string_view path) {
  const FieldDescriptor* mask_field = request.GetDescriptor()->FindFieldByName("update_mask");
  if (mask_field == nullptr) return true;
  const auto& mask = static_cast<const google::protobuf::FieldMask&>(
      request.GetReflection()->GetMessage(request, mask_field));
  // "meeting.venue.city" → "venue.city": masks name fields of the resource.
  absl::string_view field = path.substr(path.find('.') + 1);
  for (const auto& p : mask.paths()) {
    absl::string_view named(p);
    if (field == named || absl::StartsWith(field, absl::StrCat(named, ".")) ||
        absl::StartsWith(named, absl::StrCat(field, "."))) {
      return true;
    }
  }
  return false;
}

absl::Status CheckWriter(const Principal& caller, const std::vector<std::string>& processes,
                         absl::string_view field) {
  for (const auto& process : processes) {
    if (!audience::CanWriteIn(caller, process)) {
      return absl::PermissionDeniedError(
          absl::StrCat(field, ": ", process, " can be changed only by its secretariat or its current chair"));
    }
  }
  return absl::OkStatus();
}

absl::Status Hidden(absl::string_view name) { return resource::NotFound(name); }

std::vector<std::string> WrittenProcesses(const MethodRule& rule, const Message& request,
                                          const Message* stored) {
  if (rule.effect != Effect::kWrite || rule.rule == Rule::kKeyIssuer || rule.rule == Rule::kOwnKeys)
    return {};
  if (rule.target == Target::kRequest) {
    const FieldDescriptor* mask_field = request.GetDescriptor()->FindFieldByName("update_mask");
    if (mask_field != nullptr && request.GetDescriptor()->FindFieldByName("process") != nullptr) {
      const auto& mask = static_cast<const google::protobuf::FieldMask&>(
          request.GetReflection()->GetMessage(request, mask_field));
      if (mask.paths_size() == 1 && mask.paths(0) == "home") return {};  // a pin
    }
    absl::StatusOr<std::vector<std::string>> processes =
        ProcessesOf(FieldValues(request, rule.field), rule.field);
    return processes.ok() ? *std::move(processes) : std::vector<std::string>{};
  }
  if (rule.target != Target::kStored || stored == nullptr) return {};
  std::string scratch;
  const resource::KindInfo* kind = resource::KindOfName(NameOf(*stored, &scratch));
  if (kind == nullptr) return {};
  if (kind->kind == Kind::kUpload) {
    return {resource::ProcessOf(static_cast<const rcp::documents::v1::UploadSession&>(*stored).document())};
  }
  std::vector<std::string> processes = audience::AudienceOf(kind->kind, *stored).processes;
  if (*rule.new_processes != '\0' && MaskNames(request, rule.new_processes)) {
    for (auto& p : FieldValues(request, rule.new_processes)) processes.push_back(std::move(p));
  }
  return processes;
}

bool OpenToAnonymous(const MethodRule& rule) {
  return rule.rule == Rule::kVisible && rule.effect == Effect::kRead && !rule.needs_key;
}

absl::Status CheckRequest(const MethodRule& rule, const Principal& caller, const Message& request) {
  if (caller.anonymous() && !OpenToAnonymous(rule)) {
    return absl::UnauthenticatedError(absl::StrCat("authorization: missing; ", ShortName(rule),
                                                   " needs a key: send 'authorization: Bearer rcp_<id>_<secret>'"));
  }
  // Refused before any read, the same for every item: it tells nothing.
  if (caller.web_session() && rule.effect == Effect::kWrite) {
    return absl::PermissionDeniedError(absl::StrCat(
        ShortName(rule), ": a portal session is read-only; write with the API key (rcpctl or /v1)"));
  }
  switch (rule.rule) {
    case Rule::kAdmin:
      return CheckAdmin(rule, caller, request);
    case Rule::kKeyIssuer:
      return CheckKeyIssuer(rule, caller, request);
    case Rule::kWriter:
      if (rule.target == Target::kRequest) {
        RCP_ASSIGN_OR_RETURN(std::vector<std::string> processes,
                             ProcessesOf(FieldValues(request, rule.field), rule.field));
        return CheckWriter(caller, processes, rule.field);
      }
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

absl::Status CheckStored(const MethodRule& rule, const Principal& caller, const Message& request,
                         const Message& stored) {
  std::string scratch;
  const std::string& name = NameOf(stored, &scratch);
  const resource::KindInfo* kind = resource::KindOfName(name);
  if (kind == nullptr) return Hidden(name);
  switch (rule.rule) {
    case Rule::kUploader: {
      // The uploader's own, or any to an administrator; within the key's
      // limits either way.
      const auto& session = static_cast<const rcp::documents::v1::UploadSession&>(stored);
      bool owner = session.uploader() == caller.api_key() || audience::IsAdmin(caller);
      if (!owner || !audience::WithinLimit(caller, {resource::ProcessOf(session.document())}))
        return Hidden(name);
      return absl::OkStatus();
    }
    case Rule::kOwnKeys:
    case Rule::kVisible:
      return audience::MaySee(caller, kind->kind, stored) ? absl::OkStatus() : Hidden(name);
    case Rule::kWriter: {
      if (!audience::MaySee(caller, kind->kind, stored)) return Hidden(name);
      RCP_RETURN_IF_ERROR(
          CheckWriter(caller, audience::AudienceOf(kind->kind, stored).processes, rule.field));
      if (*rule.new_processes != '\0' && MaskNames(request, rule.new_processes)) {
        return CheckWriter(caller, FieldValues(request, rule.new_processes), rule.new_processes);
      }
      return absl::OkStatus();
    }
    default:
      return absl::OkStatus();
  }
}

absl::Status CheckResponse(const MethodRule& rule, const Principal& caller, const Message& response) {
  std::string scratch;
  const std::string& name = NameOf(response, &scratch);
  const resource::KindInfo* kind = resource::KindOfName(name);
  if (kind == nullptr || !audience::MaySee(caller, kind->kind, response)) return Hidden(name);
  return absl::OkStatus();
}

}  // namespace rcp::gateway::access
