// rcp.gateway.v1.Gateway: WhoAmI, the merged Subscribe feed, and calendar
// feed URLs.
#ifndef RCP_SERVICES_GATEWAY_GATEWAY_SERVICE_H_
#define RCP_SERVICES_GATEWAY_GATEWAY_SERVICE_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "rcp/gateway/v1/gateway.grpc.pb.h"
#include "services/gateway/feed_hub.h"
#include "services/gateway/forward.h"

namespace rcp::gateway {

// Signs and checks calendar feed paths: /calendar/<key id>/<signature>.ics,
// the signature an HMAC of the key name (and process filter) with the
// gateway's secret.
std::string CalendarSignature(const std::string& secret, const std::string& key_name,
                              const std::vector<std::string>& processes);

class Subscriber;

class GatewayService final : public rcp::gateway::v1::Gateway::CallbackService {
 public:
  // `hub` is not owned.
  GatewayService(Deps deps, FeedHub* hub) : f_(deps), hub_(hub) {}

  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* context, const v1::WhoAmIRequest* request,
                                   rcp::registry::v1::Principal* response) override;
  grpc::ServerWriteReactor<v1::SubscribeResponse>* Subscribe(grpc::CallbackServerContext* context,
                                                             const v1::SubscribeRequest* request) override;
  grpc::ServerUnaryReactor* GetCalendarUrl(grpc::CallbackServerContext* context,
                                           const v1::GetCalendarUrlRequest* request,
                                           v1::CalendarUrl* response) override;

  // Ends every subscription with UNAVAILABLE (shutdown); clients resume
  // with their cursor.
  void CloseSubscriptions();
  size_t subscriber_count() const;

  // Sends heartbeats to idle subscribers, and authenticates open streams
  // again every auth_cache_ttl (a revoked key's stream ends); called every
  // second by main.
  void Tick();

 private:
  std::vector<std::shared_ptr<Subscriber>> LiveSubscribers() const;

  Forwarder f_;
  FeedHub* hub_;
  mutable std::mutex subscribers_mu_;
  mutable std::vector<std::weak_ptr<Subscriber>> subscribers_;
  std::shared_ptr<std::atomic<bool>> recheck_running_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace rcp::gateway

#endif  // RCP_SERVICES_GATEWAY_GATEWAY_SERVICE_H_
