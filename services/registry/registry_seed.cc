#include "services/registry/registry_seed.h"

#include "absl/strings/str_cat.h"
#include "common/entity/entity.h"
#include "common/status/status.h"
#include "common/time/timestamp.h"

namespace rcp::registry {
namespace {

const storage::WriteContext kSeedContext{"system/seed"};

template <typename Request, typename Fn>
absl::Status ApplyAll(google::protobuf::RepeatedPtrField<Request> requests, const char* what, Fn apply,
                      SeedResult* result) {
  for (int i = 0; i < requests.size(); ++i) {
    Request& r = requests[i];
    // Defaulted from the position, so a seed must only grow at the end.
    if (r.request_id().empty()) r.set_request_id(absl::StrCat("seed:", what, ":", i));
    absl::Status s = apply(r);
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat("seed ", what, "[", i, "]: ", s.message()));
    }
    ++result->applied;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SeedResult> ApplySeed(RegistryStore* store, const v1::RegistrySeed& seed,
                                     const resource::HomeProcesses& homes) {
  SeedResult result;
  const auto& ctx = kSeedContext;
  // Another home's process and what belongs to it arrive by federation.
  auto at_home = [&](const std::string& process, auto apply) -> absl::Status {
    return homes.Includes(process) ? apply() : absl::OkStatus();
  };
  RCP_RETURN_IF_ERROR(ApplyAll(
      seed.parties(), "parties", [&](const auto& r) { return store->CreateParty(ctx, r).status(); },
      &result));
  RCP_RETURN_IF_ERROR(ApplyAll(
      seed.processes(), "processes",
      [&](const auto& r) {
        return at_home("processes/" + r.process_id(), [&] { return store->CreateProcess(ctx, r).status(); });
      },
      &result));
  RCP_RETURN_IF_ERROR(ApplyAll(
      seed.memberships(), "memberships",
      [&](const auto& r) { return at_home(r.parent(), [&] { return store->CreateMembership(ctx, r).status(); }); },
      &result));
  RCP_RETURN_IF_ERROR(ApplyAll(
      seed.chair_terms(), "chair_terms",
      [&](const auto& r) { return at_home(r.parent(), [&] { return store->CreateChairTerm(ctx, r).status(); }); },
      &result));
  RCP_RETURN_IF_ERROR(ApplyAll(
      seed.focal_points(), "focal_points",
      [&](const auto& r) { return at_home(r.parent(), [&] { return store->CreateFocalPoint(ctx, r).status(); }); },
      &result));
  RCP_RETURN_IF_ERROR(ApplyAll(
      seed.api_keys(), "api_keys",
      [&](const v1::CreateApiKeyRequest& r) -> absl::Status {
        v1::CreateApiKeyRequest req = r;
        // A key for other homes' processes only is theirs to issue.
        bool reaches_home = req.api_key().processes().empty();
        for (const auto& p : req.api_key().processes()) reaches_home = reaches_home || homes.Includes(p);
        if (!reaches_home) return absl::OkStatus();
        // Issued on an earlier start (its secret was written
        // then): a key of this party with this name exists.
        v1::ListApiKeysRequest existing;
        existing.set_party(req.api_key().party());
        existing.set_include_revoked(true);
        existing.set_page_size(1000);
        auto keys = store->ListApiKeys(existing);
        if (!keys.ok()) return keys.status();
        for (const auto& k : keys->api_keys()) {
          if (k.display_name() == req.api_key().display_name()) return absl::OkStatus();
        }
        if (!req.api_key().has_expire_time()) {
          *req.mutable_api_key()->mutable_expire_time() =
              ToTimestamp(store->store()->options().clock->Now() + absl::Hours(24 * 365));
        }
        auto issued = store->CreateApiKey(ctx, req);
        if (!issued.ok()) return issued.status();
        result.issued_keys.emplace_back(req.api_key().display_name(), issued->key());
        return absl::OkStatus();
      },
      &result));
  return result;
}

}  // namespace rcp::registry
