#include "services/gateway/upstream/homes.h"

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace rcp::gateway::upstream {
namespace {
// Far more than the processes of any deployment; a bound all the same.
constexpr size_t kMaxKnown = 10000;
}  // namespace

Homes::Homes(Upstream* upstream, std::string deployment_id, Clock* clock, absl::Duration ttl)
    : upstream_(upstream), deployment_id_(std::move(deployment_id)), clock_(clock), ttl_(ttl) {}

absl::Status Homes::Judge(const std::string& process, const std::string& home,
                          absl::string_view field) const {
  if (home.empty() || home == deployment_id_) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(field, ": ", process, " is a mirror here; its home is ",
                                                    home,
                                                    ", the only deployment that accepts changes to it"));
}

bool Homes::CheckLocalCached(const std::vector<std::string>& processes, absl::string_view field,
                             absl::Status* verdict) {
  absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  for (const auto& p : processes) {
    auto it = known_.find(p);
    if (it == known_.end() || now - it->second.read >= ttl_) return false;
  }
  *verdict = absl::OkStatus();
  for (const auto& p : processes) {
    if (absl::Status s = Judge(p, known_[p].home, field); !s.ok()) {
      *verdict = s;
      break;
    }
  }
  return true;
}

absl::Status Homes::CheckLocal(const std::vector<std::string>& processes, absl::string_view field,
                               const grpc::ServerContextBase* client) {
  absl::Status verdict;
  if (CheckLocalCached(processes, field, &verdict)) return verdict;
  for (const auto& p : processes) {
    absl::StatusOr<std::unique_ptr<google::protobuf::Message>> process =
        upstream_->Fetch({}, p, field, client);
    if (!process.ok()) continue;
    std::string home = static_cast<const rcp::registry::v1::Process&>(**process).home();
    {
      absl::MutexLock lock(&mu_);
      if (known_.size() >= kMaxKnown) known_.clear();
      known_[p] = Entry{home, clock_->Now()};
    }
    RCP_RETURN_IF_ERROR(Judge(p, home, field));
  }
  return absl::OkStatus();
}

}  // namespace rcp::gateway::upstream
