// The portal's templates and stylesheet, compiled into the binary from
// templates/ and static/ (CMakeLists.txt), by file name.
#ifndef RCP_SERVICES_GATEWAY_WEB_PORTAL_ASSETS_H_
#define RCP_SERVICES_GATEWAY_WEB_PORTAL_ASSETS_H_

#include <map>
#include <string>

namespace rcp::gateway::web::portal {

const std::map<std::string, std::string>& PortalAssets();

}  // namespace rcp::gateway::web::portal

#endif  // RCP_SERVICES_GATEWAY_WEB_PORTAL_ASSETS_H_
