// The portal's interface languages (English, French, Spanish): choosing
// one from Accept-Language, the words of the interface in each, and dates
// and times as ICU writes them for the language, in the meeting's own time
// zone with its IANA name and UTC offset.
#ifndef RCP_SERVICES_GATEWAY_WEB_PORTAL_I18N_H_
#define RCP_SERVICES_GATEWAY_WEB_PORTAL_I18N_H_

#include <google/protobuf/timestamp.pb.h>

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "rcp/common/v1/common.pb.h"

namespace rcp::gateway::web::portal {

// "en", "fr", "es": the languages the interface is written in; the first
// is the default.
const std::vector<std::string>& InterfaceLanguages();
bool IsInterfaceLanguage(absl::string_view tag);

// The interface language that best serves an Accept-Language header (RFC
// 9110 §12.5.4, matched by ICU's LocaleMatcher): "fr" for
// "fr-CH, fr;q=0.9, en;q=0.8", the default for none or an unknown one.
std::string NegotiateLanguage(absl::string_view accept_language);

// The interface's words for `key` in `language`; the key itself when it
// has none (a test holds every key to all three languages).
std::string Text(absl::string_view language, absl::string_view key);
// Every key of the catalogue.
std::vector<std::string> TextKeys();

// "Tuesday 2 February 2027, 09:00" and so on, as `language` writes it, at
// `time` in the IANA zone `time_zone`.
std::string FormatDateTime(absl::string_view language, const google::protobuf::Timestamp& time,
                           absl::string_view time_zone);
// The time alone ("17:30").
std::string FormatTime(absl::string_view language, const google::protobuf::Timestamp& time,
                       absl::string_view time_zone);
// A calendar date ("2 February 2027").
std::string FormatDate(absl::string_view language, const rcp::common::v1::Date& date);
// The zone as a reader checks it: "Asia/Makassar, UTC+08:00" (the offset
// in force at `time`, daylight saving included).
std::string ZoneAndOffset(const google::protobuf::Timestamp& time, absl::string_view time_zone);

}  // namespace rcp::gateway::web::portal

#endif  // RCP_SERVICES_GATEWAY_WEB_PORTAL_I18N_H_
