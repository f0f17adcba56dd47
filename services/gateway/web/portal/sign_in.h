// The pieces of signing in to the portal that are pure rules, apart from
// the pages: cookies, CSRF tokens, the same-origin check of every POST and
// the `next` a sign-in returns to. Tested one by one (sign_in_test).
//
// A session lives in an HttpOnly, SameSite=Lax cookie: Lax, not Strict, so
// that a link followed from mail or chat arrives signed in; Lax still keeps
// the cookie off every cross-site POST. Over https the names take the
// __Host- prefix (Secure, Path=/, no Domain: no other host, nor plain
// http, can set or toss them).
#ifndef RCP_SERVICES_GATEWAY_WEB_PORTAL_SIGN_IN_H_
#define RCP_SERVICES_GATEWAY_WEB_PORTAL_SIGN_IN_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace httplib {
struct Request;
}

namespace rcp::gateway::web::portal {

class Cookies {
 public:
  explicit Cookies(bool https) : https_(https) {}

  std::string session_name() const { return https_ ? "__Host-rcp-session" : "rcp-session"; }
  std::string csrf_name() const { return https_ ? "__Host-rcp-csrf" : "rcp-csrf"; }

  // The Set-Cookie value that sets `name` to `value` for `lifetime`, or
  // removes it (an empty value, Max-Age=0).
  std::string Set(const std::string& name, const std::string& value, absl::Duration lifetime) const;
  std::string Remove(const std::string& name) const { return Set(name, "", absl::ZeroDuration()); }

 private:
  bool https_;
};

// The value of cookie `name` in the request's Cookie header; empty when
// absent.
std::string CookieValue(const httplib::Request& req, absl::string_view name);

// A fresh CSRF secret, for the CSRF cookie.
std::string NewCsrfSecret();
// The secret as a form's token: masked with new random bytes on every
// answer (so that a compressed page never repeats it: BREACH), URL-safe.
std::string MaskedCsrfToken(const std::string& secret);
// Whether `token` is a masking of `secret` (which must be non-empty).
bool CsrfTokenMatches(absl::string_view token, absl::string_view secret);

// Whether a POST comes from a page of `origin` ("https://host[:port]"):
// its Origin header is exactly that, or, without one (or with "null", what
// browsers send under no-referrer), Sec-Fetch-Site says "same-origin".
// Neither: refused.
bool SameOrigin(const httplib::Request& req, absl::string_view origin);

// Where a sign-in or sign-out sends the visitor: `next` when it is a path
// of the portal's own ("/{lang}/…": no scheme, no host, no "//", no
// backslash, no control characters, at most 1000 bytes), else the home
// page of `lang`. Never a redirect elsewhere.
std::string SafeNext(absl::string_view next, absl::string_view lang);

}  // namespace rcp::gateway::web::portal

#endif  // RCP_SERVICES_GATEWAY_WEB_PORTAL_SIGN_IN_H_
