// The standard methods (AIP-131..135) over a storage::Store, written once for
// every service: create (idempotent by request_id), get, mutate/update (etag,
// update mask), delete, list (paged, filtered). Entities are protobuf
// messages with `name`, and where they have them `create_time`,
// `update_time` and `etag`, stored in a column family keyed by name.
#ifndef RCP_COMMON_ENTITY_ENTITY_H_
#define RCP_COMMON_ENTITY_ENTITY_H_

#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/message.h>
#include <google/protobuf/repeated_ptr_field.h>
#include <google/protobuf/timestamp.pb.h>

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/coding/coding.h"
#include "common/storage/store.h"

namespace rcp::entity {

// A kind of entity: its column family (keyed by resource name) and its kind
// name in change records.
struct Kind {
  const char* cf;
  const char* name;
};

// Sets create_time (when creating), update_time and etag, where the message
// has them, so every entity is stamped the same way.
void Stamp(google::protobuf::Message* m, absl::Time now, bool creating);
std::string EtagOf(const google::protobuf::Message& m);
std::string NameOf(const google::protobuf::Message& m);

// Fingerprint of a List request without its paging fields, so that page
// tokens are bound to the filters.
std::string QueryFingerprint(const google::protobuf::Message& request);

// NOT_FOUND "<field>: <name> not found" unless `name` exists in `kind`.
template <typename T>
absl::Status MustExist(storage::Transaction& txn, const Kind& kind, absl::string_view field,
                       const std::string& name, T* out = nullptr) {
  T tmp;
  RCP_ASSIGN_OR_RETURN(bool found, txn.Get(kind.cf, name, out ? out : &tmp));
  if (!found) return absl::NotFoundError(absl::StrCat(field, ": ", name, " not found"));
  return absl::OkStatus();
}

// Create in one transaction: idempotency by request_id (a retry answers as
// the first time), refusal of an existing name (ALREADY_EXISTS), stamping,
// and the CREATED change record. `make` runs under the locks (plus the
// request id's) and returns the entity to store, with its final name.
// `after_put` may add index entries in the same transaction.
template <typename T>
absl::StatusOr<T> Create(
    storage::Store* store, const storage::WriteContext& ctx, const Kind& kind,
    const google::protobuf::Message& request, const std::string& request_id, std::vector<std::string> locks,
    absl::FunctionRef<absl::StatusOr<T>(storage::Transaction&)> make,
    absl::FunctionRef<void(storage::Transaction&, const T&)> after_put = [](storage::Transaction&, const T&) {
    }) {
  std::string fingerprint = resource::Fingerprint(request);
  // Creates without a request id must not share one lock: they would
  // serialize behind each other's fsync.
  if (!request_id.empty()) locks.push_back(storage::RequestLockKey(kind.name, request_id));
  T result;
  RCP_RETURN_IF_ERROR(
      store
          ->Write(ctx, std::move(locks),
                  [&](storage::Transaction& txn) -> absl::Status {
                    RCP_ASSIGN_OR_RETURN(auto prior, txn.LookupRequest(kind.name, request_id, fingerprint));
                    if (prior.has_value()) return MustExist<T>(txn, kind, "request_id", *prior, &result);
                    RCP_ASSIGN_OR_RETURN(T value, make(txn));
                    std::string name = NameOf(value);
                    RCP_ASSIGN_OR_RETURN(auto existing, txn.Get(kind.cf, name));
                    if (existing.has_value()) {
                      return absl::AlreadyExistsError(absl::StrCat(name, " already exists"));
                    }
                    Stamp(&value, txn.now(), /*creating=*/true);
                    txn.Put(kind.cf, name, value);
                    after_put(txn, value);
                    txn.RecordChange(name, kind.name, rcp::common::v1::Change::CREATED, value);
                    txn.RememberRequest(kind.name, request_id, fingerprint, name);
                    result = std::move(value);
                    return absl::OkStatus();
                  })
          .status());
  return result;
}

// Read-modify-write of one entity under its lock (plus `locks`): NOT_FOUND
// when absent, ABORTED when `etag` is set and stale, then `mutate(txn,
// current, &next)` with next = current; on success `next` is stamped, stored
// and recorded as UPDATED.
template <typename T>
absl::StatusOr<T> Mutate(
    storage::Store* store, const storage::WriteContext& ctx, const Kind& kind, const std::string& name,
    const std::string& etag, std::vector<std::string> locks,
    absl::FunctionRef<absl::Status(storage::Transaction&, const T& current, T* next)> mutate) {
  locks.push_back(name);
  T result;
  RCP_RETURN_IF_ERROR(store
                          ->Write(ctx, std::move(locks),
                                  [&](storage::Transaction& txn) -> absl::Status {
                                    T current;
                                    RCP_ASSIGN_OR_RETURN(bool found, txn.Get(kind.cf, name, &current));
                                    if (!found) return resource::NotFound(name);
                                    if (!etag.empty() && etag != EtagOf(current))
                                      return resource::StaleEtag(name);
                                    T next = current;
                                    RCP_RETURN_IF_ERROR(mutate(txn, current, &next));
                                    Stamp(&next, txn.now(), /*creating=*/false);
                                    txn.Put(kind.cf, name, next);
                                    txn.RecordUpdate(name, kind.name, current, next);
                                    result = std::move(next);
                                    return absl::OkStatus();
                                  })
                          .status());
  return result;
}

// Update with an update mask: the masked fields of `patch` are merged into
// the current entity, then `check(txn, current, &merged)` validates (and may
// adjust) the result. The etag is patch's.
template <typename T>
absl::StatusOr<T> Update(
    storage::Store* store, const storage::WriteContext& ctx, const Kind& kind, const T& patch,
    const google::protobuf::FieldMask& mask, std::vector<std::string> locks,
    absl::FunctionRef<absl::Status(storage::Transaction&, const T& current, T* merged)> check) {
  return Mutate<T>(store, ctx, kind, NameOf(patch), EtagOf(patch), std::move(locks),
                   [&](storage::Transaction& txn, const T& current, T* merged) {
                     resource::ApplyUpdateMask(mask, patch, merged);
                     return check(txn, current, merged);
                   });
}

// Delete, recorded as a DELETED tombstone carrying the last value.
template <typename T>
absl::Status Delete(storage::Store* store, const storage::WriteContext& ctx, const Kind& kind,
                    const std::string& name, const std::string& etag, std::vector<std::string> locks) {
  locks.push_back(name);
  return store
      ->Write(ctx, std::move(locks),
              [&](storage::Transaction& txn) -> absl::Status {
                T current;
                RCP_ASSIGN_OR_RETURN(bool found, txn.Get(kind.cf, name, &current));
                if (!found) return resource::NotFound(name);
                if (!etag.empty() && etag != EtagOf(current)) return resource::StaleEtag(name);
                txn.Delete(kind.cf, name);
                txn.RecordChange(name, kind.name, rcp::common::v1::Change::DELETED, current);
                return absl::OkStatus();
              })
      .status();
}

template <typename T>
absl::StatusOr<T> Get(const storage::Store* store, const Kind& kind, const std::string& name) {
  T out;
  absl::Status s = store->Get(kind.cf, name, &out);
  if (absl::IsNotFound(s)) return resource::NotFound(name);
  RCP_RETURN_IF_ERROR(s);
  return out;
}

// Pages through the keys under `prefix` in order, keeping those `keep`
// accepts; page tokens carry the last key and the query's fingerprint.
template <typename T>
absl::Status List(const storage::ReadView& view, const Kind& kind, const std::string& prefix,
                  const google::protobuf::Message& request, int32_t page_size, const std::string& page_token,
                  absl::FunctionRef<bool(const T&)> keep, google::protobuf::RepeatedPtrField<T>* out,
                  std::string* next_page_token) {
  RCP_ASSIGN_OR_RETURN(int size, resource::ResolvePageSize(page_size));
  std::string fingerprint = QueryFingerprint(request);
  RCP_ASSIGN_OR_RETURN(std::string after, resource::DecodePageToken(page_token, fingerprint));
  if (!after.empty() && !absl::StartsWith(after, prefix)) {
    return InvalidField("page_token", "belongs to a different query");
  }
  std::string start = after.empty() ? prefix : after + std::string(1, '\0');
  std::string last;
  bool more = false;
  absl::Status parse;
  RCP_RETURN_IF_ERROR(view.Scan(kind.cf, start, coding::PrefixSuccessor(prefix),
                                [&](absl::string_view key, absl::string_view value) {
                                  T item;
                                  if (!item.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                                    parse = absl::DataLossError(absl::StrCat("unreadable ", key));
                                    return false;
                                  }
                                  if (!keep(item)) return true;
                                  if (out->size() == size) {
                                    more = true;
                                    return false;
                                  }
                                  last = std::string(key);
                                  *out->Add() = std::move(item);
                                  return true;
                                }));
  RCP_RETURN_IF_ERROR(parse);
  if (more) *next_page_token = resource::EncodePageToken(fingerprint, last);
  return absl::OkStatus();
}

}  // namespace rcp::entity

#endif  // RCP_COMMON_ENTITY_ENTITY_H_
