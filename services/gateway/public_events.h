// rcp.events.v1.Events as the gateway serves it (rules: policy.cc): reads
// return only meetings the caller may see; changes need the secretariat or
// the chair of every process of the meeting. Watch is internal.
#ifndef RCP_SERVICES_GATEWAY_PUBLIC_EVENTS_H_
#define RCP_SERVICES_GATEWAY_PUBLIC_EVENTS_H_

#include "rcp/events/v1/events.grpc.pb.h"
#include "services/gateway/forward.h"

namespace rcp::gateway {

class PublicEvents final : public rcp::events::v1::Events::CallbackService {
 public:
  explicit PublicEvents(Deps deps) : f_(deps) {}

#define RCP_GATEWAY_METHOD(Method, Request, Response)                       \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context,    \
                                   const rcp::events::v1::Request* request, \
                                   rcp::events::v1::Response* response) override;
  RCP_GATEWAY_METHOD(CreateMeeting, CreateMeetingRequest, Meeting)
  RCP_GATEWAY_METHOD(GetMeeting, GetMeetingRequest, Meeting)
  RCP_GATEWAY_METHOD(UpdateMeeting, UpdateMeetingRequest, Meeting)
  RCP_GATEWAY_METHOD(ConfirmMeeting, ConfirmMeetingRequest, Meeting)
  RCP_GATEWAY_METHOD(PostponeMeeting, PostponeMeetingRequest, Meeting)
  RCP_GATEWAY_METHOD(RescheduleMeeting, RescheduleMeetingRequest, Meeting)
  RCP_GATEWAY_METHOD(CancelMeeting, CancelMeetingRequest, Meeting)
  RCP_GATEWAY_METHOD(MarkMeetingHeld, MarkMeetingHeldRequest, Meeting)
  RCP_GATEWAY_METHOD(ListMeetings, ListMeetingsRequest, ListMeetingsResponse)
  RCP_GATEWAY_METHOD(SyncMeetings, SyncMeetingsRequest, SyncMeetingsResponse)
  RCP_GATEWAY_METHOD(ExportCalendar, ExportCalendarRequest, ExportCalendarResponse)
#undef RCP_GATEWAY_METHOD

  // The calendar of what `p` may see: every matching meeting, rendered as
  // iCalendar (shared by ExportCalendar and the HTTP feed).
  absl::StatusOr<std::string> RenderFor(const policy::Principal& p,
                                        const rcp::events::v1::ExportCalendarRequest& req,
                                        const grpc::ServerContextBase* client);

 private:
  rcp::events::v1::Events::Stub* stub() { return f_.upstream()->events(); }
  // The meeting `name` when `p` may see it (else NOT_FOUND) and change it
  // (else PERMISSION_DENIED).
  absl::StatusOr<rcp::events::v1::Meeting> Writable(const policy::Principal& p, const std::string& name,
                                                    const grpc::ServerContextBase* client);
  Forwarder f_;
};

}  // namespace rcp::gateway

#endif  // RCP_SERVICES_GATEWAY_PUBLIC_EVENTS_H_
