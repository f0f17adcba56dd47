#include "services/gateway/public/public_events.h"

namespace rcp::gateway {

namespace v1 = ::rcp::events::v1;

grpc::ServerUnaryReactor* PublicEvents::CreateMeeting(grpc::CallbackServerContext* context,
                                                      const v1::CreateMeetingRequest* request,
                                                      v1::Meeting* response) {
  return f_.Unary("CreateMeeting", context, request, response, async(), &Async::CreateMeeting);
}

grpc::ServerUnaryReactor* PublicEvents::GetMeeting(grpc::CallbackServerContext* context,
                                                   const v1::GetMeetingRequest* request,
                                                   v1::Meeting* response) {
  return f_.Unary("GetMeeting", context, request, response, async(), &Async::GetMeeting);
}

grpc::ServerUnaryReactor* PublicEvents::UpdateMeeting(grpc::CallbackServerContext* context,
                                                      const v1::UpdateMeetingRequest* request,
                                                      v1::Meeting* response) {
  return f_.Unary("UpdateMeeting", context, request, response, async(), &Async::UpdateMeeting);
}

grpc::ServerUnaryReactor* PublicEvents::ConfirmMeeting(grpc::CallbackServerContext* context,
                                                       const v1::ConfirmMeetingRequest* request,
                                                       v1::Meeting* response) {
  return f_.Unary("ConfirmMeeting", context, request, response, async(), &Async::ConfirmMeeting);
}

grpc::ServerUnaryReactor* PublicEvents::PostponeMeeting(grpc::CallbackServerContext* context,
                                                        const v1::PostponeMeetingRequest* request,
                                                        v1::Meeting* response) {
  return f_.Unary("PostponeMeeting", context, request, response, async(), &Async::PostponeMeeting);
}

grpc::ServerUnaryReactor* PublicEvents::RescheduleMeeting(grpc::CallbackServerContext* context,
                                                          const v1::RescheduleMeetingRequest* request,
                                                          v1::Meeting* response) {
  return f_.Unary("RescheduleMeeting", context, request, response, async(), &Async::RescheduleMeeting);
}

grpc::ServerUnaryReactor* PublicEvents::CancelMeeting(grpc::CallbackServerContext* context,
                                                      const v1::CancelMeetingRequest* request,
                                                      v1::Meeting* response) {
  return f_.Unary("CancelMeeting", context, request, response, async(), &Async::CancelMeeting);
}

grpc::ServerUnaryReactor* PublicEvents::MarkMeetingHeld(grpc::CallbackServerContext* context,
                                                        const v1::MarkMeetingHeldRequest* request,
                                                        v1::Meeting* response) {
  return f_.Unary("MarkMeetingHeld", context, request, response, async(), &Async::MarkMeetingHeld);
}

grpc::ServerUnaryReactor* PublicEvents::ListMeetings(grpc::CallbackServerContext* context,
                                                     const v1::ListMeetingsRequest* request,
                                                     v1::ListMeetingsResponse* response) {
  return f_.Unary("ListMeetings", context, request, response, async(), &Async::ListMeetings);
}

grpc::ServerUnaryReactor* PublicEvents::SyncMeetings(grpc::CallbackServerContext* context,
                                                     const v1::SyncMeetingsRequest* request,
                                                     v1::SyncMeetingsResponse* response) {
  return f_.Unary("SyncMeetings", context, request, response, async(), &Async::SyncMeetings);
}

grpc::ServerUnaryReactor* PublicEvents::ExportCalendar(grpc::CallbackServerContext* context,
                                                       const v1::ExportCalendarRequest* request,
                                                       v1::ExportCalendarResponse* response) {
  return f_.Unary("ExportCalendar", context, request, response, async(), &Async::ExportCalendar);
}

}  // namespace rcp::gateway
