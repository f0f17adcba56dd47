// rcp.events.v1.Events over gRPC's callback API: each method runs the
// EventsStore call on the service's pool (never on gRPC's threads); Watch
// streams the store's change feed. List, Sync and Export are filtered for
// the viewer the call carries (audience::kViewerHeader).
#ifndef RCP_SERVICES_EVENTS_EVENTS_SERVICE_H_
#define RCP_SERVICES_EVENTS_EVENTS_SERVICE_H_

#include "common/concurrency/thread_pool.h"
#include "rcp/events/v1/events.grpc.pb.h"
#include "services/events/events_store.h"

namespace rcp::events {

class EventsService final : public v1::Events::CallbackService {
 public:
  // Neither is owned; both must outlive the service.
  EventsService(EventsStore* store, ThreadPool* pool) : store_(store), pool_(pool) {}

  grpc::ServerUnaryReactor* CreateMeeting(grpc::CallbackServerContext* context,
                                     const v1::CreateMeetingRequest* request, v1::Meeting* response) override;
  grpc::ServerUnaryReactor* GetMeeting(grpc::CallbackServerContext* context,
                                     const v1::GetMeetingRequest* request, v1::Meeting* response) override;
  grpc::ServerUnaryReactor* UpdateMeeting(grpc::CallbackServerContext* context,
                                     const v1::UpdateMeetingRequest* request, v1::Meeting* response) override;
  grpc::ServerUnaryReactor* ConfirmMeeting(grpc::CallbackServerContext* context,
                                     const v1::ConfirmMeetingRequest* request, v1::Meeting* response) override;
  grpc::ServerUnaryReactor* PostponeMeeting(grpc::CallbackServerContext* context,
                                     const v1::PostponeMeetingRequest* request, v1::Meeting* response) override;
  grpc::ServerUnaryReactor* RescheduleMeeting(grpc::CallbackServerContext* context,
                                     const v1::RescheduleMeetingRequest* request, v1::Meeting* response) override;
  grpc::ServerUnaryReactor* CancelMeeting(grpc::CallbackServerContext* context,
                                     const v1::CancelMeetingRequest* request, v1::Meeting* response) override;
  grpc::ServerUnaryReactor* MarkMeetingHeld(grpc::CallbackServerContext* context,
                                     const v1::MarkMeetingHeldRequest* request, v1::Meeting* response) override;
  grpc::ServerUnaryReactor* ListMeetings(grpc::CallbackServerContext* context,
                                     const v1::ListMeetingsRequest* request, v1::ListMeetingsResponse* response) override;
  grpc::ServerUnaryReactor* SyncMeetings(grpc::CallbackServerContext* context,
                                     const v1::SyncMeetingsRequest* request, v1::SyncMeetingsResponse* response) override;
  grpc::ServerUnaryReactor* ExportCalendar(grpc::CallbackServerContext* context,
                                     const v1::ExportCalendarRequest* request, v1::ExportCalendarResponse* response) override;
  grpc::ServerWriteReactor<rcp::common::v1::WatchResponse>* Watch(
      grpc::CallbackServerContext* context, const rcp::common::v1::WatchRequest* request) override;

 private:
  EventsStore* store_;
  ThreadPool* pool_;
};

}  // namespace rcp::events

#endif  // RCP_SERVICES_EVENTS_EVENTS_SERVICE_H_
