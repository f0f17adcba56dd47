// ISO 639 language codes: the primary subtag of every BCP 47 language tag a
// document version carries.
#ifndef RCP_COMMON_ISO639_ISO639_H_
#define RCP_COMMON_ISO639_ISO639_H_

#include "absl/strings/string_view.h"

namespace rcp::iso639 {

// Whether `code` (lower case) is an ISO 639-1 or ISO 639-2 language code.
bool IsLanguage(absl::string_view code);

}  // namespace rcp::iso639

#endif  // RCP_COMMON_ISO639_ISO639_H_
