// The gateway assembled in-process, as rcp-gatewayd's main assembles it,
// over FakeServices instead of the three daemons, on a real gRPC server on
// port 0, with a fake clock. What a test calls through NewChannel() runs
// through exactly the code that serves the public.
#ifndef RCP_TESTS_SERVICES_GATEWAY_GATEWAY_HARNESS_H_
#define RCP_TESTS_SERVICES_GATEWAY_GATEWAY_HARNESS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "common/concurrency/thread_pool.h"
#include "common/time/clock.h"
#include "services/gateway/access/authenticator.h"
#include "services/gateway/calendar/feed_urls.h"
#include "services/gateway/federation/federation_service.h"
#include "services/gateway/federation/keyring.h"
#include "services/gateway/gateway_options.h"
#include "services/gateway/gateway_service.h"
#include "services/gateway/public/public_documents.h"
#include "services/gateway/public/public_events.h"
#include "services/gateway/public/public_registry.h"
#include "services/gateway/subscribe/feed_hub.h"
#include "services/gateway/upstream/references.h"
#include "services/gateway/upstream/upstream.h"
#include "tests/services/gateway/fake_services.h"

namespace rcp::gateway::testing {

class GatewayHarness {
 public:
  // `fake` must outlive the harness. Callers without a key are admitted
  // (to what the policy opens to them) as by rcp-gatewayd's default.
  explicit GatewayHarness(FakeServices* fake,
                          access::AnonymousCallers anonymous = access::AnonymousCallers::kAdmitted);
  ~GatewayHarness();

  std::shared_ptr<grpc::Channel> NewChannel();
  FakeClock& clock() { return clock_; }
  subscribe::FeedHub& hub() { return hub_; }
  GatewayService& gateway() { return gateway_; }
  const upstream::Deps& deps() const { return deps_; }
  federation::KeyringManager& keyring() { return keyring_; }

 private:
  GatewayOptions options_;
  FakeClock clock_;
  std::unique_ptr<upstream::Upstream> upstream_;
  ThreadPool pool_{4};
  access::Authenticator auth_;
  upstream::References references_;
  upstream::Homes homes_;
  subscribe::FeedHub hub_;
  upstream::Deps deps_;
  PublicRegistry registry_;
  PublicEvents events_;
  PublicDocuments documents_;
  calendar::FeedUrls urls_;
  GatewayService gateway_;
  federation::KeyringManager keyring_;
  federation::FederationService federation_;
  federation::FederationAdminService federation_admin_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace rcp::gateway::testing

#endif  // RCP_TESTS_SERVICES_GATEWAY_GATEWAY_HARNESS_H_
