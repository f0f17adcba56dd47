// The observer portal: server-rendered HTML pages that work without
// JavaScript, under /{en,fr,es}/ (the interface language is in the URL;
// "/" sends a visitor to the one its browser asks for). Pages are Mustache
// templates (libmstch, which escapes by default) compiled into the binary;
// a meeting's description is Markdown rendered by cmark-gfm with raw HTML
// refused, the one text a template may show unescaped.
//
// Every item comes from the gateway's own gRPC server through the
// in-process channel, as the visitor: anonymous (who sees PUBLIC items),
// or signed in with an API key, through a read-only session
// (SignIns::AuthorizationOf, access/authenticator.h). So the one
// policy decides: an item the visitor may not see is the same 404 page,
// byte for byte, as an item that does not exist.
//
// Every POST (sign-in included) needs a same-origin Origin (or
// Sec-Fetch-Site) and the CSRF token of its form (sign_in.h). Pages for a
// signed-in visitor are no-store; public ones are cached briefly.
#ifndef RCP_SERVICES_GATEWAY_WEB_PORTAL_PORTAL_H_
#define RCP_SERVICES_GATEWAY_WEB_PORTAL_PORTAL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/gateway/web/downloads.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace rcp::gateway::web::portal {

struct PortalOptions {
  // The origin visitors use ("https://host[:port]", --public_url): https
  // turns on HSTS and Secure __Host- cookies; every POST must come from it.
  std::string public_url;
  // How long a session lasts (as access::WebSessionLimits), for its
  // cookie's lifetime and the account page.
  absl::Duration session_idle_timeout = absl::Minutes(30);
  absl::Duration session_max_lifetime = absl::Hours(12);
};

// Signing in and out. It is not a call of the gRPC API (a session is how
// the portal calls that API), so web/ asks the gateway's authenticator
// through this (main.cc adapts access::Authenticator).
class SignIns {
 public:
  virtual ~SignIns() = default;
  // A new session for `key`, ending `previous_session` when that is one:
  // the new session's id. UNAUTHENTICATED for a key that is not valid,
  // UNAVAILABLE when the registry cannot be asked.
  virtual absl::StatusOr<std::string> SignIn(const std::string& key, const std::string& previous_session) = 0;
  virtual absl::Status SignOut(const std::string& session) = 0;
  virtual absl::Status SignOutEverywhere(const std::string& session) = 0;
  // The authorization metadata of the portal's calls as `session`'s visitor
  // (which only this process can make: see access/authenticator.h).
  virtual std::string AuthorizationOf(const std::string& session) = 0;
};

class Portal {
 public:
  // `sign_ins` and `downloads` are not owned and must outlive the portal.
  Portal(std::shared_ptr<grpc::Channel> gateway, PortalOptions options, SignIns* sign_ins, Downloads* downloads);
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
