#include "services/gateway/gateway_service.h"

namespace rcp::gateway {

grpc::ServerUnaryReactor* GatewayService::WhoAmI(grpc::CallbackServerContext* context,
                                                 const v1::WhoAmIRequest* request,
                                                 rcp::registry::v1::Principal* response) {
  return f_.Local("WhoAmI", context, request, upstream::Forwarder::Work::kInline,
                  [response](const access::Principal& caller) {
                    *response = caller;
                    return absl::OkStatus();
                  });
}

grpc::ServerUnaryReactor* GatewayService::GetCalendarUrl(grpc::CallbackServerContext* context,
                                                         const v1::GetCalendarUrlRequest* request,
                                                         v1::CalendarUrl* response) {
  return f_.Local("GetCalendarUrl", context, request, upstream::Forwarder::Work::kInline,
                  [this, request, response](const access::Principal& caller) {
                    absl::StatusOr<std::string> url = urls_->UrlFor(
                        caller,
                        std::vector<std::string>(request->processes().begin(), request->processes().end()));
                    if (!url.ok()) return url.status();
                    response->set_url(*url);
                    return absl::OkStatus();
                  });
}

grpc::ServerWriteReactor<v1::SubscribeResponse>* GatewayService::Subscribe(
    grpc::CallbackServerContext* context, const v1::SubscribeRequest* request) {
  return subscriptions_.Open(context, request);
}

}  // namespace rcp::gateway
