#include "common/mirror/mirror_store.h"

#include <map>
#include <memory>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/coding/coding.h"
#include "common/crypto/crypto.h"
#include "common/status/status.h"

namespace rcp::mirror {
namespace {

using google::protobuf::Message;
using rcp::common::v1::Change;
using Outcome = fv1::ApplyMirrorsResponse::Outcome;

constexpr char kMirrorsCf[] = "mirrors";
constexpr char kSourcesCf[] = "mirror_sources";
constexpr int kDefaultListPage = 500;
constexpr int kMaxListPage = 5000;
constexpr int kDefaultPurgeStep = 1000;

std::string SourceKey(absl::string_view source, absl::string_view name) {
  return absl::StrCat(source, "\n", name);
}

// -1, 0 or 1 as version `a` is older than, the same as or newer than `b`.
int Compare(const fv1::Envelope& a, const fv1::Envelope& b) {
  if (a.epoch() != b.epoch()) return a.epoch() < b.epoch() ? -1 : 1;
  if (a.revision() != b.revision()) return a.revision() < b.revision() ? -1 : 1;
  return 0;
}

// What a name holds while a batch is staged: the batch's own earlier writes
// count, since a transaction reads only what is committed.
struct Held {
  std::optional<fv1::MirrorState> state;
  std::unique_ptr<Message> value;  // the item as stored, or null when absent
};

std::string TypeUrl(const Message& prototype) {
  return absl::StrCat("type.googleapis.com/", prototype.GetDescriptor()->full_name());
}

void AddSource(fv1::MirrorState* state, absl::string_view source, uint64_t generation) {
  for (auto& s : *state->mutable_sources()) {
    if (s.source() == source) {
      s.set_generation(generation);
      return;
    }
  }
  auto* s = state->add_sources();
  s->set_source(std::string(source));
  s->set_generation(generation);
}

bool RemoveSource(fv1::MirrorState* state, absl::string_view source) {
  auto* sources = state->mutable_sources();
  for (int i = 0; i < sources->size(); ++i) {
    if (sources->Get(i).source() == source) {
      sources->DeleteSubrange(i, 1);
      return true;
    }
  }
  return false;
}

std::optional<uint64_t> GenerationOf(const fv1::MirrorState& state, absl::string_view source) {
  for (const auto& s : state.sources()) {
    if (s.source() == source) return s.generation();
  }
  return std::nullopt;
}

absl::Status ValidateSource(absl::string_view source) {
  if (!absl::StartsWith(source, "federationPeers/") || source.size() <= 16) {
    return InvalidField("source", "must be a peer's name, federationPeers/{deployment id}");
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> MirrorStore::ColumnFamilies() { return {kMirrorsCf, kSourcesCf}; }

MirrorStore::MirrorStore(storage::Store* store, MirrorOptions options)
    : store_(store), options_(std::move(options)) {}

const KindSpec* MirrorStore::Spec(absl::string_view kind) const {
  for (const auto& k : options_.kinds) {
    if (k.kind == kind) return &k;
  }
  return nullptr;
}

absl::StatusOr<fv1::MirrorState> MirrorStore::StateOf(absl::string_view name) const {
  fv1::MirrorState state;
  absl::Status s = store_->Get(kMirrorsCf, name, &state);
  if (absl::IsNotFound(s)) return absl::NotFoundError(absl::StrCat(name, " is no mirror"));
  RCP_RETURN_IF_ERROR(s);
  return state;
}

namespace {

// Reads what `name` holds into `held` unless the batch already did.
absl::Status Load(storage::Transaction& txn, const KindSpec& spec, const std::string& name,
                  std::map<std::string, Held>* held, Held** out) {
  auto it = held->find(name);
  if (it != held->end()) {
    *out = &it->second;
    return absl::OkStatus();
  }
  Held h;
  fv1::MirrorState state;
  RCP_ASSIGN_OR_RETURN(bool is_mirror, txn.Get(kMirrorsCf, name, &state));
  if (is_mirror) h.state = std::move(state);
  std::unique_ptr<Message> value(spec.prototype->New());
  RCP_ASSIGN_OR_RETURN(bool present, txn.Get(spec.cf, name, value.get()));
  if (present) h.value = std::move(value);
  *out = &(*held)[name];
  **out = std::move(h);
  return absl::OkStatus();
}

// Stages the removal of a mirror's item (its value and the rows beside it)
// and its change record; nothing when it holds no value (a tombstone).
absl::Status RemoveItem(storage::Transaction& txn, const KindSpec& spec, const std::string& name, Held* h,
                        Change::Operation op, const fv1::Envelope* envelope) {
  if (h->value == nullptr) return absl::OkStatus();
  txn.Delete(spec.cf, name);
  if (spec.write_beside) RCP_RETURN_IF_ERROR(spec.write_beside(txn, h->value.get(), nullptr, nullptr));
  Change& c = txn.RecordChange(name, spec.kind, op, *h->value);
  if (h->state.has_value()) c.set_origin(h->state->envelope().origin());
  if (envelope != nullptr) c.set_envelope(envelope->SerializeAsString());
  h->value.reset();
  return absl::OkStatus();
}

void PutState(storage::Transaction& txn, const std::string& name, const fv1::MirrorState& state) {
  txn.Put(kMirrorsCf, name, state);
}

}  // namespace

absl::StatusOr<fv1::ApplyMirrorsResponse> MirrorStore::Apply(const fv1::ApplyMirrorsRequest& request) {
  RCP_RETURN_IF_ERROR(ValidateSource(request.source()));
  std::vector<std::string> names;
  std::vector<const KindSpec*> specs;
  for (int i = 0; i < request.items_size(); ++i) {
    const fv1::MirrorItem& m = request.items(i);
    const std::string at = absl::StrCat("items[", i, "]");
    const KindSpec* spec = Spec(m.item().kind());
    if (spec == nullptr) {
      return InvalidField(at + ".item.kind",
                          absl::StrCat("'", m.item().kind().substr(0, 50), "' is not a kind the ",
                                       options_.store_name, " store keeps"));
    }
    if (m.item().name().empty()) return InvalidField(at + ".item.name", "is required");
    if (m.envelope().origin().empty()) return InvalidField(at + ".envelope.origin", "is required");
    if (!m.item().deleted() && m.item().value().type_url() != TypeUrl(*spec->prototype)) {
      return InvalidField(at + ".item.value", absl::StrCat("must be a ", spec->prototype->GetDescriptor()->full_name()));
    }
    names.push_back(m.item().name());
    specs.push_back(spec);
  }
  fv1::ApplyMirrorsResponse response;
  std::map<std::string, Held> held;
  absl::StatusOr<uint64_t> revision = store_->Write(
      {request.source()}, names, [&](storage::Transaction& txn) -> absl::Status {
        response.clear_outcomes();
        held.clear();
        for (int i = 0; i < request.items_size(); ++i) {
          const fv1::MirrorItem& m = request.items(i);
          const KindSpec& spec = *specs[i];
          const std::string& name = m.item().name();
          Held* h = nullptr;
          RCP_RETURN_IF_ERROR(Load(txn, spec, name, &held, &h));
          if (!h->state.has_value() && h->value != nullptr) {
            return absl::FailedPreconditionError(absl::StrCat(
                "items[", i, "]: ", name, " is this deployment's own item; a mirror never overwrites one"));
          }
          bool had_source = h->state.has_value() && GenerationOf(*h->state, request.source()).has_value();
          bool source_changed = !had_source || *GenerationOf(*h->state, request.source()) != request.generation();
          // Another origin's version (its home was pinned elsewhere since)
          // is not comparable: the gateway checked the pin, so it wins.
          int order = !h->state.has_value() ? 1
                      : h->state->envelope().origin() != m.envelope().origin()
                          ? 1
                          : Compare(m.envelope(), h->state->envelope());
          Outcome outcome;
          if (order < 0 || (order == 0 && h->state->deleted())) {
            outcome = fv1::ApplyMirrorsResponse::STALE;
            AddSource(&*h->state, request.source(), request.generation());
            if (source_changed) PutState(txn, name, *h->state);
          } else if (order == 0) {
            outcome = fv1::ApplyMirrorsResponse::UNCHANGED;
            AddSource(&*h->state, request.source(), request.generation());
            bool resigned = m.current_key() && h->state->envelope().key_id() != m.envelope().key_id();
            if (resigned) {
              *h->state->mutable_envelope() = m.envelope();
              if (h->value != nullptr) {
                Change& c = txn.RecordChange(name, spec.kind, Change::UPDATED, *h->value);
                c.set_origin(m.envelope().origin());
                c.set_envelope(m.envelope().SerializeAsString());
                c.set_envelope_only(true);
              }
            }
            if (resigned || source_changed) PutState(txn, name, *h->state);
          } else {
            outcome = fv1::ApplyMirrorsResponse::APPLIED;
            fv1::MirrorState state = h->state.value_or(fv1::MirrorState());
            *state.mutable_envelope() = m.envelope();
            state.set_deleted(m.item().deleted());
            AddSource(&state, request.source(), request.generation());
            h->state = state;
            if (m.item().deleted()) {
              RCP_RETURN_IF_ERROR(RemoveItem(txn, spec, name, h, Change::DELETED, &m.envelope()));
            } else {
              std::unique_ptr<Message> after(spec.prototype->New());
              if (!m.item().value().UnpackTo(after.get())) {
                return InvalidField(absl::StrCat("items[", i, "].item.value"), "does not parse");
              }
              txn.Put(spec.cf, name, *after);
              if (spec.write_beside) {
                RCP_RETURN_IF_ERROR(spec.write_beside(txn, h->value.get(), after.get(), &m.item()));
              }
              Change& c = h->value == nullptr
                              ? txn.RecordChange(name, spec.kind, Change::CREATED, *after)
                              : txn.RecordUpdate(name, spec.kind, *h->value, *after);
              c.set_origin(m.envelope().origin());
              c.set_envelope(m.envelope().SerializeAsString());
              h->value = std::move(after);
            }
            PutState(txn, name, *h->state);
          }
          if (source_changed) {
            txn.Put(kSourcesCf, SourceKey(request.source(), name), coding::EncodeUint64(request.generation()));
          }
          response.add_outcomes(outcome);
        }
        return absl::OkStatus();
      });
  if (!revision.ok()) return revision.status();
  response.set_revision(*revision);
  return response;
}

namespace {

// Drops `source` from the mirror `name` (staged), removing the mirror with
// its last source.
absl::StatusOr<Outcome> WithdrawOne(storage::Transaction& txn, const KindSpec& spec, const std::string& name,
                                    const std::string& source, std::map<std::string, Held>* held) {
  Held* h = nullptr;
  RCP_RETURN_IF_ERROR(Load(txn, spec, name, held, &h));
  if (!h->state.has_value() || !RemoveSource(&*h->state, source)) return fv1::ApplyMirrorsResponse::KEPT;
  txn.Delete(kSourcesCf, SourceKey(source, name));
  if (h->state->sources_size() > 0) {
    PutState(txn, name, *h->state);
    return fv1::ApplyMirrorsResponse::KEPT;
  }
  RCP_RETURN_IF_ERROR(RemoveItem(txn, spec, name, h, Change::WITHDRAWN, nullptr));
  txn.Delete(kMirrorsCf, name);
  h->state.reset();
  return fv1::ApplyMirrorsResponse::REMOVED;
}

}  // namespace

absl::StatusOr<fv1::ApplyMirrorsResponse> MirrorStore::Withdraw(const fv1::WithdrawMirrorsRequest& request) {
  RCP_RETURN_IF_ERROR(ValidateSource(request.source()));
  std::vector<std::string> names;
  std::vector<const KindSpec*> specs;
  for (int i = 0; i < request.withdrawals_size(); ++i) {
    const KindSpec* spec = Spec(request.withdrawals(i).kind());
    if (spec == nullptr) {
      return InvalidField(absl::StrCat("withdrawals[", i, "].kind"),
                          absl::StrCat("is not a kind the ", options_.store_name, " store keeps"));
    }
    names.push_back(request.withdrawals(i).name());
    specs.push_back(spec);
  }
  fv1::ApplyMirrorsResponse response;
  std::map<std::string, Held> held;
  absl::StatusOr<uint64_t> revision =
      store_->Write({request.source()}, names, [&](storage::Transaction& txn) -> absl::Status {
        response.clear_outcomes();
        held.clear();
        for (size_t i = 0; i < names.size(); ++i) {
          RCP_ASSIGN_OR_RETURN(Outcome o, WithdrawOne(txn, *specs[i], names[i], request.source(), &held));
          response.add_outcomes(o);
        }
        return absl::OkStatus();
      });
  if (!revision.ok()) return revision.status();
  response.set_revision(*revision);
  return response;
}

absl::StatusOr<fv1::PurgeMirrorsResponse> MirrorStore::Purge(const fv1::PurgeMirrorsRequest& request) {
  RCP_RETURN_IF_ERROR(ValidateSource(request.source()));
  if (request.max_items() < 0) return InvalidField("max_items", "must not be negative");
  const int step = request.max_items() == 0 ? kDefaultPurgeStep : request.max_items();
  const std::string prefix = SourceKey(request.source(), "");
  std::string start = prefix;
  if (!request.page_token().empty()) {
    std::string after;
    if (!absl::WebSafeBase64Unescape(request.page_token(), &after) || !absl::StartsWith(after, prefix)) {
      return InvalidField("page_token", "is not one this purge returned");
    }
    start = after + std::string(1, '\0');
  }
  // Which of the source's mirrors are older than the snapshot.
  std::vector<std::string> stale;
  std::string last;
  int examined = 0;
  {
    auto view = store_->Read();
    absl::Status bad;
    RCP_RETURN_IF_ERROR(view->Scan(kSourcesCf, start, coding::PrefixSuccessor(prefix),
                                   [&](absl::string_view key, absl::string_view value) {
                                     if (examined == step) return false;
                                     ++examined;
                                     last = std::string(key);
                                     auto generation = coding::DecodeUint64(value);
                                     if (!generation.has_value()) {
                                       bad = absl::DataLossError(absl::StrCat("index entry ", key, " is malformed"));
                                       return false;
                                     }
                                     if (*generation < request.below_generation()) {
                                       stale.emplace_back(key.substr(prefix.size()));
                                     }
                                     return true;
                                   }));
    RCP_RETURN_IF_ERROR(bad);
  }
  fv1::PurgeMirrorsResponse response;
  if (examined == step) response.set_next_page_token(absl::WebSafeBase64Escape(last));
  if (stale.empty()) return response;
  std::map<std::string, Held> held;
  int removed = 0;
  RCP_RETURN_IF_ERROR(
      store_
          ->Write({request.source()}, stale,
                  [&](storage::Transaction& txn) -> absl::Status {
                    held.clear();
                    removed = 0;
                    for (const auto& name : stale) {
                      fv1::MirrorState state;
                      RCP_ASSIGN_OR_RETURN(bool found, txn.Get(kMirrorsCf, name, &state));
                      // Re-read under the lock: a newer apply may have renewed it.
                      std::optional<uint64_t> generation =
                          found ? GenerationOf(state, request.source()) : std::nullopt;
                      if (!generation.has_value()) {
                        txn.Delete(kSourcesCf, SourceKey(request.source(), name));
                        continue;
                      }
                      if (*generation >= request.below_generation()) continue;
                      // The kind whose column family holds it; a tombstone
                      // holds no value, and any kind removes its state.
                      const KindSpec* spec = &options_.kinds.front();
                      for (const auto& k : options_.kinds) {
                        RCP_ASSIGN_OR_RETURN(auto present, txn.Get(k.cf, name));
                        if (present.has_value()) {
                          spec = &k;
                          break;
                        }
                      }
                      RCP_ASSIGN_OR_RETURN(Outcome o,
                                           WithdrawOne(txn, *spec, name, request.source(), &held));
                      if (o == fv1::ApplyMirrorsResponse::REMOVED) ++removed;
                    }
                    return absl::OkStatus();
                  })
          .status());
  response.set_removed(removed);
  return response;
}

absl::StatusOr<fv1::ListItemsResponse> MirrorStore::ListItems(const fv1::ListItemsRequest& request) {
  if (request.page_size() < 0 || request.page_size() > kMaxListPage) {
    return InvalidField("page_size", absl::StrCat("must be between 0 and ", kMaxListPage, " (0 = ",
                                                  kDefaultListPage, ")"));
  }
  const int size = request.page_size() == 0 ? kDefaultListPage : request.page_size();
  std::vector<const KindSpec*> kinds;
  for (int i = 0; i < request.kinds_size(); ++i) {
    const KindSpec* spec = Spec(request.kinds(i));
    if (spec == nullptr) {
      return InvalidField(absl::StrCat("kinds[", i, "]"),
                          absl::StrCat("is not a kind the ", options_.store_name, " store keeps"));
    }
    kinds.push_back(spec);
  }
  if (kinds.empty()) {
    for (const auto& k : options_.kinds) kinds.push_back(&k);
  }
  // The token: the kind's index, the last name, and the position the
  // listing began at (every page reports the first page's).
  size_t kind_index = 0;
  std::string after;
  fv1::ListItemsResponse response;
  auto view = store_->Read();
  if (!request.page_token().empty()) {
    std::string raw;
    fv1::ListItemsResponse token;
    if (!absl::WebSafeBase64Unescape(request.page_token(), &raw) || !token.ParseFromString(raw) ||
        token.items_size() != 1) {
      return InvalidField("page_token", "is not one this listing returned");
    }
    std::vector<std::string> parts = absl::StrSplit(token.next_page_token(), absl::MaxSplits('\n', 1));
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &kind_index) || kind_index >= kinds.size()) {
      return InvalidField("page_token", "is not one this listing returned");
    }
    after = parts[1];
    *response.mutable_position() = token.position();
  } else {
    response.mutable_position()->set_store(options_.store_name);
    response.mutable_position()->set_epoch(store_->epoch());
    response.mutable_position()->set_revision(view->revision());
    response.mutable_position()->set_compacted_revision(store_->compacted_revision());
  }
  std::string last_name;
  size_t last_kind = kind_index;
  bool more = false;
  for (size_t k = kind_index; k < kinds.size() && !more; ++k) {
    const KindSpec& spec = *kinds[k];
    std::string start = (k == kind_index && !after.empty()) ? after + std::string(1, '\0') : "";
    absl::Status failed;
    RCP_RETURN_IF_ERROR(view->Scan(spec.cf, start, "", [&](absl::string_view key, absl::string_view value) {
      if (response.items_size() == size) {
        more = true;
        return false;
      }
      fv1::StoredItem* stored = response.add_items();
      fv1::Item* item = stored->mutable_item();
      item->set_name(std::string(key));
      item->set_kind(spec.kind);
      item->mutable_value()->set_type_url(TypeUrl(*spec.prototype));
      item->mutable_value()->set_value(std::string(value));
      absl::Status s = view->Get(kMirrorsCf, key, stored->mutable_mirror());
      if (absl::IsNotFound(s)) {
        stored->clear_mirror();
        absl::StatusOr<uint64_t> revision = view->ItemRevision(key);
        if (!revision.ok()) {
          failed = revision.status();
          return false;
        }
        stored->set_revision(*revision);
        if (spec.describe) {
          std::unique_ptr<Message> parsed(spec.prototype->New());
          if (!parsed->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
            failed = absl::DataLossError(absl::StrCat("stored value of ", key, " is unreadable"));
            return false;
          }
          failed = spec.describe(*view, *parsed, item);
          if (!failed.ok()) return false;
        }
      } else if (!s.ok()) {
        failed = s;
        return false;
      }
      last_name = std::string(key);
      last_kind = k;
      return true;
    }));
    RCP_RETURN_IF_ERROR(failed);
  }
  if (more) {
    fv1::ListItemsResponse token;
    token.add_items();
    token.set_next_page_token(absl::StrCat(last_kind, "\n", last_name));
    *token.mutable_position() = response.position();
    response.set_next_page_token(absl::WebSafeBase64Escape(token.SerializeAsString()));
  }
  return response;
}

absl::StatusOr<fv1::StoredItem> MirrorStore::GetItem(const fv1::GetItemRequest& request) {
  const KindSpec* spec = Spec(request.kind());
  if (spec == nullptr) {
    return InvalidField("kind", absl::StrCat("is not a kind the ", options_.store_name, " store keeps"));
  }
  auto view = store_->Read();
  absl::StatusOr<std::string> value = view->Get(spec->cf, request.name());
  if (absl::IsNotFound(value.status())) return absl::NotFoundError(absl::StrCat(request.name(), " not found"));
  RCP_RETURN_IF_ERROR(value.status());
  fv1::StoredItem stored;
  fv1::Item* item = stored.mutable_item();
  item->set_name(request.name());
  item->set_kind(spec->kind);
  item->mutable_value()->set_type_url(TypeUrl(*spec->prototype));
  item->mutable_value()->set_value(*value);
  absl::Status s = view->Get(kMirrorsCf, request.name(), stored.mutable_mirror());
  if (absl::IsNotFound(s)) {
    stored.clear_mirror();
    RCP_ASSIGN_OR_RETURN(uint64_t revision, view->ItemRevision(request.name()));
    stored.set_revision(revision);
    if (spec->describe) {
      std::unique_ptr<Message> parsed(spec->prototype->New());
      if (!parsed->ParseFromString(*value)) return absl::DataLossError(absl::StrCat(request.name(), " is unreadable"));
      RCP_RETURN_IF_ERROR(spec->describe(*view, *parsed, item));
    }
  } else {
    RCP_RETURN_IF_ERROR(s);
  }
  return stored;
}

fv1::Position MirrorStore::Position() const {
  fv1::Position p;
  p.set_store(options_.store_name);
  p.set_epoch(store_->epoch());
  p.set_revision(store_->revision());
  p.set_compacted_revision(store_->compacted_revision());
  return p;
}

absl::StatusOr<fv1::ReadChangesResponse> MirrorStore::ReadChanges(const fv1::ReadChangesRequest& request) const {
  if (request.max_changes() < 0 || request.max_changes() > kMaxListPage) {
    return InvalidField("max_changes", absl::StrCat("must be between 0 and ", kMaxListPage, " (0 = ",
                                                    kDefaultListPage, ")"));
  }
  fv1::ReadChangesResponse response;
  *response.mutable_position() = Position();
  std::vector<Change> changes;
  uint64_t through = 0;
  RCP_RETURN_IF_ERROR(store_->ReadChanges(request.after_revision(),
                                          request.max_changes() == 0 ? kDefaultListPage : request.max_changes(),
                                          &changes, &through));
  for (auto& c : changes) *response.add_changes() = std::move(c);
  response.set_through_revision(through);
  return response;
}

absl::StatusOr<fv1::DigestItemsResponse> MirrorStore::Digest() {
  struct Running {
    uint64_t items = 0;
    crypto::Sha256 sha;
  };
  std::map<std::string, Running> by_origin;
  auto view = store_->Read();
  const uint64_t epoch = store_->epoch();
  for (const auto& spec : options_.kinds) {
    absl::Status failed;
    RCP_RETURN_IF_ERROR(view->Scan(spec.cf, "", "", [&](absl::string_view key, absl::string_view) {
      fv1::MirrorState state;
      absl::Status s = view->Get(kMirrorsCf, key, &state);
      std::string origin;
      uint64_t item_epoch = epoch;
      uint64_t revision = 0;
      if (s.ok()) {
        origin = state.envelope().origin();
        item_epoch = state.envelope().epoch();
        revision = state.envelope().revision();
      } else if (absl::IsNotFound(s)) {
        absl::StatusOr<uint64_t> r = view->ItemRevision(key);
        if (!r.ok()) {
          failed = r.status();
          return false;
        }
        revision = *r;
      } else {
        failed = s;
        return false;
      }
      Running& running = by_origin[origin];
      ++running.items;
      running.sha.Update(absl::StrCat(key, "\n", item_epoch, "\n", revision, "\n"));
      return true;
    }));
    RCP_RETURN_IF_ERROR(failed);
  }
  fv1::DigestItemsResponse response;
  for (auto& [origin, running] : by_origin) {
    auto* d = response.add_origins();
    d->set_origin(origin);
    d->set_items(running.items);
    d->set_digest(running.sha.HexDigest());
  }
  return response;
}

}  // namespace rcp::mirror
