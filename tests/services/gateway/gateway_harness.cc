#include "tests/services/gateway/gateway_harness.h"

#include "absl/strings/str_cat.h"

namespace rcp::gateway::testing {
namespace {

std::unique_ptr<upstream::Upstream> UpstreamOver(FakeServices* fake, const GatewayOptions& options) {
  return std::make_unique<upstream::Upstream>(fake->NewStubs(), options);
}

GatewayOptions Options() {
  GatewayOptions o;
  o.upstream_deadline = absl::Seconds(5);
  return o;
}

}  // namespace

GatewayHarness::GatewayHarness(FakeServices* fake, access::AnonymousCallers anonymous)
    : options_(Options()),
      clock_(absl::FromUnixSeconds(1800000000)),
      upstream_(UpstreamOver(fake, options_)),
      auth_(upstream_.get(), &clock_, absl::Seconds(10), anonymous),
      references_(upstream_.get()),
      homes_(upstream_.get(), "test.rcp", &clock_, absl::Seconds(10)),
      hub_(upstream_.get(), &pool_, 1000),
      deps_{upstream_.get(), &auth_, &references_, &homes_, &pool_},
      registry_(deps_),
      events_(deps_),
      documents_(deps_),
      urls_("a test secret"),
      gateway_(deps_, &hub_, &urls_, &clock_, absl::Seconds(15)),
      keyring_(upstream_.get(), "test.rcp", std::string(federation::kSealingKeySize, 'k'), &clock_),
      federation_(deps_, &keyring_, nullptr),
      federation_admin_(deps_, &keyring_) {
  urls_.set_base_url("https://rcp.example.org");
  // The fake services are in this process: neither can fail.
  if (!hub_.Start().ok() || !keyring_.Load().ok()) std::abort();
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(&registry_);
  builder.RegisterService(&events_);
  builder.RegisterService(&documents_);
  builder.RegisterService(&gateway_);
  builder.RegisterService(&federation_);
  builder.RegisterService(&federation_admin_);
  server_ = builder.BuildAndStart();
}

GatewayHarness::~GatewayHarness() {
  gateway_.subscriptions().CloseAll();
  hub_.Stop();
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
}

std::shared_ptr<grpc::Channel> GatewayHarness::NewChannel() {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials());
}

}  // namespace rcp::gateway::testing
