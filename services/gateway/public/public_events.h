// rcp.events.v1.Events as the gateway serves it. Every method is forwarded
// through the policy table (access/policy.cc): reads and lists return only
// meetings the caller may see (the service filters lists, with the caller
// as viewer), writes need the secretariat or the chair of every process of
// the meeting. ExportCalendar is the one path that renders a caller's
// calendar (the HTTP feed calls it too). Watch is internal.
#ifndef RCP_SERVICES_GATEWAY_PUBLIC_PUBLIC_EVENTS_H_
#define RCP_SERVICES_GATEWAY_PUBLIC_PUBLIC_EVENTS_H_

#include "rcp/events/v1/events.grpc.pb.h"
#include "services/gateway/upstream/forwarder.h"

namespace rcp::gateway {

class PublicEvents final : public rcp::events::v1::Events::CallbackService {
 public:
  explicit PublicEvents(upstream::Deps deps) : f_(deps, rcp::events::v1::Events::service_full_name()) {}

  grpc::ServerUnaryReactor* CreateMeeting(grpc::CallbackServerContext* context,
                                          const rcp::events::v1::CreateMeetingRequest* request,
                                          rcp::events::v1::Meeting* response) override;
  grpc::ServerUnaryReactor* GetMeeting(grpc::CallbackServerContext* context,
                                       const rcp::events::v1::GetMeetingRequest* request,
                                       rcp::events::v1::Meeting* response) override;
  grpc::ServerUnaryReactor* UpdateMeeting(grpc::CallbackServerContext* context,
                                          const rcp::events::v1::UpdateMeetingRequest* request,
                                          rcp::events::v1::Meeting* response) override;
  grpc::ServerUnaryReactor* ConfirmMeeting(grpc::CallbackServerContext* context,
                                           const rcp::events::v1::ConfirmMeetingRequest* request,
                                           rcp::events::v1::Meeting* response) override;
  grpc::ServerUnaryReactor* PostponeMeeting(grpc::CallbackServerContext* context,
                                            const rcp::events::v1::PostponeMeetingRequest* request,
                                            rcp::events::v1::Meeting* response) override;
  grpc::ServerUnaryReactor* RescheduleMeeting(grpc::CallbackServerContext* context,
                                              const rcp::events::v1::RescheduleMeetingRequest* request,
                                              rcp::events::v1::Meeting* response) override;
  grpc::ServerUnaryReactor* CancelMeeting(grpc::CallbackServerContext* context,
                                          const rcp::events::v1::CancelMeetingRequest* request,
                                          rcp::events::v1::Meeting* response) override;
  grpc::ServerUnaryReactor* MarkMeetingHeld(grpc::CallbackServerContext* context,
                                            const rcp::events::v1::MarkMeetingHeldRequest* request,
                                            rcp::events::v1::Meeting* response) override;
  grpc::ServerUnaryReactor* ListMeetings(grpc::CallbackServerContext* context,
                                         const rcp::events::v1::ListMeetingsRequest* request,
                                         rcp::events::v1::ListMeetingsResponse* response) override;
  grpc::ServerUnaryReactor* SyncMeetings(grpc::CallbackServerContext* context,
                                         const rcp::events::v1::SyncMeetingsRequest* request,
                                         rcp::events::v1::SyncMeetingsResponse* response) override;
  grpc::ServerUnaryReactor* ExportCalendar(grpc::CallbackServerContext* context,
                                           const rcp::events::v1::ExportCalendarRequest* request,
                                           rcp::events::v1::ExportCalendarResponse* response) override;

 private:
  using Async = rcp::events::v1::Events::StubInterface::async_interface;
  Async* async() { return f_.deps().upstream->events()->async(); }

  upstream::Forwarder f_;
};

}  // namespace rcp::gateway

#endif  // RCP_SERVICES_GATEWAY_PUBLIC_PUBLIC_EVENTS_H_
