#include "services/gateway/public/public_events.h"

namespace rcp::gateway {

namespace ev = ::rcp::events::v1;

grpc::ServerUnaryReactor* PublicEvents::CreateMeeting(grpc::CallbackServerContext* context,
                                                      const ev::CreateMeetingRequest* request,
                                                      ev::Meeting* response) {
  return f_.Unary("CreateMeeting", context, request, response, async(), &Async::CreateMeeting);
}

grpc::ServerUnaryReactor* PublicEvents::GetMeeting(grpc::CallbackServerContext* context,
                                                   const ev::GetMeetingRequest* request,
                                                   ev::Meeting* response) {
  return f_.Unary("GetMeeting", context, request, response, async(), &Async::GetMeeting);
}

grpc::ServerUnaryReactor* PublicEvents::UpdateMeeting(grpc::CallbackServerContext* context,
                                                      const ev::UpdateMeetingRequest* request,
                                                      ev::Meeting* response) {
  return f_.Unary("UpdateMeeting", context, request, response, async(), &Async::UpdateMeeting);
}

grpc::ServerUnaryReactor* PublicEvents::ConfirmMeeting(grpc::CallbackServerContext* context,
                                                       const ev::ConfirmMeetingRequest* request,
                                                       ev::Meeting* response) {
  return f_.Unary("ConfirmMeeting", context, request, response, async(), &Async::ConfirmMeeting);
}

grpc::ServerUnaryReactor* PublicEvents::PostponeMeeting(grpc::CallbackServerContext* context,
                                                        const ev::PostponeMeetingRequest* request,
                                                        ev::Meeting* response) {
  return f_.Unary("PostponeMeeting", context, request, response, async(), &Async::PostponeMeeting);
}

grpc::ServerUnaryReactor* PublicEvents::RescheduleMeeting(grpc::CallbackServerContext* context,
                                                          const ev::RescheduleMeetingRequest* request,
                                                          ev::Meeting* response) {
  return f_.Unary("RescheduleMeeting", context, request, response, async(), &Async::RescheduleMeeting);
}

grpc::ServerUnaryReactor* PublicEvents::CancelMeeting(grpc::CallbackServerContext* context,
                                                      const ev::CancelMeetingRequest* request,
                                                      ev::Meeting* response) {
  return f_.Unary("CancelMeeting", context, request, response, async(), &Async::CancelMeeting);
}

grpc::ServerUnaryReactor* PublicEvents::MarkMeetingHeld(grpc::CallbackServerContext* context,
                                                        const ev::MarkMeetingHeldRequest* request,
                                                        ev::Meeting* response) {
  return f_.Unary("MarkMeetingHeld", context, request, response, async(), &Async::MarkMeetingHeld);
}

grpc::ServerUnaryReactor* PublicEvents::ListMeetings(grpc::CallbackServerContext* context,
                                                     const ev::ListMeetingsRequest* request,
                                                     ev::ListMeetingsResponse* response) {
  return f_.Unary("ListMeetings", context, request, response, async(), &Async::ListMeetings);
}

grpc::ServerUnaryReactor* PublicEvents::SyncMeetings(grpc::CallbackServerContext* context,
                                                     const ev::SyncMeetingsRequest* request,
                                                     ev::SyncMeetingsResponse* response) {
  return f_.Unary("SyncMeetings", context, request, response, async(), &Async::SyncMeetings);
}

grpc::ServerUnaryReactor* PublicEvents::ExportCalendar(grpc::CallbackServerContext* context,
                                                       const ev::ExportCalendarRequest* request,
                                                       ev::ExportCalendarResponse* response) {
  return f_.Unary("ExportCalendar", context, request, response, async(), &Async::ExportCalendar);
}

}  // namespace rcp::gateway
