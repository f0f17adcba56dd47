#include "services/gateway/calendar/calendar_feed.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "rcp/events/v1/events.grpc.pb.h"

namespace rcp::gateway::calendar {

namespace ev = ::rcp::events::v1;

CalendarFeed::CalendarFeed(upstream::Deps deps, const FeedUrls* urls)
    : events_(deps, ev::Events::service_full_name()), urls_(urls) {}

void CalendarFeed::Register(httplib::Server& server) {
  server.Get(R"(/calendar/([a-z2-7]{1,40})/([0-9a-f]{1,64})\.ics)",
             [this](const httplib::Request& req, httplib::Response& res) { Serve(req, res); });
}

void CalendarFeed::Serve(const httplib::Request& req, httplib::Response& res) {
  std::string key_name = absl::StrCat("apiKeys/", req.matches[1].str());
  std::vector<std::string> processes;
  if (req.has_param("processes")) {
    for (absl::string_view id : absl::StrSplit(req.get_param_value("processes"), ',', absl::SkipEmpty())) {
      processes.push_back(absl::StrCat("processes/", id));
    }
  }
  auto not_found = [&] {
    res.status = 404;
    res.set_content("no such calendar\n", "text/plain; charset=utf-8");
  };
  if (!urls_->Verify(key_name, processes, req.matches[2].str())) return not_found();
  auto principal = events_.deps().auth->ResolveKeyName(key_name);
  if (!principal.ok()) {
    if (absl::IsUnauthenticated(principal.status())) return not_found();
    res.status = 503;
    res.set_content("the calendar is unavailable; try again later\n", "text/plain; charset=utf-8");
    return;
  }
  ev::ExportCalendarRequest export_req;
  for (const auto& p : processes) export_req.mutable_filter()->add_processes(p);
  ev::ExportCalendarResponse calendar;
  absl::Status s = events_.Call("ExportCalendar", **principal, export_req, &calendar,
                                events_.deps().upstream->events()->async(),
                                &ev::Events::StubInterface::async_interface::ExportCalendar);
  if (!s.ok()) {
    res.status = absl::IsInvalidArgument(s) || absl::IsOutOfRange(s) ? 400 : 503;
    res.set_content(absl::StrCat(s.message(), "\n"), "text/plain; charset=utf-8");
    return;
  }
  res.set_header("Cache-Control", "private, max-age=300");
  res.set_content(calendar.body(), calendar.content_type());
}

}  // namespace rcp::gateway::calendar
