#include "services/gateway/web/portal/sign_in.h"

#include <httplib.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/crypto/crypto.h"

namespace rcp::gateway::web::portal {

namespace {
constexpr size_t kCsrfSecretBytes = 32;
constexpr size_t kMaxNext = 1000;
}  // namespace

std::string Cookies::Set(const std::string& name, const std::string& value, absl::Duration lifetime) const {
  return absl::StrCat(name, "=", value, "; Path=/; Max-Age=", absl::ToInt64Seconds(lifetime),
                      "; HttpOnly; SameSite=Lax", https_ ? "; Secure" : "");
}

std::string CookieValue(const httplib::Request& req, absl::string_view name) {
  // RFC 6265 §5.4: "name=value" pairs joined by "; ". The first of a name
  // wins: with the __Host- prefix no other can be set beside ours.
  for (absl::string_view pair : absl::StrSplit(req.get_header_value("Cookie"), ';')) {
    pair = absl::StripAsciiWhitespace(pair);
    if (absl::ConsumePrefix(&pair, name) && absl::ConsumePrefix(&pair, "=")) return std::string(pair);
  }
  return "";
}

std::string NewCsrfSecret() { return crypto::RandomToken(kCsrfSecretBytes); }

std::string MaskedCsrfToken(const std::string& secret) {
  std::string mask = crypto::RandomBytes(secret.size());
  std::string masked = mask;
  for (size_t i = 0; i < secret.size(); ++i) masked[i] = static_cast<char>(mask[i] ^ secret[i]);
  return absl::WebSafeBase64Escape(absl::StrCat(mask, masked));
}

bool CsrfTokenMatches(absl::string_view token, absl::string_view secret) {
  std::string raw;
  if (secret.empty() || token.size() > 400 || !absl::WebSafeBase64Unescape(token, &raw) ||
      raw.size() != 2 * secret.size()) {
    return false;
  }
  std::string unmasked(secret.size(), '\0');
  for (size_t i = 0; i < secret.size(); ++i) unmasked[i] = static_cast<char>(raw[i] ^ raw[secret.size() + i]);
  return crypto::ConstantTimeEquals(unmasked, secret);
}

bool SameOrigin(const httplib::Request& req, absl::string_view origin) {
  // Our pages' Referrer-Policy: no-referrer makes browsers send "Origin:
  // null" with their forms (Fetch §3.2.5); Sec-Fetch-Site, which no page can
  // set, then tells.
  const std::string sent = req.get_header_value("Origin");
  if (!sent.empty() && sent != "null") return sent == origin;
  return req.get_header_value("Sec-Fetch-Site") == "same-origin";
}

std::string SafeNext(absl::string_view next, absl::string_view lang) {
  const std::string home = absl::StrCat("/", lang, "/");
  const bool own = next.size() <= kMaxNext &&
                   (absl::StartsWith(next, "/en/") || absl::StartsWith(next, "/fr/") ||
                    absl::StartsWith(next, "/es/")) &&
                   !absl::StrContains(next, "//") && !absl::StrContains(next, "\\") &&
                   std::none_of(next.begin(), next.end(), [](char c) {
                     return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
                   });
  return own ? std::string(next) : home;
}

}  // namespace rcp::gateway::web::portal
