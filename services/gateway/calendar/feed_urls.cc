#include "services/gateway/calendar/feed_urls.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/crypto/crypto.h"
#include "common/resource/resource.h"
#include "common/status/status.h"

namespace rcp::gateway::calendar {
namespace {
// 160 bits of the HMAC: short enough for a URL, far beyond guessing.
constexpr size_t kSignatureHexDigits = 40;
}  // namespace

std::string FeedUrls::Sign(const std::string& key_name, const std::vector<std::string>& processes) const {
  return crypto::HmacSha256Hex(secret_, absl::StrCat(key_name, "\n", absl::StrJoin(processes, ",")))
      .substr(0, kSignatureHexDigits);
}

bool FeedUrls::Verify(const std::string& key_name, const std::vector<std::string>& processes,
                      const std::string& signature) const {
  return !secret_.empty() && crypto::ConstantTimeEquals(signature, Sign(key_name, processes));
}

absl::StatusOr<std::string> FeedUrls::UrlFor(const rcp::registry::v1::Principal& caller,
                                             const std::vector<std::string>& processes) const {
  if (!enabled()) {
    return absl::FailedPreconditionError(
        "the calendar feed is not enabled on this gateway (--http_listen)");
  }
  std::vector<std::string> ids;
  for (size_t i = 0; i < processes.size(); ++i) {
    RCP_ASSIGN_OR_RETURN(std::string id,
                         resource::ProcessId(absl::StrCat("processes[", i, "]"), processes[i]));
    ids.push_back(std::move(id));
  }
  std::string key_id = caller.api_key().substr(caller.api_key().find('/') + 1);
  std::string url =
      absl::StrCat(base_url_, "/calendar/", key_id, "/", Sign(caller.api_key(), processes), ".ics");
  if (!ids.empty()) absl::StrAppend(&url, "?processes=", absl::StrJoin(ids, ","));
  return url;
}

}  // namespace rcp::gateway::calendar
