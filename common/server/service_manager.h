// Tells the service manager how a daemon's life goes, by systemd's notify
// protocol (sd_notify; Type=notify units). Without NOTIFY_SOCKET in the
// environment, as under Kubernetes or a shell, every call does nothing.
//
// The order a unit sees:
//   STATUS=starting … and EXTEND_TIMEOUT_USEC, repeated while the daemon
//                     opens its database (WAL replay may outlast the unit's
//                     TimeoutStartSec);
//   READY=1           once the daemon serves (its health says SERVING);
//   WATCHDOG=1        every half WatchdogSec, while the process is alive;
//   STOPPING=1        when a shutdown signal arrives.
#ifndef RCP_COMMON_SERVER_SERVICE_MANAGER_H_
#define RCP_COMMON_SERVER_SERVICE_MANAGER_H_

#include <string>

namespace rcp::server::service_manager {

// Tells the manager that the daemon is starting, and to extend its start
// timeout, until Ready. Call as early as possible; call again to say what
// the start waits for (the status line changes at once).
void Starting(const std::string& status);
// READY=1 with a status line; starts the watchdog pings when the unit asks
// for them (WatchdogSec=).
void Ready(const std::string& status);
// STOPPING=1 with a status line; ends the watchdog pings.
void Stopping(const std::string& status);

}  // namespace rcp::server::service_manager

#endif  // RCP_COMMON_SERVER_SERVICE_MANAGER_H_
