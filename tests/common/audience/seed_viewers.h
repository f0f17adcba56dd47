// The principals the registry computes for the demo seed's keys
// (deploy/seed/registry.textproto; the secretariat's key is limited to the
// Bali Process), plus a member key for Thailand, written
// out for tests of the visibility rule and of the scans that apply it. In
// processes/bali-process: the deployment's administrator; the secretariat
// (IOM); the chair (Indonesia, a member holding a co-chair term, also a
// member of Colombo and APC); a member (Thailand); an observer (UNHCR).
#ifndef RCP_TESTS_COMMON_AUDIENCE_SEED_VIEWERS_H_
#define RCP_TESTS_COMMON_AUDIENCE_SEED_VIEWERS_H_

#include <string>
#include <vector>

#include "common/audience/audience.h"

namespace rcp::audience::testing {

inline constexpr char kBali[] = "processes/bali-process";
inline constexpr char kColombo[] = "processes/colombo-process";

enum class SeedRole { kAdmin, kSecretariat, kChair, kMember, kObserver };
inline constexpr SeedRole kSeedRoles[] = {SeedRole::kAdmin, SeedRole::kSecretariat, SeedRole::kChair,
                                          SeedRole::kMember, SeedRole::kObserver};

inline const char* RoleName(SeedRole role) {
  static constexpr const char* kNames[] = {"admin", "secretariat", "chair", "member", "observer"};
  return kNames[static_cast<int>(role)];
}

inline Viewer::ProcessRights Rights(const std::string& process, std::vector<rcp::registry::v1::Role> roles,
                                    bool chair = false) {
  Viewer::ProcessRights r;
  r.set_process(process);
  for (auto role : roles) r.add_roles(role);
  r.set_chair(chair);
  return r;
}

inline Viewer SeedViewer(SeedRole role) {
  namespace reg = ::rcp::registry::v1;
  struct Seed {
    const char* api_key;
    const char* party;
    bool admin;
    std::vector<Viewer::ProcessRights> rights;
    std::vector<std::string> process_limit;
  };
  // In the order of SeedRole.
  static const auto* kSeeds = new std::vector<Seed>{
      {"apiKeys/admin",
       "parties/iom",
       true,
       {Rights(kBali, {reg::SECRETARIAT}), Rights("processes/igc", {reg::OBSERVER})},
       {}},
      {"apiKeys/balisecretariat", "parties/iom", false, {Rights(kBali, {reg::SECRETARIAT})}, {kBali}},
      {"apiKeys/indonesia",
       "parties/IDN",
       false,
       {Rights("processes/apc", {reg::MEMBER}), Rights(kBali, {reg::MEMBER}, /*chair=*/true),
        Rights(kColombo, {reg::MEMBER})},
       {}},
      {"apiKeys/thailand", "parties/THA", false, {Rights(kBali, {reg::MEMBER})}, {}},
      {"apiKeys/unhcr",
       "parties/unhcr",
       false,
       {Rights(kBali, {reg::OBSERVER}), Rights("processes/igc", {reg::OBSERVER})},
       {}},
  };
  const Seed& seed = (*kSeeds)[static_cast<size_t>(role)];
  Viewer v;
  v.set_api_key(seed.api_key);
  v.set_party(seed.party);
  v.set_admin(seed.admin);
  for (const auto& r : seed.rights) *v.add_rights() = r;
  for (const auto& p : seed.process_limit) v.add_process_limit(p);
  return v;
}

}  // namespace rcp::audience::testing

#endif  // RCP_TESTS_COMMON_AUDIENCE_SEED_VIEWERS_H_
