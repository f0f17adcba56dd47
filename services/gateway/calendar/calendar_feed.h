// The calendar feed over HTTP (see feed_urls.h for its addresses): a GET of
// a signed URL answers the iCalendar of what the key may see, through the
// same policy and the same ExportCalendar as the gRPC API — one path that
// renders a caller's calendar, with one limit. A revoked or expired key's
// URL stops working with it; unsigned, revoked and expired look alike (404).
#ifndef RCP_SERVICES_GATEWAY_CALENDAR_CALENDAR_FEED_H_
#define RCP_SERVICES_GATEWAY_CALENDAR_CALENDAR_FEED_H_

#include <string>

#include "absl/status/status.h"
#include "services/gateway/access/authenticator.h"
#include "services/gateway/calendar/feed_urls.h"
#include "services/gateway/upstream/forwarder.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace rcp::gateway::calendar {

class CalendarFeed {
 public:
  // `urls` is not owned.
  CalendarFeed(upstream::Deps deps, const FeedUrls* urls);

  // Serves /calendar/<key>/<signature>.ics on `server` (the gateway's HTTP
  // port, web/http_port.h).
  void Register(httplib::Server& server);

 private:
  void Serve(const httplib::Request& req, httplib::Response& res);

  upstream::Forwarder events_;
  const FeedUrls* urls_;
};

}  // namespace rcp::gateway::calendar

#endif  // RCP_SERVICES_GATEWAY_CALENDAR_CALENDAR_FEED_H_
