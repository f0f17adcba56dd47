// Gateway.Subscribe: one server stream per subscriber, fed from the hub's
// shared logs (feed_hub.h) with what the subscriber may see
// (delivery.h), resumable by cursor. A stream costs no thread: it is woken
// by the hub, writes one message at a time, and sends a heartbeat with a
// fresh cursor when idle. Its key is authenticated again every
// authentication TTL, so a stream never outlives its key's revocation or
// keeps rights its party lost.
#ifndef RCP_SERVICES_GATEWAY_SUBSCRIBE_SUBSCRIPTIONS_H_
#define RCP_SERVICES_GATEWAY_SUBSCRIBE_SUBSCRIPTIONS_H_

#include <atomic>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "rcp/gateway/v1/gateway.grpc.pb.h"
#include "services/gateway/subscribe/feed_hub.h"
#include "services/gateway/upstream/forwarder.h"

namespace rcp::gateway::subscribe {

class Subscriber;

// Thread-safe.
class Subscriptions {
 public:
  // None is owned. `forwarder` serves rcp.gateway.v1.Gateway (Subscribe's
  // rule is looked up there); `clock` times heartbeats and re-checks.
  Subscriptions(FeedHub* hub, upstream::Forwarder* forwarder, Clock* clock, absl::Duration heartbeat);

  grpc::ServerWriteReactor<rcp::gateway::v1::SubscribeResponse>* Open(
      grpc::CallbackServerContext* context, const rcp::gateway::v1::SubscribeRequest* request);

  // Ends every subscription with UNAVAILABLE (shutdown); clients resume
  // with their cursor.
  void CloseAll();
  size_t count() const;

  // Sends heartbeats to idle subscribers and authenticates open streams
  // again when due; called every second by main.
  void Tick();

 private:
  std::vector<std::shared_ptr<Subscriber>> Live() const;

  FeedHub* hub_;
  upstream::Forwarder* forwarder_;
  Clock* clock_;
  absl::Duration heartbeat_;
  mutable absl::Mutex mu_;
  mutable std::vector<std::weak_ptr<Subscriber>> subscribers_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<std::atomic<bool>> recheck_running_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace rcp::gateway::subscribe

#endif  // RCP_SERVICES_GATEWAY_SUBSCRIBE_SUBSCRIPTIONS_H_
