#include "services/gateway/federation/inbound.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "services/gateway/federation/envelopes.h"

namespace rcp::gateway::federation {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using resource::Kind;
using Verdict = Admission::Verdict;

constexpr char kPartiesPrefix[] = "parties/";

bool NamesParties(const FieldDescriptor* f) {
  absl::string_view n = f->name();
  return n == "party" || n == "parties" || n == "secretariat_host" || absl::EndsWith(n, "_party") ||
         absl::EndsWith(n, "_parties");
}

Admission Drop(absl::Status why) {
  Admission a;
  a.verdict = Verdict::kDrop;
  a.why = std::move(why);
  return a;
}

Admission Refuse(absl::Status why) {
  Admission a;
  a.verdict = Verdict::kRefuse;
  a.why = std::move(why);
  return a;
}

resource::Service ServiceOfStore(absl::string_view store, bool* ok) {
  for (resource::Service s : resource::kServices) {
    if (store == resource::ServiceName(s)) {
      *ok = true;
      return s;
    }
  }
  *ok = false;
  return resource::Service::kRegistry;
}

bool IsProcessScoped(Kind kind) { return kind != Kind::kParty; }

}  // namespace

SharedParties::SharedParties(upstream::Upstream* upstream, Clock* clock, absl::Duration refresh)
    : upstream_(upstream), clock_(clock), refresh_(refresh) {}

std::set<std::string> SharedParties::Names() {
  {
    absl::MutexLock lock(&mu_);
    if (clock_->Now() - read_ < refresh_) return names_;
  }
  std::set<std::string> names;
  rcp::registry::v1::ListPartiesRequest req;
  req.set_type(rcp::registry::v1::Party::ORGANIZATION);
  req.set_page_size(1000);
  do {
    rcp::registry::v1::ListPartiesResponse resp;
    grpc::Status s = upstream_->WithRetry(
        {}, nullptr, [&](grpc::ClientContext* c) { return upstream_->registry()->ListParties(c, req, &resp); });
    if (!s.ok()) {
      absl::MutexLock lock(&mu_);
      return names_;  // the last list stands until the registry answers
    }
    for (const auto& p : resp.parties()) {
      if (p.shared_identity()) names.insert(p.name());
    }
    req.set_page_token(resp.next_page_token());
  } while (!req.page_token().empty());
  absl::MutexLock lock(&mu_);
  names_ = std::move(names);
  read_ = clock_->Now();
  return names_;
}

std::string RenameParty(absl::string_view party, absl::string_view origin, absl::string_view self,
                        const std::set<std::string>& shared) {
  if (!absl::StartsWith(party, kPartiesPrefix)) return std::string(party);
  absl::string_view id = party.substr(sizeof(kPartiesPrefix) - 1);
  if (resource::IsStateId(id)) return std::string(party);
  if (size_t at = id.find('@'); at != absl::string_view::npos) {
    // Already another's: ours again when it names this deployment.
    if (id.substr(at + 1) == self) return absl::StrCat(kPartiesPrefix, id.substr(0, at));
    return std::string(party);
  }
  if (shared.count(std::string(party))) return std::string(party);
  return resource::ForeignOrganization(party, origin);
}

void RenameParties(Message* value, absl::string_view origin, absl::string_view self,
                   const std::set<std::string>& shared) {
  const auto* reflection = value->GetReflection();
  const bool is_party = value->GetDescriptor()->full_name() == "rcp.registry.v1.Party";
  for (int i = 0; i < value->GetDescriptor()->field_count(); ++i) {
    const FieldDescriptor* f = value->GetDescriptor()->field(i);
    if (f->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int j = 0; j < reflection->FieldSize(*value, f); ++j) {
          RenameParties(reflection->MutableRepeatedMessage(value, f, j), origin, self, shared);
        }
      } else if (reflection->HasField(*value, f)) {
        RenameParties(reflection->MutableMessage(value, f), origin, self, shared);
      }
      continue;
    }
    if (f->type() != FieldDescriptor::TYPE_STRING) continue;
    if (!NamesParties(f) && !(is_party && f->name() == "name")) continue;
    if (f->is_repeated()) {
      for (int j = 0; j < reflection->FieldSize(*value, f); ++j) {
        reflection->SetRepeatedString(value, f, j,
                                      RenameParty(reflection->GetRepeatedString(*value, f, j), origin, self, shared));
      }
    } else {
      std::string v = reflection->GetString(*value, f);
      if (!v.empty()) reflection->SetString(value, f, RenameParty(v, origin, self, shared));
    }
  }
}

Inbound::Inbound(PeerDirectory* peers, Trust* trust, SharedParties* shared)
    : peers_(peers), trust_(trust), shared_(shared) {}

Admission Inbound::AdmitHead(const fv1::Envelope& envelope) {
  absl::StatusOr<fv1::Head> head = ParseHead(envelope);
  if (!head.ok()) return Refuse(head.status());
  Admission a;
  a.verdict = Verdict::kApply;
  a.service = resource::Service::kRegistry;
  a.head = true;
  a.head_registry = HeadPosition(*head, "registry");
  a.head_time = head->time();
  a.head_positions = head->positions();
  *a.mirror.mutable_envelope() = envelope;
  return a;
}

std::vector<SignatureVerdict> Inbound::VerifyEnvelopes(const fv1::PullResponse& response) {
  std::vector<const fv1::Envelope*> envelopes;
  std::vector<int> entry_of;
  for (int i = 0; i < response.entries_size(); ++i) {
    const fv1::PullEntry& entry = response.entries(i);
    if (!entry.has_envelope() || entry.envelope().origin() == peers_->self()) continue;
    envelopes.push_back(&entry.envelope());
    entry_of.push_back(i);
  }
  std::vector<SignatureVerdict> checked = trust_->VerifyEach(envelopes);
  std::vector<SignatureVerdict> verdicts(response.entries_size());
  for (size_t j = 0; j < checked.size(); ++j) verdicts[entry_of[j]] = std::move(checked[j]);
  return verdicts;
}

Admission Inbound::Admit(const FederationPeer& source, const fv1::Envelope& envelope, const SignatureVerdict& verified,
                         const std::map<std::string, uint64_t>& registry_heads) {
  const std::string& origin = envelope.origin();
  if (origin == peers_->self()) return Drop(absl::OkStatus());
  if (!verified.status.ok()) {
    return Refuse(absl::Status(verified.status.code(),
                               absl::StrCat("an envelope of ", origin, " (", envelope.store(), " revision ",
                                            envelope.revision(), "): ", verified.status.message())));
  }
  if (envelope.payload_type() == kHeadPayload) return AdmitHead(envelope);
  absl::StatusOr<fv1::Item> parsed = ParseItem(envelope);
  if (!parsed.ok()) return Refuse(parsed.status());
  fv1::Item item = *std::move(parsed);
  const resource::KindInfo* kind = resource::KindNamed(item.kind());
  bool known_store = false;
  resource::Service service = ServiceOfStore(envelope.store(), &known_store);
  if (kind == nullptr || !known_store || kind->service != service || !Travels(kind->kind) ||
      resource::KindOfName(item.name()) != kind) {
    return Refuse(InvalidField("payload", absl::StrCat("names ", item.name().substr(0, 200), " of kind '",
                                                       item.kind().substr(0, 50), "' in the ", envelope.store(),
                                                       " store, which does not hold that")));
  }
  if (IsProcessScoped(kind->kind)) {
    std::string process = resource::ProcessOf(item.name());
    // What is not taken from this source is none of ours; what is must
    // come from its process's home.
    if (!peers_->Accepts(source, process)) {
      return Drop(absl::FailedPreconditionError(absl::StrCat(process, " is not taken from ", source.name())));
    }
    std::string home = peers_->PinnedHomeOf(process);
    if (home != origin) {
      return Refuse(absl::PermissionDeniedError(absl::StrCat(
          "origin: ", origin, " is not the home of ", process,
          home.empty() ? " (no home is pinned for it here)" : absl::StrCat(" (its home is ", home, ")"),
          "; ", item.name(), " is not applied")));
    }
  }
  // Who the origin allowed to hold it.
  if (!item.deleted()) {
    std::optional<Shape> shape = ShapeOf(item.kind(), item.name(), item.value());
    if (!shape.has_value()) return Refuse(InvalidField("payload", absl::StrCat(item.name(), ": its value does not parse")));
    if (shape->audience.visibility != rcp::common::v1::PUBLIC && kind->kind != Kind::kParty &&
        std::find(envelope.recipients().begin(), envelope.recipients().end(), peers_->self()) ==
            envelope.recipients().end()) {
      return Refuse(absl::PermissionDeniedError(absl::StrCat(
          "recipients: ", origin, " did not share ", item.name(), " with ", peers_->self(), "; ", source.name(),
          " relayed it beyond its origin's share")));
    }
  }
  if (service != resource::Service::kRegistry) {
    auto it = registry_heads.find(origin);
    uint64_t sent = it == registry_heads.end() ? 0 : it->second;
    if (sent < envelope.registry_revision()) {
      return Refuse(absl::FailedPreconditionError(absl::StrCat(
          "registry_revision: ", item.name(), " depends on revision ", envelope.registry_revision(), " of ", origin,
          "'s registry, and ", source.name(), " has sent it only up to ", sent,
          "; it is held back until the registry arrives")));
    }
  }
  const std::set<std::string> shared = shared_->Names();
  if (kind->kind == Kind::kParty) {
    std::string renamed = RenameParty(item.name(), origin, peers_->self(), shared);
    if (renamed == item.name()) return Drop(absl::OkStatus());  // a state, or the same party here
    item.set_name(renamed);
  }
  if (!item.deleted()) {
    std::unique_ptr<Message> value;
    const google::protobuf::Descriptor* type =
        google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
            std::string(item.value().type_url().substr(item.value().type_url().rfind('/') + 1)));
    if (type == nullptr) return Refuse(InvalidField("payload", absl::StrCat(item.name(), ": unknown value type")));
    value.reset(google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
    if (!item.value().UnpackTo(value.get())) {
      return Refuse(InvalidField("payload", absl::StrCat(item.name(), ": its value does not parse")));
    }
    RenameParties(value.get(), origin, peers_->self(), shared);
    item.mutable_value()->PackFrom(*value);
  }
  Admission a;
  a.verdict = Verdict::kApply;
  a.service = service;
  *a.mirror.mutable_envelope() = envelope;
  *a.mirror.mutable_item() = std::move(item);
  a.mirror.set_current_key(verified.current_key);
  return a;
}

WithdrawalAdmission Inbound::AdmitWithdrawal(const FederationPeer& source, const fv1::Withdrawal& withdrawal) {
  WithdrawalAdmission a;
  const resource::KindInfo* kind = resource::KindNamed(withdrawal.kind());
  if (kind == nullptr || withdrawal.origin() == peers_->self()) return a;
  a.service = kind->service;
  a.withdrawal = withdrawal;
  if (kind->kind == Kind::kParty) {
    std::string renamed = RenameParty(withdrawal.name(), withdrawal.origin(), peers_->self(), shared_->Names());
    if (renamed == withdrawal.name()) return a;
    a.withdrawal.set_name(renamed);
  }
  a.apply = true;
  return a;
}

}  // namespace rcp::gateway::federation
