#include "services/gateway/subscribe/delivery.h"

namespace rcp::gateway::subscribe {
namespace {

using rcp::common::v1::Change;
using resource::Kind;

// A fan-out asks about the same change once per subscriber, on a few pool
// threads in turn, so each thread keeps the audience of the last value it
// decoded (one slot for changes' values, one for their previous values),
// keyed by the value's bytes (not by revision: a service restored from a
// backup reuses revisions).
struct CachedAudience {
  Kind kind{};
  std::string name;
  std::string type_url;
  std::string bytes;
  bool readable = false;
  audience::Audience audience;
};

enum Slot { kValue = 0, kPreviousValue = 1 };

const CachedAudience& AudienceOf(Kind kind, const std::string& name, const google::protobuf::Any& value,
                                 Slot slot) {
  thread_local CachedAudience slots[2];
  CachedAudience& last = slots[slot];
  if (last.kind == kind && last.name == name && last.bytes == value.value() &&
      last.type_url == value.type_url()) {
    return last;
  }
  last.kind = kind;
  last.name = name;
  last.type_url = value.type_url();
  last.bytes = value.value();
  last.readable = audience::AudienceOf(kind, name, value, &last.audience);
  return last;
}

bool CanSee(const audience::Viewer& viewer, Kind kind, const Change& change, Slot slot,
            std::vector<std::string>* processes) {
  const google::protobuf::Any& value = slot == kValue ? change.value() : change.previous_value();
  if (kind == Kind::kApiKey) {
    rcp::registry::v1::ApiKey key;
    return value.UnpackTo(&key) && audience::MayManageKey(viewer, key);
  }
  const CachedAudience& a = AudienceOf(kind, change.name(), value, slot);
  if (!a.readable || !audience::CanSee(viewer, a.audience)) return false;
  processes->assign(a.audience.processes.begin(), a.audience.processes.end());
  return true;
}

}  // namespace

Delivery DeliveryOf(const audience::Viewer& viewer, resource::Service service, const Change& change,
                    std::vector<std::string>* processes) {
  processes->clear();
  const resource::KindInfo* kind = resource::KindNamed(change.kind());
  if (kind == nullptr || kind->service != service) {
    return audience::IsDeploymentAdmin(viewer) ? Delivery::kChange : Delivery::kNone;
  }
  // A mirror signed again by its origin: news for relays only.
  if (change.envelope_only()) return Delivery::kNone;
  // A mirror withdrawn: those who had it remove it.
  if (change.operation() == Change::WITHDRAWN) {
    return CanSee(viewer, kind->kind, change, kValue, processes) ? Delivery::kWithdrawal : Delivery::kNone;
  }
  if (CanSee(viewer, kind->kind, change, kValue, processes)) return Delivery::kChange;
  if (change.operation() != Change::UPDATED || !change.has_previous_value()) return Delivery::kNone;
  if (CanSee(viewer, kind->kind, change, kPreviousValue, processes)) return Delivery::kWithdrawal;
  return Delivery::kNone;
}

void Withdrawal(const Change& change, Change* out) {
  out->Clear();
  out->set_revision(change.revision());
  out->set_name(change.name());
  out->set_kind(change.kind());
  out->set_operation(Change::WITHDRAWN);
  *out->mutable_time() = change.time();
}

}  // namespace rcp::gateway::subscribe
