// The gateway's HTTP port: the calendar feed, the JSON API and (next) the
// portal share one listener. cpp-httplib holds a thread for each open
// connection, so the pool, the body limit and the timeouts are bounded by
// the operator (HttpPortOptions), so that a few slow clients cannot hold
// every thread.
#ifndef RCP_SERVICES_GATEWAY_WEB_HTTP_PORT_H_
#define RCP_SERVICES_GATEWAY_WEB_HTTP_PORT_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace httplib {
class Server;
}
namespace prometheus {
class Registry;
}

namespace rcp::gateway::web {

struct HttpPortOptions {
  int threads = 32;
  int64_t max_body_bytes = int64_t{1} << 20;
  // A request must arrive, and a response be taken, within these.
  absl::Duration read_timeout = absl::Seconds(10);
  absl::Duration write_timeout = absl::Seconds(10);
  // An idle keep-alive connection is closed after this.
  absl::Duration keep_alive_timeout = absl::Seconds(5);
};

class HttpPort {
 public:
  explicit HttpPort(HttpPortOptions options);
  ~HttpPort();

  // Binds host:port (port 0 = any); the bound port is then port(). Routes
  // are registered on server() after Bind and before Serve.
  absl::Status Bind(const std::string& address);
  httplib::Server& server() { return *server_; }
  // Answers 421 (Misdirected Request) to a request whose Host is not
  // `authority` ("host" or "host:port" of the public URL), so that a page of
  // another name (DNS rebinding) cannot read ours. Before Serve.
  void RequireHost(const std::string& authority);
  int port() const { return port_; }

  // Counts every answer in rcp_http_requests_total by route ("api",
  // "events", "openapi", "calendar", "other") and status. Before Serve.
  void ExportMetrics(prometheus::Registry* registry);

  // Serves on a thread of its own and logs the address.
  void Serve();
  // Stops accepting, finishes the requests in progress. Idempotent.
  void Stop();

 private:
  HttpPortOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::string host_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace rcp::gateway::web

#endif  // RCP_SERVICES_GATEWAY_WEB_HTTP_PORT_H_
