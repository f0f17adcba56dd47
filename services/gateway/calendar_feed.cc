#include "services/gateway/calendar_feed.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/crypto/crypto.h"
#include "services/gateway/gateway_service.h"

namespace rcp::gateway {

CalendarFeed::CalendarFeed(Authenticator* auth, PublicEvents* events, const GatewayOptions* options)
    : auth_(auth), events_(events), options_(options) {}

CalendarFeed::~CalendarFeed() { Stop(); }

absl::Status CalendarFeed::Start(const std::string& address) {
  server_ = std::make_unique<httplib::Server>();
  server_->Get(R"(/calendar/([a-z2-7]{1,40})/([0-9a-f]{1,64})\.ics)", [this](const httplib::Request& req,
                                                                             httplib::Response& res) {
    std::string key_name = absl::StrCat("apiKeys/", req.matches[1].str());
    std::vector<std::string> processes;
    if (req.has_param("processes")) {
      for (absl::string_view id : absl::StrSplit(req.get_param_value("processes"), ',', absl::SkipEmpty())) {
        processes.push_back(absl::StrCat("processes/", id));
      }
    }
    // Unsigned, revoked and expired look alike: 404, nothing leaks.
    auto not_found = [&] {
      res.status = 404;
      res.set_content("no such calendar\n", "text/plain; charset=utf-8");
    };
    if (!crypto::ConstantTimeEquals(req.matches[2].str(),
                                    CalendarSignature(options_->calendar_secret, key_name, processes))) {
      return not_found();
    }
    auto principal = auth_->ResolveKeyName(key_name);
    if (!principal.ok()) {
      if (absl::IsUnauthenticated(principal.status())) return not_found();
      res.status = 503;
      res.set_content("the calendar is unavailable; try again later\n", "text/plain; charset=utf-8");
      return;
    }
    rcp::events::v1::ExportCalendarRequest export_req;
    for (const auto& p : processes) export_req.mutable_filter()->add_processes(p);
    auto body = events_->RenderFor(**principal, export_req, nullptr);
    if (!body.ok()) {
      res.status = absl::IsInvalidArgument(body.status()) || absl::IsOutOfRange(body.status()) ? 400 : 503;
      res.set_content(std::string(body.status().message()) + "\n", "text/plain; charset=utf-8");
      return;
    }
    res.set_header("Cache-Control", "private, max-age=300");
    res.set_content(*body, "text/calendar; charset=utf-8");
  });
  std::string host = address.substr(0, address.rfind(':'));
  int port = std::stoi(address.substr(address.rfind(':') + 1));
  if (port == 0) {
    port_ = server_->bind_to_any_port(host);
  } else {
    port_ = server_->bind_to_port(host, port) ? port : -1;
  }
  if (port_ <= 0) return absl::UnavailableError(absl::StrCat("calendar_listen: cannot listen on ", address));
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  spdlog::info("msg=\"calendar feed listening\" address={}:{}", host, port_);
  return absl::OkStatus();
}

void CalendarFeed::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace rcp::gateway
