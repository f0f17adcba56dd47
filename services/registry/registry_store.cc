#include "services/registry/registry_store.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/audience/audience.h"
#include "common/coding/coding.h"
#include "common/crypto/crypto.h"
#include "common/entity/entity.h"
#include "common/iso3166/iso3166.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/time/date.h"
#include "common/time/timestamp.h"

namespace rcp::registry {
namespace {

using entity::Kind;
using entity::MustExist;
using entity::Stamp;
using google::protobuf::Message;
using google::protobuf::util::TimeUtil;
using rcp::common::v1::Change;
using storage::Transaction;
namespace res = rcp::resource;

constexpr Kind kProcess{"processes", "process"};
constexpr Kind kParty{"parties", "party"};
constexpr Kind kMembership{"memberships", "membership"};
constexpr Kind kChairTerm{"chair_terms", "chair_term"};
constexpr Kind kFocalPoint{"focal_points", "focal_point"};
constexpr Kind kApiKey{"api_keys", "api_key"};
constexpr Kind kPeer{"federation_peers", "federation_peer"};
// API key name → SHA-256 of its secret. Never leaves the store.
constexpr char kKeySecretsCf[] = "api_key_secrets";
// party + "\n" + membership name → "": a party's memberships without a scan
// of all (authentication computes a principal's rights from them).
constexpr char kMembershipsByPartyCf[] = "memberships_by_party";
// In kMembershipsByPartyCf: present once the index covers every membership
// (databases from before the index are indexed at open).
constexpr char kMembershipsIndexedKey[] = "!indexed";
// The federation keyring: one row, under this key, which is also the lock
// key that serializes its updates. Written without a change record: the
// changelog reaches administrators (the gateway's Subscribe), and the
// keyring, even sealed, is for the gateways alone.
constexpr char kKeyringCf[] = "keyring";
constexpr char kKeyringKey[] = "keyring";
// Where replication from each peer stands, by peer name, for the gateways
// (PeerState): outside the change feed, like the keyring.
constexpr char kPeerStatesCf[] = "peer_states";
// The newest head of each other deployment (a signed envelope), by its
// deployment id, for the gateways to relay (FederationHeads): outside the
// change feed, so that heads arriving never move the registry's revision
// (which heads report, and which would then never rest).
constexpr char kHeadsCf[] = "federation_heads";
// The portal's sign-in sessions, by the SHA-256 of their ids (WebSession),
// and each key's, as api key name + "\n" + id hash → "": outside the change
// feed (a session is no item of the register, and its hash is for the
// gateways alone). Every write to either holds kWebSessionsLock, so that a
// key's sessions can be read whole, and a session ended stays ended.
constexpr char kWebSessionsCf[] = "web_sessions";
constexpr char kWebSessionsByKeyCf[] = "web_sessions_by_key";
constexpr char kWebSessionsLock[] = "web-sessions";
// Serializes the writes that pin homes (peers' home_processes, new
// processes), so that a process is pinned to one deployment at most.
constexpr char kHomePinsLock[] = "federation:home-pins";

std::string PartyIndexPrefix(absl::string_view party) { return absl::StrCat(party, "\n"); }

constexpr char kAnyProcess[] = "processes/-";

// ---------------------------------------------------------------- names

using res::PartyId;
using res::ProcessId;
using res::ValidatePartyId;

// processes/{p}/<collection>/{id}
absl::Status ValidateChildName(absl::string_view field, absl::string_view name,
                               absl::string_view collection) {
  RCP_ASSIGN_OR_RETURN(auto ids, res::ParseName(field, name, absl::StrCat("processes/*/", collection, "/*")));
  RCP_RETURN_IF_ERROR(res::ValidateSlug(field, ids[0]));
  return res::ValidateSlug(field, ids[1], 1, 63);
}

// "processes/-" or a process name; returns the key prefix to scan.
absl::StatusOr<std::string> ParentPrefix(absl::string_view parent, absl::string_view collection) {
  if (parent == kAnyProcess || parent.empty()) return std::string("processes/");
  RCP_RETURN_IF_ERROR(ProcessId("parent", parent).status());
  return absl::StrCat(parent, "/", collection, "/");
}

std::string ParentOf(absl::string_view child_name) {
  std::vector<absl::string_view> parts = absl::StrSplit(child_name, '/');
  return absl::StrCat(parts[0], "/", parts[1]);
}

// ----------------------------------------------------------- validation

absl::Status ValidateProcess(const v1::Process& p, absl::Time now) {
  RCP_RETURN_IF_ERROR(res::ValidateText("process.display_name", p.display_name(), 1, 300));
  RCP_RETURN_IF_ERROR(res::ValidateText("process.acronym", p.acronym(), 1, 60));
  RCP_RETURN_IF_ERROR(res::ValidateText("process.region", p.region(), 0, 200));
  int year = static_cast<int>(absl::ToCivilYear(now, absl::UTCTimeZone()).year());
  if (p.established_year() != 0 && (p.established_year() < 1945 || p.established_year() > year)) {
    return InvalidField("process.established_year",
                        absl::StrCat("must be between 1945 and ", year, " (or 0 if unknown)"));
  }
  if (p.thematic_focus_size() > 20) {
    return InvalidField("process.thematic_focus", "must have at most 20 entries");
  }
  for (int i = 0; i < p.thematic_focus_size(); ++i) {
    RCP_RETURN_IF_ERROR(
        res::ValidateText(absl::StrCat("process.thematic_focus[", i, "]"), p.thematic_focus(i), 1, 100));
  }
  if (!p.secretariat_host().empty()) {
    RCP_RETURN_IF_ERROR(PartyId("process.secretariat_host", p.secretariat_host()).status());
  }
  if (!p.home().empty()) RCP_RETURN_IF_ERROR(res::ValidateDeploymentId("process.home", p.home()));
  return absl::OkStatus();
}

absl::Status ValidateMembershipDates(const v1::Membership& m) {
  if (IsSet(m.start_date())) RCP_RETURN_IF_ERROR(ValidateDate("membership.start_date", m.start_date()));
  if (IsSet(m.end_date())) RCP_RETURN_IF_ERROR(ValidateDate("membership.end_date", m.end_date()));
  if (IsSet(m.start_date()) && IsSet(m.end_date()) && DayNumber(m.end_date()) < DayNumber(m.start_date())) {
    return InvalidField("membership.end_date", "must not be before start_date");
  }
  return absl::OkStatus();
}

absl::Status ValidateChairTermFields(const v1::ChairTerm& t) {
  if (!IsSet(t.start_date())) return InvalidField("chair_term.start_date", "is required");
  if (!IsSet(t.end_date())) return InvalidField("chair_term.end_date", "is required");
  RCP_RETURN_IF_ERROR(ValidateDate("chair_term.start_date", t.start_date()));
  RCP_RETURN_IF_ERROR(ValidateDate("chair_term.end_date", t.end_date()));
  if (DayNumber(t.end_date()) < DayNumber(t.start_date())) {
    return InvalidField("chair_term.end_date", "must not be before start_date");
  }
  return res::ValidateText("chair_term.note", t.note(), 0, 500);
}

absl::Status ValidateFocalPointFields(const v1::FocalPoint& f) {
  RCP_RETURN_IF_ERROR(res::ValidateText("focal_point.person_name", f.person_name(), 1, 200));
  RCP_RETURN_IF_ERROR(res::ValidateText("focal_point.ministry", f.ministry(), 0, 200));
  static const std::regex email(R"(^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$)");
  if (f.email().empty()) return InvalidField("focal_point.email", "is required");
  if (f.email().size() > 254 || !std::regex_match(f.email(), email)) {
    return InvalidField("focal_point.email", "must be an email address (local@domain)");
  }
  static const std::regex phone(R"(^\+[1-9][0-9]{6,14}$)");
  if (!f.phone().empty() && !std::regex_match(f.phone(), phone)) {
    return InvalidField("focal_point.phone",
                        "must be in E.164 form: '+', country code and number, 7 to 15 digits");
  }
  return absl::OkStatus();
}

absl::Status ValidateShareRule(const std::string& at, const v1::ShareRule& r) {
  if (r.process() != kAnyProcess) RCP_RETURN_IF_ERROR(ProcessId(at + ".process", r.process()).status());
  static const std::set<std::string> kShareable = {"process",     "membership", "chair_term",
                                                   "focal_point", "meeting",    "document"};
  if (r.kinds_size() > 10) return InvalidField(at + ".kinds", "must have at most 10 entries");
  for (int i = 0; i < r.kinds_size(); ++i) {
    if (kShareable.count(r.kinds(i)) == 0) {
      return InvalidField(absl::StrCat(at, ".kinds[", i, "]"),
                          "must be one of process, membership, chair_term, focal_point, meeting, document");
    }
  }
  if (r.max_visibility() != rcp::common::v1::PUBLIC && r.max_visibility() != rcp::common::v1::MEMBERS &&
      r.max_visibility() != rcp::common::v1::RESTRICTED) {
    return InvalidField(at + ".max_visibility", "is required: PUBLIC, MEMBERS or RESTRICTED");
  }
  return absl::OkStatus();
}

absl::Status ValidateProcessList(const std::string& field, const google::protobuf::RepeatedPtrField<std::string>& list) {
  if (list.size() > 100) return InvalidField(field, "must have at most 100 entries");
  std::set<std::string> seen;
  for (int i = 0; i < list.size(); ++i) {
    std::string at = absl::StrCat(field, "[", i, "]");
    RCP_RETURN_IF_ERROR(ProcessId(at, list[i]).status());
    if (!seen.insert(list[i]).second) return InvalidField(at, absl::StrCat(list[i], " is listed twice"));
  }
  return absl::OkStatus();
}

absl::Status ValidatePeerFields(const v1::FederationPeer& p) {
  RCP_RETURN_IF_ERROR(res::ValidateText("federation_peer.display_name", p.display_name(), 0, 200));
  static const std::regex address(R"(^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$)");
  if (p.address().empty() && p.enabled() && !p.send_only()) {
    return InvalidField("federation_peer.address",
                        "is required for an enabled peer this deployment pulls from (or make it send_only)");
  }
  if (!p.address().empty() && (p.address().size() > 255 || !std::regex_match(p.address(), address))) {
    return InvalidField("federation_peer.address", "must be host:port");
  }
  static const std::regex hex64("^[0-9a-f]{64}$");
  if (!p.credential_fingerprint().empty() && !std::regex_match(p.credential_fingerprint(), hex64)) {
    return InvalidField("federation_peer.credential_fingerprint",
                        "must be a SHA-256 digest as 64 lowercase hex digits");
  }
  if (p.share_rules_size() > 100) return InvalidField("federation_peer.share_rules", "must have at most 100 entries");
  for (int i = 0; i < p.share_rules_size(); ++i) {
    RCP_RETURN_IF_ERROR(ValidateShareRule(absl::StrCat("federation_peer.share_rules[", i, "]"), p.share_rules(i)));
  }
  RCP_RETURN_IF_ERROR(ValidateProcessList("federation_peer.home_processes", p.home_processes()));
  RCP_RETURN_IF_ERROR(ValidateProcessList("federation_peer.relay_processes", p.relay_processes()));
  if (p.pinned_keys_size() > 20) return InvalidField("federation_peer.pinned_keys", "must have at most 20 keys");
  for (int i = 0; i < p.pinned_keys_size(); ++i) {
    const auto& key = p.pinned_keys(i);
    std::string at = absl::StrCat("federation_peer.pinned_keys[", i, "]");
    if (key.public_key().size() != 32) {
      return InvalidField(at + ".public_key", "must be 32 bytes (a raw Ed25519 public key)");
    }
    if (key.key_id() != absl::StrCat("ed25519:", crypto::Sha256Hex(key.public_key()).substr(0, 16))) {
      return InvalidField(at + ".key_id", "must be \"ed25519:\" and the first 16 hex digits of the SHA-256 of public_key");
    }
  }
  return absl::OkStatus();
}

// ------------------------------------------------- referential checks (txn)

// Memberships of `party`, in every process or in those whose names start
// with `prefix`.
absl::StatusOr<std::vector<v1::Membership>> PartyMemberships(const storage::ReadView& view,
                                                             absl::string_view prefix,
                                                             absl::string_view party) {
  std::vector<v1::Membership> out;
  std::string index = PartyIndexPrefix(party);
  absl::Status failed;
  RCP_RETURN_IF_ERROR(view.Scan(kMembershipsByPartyCf, index, coding::PrefixSuccessor(index),
                                [&](absl::string_view key, absl::string_view) {
                                  absl::string_view name = key.substr(index.size());
                                  if (!absl::StartsWith(name, prefix)) return true;
                                  v1::Membership m;
                                  failed = view.Get(kMembership.cf, name, &m);
                                  if (!failed.ok()) return false;
                                  out.push_back(std::move(m));
                                  return true;
                                }));
  RCP_RETURN_IF_ERROR(failed);
  return out;
}

bool Overlaps(const rcp::common::v1::Date& a_start, const rcp::common::v1::Date& a_end,
              const rcp::common::v1::Date& b_start, const rcp::common::v1::Date& b_end) {
  int64_t as = IsSet(a_start) ? DayNumber(a_start) : INT64_MIN;
  int64_t ae = IsSet(a_end) ? DayNumber(a_end) : INT64_MAX;
  int64_t bs = IsSet(b_start) ? DayNumber(b_start) : INT64_MIN;
  int64_t be = IsSet(b_end) ? DayNumber(b_end) : INT64_MAX;
  return as <= be && bs <= ae;
}

// Picks `base`, else base-2, base-3 … : the first id free under `prefix`.
absl::StatusOr<std::string> FreeName(Transaction& txn, const Kind& kind, const std::string& prefix,
                                     const std::string& base) {
  for (int i = 1; i < 10000; ++i) {
    std::string name = i == 1 ? prefix + base : absl::StrCat(prefix, base, "-", i);
    RCP_ASSIGN_OR_RETURN(auto existing, txn.Get(kind.cf, name));
    if (!existing.has_value()) return name;
  }
  return absl::ResourceExhaustedError(absl::StrCat("no free id for ", prefix, base));
}

}  // namespace

// ====================================================================== store

namespace {
// The kinds federation mirrors here: the register's entries (a process
// travels with its memberships and chair terms) and other deployments'
// API keys and peers never travel.
mirror::MirrorOptions MirrorKinds() {
  mirror::MirrorOptions o;
  o.store_name = "registry";
  auto kind = [](const Kind& k, const Message& prototype) {
    mirror::KindSpec spec;
    spec.kind = k.name;
    spec.cf = k.cf;
    spec.prototype = &prototype;
    return spec;
  };
  o.kinds.push_back(kind(kProcess, v1::Process::default_instance()));
  o.kinds.push_back(kind(kParty, v1::Party::default_instance()));
  mirror::KindSpec membership = kind(kMembership, v1::Membership::default_instance());
  membership.write_beside = [](Transaction& txn, const Message* before, const Message* after,
                               const federation::v1::Item*) {
    if (before != nullptr) {
      const auto& m = static_cast<const v1::Membership&>(*before);
      txn.Delete(kMembershipsByPartyCf, PartyIndexPrefix(m.party()) + m.name());
    }
    if (after != nullptr) {
      const auto& m = static_cast<const v1::Membership&>(*after);
      txn.Put(kMembershipsByPartyCf, PartyIndexPrefix(m.party()) + m.name(), "");
    }
    return absl::OkStatus();
  };
  o.kinds.push_back(std::move(membership));
  o.kinds.push_back(kind(kChairTerm, v1::ChairTerm::default_instance()));
  o.kinds.push_back(kind(kFocalPoint, v1::FocalPoint::default_instance()));
  return o;
}
}  // namespace

RegistryStore::RegistryStore(const RegistryOptions& options, std::unique_ptr<storage::Store> store)
    : options_(options), store_(std::move(store)), mirrors_(store_.get(), MirrorKinds()) {}

absl::StatusOr<std::unique_ptr<RegistryStore>> RegistryStore::Open(const RegistryOptions& options) {
  storage::StoreOptions so = options.store;
  so.store_name = "registry";
  so.column_families = {kProcess.cf,    kParty.cf,      kMembership.cf,        kChairTerm.cf,
                        kFocalPoint.cf,  kApiKey.cf,     kPeer.cf,              kKeySecretsCf,
                        kMembershipsByPartyCf, kKeyringCf, kPeerStatesCf, kHeadsCf,
                        kWebSessionsCf, kWebSessionsByKeyCf};
  for (const auto& cf : mirror::MirrorStore::ColumnFamilies()) so.column_families.push_back(cf);
  RCP_ASSIGN_OR_RETURN(auto store, storage::Store::Open(so));
  RCP_RETURN_IF_ERROR(IndexMembershipsByParty(store.get()));
  return std::unique_ptr<RegistryStore>(new RegistryStore(options, std::move(store)));
}

absl::Status RegistryStore::IndexMembershipsByParty(storage::Store* store) {
  absl::Status indexed = store->Read()->Get(kMembershipsByPartyCf, kMembershipsIndexedKey).status();
  if (indexed.ok()) return absl::OkStatus();
  if (!absl::IsNotFound(indexed)) return indexed;
  return store
      ->Write({"system/migration"}, {},
              [&](Transaction& txn) -> absl::Status {
                absl::Status parse;
                auto view = store->Read();
                RCP_RETURN_IF_ERROR(
                    view->Scan(kMembership.cf, "", "", [&](absl::string_view key, absl::string_view value) {
                      v1::Membership m;
                      if (!m.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                        parse = absl::DataLossError(absl::StrCat("unreadable membership ", key));
                        return false;
                      }
                      txn.Put(kMembershipsByPartyCf, PartyIndexPrefix(m.party()) + m.name(), "");
                      return true;
                    }));
                RCP_RETURN_IF_ERROR(parse);
                txn.Put(kMembershipsByPartyCf, kMembershipsIndexedKey, "");
                return absl::OkStatus();
              })
      .status();
}

// ---------------------------------------------------------------- processes

namespace {
// The parties of `process` whose chair term covers `today`.
absl::StatusOr<std::vector<std::string>> CurrentChairs(const storage::ReadView& view,
                                                       absl::string_view process,
                                                       const rcp::common::v1::Date& today) {
  std::vector<std::string> chairs;
  std::string prefix = absl::StrCat(process, "/chairTerms/");
  absl::Status parse;
  RCP_RETURN_IF_ERROR(view.Scan(kChairTerm.cf, prefix, coding::PrefixSuccessor(prefix),
                                [&](absl::string_view key, absl::string_view value) {
                                  v1::ChairTerm t;
                                  if (!t.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                                    parse = absl::DataLossError(absl::StrCat("unreadable ", key));
                                    return false;
                                  }
                                  if (DateInRange(today, t.start_date(), t.end_date())) {
                                    chairs.push_back(t.party());
                                  }
                                  return true;
                                }));
  RCP_RETURN_IF_ERROR(parse);
  return chairs;
}

// Derived, never stored.
// A process as read: its current chairs (derived from the date), and its
// home, which a process stored before homes existed lacks: it is then this
// deployment's, as every process was.
absl::Status FillDerived(const storage::ReadView& view, absl::Time now, const std::string& deployment_id,
                         v1::Process* p) {
  RCP_ASSIGN_OR_RETURN(auto chairs, CurrentChairs(view, p->name(), DateOf(now)));
  p->mutable_current_chairs()->Assign(chairs.begin(), chairs.end());
  if (p->home().empty()) p->set_home(deployment_id);
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<v1::Process> RegistryStore::CreateProcess(const Ctx& ctx,
                                                         const v1::CreateProcessRequest& req) {
  RCP_RETURN_IF_ERROR(res::ValidateSlug("process_id", req.process_id()));
  RCP_RETURN_IF_ERROR(ValidateProcess(req.process(), store_->options().clock->Now()));
  std::string name = absl::StrCat("processes/", req.process_id());
  auto created =
      entity::Create<v1::Process>(store_.get(), ctx, kProcess, req, req.request_id(), {name, kHomePinsLock},
                                  [&](Transaction& txn) -> absl::StatusOr<v1::Process> {
                                    v1::Process p = req.process();
                                    p.set_name(name);
                                    if (p.home().empty()) p.set_home(options_.deployment_id);
                                    RCP_ASSIGN_OR_RETURN(std::string pinned, PinnedHome(*store_->Read(), name));
                                    if (!pinned.empty()) {
                                      return absl::FailedPreconditionError(absl::StrCat(
                                          name, " is pinned to federationPeers/", pinned,
                                          ", its home; it arrives from there as a mirror"));
                                    }
                                    p.clear_current_chairs();
                                    p.clear_etag();
                                    if (!p.secretariat_host().empty()) {
                                      RCP_RETURN_IF_ERROR(MustExist<v1::Party>(
                                          txn, kParty, "process.secretariat_host", p.secretariat_host()));
                                    }
                                    return p;
                                  });
  RCP_RETURN_IF_ERROR(created.status());
  auto view = store_->Read();
  RCP_RETURN_IF_ERROR(FillDerived(*view, store_->options().clock->Now(), options_.deployment_id, &*created));
  return created;
}

absl::StatusOr<v1::Process> RegistryStore::GetProcess(const v1::GetProcessRequest& req) {
  RCP_RETURN_IF_ERROR(ProcessId("name", req.name()).status());
  auto view = store_->Read();
  v1::Process p;
  absl::Status s = view->Get(kProcess.cf, req.name(), &p);
  if (absl::IsNotFound(s)) return res::NotFound(req.name());
  RCP_RETURN_IF_ERROR(s);
  RCP_RETURN_IF_ERROR(FillDerived(*view, store_->options().clock->Now(), options_.deployment_id, &p));
  return p;
}

absl::StatusOr<v1::ListProcessesResponse> RegistryStore::ListProcesses(const v1::ListProcessesRequest& req,
                                                                       const audience::Viewer* viewer) {
  std::set<std::string> of_party;
  absl::Time now = store_->options().clock->Now();
  auto view = store_->Read();
  if (!req.party().empty()) {
    RCP_RETURN_IF_ERROR(PartyId("party", req.party()).status());
    auto today = DateOf(now);
    RCP_ASSIGN_OR_RETURN(auto memberships, PartyMemberships(*view, "", req.party()));
    for (const auto& m : memberships) {
      if (DateInRange(today, m.start_date(), m.end_date())) of_party.insert(ParentOf(m.name()));
    }
  }
  v1::ListProcessesResponse resp;
  RCP_RETURN_IF_ERROR(entity::List<v1::Process>(
      *view, kProcess, "processes/", req, req.page_size(), req.page_token(),
      [&](const v1::Process& p) {
        return (req.party().empty() || of_party.count(p.name()) > 0) &&
               audience::VisibleTo(viewer, res::Kind::kProcess, p);
      },
      resp.mutable_processes(), resp.mutable_next_page_token()));
  for (auto& p : *resp.mutable_processes())
    RCP_RETURN_IF_ERROR(FillDerived(*view, now, options_.deployment_id, &p));
  resp.set_revision(view->revision());
  return resp;
}

absl::StatusOr<v1::Process> RegistryStore::UpdateProcess(const Ctx& ctx,
                                                         const v1::UpdateProcessRequest& req) {
  RCP_RETURN_IF_ERROR(ProcessId("process.name", req.process().name()).status());
  RCP_RETURN_IF_ERROR(
      res::ValidateUpdateMask(req.update_mask(), {"display_name", "acronym", "region", "established_year",
                                                  "thematic_focus", "secretariat_host", "home"}));
  absl::Time now = store_->options().clock->Now();
  auto updated = entity::Update<v1::Process>(
      store_.get(), ctx, kProcess, req.process(), req.update_mask(), {},
      [&](Transaction& txn, const v1::Process&, v1::Process* next) -> absl::Status {
        const v1::Process& merged = *next;
        RCP_RETURN_IF_ERROR(ValidateProcess(merged, now));
        if (!merged.secretariat_host().empty()) {
          RCP_RETURN_IF_ERROR(
              MustExist<v1::Party>(txn, kParty, "process.secretariat_host", merged.secretariat_host()));
        }
        return absl::OkStatus();
      });
  RCP_RETURN_IF_ERROR(updated.status());
  auto view = store_->Read();
  RCP_RETURN_IF_ERROR(FillDerived(*view, now, options_.deployment_id, &*updated));
  return updated;
}

// ------------------------------------------------------------------ parties

absl::StatusOr<v1::Party> RegistryStore::CreateParty(const Ctx& ctx, const v1::CreatePartyRequest& req) {
  RCP_RETURN_IF_ERROR(ValidatePartyId("party_id", req.party_id()));
  if (res::IsForeignOrganization(req.party_id())) {
    return InvalidField("party_id",
                        "names another deployment's organisation ({slug}@{deployment}); such parties arrive "
                        "by federation and are not created here");
  }
  v1::Party party = req.party();
  if (party.shared_identity() && party.type() != v1::Party::ORGANIZATION) {
    return InvalidField("party.shared_identity",
                        "is for organisations only: states are shared by every deployment already");
  }
  bool is_state = res::IsStateId(req.party_id());
  if (party.type() == v1::Party::TYPE_UNSPECIFIED) {
    return InvalidField("party.type", "is required: STATE or ORGANIZATION");
  }
  if (party.type() == v1::Party::STATE && !is_state) {
    return InvalidField("party_id", "a STATE is identified by its ISO 3166-1 alpha-3 code");
  }
  if (party.type() == v1::Party::ORGANIZATION && is_state) {
    return InvalidField("party_id", "an ORGANIZATION is identified by a lowercase slug");
  }
  if (party.type() == v1::Party::STATE && party.display_name().empty()) {
    party.set_display_name(iso3166::CountryName(req.party_id()));
  }
  RCP_RETURN_IF_ERROR(res::ValidateText("party.display_name", party.display_name(), 1, 200));
  std::string name = absl::StrCat("parties/", req.party_id());
  return entity::Create<v1::Party>(store_.get(), ctx, kParty, req, req.request_id(), {name},
                                   [&](Transaction&) -> absl::StatusOr<v1::Party> {
                                     v1::Party p = party;
                                     p.set_name(name);
                                     p.clear_etag();
                                     return p;
                                   });
}

absl::StatusOr<v1::Party> RegistryStore::GetParty(const v1::GetPartyRequest& req) {
  RCP_RETURN_IF_ERROR(PartyId("name", req.name()).status());
  return entity::Get<v1::Party>(store_.get(), kParty, req.name());
}

absl::StatusOr<v1::ListPartiesResponse> RegistryStore::ListParties(const v1::ListPartiesRequest& req,
                                                                   const audience::Viewer* viewer) {
  if (!v1::Party::Type_IsValid(req.type())) return InvalidField("type", "is not a party type");
  auto view = store_->Read();
  v1::ListPartiesResponse resp;
  RCP_RETURN_IF_ERROR(entity::List<v1::Party>(
      *view, kParty, "parties/", req, req.page_size(), req.page_token(),
      [&](const v1::Party& p) {
        return (req.type() == v1::Party::TYPE_UNSPECIFIED || p.type() == req.type()) &&
               audience::VisibleTo(viewer, res::Kind::kParty, p);
      },
      resp.mutable_parties(), resp.mutable_next_page_token()));
  resp.set_revision(view->revision());
  return resp;
}

absl::StatusOr<v1::Party> RegistryStore::UpdateParty(const Ctx& ctx, const v1::UpdatePartyRequest& req) {
  RCP_RETURN_IF_ERROR(PartyId("party.name", req.party().name()).status());
  RCP_RETURN_IF_ERROR(res::ValidateUpdateMask(req.update_mask(), {"display_name", "shared_identity"}));
  return entity::Update<v1::Party>(
      store_.get(), ctx, kParty, req.party(), req.update_mask(), {},
      [&](Transaction&, const v1::Party&, v1::Party* merged) -> absl::Status {
        if (merged->shared_identity() && merged->type() != v1::Party::ORGANIZATION) {
          return InvalidField("party.shared_identity",
                              "is for organisations only: states are shared by every deployment already");
        }
        return res::ValidateText("party.display_name", merged->display_name(), 1, 200);
      });
}

// -------------------------------------------------------------- memberships

namespace {
// A party holds at most one membership of a process on any day.
absl::Status CheckNoOverlap(const storage::ReadView& view, const v1::Membership& m) {
  std::string prefix = absl::StrCat(ParentOf(m.name()), "/memberships/");
  RCP_ASSIGN_OR_RETURN(auto existing, PartyMemberships(view, prefix, m.party()));
  for (const auto& other : existing) {
    if (other.name() == m.name()) continue;
    if (Overlaps(m.start_date(), m.end_date(), other.start_date(), other.end_date())) {
      return absl::AlreadyExistsError(
          absl::StrCat("membership: ", m.party(), " already has membership ", other.name(),
                       " covering part of this period; end it (end_date) before adding another"));
    }
  }
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<v1::Membership> RegistryStore::CreateMembership(const Ctx& ctx,
                                                               const v1::CreateMembershipRequest& req) {
  RCP_RETURN_IF_ERROR(ProcessId("parent", req.parent()).status());
  if (!req.membership_id().empty()) {
    RCP_RETURN_IF_ERROR(res::ValidateSlug("membership_id", req.membership_id(), 1, 63));
  }
  const v1::Membership& m = req.membership();
  RCP_ASSIGN_OR_RETURN(std::string party_id, PartyId("membership.party", m.party()));
  if (m.role() == v1::ROLE_UNSPECIFIED || !v1::Role_IsValid(m.role())) {
    return InvalidField("membership.role", "is required: SECRETARIAT, MEMBER or OBSERVER");
  }
  if (m.role() == v1::CHAIR) {
    return InvalidField("membership.role",
                        "cannot be CHAIR: the chair comes from chair terms; a membership is SECRETARIAT, "
                        "MEMBER or OBSERVER");
  }
  RCP_RETURN_IF_ERROR(ValidateMembershipDates(m));
  std::string collection = absl::StrCat(req.parent(), "/memberships/");
  return entity::Create<v1::Membership>(
      store_.get(), ctx, kMembership, req, req.request_id(), {collection},
      [&](Transaction& txn) -> absl::StatusOr<v1::Membership> {
        RCP_RETURN_IF_ERROR(MustExist<v1::Process>(txn, kProcess, "parent", req.parent()));
        RCP_RETURN_IF_ERROR(MustExist<v1::Party>(txn, kParty, "membership.party", m.party()));
        v1::Membership out = m;
        out.clear_etag();
        if (!req.membership_id().empty()) {
          out.set_name(collection + req.membership_id());
        } else {
          RCP_ASSIGN_OR_RETURN(std::string name,
                               FreeName(txn, kMembership, collection, absl::AsciiStrToLower(party_id)));
          out.set_name(name);
        }
        auto view = store_->Read();
        RCP_RETURN_IF_ERROR(CheckNoOverlap(*view, out));
        return out;
      },
      [](Transaction& txn, const v1::Membership& stored) {
        txn.Put(kMembershipsByPartyCf, PartyIndexPrefix(stored.party()) + stored.name(), "");
      });
}

absl::StatusOr<v1::Membership> RegistryStore::GetMembership(const v1::GetMembershipRequest& req) {
  RCP_RETURN_IF_ERROR(ValidateChildName("name", req.name(), "memberships"));
  return entity::Get<v1::Membership>(store_.get(), kMembership, req.name());
}

absl::StatusOr<v1::ListMembershipsResponse> RegistryStore::ListMemberships(
    const v1::ListMembershipsRequest& req, const audience::Viewer* viewer) {
  RCP_ASSIGN_OR_RETURN(std::string prefix, ParentPrefix(req.parent(), "memberships"));
  if (!req.party().empty()) RCP_RETURN_IF_ERROR(PartyId("party", req.party()).status());
  if (!v1::Role_IsValid(req.role())) return InvalidField("role", "is not a role");
  auto today = DateOf(store_->options().clock->Now());
  auto view = store_->Read();
  v1::ListMembershipsResponse resp;
  RCP_RETURN_IF_ERROR(entity::List<v1::Membership>(
      *view, kMembership, prefix, req, req.page_size(), req.page_token(),
      [&](const v1::Membership& m) {
        return (req.party().empty() || m.party() == req.party()) &&
               (req.role() == v1::ROLE_UNSPECIFIED || m.role() == req.role()) &&
               (!req.current_only() || DateInRange(today, m.start_date(), m.end_date())) &&
               audience::VisibleTo(viewer, res::Kind::kMembership, m);
      },
      resp.mutable_memberships(), resp.mutable_next_page_token()));
  resp.set_revision(view->revision());
  return resp;
}

absl::StatusOr<v1::Membership> RegistryStore::UpdateMembership(const Ctx& ctx,
                                                               const v1::UpdateMembershipRequest& req) {
  RCP_RETURN_IF_ERROR(ValidateChildName("membership.name", req.membership().name(), "memberships"));
  RCP_RETURN_IF_ERROR(res::ValidateUpdateMask(req.update_mask(), {"start_date", "end_date"}));
  std::string collection = absl::StrCat(ParentOf(req.membership().name()), "/memberships/");
  return entity::Update<v1::Membership>(
      store_.get(), ctx, kMembership, req.membership(), req.update_mask(), {collection},
      [&](Transaction& txn, const v1::Membership&, v1::Membership* next) -> absl::Status {
        const v1::Membership& merged = *next;
        RCP_RETURN_IF_ERROR(ValidateMembershipDates(merged));
        auto view = store_->Read();
        return CheckNoOverlap(*view, merged);
      });
}

// -------------------------------------------------------------- chair terms

namespace {
// The chair must be a member (or the secretariat) of the process on the
// first day of the term, and cannot hold two overlapping terms.
absl::Status CheckChairTerm(const storage::ReadView& view, const v1::ChairTerm& t) {
  std::string process = ParentOf(t.name());
  RCP_ASSIGN_OR_RETURN(auto memberships,
                       PartyMemberships(view, absl::StrCat(process, "/memberships/"), t.party()));
  bool member = false;
  for (const auto& m : memberships) {
    member =
        member || (m.role() != v1::OBSERVER && DateInRange(t.start_date(), m.start_date(), m.end_date()));
  }
  if (!member) {
    return absl::FailedPreconditionError(absl::StrCat("chair_term.party: ", t.party(), " is not a member of ",
                                                      process, " on ", FormatDate(t.start_date()),
                                                      "; add the membership first"));
  }
  std::string prefix = absl::StrCat(process, "/chairTerms/");
  absl::Status conflict;
  RCP_RETURN_IF_ERROR(view.Scan(
      kChairTerm.cf, prefix, coding::PrefixSuccessor(prefix),
      [&](absl::string_view, absl::string_view value) {
        v1::ChairTerm other;
        if (!other.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          conflict = absl::DataLossError("unreadable chair term");
          return false;
        }
        if (other.name() != t.name() && other.party() == t.party() &&
            Overlaps(t.start_date(), t.end_date(), other.start_date(), other.end_date())) {
          conflict = absl::AlreadyExistsError(absl::StrCat("chair_term: ", t.party(), " already chairs in ",
                                                           other.name(), " during part of this period"));
          return false;
        }
        return true;
      }));
  return conflict;
}
}  // namespace

absl::StatusOr<v1::ChairTerm> RegistryStore::CreateChairTerm(const Ctx& ctx,
                                                             const v1::CreateChairTermRequest& req) {
  RCP_RETURN_IF_ERROR(ProcessId("parent", req.parent()).status());
  if (!req.chair_term_id().empty()) {
    RCP_RETURN_IF_ERROR(res::ValidateSlug("chair_term_id", req.chair_term_id(), 1, 63));
  }
  const v1::ChairTerm& t = req.chair_term();
  RCP_ASSIGN_OR_RETURN(std::string party_id, PartyId("chair_term.party", t.party()));
  RCP_RETURN_IF_ERROR(ValidateChairTermFields(t));
  std::string collection = absl::StrCat(req.parent(), "/chairTerms/");
  return entity::Create<v1::ChairTerm>(
      store_.get(), ctx, kChairTerm, req, req.request_id(), {collection},
      [&](Transaction& txn) -> absl::StatusOr<v1::ChairTerm> {
        RCP_RETURN_IF_ERROR(MustExist<v1::Process>(txn, kProcess, "parent", req.parent()));
        RCP_RETURN_IF_ERROR(MustExist<v1::Party>(txn, kParty, "chair_term.party", t.party()));
        v1::ChairTerm out = t;
        out.clear_etag();
        if (!req.chair_term_id().empty()) {
          out.set_name(collection + req.chair_term_id());
        } else {
          RCP_ASSIGN_OR_RETURN(std::string name, FreeName(txn, kChairTerm, collection,
                                                          absl::StrCat(absl::AsciiStrToLower(party_id), "-",
                                                                       t.start_date().year())));
          out.set_name(name);
        }
        auto view = store_->Read();
        RCP_RETURN_IF_ERROR(CheckChairTerm(*view, out));
        return out;
      });
}

absl::StatusOr<v1::ChairTerm> RegistryStore::GetChairTerm(const v1::GetChairTermRequest& req) {
  RCP_RETURN_IF_ERROR(ValidateChildName("name", req.name(), "chairTerms"));
  return entity::Get<v1::ChairTerm>(store_.get(), kChairTerm, req.name());
}

absl::StatusOr<v1::ListChairTermsResponse> RegistryStore::ListChairTerms(const v1::ListChairTermsRequest& req,
                                                                         const audience::Viewer* viewer) {
  RCP_ASSIGN_OR_RETURN(std::string prefix, ParentPrefix(req.parent(), "chairTerms"));
  if (!req.party().empty()) RCP_RETURN_IF_ERROR(PartyId("party", req.party()).status());
  auto view = store_->Read();
  v1::ListChairTermsResponse resp;
  RCP_RETURN_IF_ERROR(entity::List<v1::ChairTerm>(
      *view, kChairTerm, prefix, req, req.page_size(), req.page_token(),
      [&](const v1::ChairTerm& t) {
        return (req.party().empty() || t.party() == req.party()) &&
               audience::VisibleTo(viewer, res::Kind::kChairTerm, t);
      },
      resp.mutable_chair_terms(), resp.mutable_next_page_token()));
  resp.set_revision(view->revision());
  return resp;
}

absl::StatusOr<v1::ChairTerm> RegistryStore::UpdateChairTerm(const Ctx& ctx,
                                                             const v1::UpdateChairTermRequest& req) {
  RCP_RETURN_IF_ERROR(ValidateChildName("chair_term.name", req.chair_term().name(), "chairTerms"));
  RCP_RETURN_IF_ERROR(res::ValidateUpdateMask(req.update_mask(), {"start_date", "end_date", "note"}));
  std::string collection = absl::StrCat(ParentOf(req.chair_term().name()), "/chairTerms/");
  return entity::Update<v1::ChairTerm>(
      store_.get(), ctx, kChairTerm, req.chair_term(), req.update_mask(), {collection},
      [&](Transaction& txn, const v1::ChairTerm&, v1::ChairTerm* next) -> absl::Status {
        const v1::ChairTerm& merged = *next;
        RCP_RETURN_IF_ERROR(ValidateChairTermFields(merged));
        auto view = store_->Read();
        return CheckChairTerm(*view, merged);
      });
}

// ------------------------------------------------------------- focal points

absl::StatusOr<v1::FocalPoint> RegistryStore::CreateFocalPoint(const Ctx& ctx,
                                                               const v1::CreateFocalPointRequest& req) {
  RCP_RETURN_IF_ERROR(ProcessId("parent", req.parent()).status());
  if (!req.focal_point_id().empty()) {
    RCP_RETURN_IF_ERROR(res::ValidateSlug("focal_point_id", req.focal_point_id(), 1, 63));
  }
  const v1::FocalPoint& f = req.focal_point();
  RCP_ASSIGN_OR_RETURN(std::string party_id, PartyId("focal_point.party", f.party()));
  RCP_RETURN_IF_ERROR(ValidateFocalPointFields(f));
  std::string collection = absl::StrCat(req.parent(), "/focalPoints/");
  return entity::Create<v1::FocalPoint>(
      store_.get(), ctx, kFocalPoint, req, req.request_id(), {collection},
      [&](Transaction& txn) -> absl::StatusOr<v1::FocalPoint> {
        RCP_RETURN_IF_ERROR(MustExist<v1::Process>(txn, kProcess, "parent", req.parent()));
        RCP_RETURN_IF_ERROR(MustExist<v1::Party>(txn, kParty, "focal_point.party", f.party()));
        auto view = store_->Read();
        RCP_ASSIGN_OR_RETURN(auto memberships,
                             PartyMemberships(*view, absl::StrCat(req.parent(), "/memberships/"), f.party()));
        if (memberships.empty()) {
          return absl::FailedPreconditionError(
              absl::StrCat("focal_point.party: ", f.party(), " has no membership in ", req.parent()));
        }
        v1::FocalPoint out = f;
        out.clear_etag();
        if (!req.focal_point_id().empty()) {
          out.set_name(collection + req.focal_point_id());
        } else {
          RCP_ASSIGN_OR_RETURN(std::string name,
                               FreeName(txn, kFocalPoint, collection, absl::AsciiStrToLower(party_id)));
          out.set_name(name);
        }
        return out;
      });
}

absl::StatusOr<v1::FocalPoint> RegistryStore::GetFocalPoint(const v1::GetFocalPointRequest& req) {
  RCP_RETURN_IF_ERROR(ValidateChildName("name", req.name(), "focalPoints"));
  return entity::Get<v1::FocalPoint>(store_.get(), kFocalPoint, req.name());
}

absl::StatusOr<v1::ListFocalPointsResponse> RegistryStore::ListFocalPoints(
    const v1::ListFocalPointsRequest& req, const audience::Viewer* viewer) {
  RCP_ASSIGN_OR_RETURN(std::string prefix, ParentPrefix(req.parent(), "focalPoints"));
  if (!req.party().empty()) RCP_RETURN_IF_ERROR(PartyId("party", req.party()).status());
  auto view = store_->Read();
  v1::ListFocalPointsResponse resp;
  RCP_RETURN_IF_ERROR(entity::List<v1::FocalPoint>(
      *view, kFocalPoint, prefix, req, req.page_size(), req.page_token(),
      [&](const v1::FocalPoint& f) {
        return (req.party().empty() || f.party() == req.party()) &&
               audience::VisibleTo(viewer, res::Kind::kFocalPoint, f);
      },
      resp.mutable_focal_points(), resp.mutable_next_page_token()));
  resp.set_revision(view->revision());
  return resp;
}

absl::StatusOr<v1::FocalPoint> RegistryStore::UpdateFocalPoint(const Ctx& ctx,
                                                               const v1::UpdateFocalPointRequest& req) {
  RCP_RETURN_IF_ERROR(ValidateChildName("focal_point.name", req.focal_point().name(), "focalPoints"));
  RCP_RETURN_IF_ERROR(
      res::ValidateUpdateMask(req.update_mask(), {"person_name", "ministry", "email", "phone"}));
  return entity::Update<v1::FocalPoint>(store_.get(), ctx, kFocalPoint, req.focal_point(), req.update_mask(),
                                        {}, [&](Transaction&, const v1::FocalPoint&, v1::FocalPoint* merged) {
                                          return ValidateFocalPointFields(*merged);
                                        });
}

absl::Status RegistryStore::DeleteFocalPoint(const Ctx& ctx, const v1::DeleteFocalPointRequest& req) {
  RCP_RETURN_IF_ERROR(ValidateChildName("name", req.name(), "focalPoints"));
  return entity::Delete<v1::FocalPoint>(store_.get(), ctx, kFocalPoint, req.name(), req.etag(), {});
}

// ----------------------------------------------------------------- api keys

namespace {
constexpr char kKeyPrefix[] = "rcp_";
constexpr size_t kKeyIdBytes = 8;       // 13 base32 characters
constexpr size_t kKeySecretBytes = 32;  // 52 base32 characters

absl::Status Unauthenticated(absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("key: ", why));
}
}  // namespace

absl::StatusOr<v1::CreateApiKeyResponse> RegistryStore::CreateApiKey(const Ctx& ctx,
                                                                     const v1::CreateApiKeyRequest& req) {
  const v1::ApiKey& k = req.api_key();
  RCP_RETURN_IF_ERROR(PartyId("api_key.party", k.party()).status());
  RCP_RETURN_IF_ERROR(res::ValidateText("api_key.display_name", k.display_name(), 0, 200));
  if (k.processes_size() > 100) return InvalidField("api_key.processes", "must have at most 100 entries");
  for (int i = 0; i < k.processes_size(); ++i) {
    RCP_RETURN_IF_ERROR(ProcessId(absl::StrCat("api_key.processes[", i, "]"), k.processes(i)).status());
  }
  for (int i = 0; i < k.roles_size(); ++i) {
    if (k.roles(i) == v1::ROLE_UNSPECIFIED || !v1::Role_IsValid(k.roles(i))) {
      return InvalidField(absl::StrCat("api_key.roles[", i, "]"),
                          "must be SECRETARIAT, MEMBER, OBSERVER or CHAIR");
    }
  }
  // Administration is not a role a membership grants, so no role limit
  // can narrow it: a key that had both would be read two ways.
  if (k.admin() && k.roles_size() > 0) {
    return InvalidField("api_key.roles", "an administrator's key takes no role limits");
  }
  absl::Time now = store_->options().clock->Now();
  if (!k.has_expire_time()) return InvalidField("api_key.expire_time", "is required");
  absl::Time expire = FromTimestamp(k.expire_time());
  if (expire <= now) return InvalidField("api_key.expire_time", "must be in the future");
  if (expire > now + options_.max_api_key_lifetime) {
    return InvalidField(
        "api_key.expire_time",
        absl::StrCat("must be within ", absl::ToInt64Hours(options_.max_api_key_lifetime) / 24,
                     " days from now"));
  }
  std::string key_id = crypto::RandomToken(kKeyIdBytes);
  std::string secret = crypto::RandomToken(kKeySecretBytes);
  std::string name = absl::StrCat("apiKeys/", key_id);
  std::string fingerprint = res::Fingerprint(req);
  v1::CreateApiKeyResponse resp;
  RCP_RETURN_IF_ERROR(
      store_
          ->Write(
              ctx,
              req.request_id().empty()
                  ? std::vector<std::string>{name}
                  : std::vector<std::string>{name, storage::RequestLockKey(kApiKey.name, req.request_id())},
              [&](Transaction& txn) -> absl::Status {
                RCP_ASSIGN_OR_RETURN(auto prior,
                                     txn.LookupRequest(kApiKey.name, req.request_id(), fingerprint));
                if (prior.has_value()) {
                  return absl::AlreadyExistsError(
                      absl::StrCat("request_id: this request already issued ", *prior,
                                   "; a key's secret is shown only once, so revoke that key and create "
                                   "another with a new request_id"));
                }
                RCP_RETURN_IF_ERROR(MustExist<v1::Party>(txn, kParty, "api_key.party", k.party()));
                for (int i = 0; i < k.processes_size(); ++i) {
                  RCP_RETURN_IF_ERROR(MustExist<v1::Process>(
                      txn, kProcess, absl::StrCat("api_key.processes[", i, "]"), k.processes(i)));
                }
                v1::ApiKey key = k;
                key.set_name(name);
                key.clear_revoke_time();
                key.set_creator(ctx.principal);
                Stamp(&key, txn.now(), /*creating=*/true);
                txn.Put(kApiKey.cf, name, key);
                txn.Put(kKeySecretsCf, name, crypto::Sha256Hex(secret));
                txn.RecordChange(name, kApiKey.name, Change::CREATED, key);
                txn.RememberRequest(kApiKey.name, req.request_id(), fingerprint, name);
                *resp.mutable_api_key() = key;
                return absl::OkStatus();
              })
          .status());
  resp.set_key(absl::StrCat(kKeyPrefix, key_id, "_", secret));
  return resp;
}

absl::StatusOr<v1::ApiKey> RegistryStore::GetApiKey(const v1::GetApiKeyRequest& req) {
  RCP_RETURN_IF_ERROR(res::ParseName("name", req.name(), "apiKeys/*").status());
  return entity::Get<v1::ApiKey>(store_.get(), kApiKey, req.name());
}

absl::StatusOr<v1::ListApiKeysResponse> RegistryStore::ListApiKeys(const v1::ListApiKeysRequest& req,
                                                                   const audience::Viewer* viewer) {
  if (!req.party().empty()) RCP_RETURN_IF_ERROR(PartyId("party", req.party()).status());
  auto view = store_->Read();
  v1::ListApiKeysResponse resp;
  RCP_RETURN_IF_ERROR(entity::List<v1::ApiKey>(
      *view, kApiKey, "apiKeys/", req, req.page_size(), req.page_token(),
      [&](const v1::ApiKey& k) {
        return (req.party().empty() || k.party() == req.party()) &&
               (req.include_revoked() || !k.has_revoke_time()) &&
               audience::VisibleTo(viewer, res::Kind::kApiKey, k);
      },
      resp.mutable_api_keys(), resp.mutable_next_page_token()));
  resp.set_revision(view->revision());
  return resp;
}

absl::StatusOr<v1::ApiKey> RegistryStore::RevokeApiKey(const Ctx& ctx, const v1::RevokeApiKeyRequest& req) {
  RCP_RETURN_IF_ERROR(res::ParseName("name", req.name(), "apiKeys/*").status());
  v1::ApiKey result;
  RCP_RETURN_IF_ERROR(store_
                          ->Write(ctx, {req.name(), kWebSessionsLock},
                                  [&](Transaction& txn) -> absl::Status {
                                    RCP_ASSIGN_OR_RETURN(bool found,
                                                         txn.Get(kApiKey.cf, req.name(), &result));
                                    if (!found) return res::NotFound(req.name());
                                    if (result.has_revoke_time()) return absl::OkStatus();
                                    *result.mutable_revoke_time() = ToTimestamp(txn.now());
                                    txn.Put(kApiKey.cf, req.name(), result);
                                    RCP_RETURN_IF_ERROR(DeleteSessionsOf(txn, req.name()).status());
                                    txn.RecordChange(req.name(), kApiKey.name, Change::UPDATED, result);
                                    return absl::OkStatus();
                                  })
                          .status());
  return result;
}

absl::StatusOr<v1::ApiKey> RegistryStore::ValidKey(const storage::ReadView& view, const std::string& key) {
  std::vector<std::string> parts = absl::StrSplit(key, '_');
  if (key.size() > 200 || parts.size() != 3 || parts[0] != "rcp" || parts[1].empty() || parts[2].empty()) {
    return Unauthenticated("malformed; an API key looks like rcp_<id>_<secret>");
  }
  std::string name = absl::StrCat("apiKeys/", parts[1]);
  v1::ApiKey k;
  absl::Status s = view.Get(kApiKey.cf, name, &k);
  if (absl::IsNotFound(s)) return Unauthenticated("unknown or wrong key");
  RCP_RETURN_IF_ERROR(s);
  absl::Time now = store_->options().clock->Now();
  // The secret is checked first, so that only the key's holder learns
  // whether it was revoked or expired.
  auto hash = view.Get(kKeySecretsCf, name);
  if (!hash.ok() || !crypto::ConstantTimeEquals(*hash, crypto::Sha256Hex(parts[2]))) {
    return Unauthenticated("unknown or wrong key");
  }
  if (k.has_revoke_time()) {
    return Unauthenticated(
        absl::StrCat("this key was revoked at ", absl::FormatTime(FromTimestamp(k.revoke_time()))));
  }
  if (FromTimestamp(k.expire_time()) <= now) {
    return Unauthenticated(
        absl::StrCat("this key expired at ", absl::FormatTime(FromTimestamp(k.expire_time()))));
  }
  return k;
}

absl::StatusOr<v1::Principal> RegistryStore::Authenticate(const v1::AuthenticateRequest& req) {
  auto view = store_->Read();
  RCP_ASSIGN_OR_RETURN(v1::ApiKey k, ValidKey(*view, req.key()));
  return PrincipalOf(*view, k);
}

absl::StatusOr<v1::Principal> RegistryStore::ResolveApiKey(const v1::ResolveApiKeyRequest& req) {
  RCP_RETURN_IF_ERROR(res::ParseName("name", req.name(), "apiKeys/*").status());
  auto view = store_->Read();
  v1::ApiKey k;
  absl::Status s = view->Get(kApiKey.cf, req.name(), &k);
  if (absl::IsNotFound(s)) return Unauthenticated("unknown key");
  RCP_RETURN_IF_ERROR(s);
  if (k.has_revoke_time()) return Unauthenticated("this key was revoked");
  if (FromTimestamp(k.expire_time()) <= store_->options().clock->Now())
    return Unauthenticated("this key expired");
  return PrincipalOf(*view, k);
}

absl::StatusOr<v1::Principal> RegistryStore::PrincipalOf(const storage::ReadView& view, const v1::ApiKey& k) {
  auto today = DateOf(store_->options().clock->Now());
  v1::Principal p;
  p.set_api_key(k.name());
  p.set_party(k.party());
  // Such keys are refused at creation; one stored before keeps its limits
  // and loses the administration they would contradict.
  p.set_admin(k.admin() && k.roles().empty());
  *p.mutable_valid_until() = k.expire_time();
  *p.mutable_process_limit() = k.processes();
  *p.mutable_role_limit() = k.roles();
  auto within_processes = [&](const std::string& process) {
    return k.processes().empty() ||
           std::find(k.processes().begin(), k.processes().end(), process) != k.processes().end();
  };
  auto within_roles = [&](v1::Role role) {
    return k.roles().empty() || std::find(k.roles().begin(), k.roles().end(), role) != k.roles().end();
  };
  std::map<std::string, v1::Principal::ProcessRights> rights;
  // Processes where the party is a current member in any role: the chair
  // acts through its membership, whatever roles the key is limited to.
  std::set<std::string> member_of;
  RCP_ASSIGN_OR_RETURN(auto memberships, PartyMemberships(view, "", k.party()));
  for (const auto& m : memberships) {
    std::string process = ParentOf(m.name());
    if (!DateInRange(today, m.start_date(), m.end_date()) || !within_processes(process)) continue;
    member_of.insert(process);
    if (!within_roles(m.role())) continue;
    auto& r = rights[process];
    r.set_process(process);
    r.add_roles(m.role());
  }
  if (within_roles(v1::CHAIR)) {
    for (const auto& process : member_of) {
      RCP_ASSIGN_OR_RETURN(auto chairs, CurrentChairs(view, process, today));
      if (std::find(chairs.begin(), chairs.end(), k.party()) == chairs.end()) continue;
      auto& r = rights[process];
      r.set_process(process);
      r.set_chair(true);
    }
  }
  for (auto& [process, r] : rights) *p.add_rights() = std::move(r);
  return p;
}

// ------------------------------------------------------------ web sessions

namespace {
constexpr absl::Duration kSeenGranularity = absl::Minutes(1);

absl::Status ValidateSessionId(absl::string_view field, absl::string_view id_sha256) {
  if (id_sha256.size() != 64 ||
      !std::all_of(id_sha256.begin(), id_sha256.end(), [](char c) { return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f'); })) {
    return InvalidField(field, "must be a SHA-256 as 64 lowercase hex digits");
  }
  return absl::OkStatus();
}

std::string SessionIndexKey(absl::string_view api_key, absl::string_view id_sha256) {
  return absl::StrCat(api_key, "\n", id_sha256);
}

absl::Status SessionEnded() { return absl::UnauthenticatedError("session: ended; sign in again"); }

// Whether `s` has ended by time (idle or too old) at `now`.
bool Expired(const v1::WebSession& s, absl::Time now) {
  absl::Time seen = FromTimestamp(s.last_seen_time());
  absl::Time created = FromTimestamp(s.create_time());
  return now - seen >= FromDuration(s.idle_timeout()) || now - created >= FromDuration(s.max_lifetime());
}

void StageDelete(Transaction& txn, const v1::WebSession& s) {
  txn.Delete(kWebSessionsCf, s.id_sha256());
  txn.Delete(kWebSessionsByKeyCf, SessionIndexKey(s.api_key(), s.id_sha256()));
}

// The id hashes of `api_key`'s sessions, from its index.
absl::StatusOr<std::vector<std::string>> SessionIdsOf(const storage::ReadView& view, const std::string& api_key) {
  std::vector<std::string> ids;
  const std::string prefix = SessionIndexKey(api_key, "");
  RCP_RETURN_IF_ERROR(view.Scan(kWebSessionsByKeyCf, prefix, absl::StrCat(api_key, "\x0b"),
                                [&](absl::string_view key, absl::string_view) {
                                  ids.emplace_back(key.substr(prefix.size()));
                                  return true;
                                }));
  return ids;
}
}  // namespace

absl::StatusOr<int> RegistryStore::DeleteSessionsOf(Transaction& txn, const std::string& api_key) {
  // Under kWebSessionsLock no session of the key can change, so a fresh
  // view holds them all.
  RCP_ASSIGN_OR_RETURN(std::vector<std::string> ids, SessionIdsOf(*store_->Read(), api_key));
  for (const std::string& id : ids) {
    txn.Delete(kWebSessionsCf, id);
    txn.Delete(kWebSessionsByKeyCf, SessionIndexKey(api_key, id));
  }
  return static_cast<int>(ids.size());
}

absl::StatusOr<v1::CreateWebSessionResponse> RegistryStore::CreateWebSession(
    const Ctx& ctx, const v1::CreateWebSessionRequest& req) {
  RCP_RETURN_IF_ERROR(ValidateSessionId("id_sha256", req.id_sha256()));
  if (!req.ends_id_sha256().empty()) RCP_RETURN_IF_ERROR(ValidateSessionId("ends_id_sha256", req.ends_id_sha256()));
  if (req.ends_id_sha256() == req.id_sha256()) {
    return InvalidField("ends_id_sha256", "must differ from id_sha256 (a new session gets a new id)");
  }
  const absl::Duration idle = FromDuration(req.idle_timeout());
  const absl::Duration max = FromDuration(req.max_lifetime());
  if (idle < absl::Minutes(1) || idle > absl::Hours(24)) {
    return InvalidField("idle_timeout", "must be between 1 minute and 24 hours");
  }
  if (max < idle || max > absl::Hours(24 * 7)) {
    return InvalidField("max_lifetime", "must be between idle_timeout and 7 days");
  }
  v1::CreateWebSessionResponse resp;
  RCP_RETURN_IF_ERROR(
      store_
          ->Write(ctx, {kWebSessionsLock},
                  [&](Transaction& txn) -> absl::Status {
                    auto view = store_->Read();
                    RCP_ASSIGN_OR_RETURN(v1::ApiKey key, ValidKey(*view, req.key()));
                    v1::WebSession existing;
                    RCP_ASSIGN_OR_RETURN(bool found, txn.Get(kWebSessionsCf, req.id_sha256(), &existing));
                    if (found) {
                      // A retry of this very sign-in; anything else is a
                      // collision of 256-bit ids, which does not happen.
                      if (existing.api_key() != key.name()) {
                        return absl::AlreadyExistsError("id_sha256: a session with this id exists");
                      }
                      *resp.mutable_session() = existing;
                      return absl::OkStatus();
                    }
                    if (!req.ends_id_sha256().empty()) {
                      v1::WebSession previous;
                      RCP_ASSIGN_OR_RETURN(bool had, txn.Get(kWebSessionsCf, req.ends_id_sha256(), &previous));
                      if (had) StageDelete(txn, previous);
                    }
                    // The key's other sessions: ended ones swept, the
                    // oldest ended when it holds the most it may.
                    std::vector<v1::WebSession> live;
                    RCP_ASSIGN_OR_RETURN(std::vector<std::string> ids, SessionIdsOf(*view, key.name()));
                    for (const std::string& id : ids) {
                      if (id == req.ends_id_sha256()) continue;
                      v1::WebSession s;
                      absl::Status got = view->Get(kWebSessionsCf, id, &s);
                      if (absl::IsNotFound(got)) {
                        txn.Delete(kWebSessionsByKeyCf, SessionIndexKey(key.name(), id));
                        continue;
                      }
                      RCP_RETURN_IF_ERROR(got);
                      if (Expired(s, txn.now())) {
                        StageDelete(txn, s);
                      } else {
                        live.push_back(std::move(s));
                      }
                    }
                    std::sort(live.begin(), live.end(), [](const v1::WebSession& a, const v1::WebSession& b) {
                      return FromTimestamp(a.create_time()) < FromTimestamp(b.create_time());
                    });
                    for (size_t i = 0; i + kMaxWebSessionsPerKey <= live.size(); ++i) StageDelete(txn, live[i]);
                    v1::WebSession& s = *resp.mutable_session();
                    s.set_id_sha256(req.id_sha256());
                    s.set_api_key(key.name());
                    *s.mutable_create_time() = ToTimestamp(txn.now());
                    *s.mutable_last_seen_time() = s.create_time();
                    *s.mutable_idle_timeout() = req.idle_timeout();
                    *s.mutable_max_lifetime() = req.max_lifetime();
                    txn.Put(kWebSessionsCf, s.id_sha256(), s);
                    txn.Put(kWebSessionsByKeyCf, SessionIndexKey(s.api_key(), s.id_sha256()), "");
                    RCP_ASSIGN_OR_RETURN(*resp.mutable_principal(), PrincipalOf(*view, key));
                    return absl::OkStatus();
                  })
          .status());
  resp.mutable_principal()->set_web_session(true);
  return resp;
}

absl::StatusOr<v1::Principal> RegistryStore::AuthenticateWebSession(const Ctx& ctx,
                                                                    const v1::AuthenticateWebSessionRequest& req) {
  RCP_RETURN_IF_ERROR(ValidateSessionId("id_sha256", req.id_sha256()));
  const absl::Time now = store_->options().clock->Now();
  auto view = store_->Read();
  v1::WebSession s;
  absl::Status got = view->Get(kWebSessionsCf, req.id_sha256(), &s);
  if (absl::IsNotFound(got)) return SessionEnded();
  RCP_RETURN_IF_ERROR(got);
  v1::ApiKey key;
  absl::Status key_got = view->Get(kApiKey.cf, s.api_key(), &key);
  if (!key_got.ok() && !absl::IsNotFound(key_got)) return key_got;
  const bool key_valid = key_got.ok() && !key.has_revoke_time() && FromTimestamp(key.expire_time()) > now;
  const bool ended = !key_valid || Expired(s, now);
  if (ended || now - FromTimestamp(s.last_seen_time()) >= kSeenGranularity) {
    bool signed_out_meanwhile = false;  // on another gateway, between the read and the touch
    RCP_RETURN_IF_ERROR(store_
                            ->Write(ctx, {kWebSessionsLock},
                                    [&](Transaction& txn) -> absl::Status {
                                      v1::WebSession current;
                                      RCP_ASSIGN_OR_RETURN(bool found,
                                                           txn.Get(kWebSessionsCf, req.id_sha256(), &current));
                                      signed_out_meanwhile = !found;
                                      if (!found) return absl::OkStatus();
                                      if (ended) {
                                        StageDelete(txn, current);
                                      } else {
                                        *current.mutable_last_seen_time() = ToTimestamp(txn.now());
                                        txn.Put(kWebSessionsCf, current.id_sha256(), current);
                                      }
                                      return absl::OkStatus();
                                    })
                            .status());
    if (ended || signed_out_meanwhile) return SessionEnded();
  }
  RCP_ASSIGN_OR_RETURN(v1::Principal p, PrincipalOf(*view, key));
  p.set_web_session(true);
  // A cache must ask again before the session could have idled out.
  absl::Time idle_end = FromTimestamp(s.last_seen_time()) + FromDuration(s.idle_timeout());
  absl::Time max_end = FromTimestamp(s.create_time()) + FromDuration(s.max_lifetime());
  absl::Time until = std::min({FromTimestamp(p.valid_until()), max_end, std::max(idle_end, now + kSeenGranularity)});
  *p.mutable_valid_until() = ToTimestamp(until);
  return p;
}

absl::Status RegistryStore::DeleteWebSession(const Ctx& ctx, const v1::DeleteWebSessionRequest& req) {
  RCP_RETURN_IF_ERROR(ValidateSessionId("id_sha256", req.id_sha256()));
  return store_
      ->Write(ctx, {kWebSessionsLock},
              [&](Transaction& txn) -> absl::Status {
                v1::WebSession s;
                RCP_ASSIGN_OR_RETURN(bool found, txn.Get(kWebSessionsCf, req.id_sha256(), &s));
                if (found) StageDelete(txn, s);
                return absl::OkStatus();
              })
      .status();
}

absl::StatusOr<v1::DeleteWebSessionsResponse> RegistryStore::DeleteWebSessions(
    const Ctx& ctx, const v1::DeleteWebSessionsRequest& req) {
  RCP_RETURN_IF_ERROR(res::ParseName("api_key", req.api_key(), "apiKeys/*").status());
  v1::DeleteWebSessionsResponse resp;
  RCP_RETURN_IF_ERROR(store_
                          ->Write(ctx, {kWebSessionsLock},
                                  [&](Transaction& txn) -> absl::Status {
                                    RCP_ASSIGN_OR_RETURN(int n, DeleteSessionsOf(txn, req.api_key()));
                                    resp.set_deleted_count(n);
                                    return absl::OkStatus();
                                  })
                          .status());
  return resp;
}

// ------------------------------------------------------- federation peers

absl::Status RegistryStore::CheckHomePins(Transaction& txn, const v1::FederationPeer& peer) {
  auto view = store_->Read();
  for (int i = 0; i < peer.home_processes_size(); ++i) {
    const std::string& process = peer.home_processes(i);
    std::string at = absl::StrCat("federation_peer.home_processes[", i, "]");
    v1::Process local;
    RCP_ASSIGN_OR_RETURN(bool exists, txn.Get(kProcess.cf, process, &local));
    if (exists && (local.home().empty() || local.home() == options_.deployment_id)) {
      return absl::FailedPreconditionError(
          absl::StrCat(at, ": ", process, " is this deployment's own process; its home is here"));
    }
    absl::Status clash;
    RCP_RETURN_IF_ERROR(view->Scan(kPeer.cf, "", "", [&](absl::string_view key, absl::string_view value) {
      if (key == peer.name()) return true;
      v1::FederationPeer other;
      if (!other.ParseFromArray(value.data(), static_cast<int>(value.size()))) return true;
      for (const auto& pinned : other.home_processes()) {
        if (pinned == process) {
          clash = absl::FailedPreconditionError(
              absl::StrCat(at, ": ", process, " is pinned to ", other.name(), " already; a process has one home"));
          return false;
        }
      }
      return true;
    }));
    RCP_RETURN_IF_ERROR(clash);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RegistryStore::PinnedHome(const storage::ReadView& view, absl::string_view process) {
  std::string home;
  RCP_RETURN_IF_ERROR(view.Scan(kPeer.cf, "", "", [&](absl::string_view key, absl::string_view value) {
    v1::FederationPeer peer;
    if (!peer.ParseFromArray(value.data(), static_cast<int>(value.size()))) return true;
    for (const auto& pinned : peer.home_processes()) {
      if (pinned == process) {
        home = std::string(key.substr(std::string("federationPeers/").size()));
        return false;
      }
    }
    return true;
  }));
  return home;
}

absl::StatusOr<v1::FederationPeer> RegistryStore::CreateFederationPeer(
    const Ctx& ctx, const v1::CreateFederationPeerRequest& req) {
  RCP_RETURN_IF_ERROR(res::ValidateDeploymentId("peer_id", req.peer_id()));
  if (req.peer_id() == options_.deployment_id) {
    return InvalidField("peer_id", absl::StrCat("is this deployment's own id (", options_.deployment_id, ")"));
  }
  RCP_RETURN_IF_ERROR(ValidatePeerFields(req.federation_peer()));
  std::string name = absl::StrCat("federationPeers/", req.peer_id());
  return entity::Create<v1::FederationPeer>(
      store_.get(), ctx, kPeer, req, req.request_id(), {name, kHomePinsLock},
      [&](Transaction& txn) -> absl::StatusOr<v1::FederationPeer> {
        v1::FederationPeer out = req.federation_peer();
        out.set_name(name);
        out.clear_etag();
        RCP_RETURN_IF_ERROR(CheckHomePins(txn, out));
        return out;
      });
}

absl::StatusOr<v1::FederationPeer> RegistryStore::GetFederationPeer(const v1::GetFederationPeerRequest& req) {
  RCP_ASSIGN_OR_RETURN(auto ids, res::ParseName("name", req.name(), "federationPeers/*"));
  RCP_RETURN_IF_ERROR(res::ValidateDeploymentId("name", ids[0]));
  return entity::Get<v1::FederationPeer>(store_.get(), kPeer, req.name());
}

absl::StatusOr<v1::ListFederationPeersResponse> RegistryStore::ListFederationPeers(
    const v1::ListFederationPeersRequest& req, const audience::Viewer* viewer) {
  auto view = store_->Read();
  v1::ListFederationPeersResponse resp;
  RCP_RETURN_IF_ERROR(entity::List<v1::FederationPeer>(
      *view, kPeer, "federationPeers/", req, req.page_size(), req.page_token(),
      [&](const v1::FederationPeer& p) { return audience::VisibleTo(viewer, res::Kind::kFederationPeer, p); },
      resp.mutable_federation_peers(), resp.mutable_next_page_token()));
  resp.set_revision(view->revision());
  return resp;
}

absl::StatusOr<v1::FederationPeer> RegistryStore::UpdateFederationPeer(
    const Ctx& ctx, const v1::UpdateFederationPeerRequest& req) {
  RCP_ASSIGN_OR_RETURN(
      auto ids, res::ParseName("federation_peer.name", req.federation_peer().name(), "federationPeers/*"));
  RCP_RETURN_IF_ERROR(res::ValidateDeploymentId("federation_peer.name", ids[0]));
  RCP_RETURN_IF_ERROR(res::ValidateUpdateMask(
      req.update_mask(), {"display_name", "address", "credential_fingerprint", "enabled", "share_rules",
                          "home_processes", "relay_processes", "pinned_keys", "send_only"}));
  return entity::Update<v1::FederationPeer>(
      store_.get(), ctx, kPeer, req.federation_peer(), req.update_mask(), {kHomePinsLock},
      [&](Transaction& txn, const v1::FederationPeer&, v1::FederationPeer* next) -> absl::Status {
        RCP_RETURN_IF_ERROR(ValidatePeerFields(*next));
        return CheckHomePins(txn, *next);
      });
}

absl::Status RegistryStore::DeleteFederationPeer(const Ctx& ctx, const v1::DeleteFederationPeerRequest& req) {
  RCP_ASSIGN_OR_RETURN(auto ids, res::ParseName("name", req.name(), "federationPeers/*"));
  RCP_RETURN_IF_ERROR(res::ValidateDeploymentId("name", ids[0]));
  return entity::Delete<v1::FederationPeer>(store_.get(), ctx, kPeer, req.name(), req.etag(), {});
}

// ------------------------------------------------------------------ keyring

namespace {
constexpr int kMaxKeyringEntries = 1000;
constexpr size_t kPublicKeyBytes = 32;  // Ed25519 (RFC 8032)
constexpr size_t kSignatureBytes = 64;
// AES-256-GCM: 12-byte nonce, the ciphertext, 16-byte tag.
constexpr size_t kMinSealedKeyBytes = 12 + 16;
constexpr size_t kMaxSealedKeyBytes = 1000;
constexpr size_t kKeyringEtagBytes = 10;

absl::Status ValidateKeyId(absl::string_view field, absl::string_view id) {
  static const std::regex re("^ed25519:[0-9a-f]{16}$");
  if (!std::regex_match(id.begin(), id.end(), re)) {
    return InvalidField(field, "must be \"ed25519:\" and 16 lowercase hex digits");
  }
  return absl::OkStatus();
}

absl::Status ValidateKeyring(const federation::v1::Keyring& keyring) {
  const int n = keyring.entries_size();
  if (n < 1 || n > kMaxKeyringEntries) {
    return InvalidField("keyring.entries", absl::StrCat("must have 1 to ", kMaxKeyringEntries,
                                                        " entries, the current key first; got ", n));
  }
  std::map<std::string, int> entry_of;  // key_id → the first entry with it
  for (int i = 0; i < n; ++i) {
    const federation::v1::KeyringEntry& entry = keyring.entries(i);
    const federation::v1::ServerKey& key = entry.key();
    const std::string at = absl::StrCat("keyring.entries[", i, "]");
    RCP_RETURN_IF_ERROR(ValidateKeyId(at + ".key.key_id", key.key_id()));
    auto [first, inserted] = entry_of.emplace(key.key_id(), i);
    if (!inserted) {
      return InvalidField(at + ".key.key_id", absl::StrCat("must be unique in the keyring; entries[",
                                                           first->second, "] has it too"));
    }
    if (key.public_key().size() != kPublicKeyBytes) {
      return InvalidField(at + ".key.public_key",
                          absl::StrCat("must be ", kPublicKeyBytes, " bytes (a raw Ed25519 public key); got ",
                                       key.public_key().size()));
    }
    const size_t sealed = entry.sealed_private_key().size();
    if (sealed < kMinSealedKeyBytes || sealed > kMaxSealedKeyBytes) {
      return InvalidField(
          at + ".sealed_private_key",
          absl::StrCat("must be ", kMinSealedKeyBytes, " to ", kMaxSealedKeyBytes,
                       " bytes: a 12-byte nonce, the ciphertext and a 16-byte tag; got ", sealed));
    }
    if (i == 0) {
      if (key.has_expire_time()) {
        return InvalidField(at + ".key.expire_time",
                            "must be unset: the first entry is the current key, which still signs");
      }
      if (key.revoked()) {
        return InvalidField(at + ".key.revoked",
                            "must be false: the first entry is the current key, which still signs");
      }
    } else if (!key.has_expire_time()) {
      return InvalidField(at + ".key.expire_time",
                          "is required: entries after the first are retired keys, with the time they "
                          "stopped signing");
    }
    if (key.predecessor_key_id().empty()) {
      if (!key.predecessor_signature().empty()) {
        return InvalidField(at + ".key.predecessor_signature", "must be empty when predecessor_key_id is");
      }
    } else {
      RCP_RETURN_IF_ERROR(ValidateKeyId(at + ".key.predecessor_key_id", key.predecessor_key_id()));
      if (key.predecessor_signature().size() != kSignatureBytes) {
        return InvalidField(at + ".key.predecessor_signature",
                            absl::StrCat("must be ", kSignatureBytes,
                                         " bytes (an Ed25519 signature) when predecessor_key_id is set; got ",
                                         key.predecessor_signature().size()));
      }
    }
  }
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<federation::v1::Keyring> RegistryStore::GetKeyring(const v1::GetKeyringRequest&) {
  federation::v1::Keyring keyring;
  absl::Status s = store_->Get(kKeyringCf, kKeyringKey, &keyring);
  if (absl::IsNotFound(s)) return federation::v1::Keyring();
  RCP_RETURN_IF_ERROR(s);
  return keyring;
}

absl::StatusOr<federation::v1::Keyring> RegistryStore::UpdateKeyring(const Ctx& ctx,
                                                                     const v1::UpdateKeyringRequest& req) {
  RCP_RETURN_IF_ERROR(ValidateKeyring(req.keyring()));
  federation::v1::Keyring next = req.keyring();
  RCP_RETURN_IF_ERROR(store_
                          ->Write(ctx, {kKeyringKey},
                                  [&](Transaction& txn) -> absl::Status {
                                    // Absent, it reads as the empty keyring, whose etag is "".
                                    federation::v1::Keyring current;
                                    RCP_RETURN_IF_ERROR(txn.Get(kKeyringCf, kKeyringKey, &current).status());
                                    if (req.etag() != current.etag()) {
                                      return absl::AbortedError(
                                          absl::StrCat("keyring: changed since etag \"", req.etag(),
                                                       "\"; read it again (GetKeyring) and retry"));
                                    }
                                    *next.mutable_update_time() = ToTimestamp(txn.now());
                                    // A fresh token, not a digest of the content: the same
                                    // keyring written twice in one clock tick would get the
                                    // same digest, and a replica holding the first etag
                                    // would then pass the compare of the second.
                                    next.set_etag(crypto::RandomToken(kKeyringEtagBytes));
                                    txn.Put(kKeyringCf, kKeyringKey, next);
                                    // No RecordChange: the write takes no revision (see kKeyringCf).
                                    return absl::OkStatus();
                                  })
                          .status());
  return next;
}

// -------------------------------------------------------------- peer states

namespace {
absl::Status ValidatePeerName(absl::string_view field, absl::string_view name) {
  RCP_ASSIGN_OR_RETURN(auto ids, res::ParseName(field, name, "federationPeers/*"));
  return res::ValidateDeploymentId(field, ids[0]);
}
}  // namespace

absl::StatusOr<federation::v1::PeerState> RegistryStore::GetPeerState(const v1::GetPeerStateRequest& req) {
  RCP_RETURN_IF_ERROR(ValidatePeerName("peer", req.peer()));
  federation::v1::PeerState state;
  absl::Status s = store_->Get(kPeerStatesCf, req.peer(), &state);
  if (absl::IsNotFound(s)) {
    state.set_peer(req.peer());
    return state;
  }
  RCP_RETURN_IF_ERROR(s);
  return state;
}

absl::StatusOr<federation::v1::PeerState> RegistryStore::UpdatePeerState(const Ctx& ctx,
                                                                        const v1::UpdatePeerStateRequest& req) {
  RCP_RETURN_IF_ERROR(ValidatePeerName("state.peer", req.state().peer()));
  if (req.state().cursor().size() > 16384) return InvalidField("state.cursor", "must be at most 16384 bytes");
  if (req.state().registry_heads_size() > 1000) {
    return InvalidField("state.registry_heads", "must have at most 1000 origins");
  }
  if (req.state().lease_holder().size() > 200) {
    return InvalidField("state.lease_holder", "must be at most 200 characters");
  }
  federation::v1::PeerState next = req.state();
  RCP_RETURN_IF_ERROR(store_
                          ->Write(ctx, {absl::StrCat("peer-state:", next.peer())},
                                  [&](Transaction& txn) -> absl::Status {
                                    federation::v1::PeerState current;
                                    RCP_RETURN_IF_ERROR(txn.Get(kPeerStatesCf, next.peer(), &current).status());
                                    if (req.etag() != current.etag()) {
                                      return absl::AbortedError(absl::StrCat(
                                          "state: the state of ", next.peer(), " changed since etag \"",
                                          req.etag(), "\"; read it again (GetPeerState) and retry"));
                                    }
                                    *next.mutable_update_time() = ToTimestamp(txn.now());
                                    // A fresh token, as for the keyring (see UpdateKeyring).
                                    next.set_etag(crypto::RandomToken(kKeyringEtagBytes));
                                    txn.Put(kPeerStatesCf, next.peer(), next);
                                    return absl::OkStatus();
                                  })
                          .status());
  return next;
}

absl::StatusOr<v1::ListPeerStatesResponse> RegistryStore::ListPeerStates(const v1::ListPeerStatesRequest&) {
  v1::ListPeerStatesResponse resp;
  auto view = store_->Read();
  absl::Status failed;
  RCP_RETURN_IF_ERROR(view->Scan(kPeerStatesCf, "", "", [&](absl::string_view key, absl::string_view value) {
    if (!resp.add_states()->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      failed = absl::DataLossError(absl::StrCat("the state of ", key, " is unreadable"));
      return false;
    }
    return true;
  }));
  RCP_RETURN_IF_ERROR(failed);
  return resp;
}

absl::Status RegistryStore::DeletePeerState(const Ctx& ctx, const v1::DeletePeerStateRequest& req) {
  RCP_RETURN_IF_ERROR(ValidatePeerName("peer", req.peer()));
  return store_
      ->Write(ctx, {absl::StrCat("peer-state:", req.peer())},
              [&](Transaction& txn) {
                txn.Delete(kPeerStatesCf, req.peer());
                return absl::OkStatus();
              })
      .status();
}

// ----------------------------------------------------------- federation heads

namespace {

// A head's registry position, as (epoch, revision); (0, 0) if it has none.
std::pair<uint64_t, uint64_t> HeadRegistryPosition(const federation::v1::Envelope& envelope) {
  federation::v1::Head head;
  if (!head.ParseFromString(envelope.payload())) return {0, 0};
  for (const auto& p : head.positions()) {
    if (p.store() == "registry") return {p.epoch(), p.revision()};
  }
  return {0, 0};
}

// Whether `next` replaces `kept`: what a head vouches for is the origin's
// registry up to its position, so the kept head must never move back there.
// Heads of one origin come by many streams (directly, and through every
// relay), each sealed at its own cursor: a newer head can cover less, and
// keeping it would hold back every item that depends on what the older one
// covered. A newer registry epoch (a restore) wins; then the position; the
// sealing time (the envelope's revision) breaks ties.
bool HeadSupersedes(const federation::v1::Envelope& next, const federation::v1::Envelope& kept) {
  auto n = HeadRegistryPosition(next);
  auto k = HeadRegistryPosition(kept);
  if (n != k) return n > k;
  return next.revision() > kept.revision();
}

}  // namespace

absl::StatusOr<federation::v1::Envelope> RegistryStore::PutFederationHead(const Ctx& ctx,
                                                                        const v1::PutFederationHeadRequest& req) {
  const federation::v1::Envelope& head = req.head();
  RCP_RETURN_IF_ERROR(res::ValidateDeploymentId("head.origin", head.origin()));
  if (head.payload_type() != "rcp.federation.v1.Head") {
    return InvalidField("head.payload_type", "must be rcp.federation.v1.Head");
  }
  federation::v1::Envelope kept;
  RCP_RETURN_IF_ERROR(store_
                          ->Write(ctx, {absl::StrCat("head:", head.origin())},
                                  [&](Transaction& txn) -> absl::Status {
                                    RCP_ASSIGN_OR_RETURN(bool found, txn.Get(kHeadsCf, head.origin(), &kept));
                                    if (found && !HeadSupersedes(head, kept)) return absl::OkStatus();
                                    kept = head;
                                    txn.Put(kHeadsCf, head.origin(), kept);
                                    return absl::OkStatus();
                                  })
                          .status());
  return kept;
}

absl::StatusOr<v1::ListFederationHeadsResponse> RegistryStore::ListFederationHeads(
    const v1::ListFederationHeadsRequest&) {
  v1::ListFederationHeadsResponse resp;
  auto view = store_->Read();
  absl::Status failed;
  RCP_RETURN_IF_ERROR(view->Scan(kHeadsCf, "", "", [&](absl::string_view key, absl::string_view value) {
    if (!resp.add_heads()->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      failed = absl::DataLossError(absl::StrCat("the head of ", key, " is unreadable"));
      return false;
    }
    return true;
  }));
  RCP_RETURN_IF_ERROR(failed);
  return resp;
}

}  // namespace rcp::registry
