#include "services/gateway/federation/envelopes.h"

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace rcp::gateway::federation {

using rcp::common::v1::Change;

fv1::Item ItemOfChange(const Change& change) {
  fv1::Item item;
  item.set_name(change.name());
  item.set_kind(change.kind());
  if (change.operation() == Change::DELETED) {
    item.set_deleted(true);
  } else {
    *item.mutable_value() = change.value();
  }
  *item.mutable_time() = change.time();
  return item;
}

fv1::Envelope SealItem(const SigningKey& key, absl::string_view origin, const Version& version,
                       const fv1::Item& item, uint64_t registry_revision, std::vector<std::string> recipients) {
  fv1::Envelope e;
  e.set_payload_type(kItemPayload);
  // The bytes are signed and travel as they are: never serialized again.
  e.set_payload(item.SerializeAsString());
  e.set_origin(std::string(origin));
  e.set_store(version.store);
  e.set_epoch(version.epoch);
  e.set_revision(version.revision);
  e.set_registry_revision(registry_revision);
  for (auto& r : recipients) e.add_recipients(std::move(r));
  SignEnvelope(key, &e);
  return e;
}

fv1::Envelope SealHead(const SigningKey& key, absl::string_view origin, const fv1::Head& head) {
  fv1::Envelope e;
  e.set_payload_type(kHeadPayload);
  e.set_payload(head.SerializeAsString());
  e.set_origin(std::string(origin));
  e.set_store(kHeadStore);
  e.set_revision(static_cast<uint64_t>(head.time().seconds()) * 1000000 +
                 static_cast<uint64_t>(head.time().nanos() / 1000));
  SignEnvelope(key, &e);
  return e;
}

fv1::Withdrawal WithdrawalOf(absl::string_view name, absl::string_view kind, const fv1::Envelope& envelope) {
  return WithdrawalOf(name, kind, envelope.origin(), Version{envelope.store(), envelope.epoch(), envelope.revision()});
}

fv1::Withdrawal WithdrawalOf(absl::string_view name, absl::string_view kind, absl::string_view origin,
                             const Version& version) {
  fv1::Withdrawal w;
  w.set_name(std::string(name));
  w.set_kind(std::string(kind));
  w.set_origin(std::string(origin));
  w.set_store(version.store);
  w.set_epoch(version.epoch);
  w.set_revision(version.revision);
  return w;
}

absl::StatusOr<fv1::Item> ParseItem(const fv1::Envelope& envelope) {
  if (envelope.payload_type() != kItemPayload) {
    return InvalidField("payload_type", absl::StrCat("is '", envelope.payload_type().substr(0, 80), "', not ", kItemPayload));
  }
  fv1::Item item;
  if (!item.ParseFromString(envelope.payload())) return InvalidField("payload", "is not an rcp.federation.v1.Item");
  if (item.name().empty()) return InvalidField("payload", "names no item");
  return item;
}

absl::StatusOr<fv1::Head> ParseHead(const fv1::Envelope& envelope) {
  if (envelope.payload_type() != kHeadPayload) {
    return InvalidField("payload_type", absl::StrCat("is '", envelope.payload_type().substr(0, 80), "', not ", kHeadPayload));
  }
  fv1::Head head;
  if (!head.ParseFromString(envelope.payload())) return InvalidField("payload", "is not an rcp.federation.v1.Head");
  return head;
}

uint64_t HeadPosition(const fv1::Head& head, absl::string_view store) {
  for (const auto& p : head.positions()) {
    if (p.store() == store) return p.revision();
  }
  return 0;
}

}  // namespace rcp::gateway::federation
