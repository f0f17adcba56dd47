// The secret addresses of calendar feeds. Calendar apps (Outlook, Google
// Calendar, Thunderbird) subscribe to a URL and cannot send headers, so the
// URL carries a signed key reference:
//
//   <base>/calendar/<key id>/<signature>.ics[?processes=a,b]
//
// the signature an HMAC of the key's name and the process filter under the
// gateway's secret. Anyone holding the URL sees what the key sees; revoking
// the key revokes the URL.
#ifndef RCP_SERVICES_GATEWAY_CALENDAR_FEED_URLS_H_
#define RCP_SERVICES_GATEWAY_CALENDAR_FEED_URLS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "rcp/registry/v1/registry.pb.h"

namespace rcp::gateway::calendar {

// Thread-safe once set up (set_base_url before serving).
class FeedUrls {
 public:
  // `secret` must stay the same across restarts, or handed-out URLs stop
  // working. Empty: the feed is off.
  explicit FeedUrls(std::string secret) : secret_(std::move(secret)) {}

  // Where URLs point, e.g. "https://rcp.example.org" (no trailing '/').
  void set_base_url(std::string base_url) { base_url_ = std::move(base_url); }
  bool enabled() const { return !secret_.empty() && !base_url_.empty(); }

  // The feed URL of `caller`, showing `processes` ("processes/{id}") or,
  // when empty, everything it may see. FAILED_PRECONDITION when the feed is
  // off; INVALID_ARGUMENT naming processes[i] when malformed.
  absl::StatusOr<std::string> UrlFor(const rcp::registry::v1::Principal& caller,
                                     const std::vector<std::string>& processes) const;
  // Whether `signature` signs the feed of `key_name` ("apiKeys/…") and
  // `processes`; compared in constant time.
  bool Verify(const std::string& key_name, const std::vector<std::string>& processes,
              const std::string& signature) const;

 private:
  std::string Sign(const std::string& key_name, const std::vector<std::string>& processes) const;

  std::string secret_;
  std::string base_url_;
};

}  // namespace rcp::gateway::calendar

#endif  // RCP_SERVICES_GATEWAY_CALENDAR_FEED_URLS_H_
