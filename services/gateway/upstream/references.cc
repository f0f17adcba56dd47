#include "services/gateway/upstream/references.h"

#include "absl/strings/str_cat.h"
#include "common/audience/audience.h"
#include "common/resource/kinds.h"
#include "common/status/status.h"

namespace rcp::gateway::upstream {
namespace {

using resource::Kind;

// Far more than the processes and parties of any deployment; a bound all
// the same, as names come from callers.
constexpr size_t kMaxKnown = 100000;

bool Immortal(Kind kind) { return kind == Kind::kProcess || kind == Kind::kParty; }

// Register entries' audience follows from their name.
bool VisibleByName(const Principal& caller, Kind kind, const std::string& name) {
  audience::Audience a;
  audience::AudienceOf(kind, name, google::protobuf::Any(), &a);
  return audience::CanSee(caller, a);
}

std::string FieldAt(absl::string_view path, size_t i, size_t n) {
  return n > 1 ? absl::StrCat(path, "[", i, "]") : std::string(path);
}

}  // namespace

bool References::Known(const std::string& name) {
  absl::MutexLock lock(&mu_);
  return known_.contains(name);
}

void References::Remember(const std::string& name) {
  absl::MutexLock lock(&mu_);
  if (known_.size() >= kMaxKnown) known_.clear();
  known_.insert(name);
}

bool References::AllKnown(const Principal& caller, const access::MethodRule& rule,
                          const google::protobuf::Message& request) {
  for (const char* path : rule.references) {
    if (!access::MaskNames(request, path)) continue;
    for (const std::string& name : access::FieldValues(request, path)) {
      const resource::KindInfo* kind = resource::KindOfName(name);
      if (kind == nullptr || !Immortal(kind->kind) || !Known(name) ||
          !VisibleByName(caller, kind->kind, name)) {
        return false;
      }
    }
  }
  return true;
}

absl::Status References::Check(const Principal& caller, const access::MethodRule& rule,
                               const google::protobuf::Message& request,
                               const grpc::ServerContextBase* client) {
  for (const char* path : rule.references) {
    if (!access::MaskNames(request, path)) continue;
    std::vector<std::string> names = access::FieldValues(request, path);
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string& name = names[i];
      std::string field = FieldAt(path, i, names.size());
      const resource::KindInfo* kind = resource::KindOfName(name);
      if (kind == nullptr || kind->kind == Kind::kUpload || kind->kind == Kind::kApiKey ||
          kind->kind == Kind::kFederationPeer) {
        return InvalidField(
            field, absl::StrCat("'", name, "' is not the name of a process, party, meeting or document"));
      }
      bool known = Immortal(kind->kind) && Known(name);
      if (known) {
        if (!VisibleByName(caller, kind->kind, name))
          return absl::NotFoundError(absl::StrCat(field, ": ", name, " not found"));
        continue;
      }
      // Read for the caller, so that a hidden item answers as a missing one.
      absl::StatusOr<std::unique_ptr<google::protobuf::Message>> item =
          upstream_->Fetch(For{&caller}, name, field, client);
      if (absl::IsNotFound(item.status()) || (item.ok() && !audience::MaySee(caller, kind->kind, **item))) {
        return absl::NotFoundError(absl::StrCat(field, ": ", name, " not found"));
      }
      if (absl::IsInvalidArgument(item.status())) {
        return InvalidField(field, absl::StrCat("'", name, "' is not a valid ", kind->name, " name"));
      }
      if (!item.ok()) return item.status();
      if (Immortal(kind->kind)) Remember(name);
    }
  }
  return absl::OkStatus();
}

}  // namespace rcp::gateway::upstream
