#include "services/gateway/public_events.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/audience/audience.h"
#include "common/resource/resource.h"
#include "common/time/clock.h"
#include "common/ical/ical.h"

namespace rcp::gateway {

namespace v1 = ::rcp::events::v1;

namespace {
bool Visible(const policy::Principal& p, const v1::Meeting& m) {
  return policy::CanSee(p, m.processes(), m.visibility(), m.restricted_parties());
}
template <typename Items>
void KeepVisible(const policy::Principal& p, Items* items) {
  items->erase(
      std::remove_if(items->begin(), items->end(), [&](const v1::Meeting& m) { return !Visible(p, m); }),
      items->end());
}
}  // namespace

absl::StatusOr<v1::Meeting> PublicEvents::Writable(const policy::Principal& p, const std::string& name,
                                                   const grpc::ServerContextBase* client) {
  v1::GetMeetingRequest get;
  get.set_name(name);
  v1::Meeting m;
  RCP_RETURN_IF_ERROR(
      f_.Read(p, client, [&](grpc::ClientContext* c) { return stub()->GetMeeting(c, get, &m); }));
  if (!Visible(p, m)) return absl::NotFoundError(absl::StrCat(name, " not found"));
  RCP_RETURN_IF_ERROR(policy::CheckWriter(p, m.processes(), "name"));
  return m;
}

grpc::ServerUnaryReactor* PublicEvents::CreateMeeting(grpc::CallbackServerContext* context,
                                                      const v1::CreateMeetingRequest* request,
                                                      v1::Meeting* response) {
  auto* stub = this->stub();
  return f_.ServeWrite(
      context, request, response,
      [request](const policy::Principal& p) {
        return policy::CheckWriter(p, request->meeting().processes(), "meeting.processes");
      },
      RCP_UPSTREAM_CALL(stub, CreateMeeting));
}

grpc::ServerUnaryReactor* PublicEvents::GetMeeting(grpc::CallbackServerContext* context,
                                                   const v1::GetMeetingRequest* request,
                                                   v1::Meeting* response) {
  auto* stub = this->stub();
  return f_.ServeRead(context, request, response, RCP_UPSTREAM_CALL(stub, GetMeeting),
                      [request](const policy::Principal& p, v1::Meeting* m) -> absl::Status {
                        if (!Visible(p, *m))
                          return absl::NotFoundError(absl::StrCat(request->name(), " not found"));
                        return absl::OkStatus();
                      });
}

grpc::ServerUnaryReactor* PublicEvents::UpdateMeeting(grpc::CallbackServerContext* context,
                                                      const v1::UpdateMeetingRequest* request,
                                                      v1::Meeting* response) {
  return f_.Serve(context, [=](const policy::Principal& p) -> absl::Status {
    RCP_RETURN_IF_ERROR(Writable(p, request->meeting().name(), context).status());
    for (const auto& path : request->update_mask().paths()) {
      if (path == "processes") {
        RCP_RETURN_IF_ERROR(policy::CheckWriter(p, request->meeting().processes(), "meeting.processes"));
      }
    }
    return f_.Write(p, context,
                    [&](grpc::ClientContext* c) { return stub()->UpdateMeeting(c, *request, response); });
  });
}

#define RCP_GATEWAY_LIFECYCLE(Method, Request)                                                        \
  grpc::ServerUnaryReactor* PublicEvents::Method(grpc::CallbackServerContext* context,                \
                                                 const v1::Request* request, v1::Meeting* response) { \
    return f_.Serve(context, [=](const policy::Principal& p) -> absl::Status {                        \
      RCP_RETURN_IF_ERROR(Writable(p, request->name(), context).status());                            \
      return f_.Write(p, context,                                                                     \
                      [&](grpc::ClientContext* c) { return stub()->Method(c, *request, response); }); \
    });                                                                                               \
  }
RCP_GATEWAY_LIFECYCLE(ConfirmMeeting, ConfirmMeetingRequest)
RCP_GATEWAY_LIFECYCLE(PostponeMeeting, PostponeMeetingRequest)
RCP_GATEWAY_LIFECYCLE(RescheduleMeeting, RescheduleMeetingRequest)
RCP_GATEWAY_LIFECYCLE(CancelMeeting, CancelMeetingRequest)
RCP_GATEWAY_LIFECYCLE(MarkMeetingHeld, MarkMeetingHeldRequest)
#undef RCP_GATEWAY_LIFECYCLE

grpc::ServerUnaryReactor* PublicEvents::ListMeetings(grpc::CallbackServerContext* context,
                                                     const v1::ListMeetingsRequest* request,
                                                     v1::ListMeetingsResponse* response) {
  auto* stub = this->stub();
  return f_.ServeRead(context, request, response, RCP_UPSTREAM_CALL(stub, ListMeetings),
                      [](const policy::Principal& p, v1::ListMeetingsResponse* resp) -> absl::Status {
                        // A page may come back shorter; its token stays valid (AIP-158).
                        KeepVisible(p, resp->mutable_meetings());
                        return absl::OkStatus();
                      });
}

grpc::ServerUnaryReactor* PublicEvents::SyncMeetings(grpc::CallbackServerContext* context,
                                                     const v1::SyncMeetingsRequest* request,
                                                     v1::SyncMeetingsResponse* response) {
  return f_.Serve(context, [=](const policy::Principal& p) -> absl::Status {
    // The service filters for the viewer and names as removed only what it
    // had.
    return f_.Read(p, context, [&](grpc::ClientContext* c) {
      c->AddMetadata(audience::kViewerHeader, p.SerializeAsString());
      return stub()->SyncMeetings(c, *request, response);
    });
  });
}

absl::StatusOr<std::string> PublicEvents::RenderFor(const policy::Principal& p,
                                                    const v1::ExportCalendarRequest& req,
                                                    const grpc::ServerContextBase* client) {
  constexpr int kMaxMeetings = 10000;
  RCP_RETURN_IF_ERROR(rcp::resource::ValidateText("calendar_name", req.calendar_name(), 0, 200));
  std::vector<v1::Meeting> meetings;
  v1::ListMeetingsRequest list;
  *list.mutable_filter() = req.filter();
  list.set_page_size(1000);
  do {
    v1::ListMeetingsResponse page;
    RCP_RETURN_IF_ERROR(
        f_.Read(p, client, [&](grpc::ClientContext* c) { return stub()->ListMeetings(c, list, &page); }));
    for (auto& m : *page.mutable_meetings()) {
      if (Visible(p, m)) meetings.push_back(std::move(m));
    }
    if (meetings.size() > kMaxMeetings) {
      return absl::OutOfRangeError(absl::StrCat("filter: matches more than ", kMaxMeetings,
                                                " meetings; narrow it (processes, start_time/end_time)"));
    }
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  rcp::ical::IcalOptions ical;
  ical.deployment_id = f_.deps().options->deployment_id;
  if (!req.calendar_name().empty()) ical.calendar_name = req.calendar_name();
  ical.now = Clock::Real()->Now();
  return rcp::ical::RenderCalendar(meetings, ical);
}

grpc::ServerUnaryReactor* PublicEvents::ExportCalendar(grpc::CallbackServerContext* context,
                                                       const v1::ExportCalendarRequest* request,
                                                       v1::ExportCalendarResponse* response) {
  return f_.Serve(context, [=](const policy::Principal& p) -> absl::Status {
    RCP_ASSIGN_OR_RETURN(std::string body, RenderFor(p, *request, context));
    response->set_content_type("text/calendar; charset=utf-8");
    response->set_body(std::move(body));
    return absl::OkStatus();
  });
}

}  // namespace rcp::gateway
