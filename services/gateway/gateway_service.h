// rcp.gateway.v1.Gateway, a thin adapter: WhoAmI answered from the
// caller's principal, Subscribe handed to the subscribe room, calendar feed
// URLs to the calendar room — each through the policy table.
#ifndef RCP_SERVICES_GATEWAY_GATEWAY_SERVICE_H_
#define RCP_SERVICES_GATEWAY_GATEWAY_SERVICE_H_

#include "rcp/gateway/v1/gateway.grpc.pb.h"
#include "services/gateway/calendar/feed_urls.h"
#include "services/gateway/subscribe/subscriptions.h"
#include "services/gateway/upstream/forwarder.h"

namespace rcp::gateway {

class GatewayService final : public rcp::gateway::v1::Gateway::CallbackService {
 public:
  // `urls` is not owned. The subscriptions follow `hub` (not owned).
  GatewayService(upstream::Deps deps, subscribe::FeedHub* hub, const calendar::FeedUrls* urls, Clock* clock,
                 absl::Duration heartbeat)
      : f_(deps, rcp::gateway::v1::Gateway::service_full_name()),
        subscriptions_(hub, &f_, clock, heartbeat),
        urls_(urls) {}

  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* context, const v1::WhoAmIRequest* request,
                                   rcp::registry::v1::Principal* response) override;
  grpc::ServerWriteReactor<v1::SubscribeResponse>* Subscribe(grpc::CallbackServerContext* context,
                                                             const v1::SubscribeRequest* request) override;
  grpc::ServerUnaryReactor* GetCalendarUrl(grpc::CallbackServerContext* context,
                                           const v1::GetCalendarUrlRequest* request,
                                           v1::CalendarUrl* response) override;

  subscribe::Subscriptions& subscriptions() { return subscriptions_; }

 private:
  upstream::Forwarder f_;
  subscribe::Subscriptions subscriptions_;
  const calendar::FeedUrls* urls_;
};

}  // namespace rcp::gateway

#endif  // RCP_SERVICES_GATEWAY_GATEWAY_SERVICE_H_
