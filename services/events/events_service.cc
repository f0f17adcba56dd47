#include "services/events/events_service.h"

#include "common/feed/watch_reactor.h"
#include "common/server/blocking.h"
#include "common/server/data_service.h"

namespace rcp::events {

grpc::ServerUnaryReactor* EventsService::CreateMeeting(grpc::CallbackServerContext* context,
                                                       const v1::CreateMeetingRequest* request,
                                                       v1::Meeting* response) {
  return server::ServeWrite(pool_, context, store_, &EventsStore::CreateMeeting, request, response);
}

grpc::ServerUnaryReactor* EventsService::GetMeeting(grpc::CallbackServerContext* context,
                                                    const v1::GetMeetingRequest* request,
                                                    v1::Meeting* response) {
  return server::ServeGet(context, store_, &EventsStore::GetMeeting, request, response);
}

grpc::ServerUnaryReactor* EventsService::UpdateMeeting(grpc::CallbackServerContext* context,
                                                       const v1::UpdateMeetingRequest* request,
                                                       v1::Meeting* response) {
  return server::ServeWrite(pool_, context, store_, &EventsStore::UpdateMeeting, request, response);
}

grpc::ServerUnaryReactor* EventsService::ConfirmMeeting(grpc::CallbackServerContext* context,
                                                        const v1::ConfirmMeetingRequest* request,
                                                        v1::Meeting* response) {
  return server::ServeWrite(pool_, context, store_, &EventsStore::ConfirmMeeting, request, response);
}

grpc::ServerUnaryReactor* EventsService::PostponeMeeting(grpc::CallbackServerContext* context,
                                                         const v1::PostponeMeetingRequest* request,
                                                         v1::Meeting* response) {
  return server::ServeWrite(pool_, context, store_, &EventsStore::PostponeMeeting, request, response);
}

grpc::ServerUnaryReactor* EventsService::RescheduleMeeting(grpc::CallbackServerContext* context,
                                                           const v1::RescheduleMeetingRequest* request,
                                                           v1::Meeting* response) {
  return server::ServeWrite(pool_, context, store_, &EventsStore::RescheduleMeeting, request, response);
}

grpc::ServerUnaryReactor* EventsService::CancelMeeting(grpc::CallbackServerContext* context,
                                                       const v1::CancelMeetingRequest* request,
                                                       v1::Meeting* response) {
  return server::ServeWrite(pool_, context, store_, &EventsStore::CancelMeeting, request, response);
}

grpc::ServerUnaryReactor* EventsService::MarkMeetingHeld(grpc::CallbackServerContext* context,
                                                         const v1::MarkMeetingHeldRequest* request,
                                                         v1::Meeting* response) {
  return server::ServeWrite(pool_, context, store_, &EventsStore::MarkMeetingHeld, request, response);
}

grpc::ServerUnaryReactor* EventsService::ListMeetings(grpc::CallbackServerContext* context,
                                                      const v1::ListMeetingsRequest* request,
                                                      v1::ListMeetingsResponse* response) {
  return server::ServeList(pool_, context, store_, &EventsStore::ListMeetings, request, response);
}

grpc::ServerUnaryReactor* EventsService::SyncMeetings(grpc::CallbackServerContext* context,
                                                      const v1::SyncMeetingsRequest* request,
                                                      v1::SyncMeetingsResponse* response) {
  return server::ServeList(pool_, context, store_, &EventsStore::SyncMeetings, request, response);
}

grpc::ServerUnaryReactor* EventsService::ExportCalendar(grpc::CallbackServerContext* context,
                                                        const v1::ExportCalendarRequest* request,
                                                        v1::ExportCalendarResponse* response) {
  return server::ServeList(pool_, context, store_, &EventsStore::ExportCalendar, request, response);
}

grpc::ServerWriteReactor<rcp::common::v1::WatchResponse>* EventsService::Watch(
    grpc::CallbackServerContext* context, const rcp::common::v1::WatchRequest* request) {
  return feed::StartWatch(store_->store(), *request);
}

}  // namespace rcp::events
