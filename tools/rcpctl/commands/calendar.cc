#include "tools/rcpctl/commands/calendar.h"

#include <fstream>
#include <memory>

namespace rcp::rcpctl {

namespace events = ::rcp::events::v1;
namespace gateway = ::rcp::gateway::v1;

grpc::Status CalendarExport(Client& client, const Output& o, const std::vector<std::string>& processes,
                            const std::string& output_file) {
  events::ExportCalendarRequest req;
  for (const auto& p : processes) req.mutable_filter()->add_processes(ProcessName(p));
  events::ExportCalendarResponse response;
  RCPCTL_RETURN_IF_ERROR(
      client.Unary([&](auto* c) { return client.events().ExportCalendar(c, req, &response); }));
  if (output_file.empty()) {
    *o.out << response.body();
    o.out->flush();
    return grpc::Status::OK;
  }
  std::ofstream file(output_file, std::ios::binary | std::ios::trunc);
  file << response.body();
  file.close();
  if (!file) return grpc::Status(grpc::StatusCode::UNKNOWN, absl::StrCat("cannot write ", output_file));
  if (o.json) {
    response.clear_body();
    return PrintJson(o, response);
  }
  *o.out << "Saved the calendar to " << output_file << " ("
         << FormatBytes(static_cast<int64_t>(response.body().size())) << ")\n";
  return grpc::Status::OK;
}

grpc::Status CalendarUrl(Client& client, const Output& o, const std::vector<std::string>& processes) {
  gateway::GetCalendarUrlRequest req;
  for (const auto& p : processes) req.add_processes(ProcessName(p));
  gateway::CalendarUrl url;
  RCPCTL_RETURN_IF_ERROR(
      client.Unary([&](auto* c) { return client.gateway().GetCalendarUrl(c, req, &url); }));
  if (o.json) return PrintJson(o, url);
  *o.out << url.url() << "\n";
  return grpc::Status::OK;
}

void RegisterCalendarCommands(Commands& commands) {
  CLI::App* calendar = commands.AddGroup("calendar", "the iCalendar feed");
  auto processes = std::make_shared<std::vector<std::string>>();
  auto output_file = std::make_shared<std::string>();
  CLI::App* e = commands.Add(calendar, "export", "write the iCalendar (RFC 5545) of the meetings you may see",
                             [processes, output_file](Client& c, const Output& o) {
                               return CalendarExport(c, o, *processes, *output_file);
                             });
  Repeated(e, "--process", *processes, "process id (repeat); default: all");
  e->add_option("-o,--output", *output_file, "file to write (default: stdout)");

  CLI::App* u =
      commands.Add(calendar, "url", "print the secret URL of your calendar feed (for calendar apps)",
                   [processes](Client& c, const Output& o) { return CalendarUrl(c, o, *processes); });
  Repeated(u, "--process", *processes, "process id (repeat); default: all");
}

}  // namespace rcp::rcpctl
