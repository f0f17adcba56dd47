// The calendar feed over HTTP: calendar apps (Outlook, Google Calendar,
// Thunderbird) subscribe to a URL and cannot send headers, so the URL
// carries a signed key reference: GET /calendar/<key id>/<signature>.ics
// [?processes=a,b]. The feed shows what the key may see, as ExportCalendar
// does; a revoked or expired key's URL stops working with it.
#ifndef RCP_SERVICES_GATEWAY_CALENDAR_FEED_H_
#define RCP_SERVICES_GATEWAY_CALENDAR_FEED_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "services/gateway/authenticator.h"
#include "services/gateway/public_events.h"

namespace httplib {
class Server;
}

namespace rcp::gateway {

class CalendarFeed {
 public:
  // None is owned.
  CalendarFeed(Authenticator* auth, PublicEvents* events, const GatewayOptions* options);
  ~CalendarFeed();

  // Listens on host:port (port 0 = any); the bound port is then port().
  absl::Status Start(const std::string& address);
  void Stop();
  int port() const { return port_; }

 private:
  Authenticator* auth_;
  PublicEvents* events_;
  const GatewayOptions* options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace rcp::gateway

#endif  // RCP_SERVICES_GATEWAY_CALENDAR_FEED_H_
