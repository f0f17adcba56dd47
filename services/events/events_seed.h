// Applies an EventsSeed through EventsStore, so seeded meetings pass the same
// validation and lifecycle as any client's. (rcp-eventsd loads it from
// --seed_file with server::ApplySeedFile.)
#ifndef RCP_SERVICES_EVENTS_EVENTS_SEED_H_
#define RCP_SERVICES_EVENTS_EVENTS_SEED_H_

#include "absl/status/statusor.h"
#include "common/resource/resource.h"
#include "rcp/events/v1/seed.pb.h"
#include "services/events/events_store.h"

namespace rcp::events {

// Creates each meeting (idempotent by request_id) and moves a freshly
// created one to its seeded status. Returns the number of meetings.
// Meetings whose first process (the one owning their name) is not one of
// `homes` are left to their home deployment.
absl::StatusOr<int> ApplySeed(EventsStore* store, const v1::EventsSeed& seed,
                              const resource::HomeProcesses& homes = {});

}  // namespace rcp::events

#endif  // RCP_SERVICES_EVENTS_EVENTS_SEED_H_
