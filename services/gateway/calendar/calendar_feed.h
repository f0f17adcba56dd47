// The calendar feed over HTTP (see feed_urls.h for its addresses): a GET of
// a signed URL answers the iCalendar of what the key may see, through the
// same policy and the same ExportCalendar as the gRPC API — one path that
// renders a caller's calendar, with one limit. A revoked or expired key's
// URL stops working with it; unsigned, revoked and expired look alike (404).
#ifndef RCP_SERVICES_GATEWAY_CALENDAR_CALENDAR_FEED_H_
#define RCP_SERVICES_GATEWAY_CALENDAR_CALENDAR_FEED_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "services/gateway/access/authenticator.h"
#include "services/gateway/calendar/feed_urls.h"
#include "services/gateway/upstream/forwarder.h"

namespace httplib {
class Server;
}

namespace rcp::gateway::calendar {

class CalendarFeed {
 public:
  // `urls` is not owned.
  CalendarFeed(upstream::Deps deps, const FeedUrls* urls);
  ~CalendarFeed();

  // Listens on host:port (port 0 = any); the bound port is then port().
  absl::Status Start(const std::string& address);
  void Stop();
  int port() const { return port_; }

 private:
  upstream::Forwarder events_;
  const FeedUrls* urls_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace rcp::gateway::calendar

#endif  // RCP_SERVICES_GATEWAY_CALENDAR_CALENDAR_FEED_H_
