#include "services/events/events_seed.h"

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace rcp::events {

absl::StatusOr<int> ApplySeed(EventsStore* store, const v1::EventsSeed& seed,
                              const resource::HomeProcesses& homes) {
  const storage::WriteContext ctx{"system/seed"};
  int applied = 0;
  for (int i = 0; i < seed.meetings_size(); ++i) {
    const auto& entry = seed.meetings(i);
    if (entry.create().meeting().processes_size() > 0 && !homes.Includes(entry.create().meeting().processes(0))) {
      continue;
    }
    ++applied;
    v1::CreateMeetingRequest create = entry.create();
    if (create.request_id().empty()) create.set_request_id(absl::StrCat("seed:meetings:", i));
    auto fail = [&](const absl::Status& s) {
      return absl::Status(s.code(), absl::StrCat("seed meetings[", i, "]: ", s.message()));
    };
    auto meeting = store->CreateMeeting(ctx, create);
    if (!meeting.ok()) return fail(meeting.status());
    // Only a meeting still as created is moved: a second run, or a meeting
    // changed since by its secretariat, is left alone.
    if (meeting->status() != v1::PLANNED || meeting->sequence() != 0) continue;
    absl::Status s;
    if (entry.status() == v1::CONFIRMED || entry.status() == v1::HELD) {
      v1::ConfirmMeetingRequest confirm;
      confirm.set_name(meeting->name());
      s = store->ConfirmMeeting(ctx, confirm).status();
      if (s.ok() && entry.status() == v1::HELD) {
        v1::MarkMeetingHeldRequest held;
        held.set_name(meeting->name());
        s = store->MarkMeetingHeld(ctx, held).status();
      }
    } else if (entry.status() == v1::CANCELLED) {
      v1::CancelMeetingRequest cancel;
      cancel.set_name(meeting->name());
      cancel.set_reason(entry.cancel_reason().empty() ? "cancelled" : entry.cancel_reason());
      s = store->CancelMeeting(ctx, cancel).status();
    }
    if (!s.ok()) return fail(s);
  }
  return applied;
}

}  // namespace rcp::events
