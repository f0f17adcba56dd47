// Federation mirrors in a data service's store (DESIGN.md §6): other
// deployments' items kept under their own resource names, beside this
// deployment's items and in the same column families, so that every read
// path serves them as local items. The service names the kinds it keeps
// (KindSpec); this class applies, withdraws and purges mirrors of them, and
// lists every item for the snapshots peers are sent. One implementation for
// the three services.
//
// Beside each mirror, in the "mirrors" column family, its MirrorState: the
// envelope it came in (kept as it came, for relays) and the peers that gave
// it, each with the generation of the snapshot it came in. The index
// "mirror_sources" (source, name) lets a snapshot's purge find what a
// source gave before.
//
// Apply is a compare-and-set per item on its version (epoch, revision):
//   newer               written, with a change record carrying the origin
//                       and the envelope (CREATED, UPDATED or DELETED)
//   the same            UNCHANGED: the source is recorded, no change
//                       record; when the origin signed it again (a key was
//                       revoked) the envelope is replaced and an
//                       envelope-only record tells relays
//   older, or at or     STALE: nothing but the source is recorded
//   below a tombstone
// A deletion leaves a tombstone: versions at or below it are refused. A
// withdrawal or purge removes one source; the mirror goes with its last
// one (a WITHDRAWN record) and leaves no tombstone, so that the item may be
// shared again. Apply never overwrites this deployment's own item, and
// skips the service's business validation: the origin validated.
#ifndef RCP_COMMON_MIRROR_MIRROR_STORE_H_
#define RCP_COMMON_MIRROR_MIRROR_STORE_H_

#include <google/protobuf/message.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/storage/store.h"
#include "rcp/federation/v1/replica.pb.h"

namespace rcp::mirror {

namespace fv1 = ::rcp::federation::v1;

// One kind of item a service keeps, as federation sees it.
struct KindSpec {
  // Its change-record kind ("meeting") and the column family that holds it,
  // keyed by resource name.
  std::string kind;
  std::string cf;
  // The message type it is stored as (a default instance; not owned).
  const google::protobuf::Message* prototype = nullptr;
  // Rows kept beside the item (indexes, a document's versions), staged in
  // `txn` whenever a mirror is written or removed: `before` is the value it
  // replaces (nullptr for a new one), `after` the new value and `item` the
  // applied item (both nullptr when it goes). Default: none.
  std::function<absl::Status(storage::Transaction& txn, const google::protobuf::Message* before,
                             const google::protobuf::Message* after, const fv1::Item* item)>
      write_beside;
  // Adds what travels with an exported item beyond its value (a
  // document's content versions). Default: nothing.
  std::function<absl::Status(const storage::ReadView& view, const google::protobuf::Message& value,
                             fv1::Item* item)>
      describe;
};

struct MirrorOptions {
  // The store's name in envelopes: "registry", "events" or "documents".
  std::string store_name;
  // The kinds kept, in the order ListItems and DigestItems read them.
  std::vector<KindSpec> kinds;
};

// Thread-safe.
class MirrorStore {
 public:
  // Column families the store must have besides the kinds' own.
  static std::vector<std::string> ColumnFamilies();

  // `store` is not owned and must outlive this.
  MirrorStore(storage::Store* store, MirrorOptions options);

  // Replica.ApplyMirrors: one atomic write. INVALID_ARGUMENT naming the
  // field for a malformed request (a kind this service does not keep, a
  // value that is not of its type); FAILED_PRECONDITION naming the item
  // when it is this deployment's own. Nothing is written on any error.
  absl::StatusOr<fv1::ApplyMirrorsResponse> Apply(const fv1::ApplyMirrorsRequest& request);
  // Replica.WithdrawMirrors.
  absl::StatusOr<fv1::ApplyMirrorsResponse> Withdraw(const fv1::WithdrawMirrorsRequest& request);
  // Replica.PurgeMirrors: up to max_items of the source's index entries per
  // call, each withdrawn when older than below_generation.
  absl::StatusOr<fv1::PurgeMirrorsResponse> Purge(const fv1::PurgeMirrorsRequest& request);
  // Replica.ListItems: the kinds in order, each in name order; mirrors with
  // their state, this deployment's items with their revision. Tombstones
  // are not items.
  absl::StatusOr<fv1::ListItemsResponse> ListItems(const fv1::ListItemsRequest& request);
  // Replica.GetItem.
  absl::StatusOr<fv1::StoredItem> GetItem(const fv1::GetItemRequest& request);
  // Replica.GetPosition.
  fv1::Position Position() const;
  // Replica.ReadChanges.
  absl::StatusOr<fv1::ReadChangesResponse> ReadChanges(const fv1::ReadChangesRequest& request) const;
  // Replica.DigestItems: per origin ("" for this deployment's own), the
  // count and a SHA-256 over (name, epoch, revision) in ListItems order.
  absl::StatusOr<fv1::DigestItemsResponse> Digest();

  // The mirror state of `name`; NOT_FOUND when it is no mirror.
  absl::StatusOr<fv1::MirrorState> StateOf(absl::string_view name) const;

 private:
  const KindSpec* Spec(absl::string_view kind) const;

  storage::Store* store_;
  MirrorOptions options_;
};

}  // namespace rcp::mirror

#endif  // RCP_COMMON_MIRROR_MIRROR_STORE_H_
