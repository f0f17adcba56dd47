#include "services/gateway/web/http_port.h"

#include <httplib.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace rcp::gateway::web {

HttpPort::HttpPort(HttpPortOptions options)
    : options_(options), server_(std::make_unique<httplib::Server>()) {
  int threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_payload_max_length(static_cast<size_t>(options_.max_body_bytes));
  // A response goes out as headers, then body: with Nagle's algorithm the
  // body waits for the client's delayed ACK, 40 ms on every keep-alive
  // request (measured by bench/http_bench).
  server_->set_tcp_nodelay(true);
  server_->set_read_timeout(absl::ToChronoMicroseconds(options_.read_timeout));
  server_->set_write_timeout(absl::ToChronoMicroseconds(options_.write_timeout));
  server_->set_keep_alive_timeout(
      std::max<time_t>(1, static_cast<time_t>(absl::ToInt64Seconds(options_.keep_alive_timeout))));
}

HttpPort::~HttpPort() { Stop(); }

absl::Status HttpPort::Bind(const std::string& address) {
  size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("http_listen: \"", address, "\" is not host:port"));
  }
  host_ = address.substr(0, colon);
  port_ = port == 0 ? server_->bind_to_any_port(host_) : (server_->bind_to_port(host_, port) ? port : -1);
  if (port_ <= 0) return absl::UnavailableError(absl::StrCat("http_listen: cannot listen on ", address));
  return absl::OkStatus();
}

void HttpPort::RequireHost(const std::string& authority) {
  server_->set_pre_routing_handler([authority](const httplib::Request& req, httplib::Response& res) {
    if (absl::AsciiStrToLower(req.get_header_value("Host")) == authority) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    res.status = 421;
    res.set_header("Cache-Control", "no-store");
    res.set_content(absl::StrCat("this server answers for ", authority, " only\n"), "text/plain; charset=utf-8");
    return httplib::Server::HandlerResponse::Handled;
  });
}

void HttpPort::ExportMetrics(prometheus::Registry* registry) {
  auto& requests = prometheus::BuildCounter()
                       .Name("rcp_http_requests_total")
                       .Help("answers of the gateway's HTTP port, by route and status")
                       .Register(*registry);
  server_->set_logger([&requests](const httplib::Request& req, const httplib::Response& res) {
    const std::string& path = req.path;
    const char* route = "other";
    if (path == "/v1/subscribe") {
      route = "events";
    } else if (path == "/v1/openapi.json") {
      route = "openapi";
    } else if (path.rfind("/v1/", 0) == 0) {
      route = "api";
    } else if (path.rfind("/calendar/", 0) == 0) {
      route = "calendar";
    }
    requests.Add({{"route", route}, {"code", std::to_string(res.status)}}).Increment();
  });
}

void HttpPort::Serve() {
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  spdlog::info("msg=listening service=gateway-http address={}:{} threads={} max_body_bytes={}", host_, port_,
               options_.threads, options_.max_body_bytes);
}

void HttpPort::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace rcp::gateway::web
