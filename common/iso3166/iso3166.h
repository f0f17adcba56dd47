// ISO 3166-1 alpha-3 country codes: the identity of every state party and
// of every venue country.
#ifndef RCP_COMMON_ISO3166_ISO3166_H_
#define RCP_COMMON_ISO3166_ISO3166_H_

#include "absl/strings/string_view.h"
#include <cstddef>

namespace rcp::iso3166 {

// English short name of the country with this upper-case alpha-3 code, or
// nullptr when the code is not assigned.
const char* CountryName(absl::string_view alpha3);

size_t CountryCount();

}  // namespace rcp::iso3166

#endif  // RCP_COMMON_ISO3166_ISO3166_H_
