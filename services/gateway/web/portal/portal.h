// The observer portal: server-rendered HTML pages that work without
// JavaScript, under /{en,fr,es}/ (the interface language is in the URL;
// "/" sends a visitor to the one its browser asks for). Pages are Mustache
// templates (libmstch, which escapes by default) compiled into the binary;
// a meeting's description is Markdown rendered by cmark-gfm with raw HTML
// refused, the one text a template may show unescaped.
//
// Every item comes from the gateway's own gRPC server through the
// in-process channel, as the caller (today: the anonymous caller, who sees
// PUBLIC items), so the one policy decides: an item the visitor may not
// see is the same 404 page, byte for byte, as an item that does not exist.
#ifndef RCP_SERVICES_GATEWAY_WEB_PORTAL_PORTAL_H_
#define RCP_SERVICES_GATEWAY_WEB_PORTAL_PORTAL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace rcp::gateway::web::portal {

struct PortalOptions {
  // --public_url: https there turns on HSTS.
  std::string public_url;
};

class Portal {
 public:
  Portal(std::shared_ptr<grpc::Channel> gateway, PortalOptions options);
  ~Portal();

  // Serves "/", the language trees and /static/ on `server`.
  void Register(httplib::Server& server);

 private:
  class Pages;
  std::unique_ptr<Pages> pages_;
};

// The security headers of every portal answer (CSP without inline script
// or style, no referrer, no framing), and its caching: a short public
// lifetime, varying on what could personalise it.
void SetPageHeaders(httplib::Response& res, bool https);

}  // namespace rcp::gateway::web::portal

#endif  // RCP_SERVICES_GATEWAY_WEB_PORTAL_PORTAL_H_
