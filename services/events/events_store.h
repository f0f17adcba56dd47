// The meeting calendar: validation, lifecycle, window queries over a
// (process, start) index, incremental sync and iCalendar export, over one
// storage::Store. No gRPC here: the service adapts these calls.
//
// Bad input is INVALID_ARGUMENT naming the field and the rule; an invalid
// lifecycle transition FAILED_PRECONDITION naming both states; a stale etag
// ABORTED; nothing is written on any error.
#ifndef RCP_SERVICES_EVENTS_EVENTS_STORE_H_
#define RCP_SERVICES_EVENTS_EVENTS_STORE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/audience/audience.h"
#include "common/mirror/mirror_store.h"
#include "common/storage/store.h"
#include "rcp/events/v1/events.pb.h"
#include "services/events/events_options.h"

namespace rcp::events {

// What a List read, for tests and benchmarks of the index.
struct ListStats {
  size_t index_keys = 0;  // index entries visited
  size_t meetings = 0;    // meetings read
};

// Thread-safe.
class EventsStore {
 public:
  static absl::StatusOr<std::unique_ptr<EventsStore>> Open(const EventsOptions& options);

  storage::Store* store() { return store_.get(); }
  // Federation mirrors of other deployments' meetings.
  mirror::MirrorStore* mirrors() { return &mirrors_; }
  using Ctx = storage::WriteContext;

  absl::StatusOr<v1::Meeting> CreateMeeting(const Ctx& ctx, const v1::CreateMeetingRequest& req);
  absl::StatusOr<v1::Meeting> GetMeeting(const v1::GetMeetingRequest& req);
  absl::StatusOr<v1::Meeting> UpdateMeeting(const Ctx& ctx, const v1::UpdateMeetingRequest& req);

  absl::StatusOr<v1::Meeting> ConfirmMeeting(const Ctx& ctx, const v1::ConfirmMeetingRequest& req);
  absl::StatusOr<v1::Meeting> PostponeMeeting(const Ctx& ctx, const v1::PostponeMeetingRequest& req);
  absl::StatusOr<v1::Meeting> RescheduleMeeting(const Ctx& ctx, const v1::RescheduleMeetingRequest& req);
  absl::StatusOr<v1::Meeting> CancelMeeting(const Ctx& ctx, const v1::CancelMeetingRequest& req);
  absl::StatusOr<v1::Meeting> MarkMeetingHeld(const Ctx& ctx, const v1::MarkMeetingHeldRequest& req);

  // List, Sync and Export keep only the meetings `viewer` may see
  // (audience::MaySee) before paging or counting: a page is full whenever
  // more visible meetings exist and carries a token only then, and Export's
  // max_export_meetings counts visible meetings. nullptr (an internal
  // caller) sees every meeting.
  absl::StatusOr<v1::ListMeetingsResponse> ListMeetings(const v1::ListMeetingsRequest& req,
                                                        const audience::Viewer* viewer = nullptr);
  // The same, counting what the index scan read into `stats`.
  absl::StatusOr<v1::ListMeetingsResponse> ListMeetings(const v1::ListMeetingsRequest& req,
                                                        const audience::Viewer* viewer, ListStats* stats);
  // Incremental pages hold up to page_size entries (meetings and removed
  // names) and read on past changes the viewer may not see, so that a page
  // carries a token only when another entry follows. `removed` names only
  // meetings the viewer had: ones that matched the filter and that it could
  // see before, and that now do not match or it may no longer see.
  absl::StatusOr<v1::SyncMeetingsResponse> SyncMeetings(const v1::SyncMeetingsRequest& req,
                                                        const audience::Viewer* viewer = nullptr);
  absl::StatusOr<v1::ExportCalendarResponse> ExportCalendar(const v1::ExportCalendarRequest& req,
                                                            const audience::Viewer* viewer = nullptr);

 private:
  EventsStore(const EventsOptions& options, std::unique_ptr<storage::Store> store);

  // Meetings matching `filter` that `viewer` may see, ordered by (start,
  // name), after the index key `after` (exclusive; empty = from the start),
  // at most `limit` (callers ask one more to tell whether more exist).
  absl::Status Scan(const storage::ReadView& view, const v1::MeetingFilter& filter,
                    const audience::Viewer* viewer, const std::string& after, size_t limit,
                    std::vector<std::pair<std::string, v1::Meeting>>* out, ListStats* stats);

  // store_->ReadChanges, its errors in a sync's terms: an expired token is
  // FAILED_PRECONDITION with ResyncRequired, one from the future
  // INVALID_ARGUMENT.
  absl::Status ReadChangesSince(uint64_t since, size_t max, std::vector<rcp::common::v1::Change>* out,
                                uint64_t* through);

  EventsOptions options_;
  std::unique_ptr<storage::Store> store_;
  mirror::MirrorStore mirrors_;
};

}  // namespace rcp::events

#endif  // RCP_SERVICES_EVENTS_EVENTS_STORE_H_
