// What the three data services' daemons share beyond the bootstrap: writes
// attributed to the caller's principal, and serving until a signal with the
// store's gauges and its watchers ended at shutdown.
#ifndef RCP_COMMON_SERVER_DATA_SERVICE_H_
#define RCP_COMMON_SERVER_DATA_SERVICE_H_

#include <grpcpp/server_context.h>

#include <vector>

#include "common/server/server.h"
#include "common/storage/store.h"

namespace rcp::server {

// The store's options from the common flags: --data_dir and the changelog
// and request_id retention flags (defined here, for the data services only).
storage::StoreOptions StoreOptionsFromFlags();

// The principal the gateway passed (see principal.h), for change records.
storage::WriteContext WriteContextOf(const grpc::ServerContextBase* context);

// Starts a server with `services` on `options`, exporting `store`'s revision
// and watcher count as metrics and ending its watchers (UNAVAILABLE, resume)
// at shutdown, and serves until SIGINT/SIGTERM. Returns main's exit code.
int ServeUntilSignal(const ServerOptions& options, const std::vector<grpc::Service*>& services,
                     storage::Store* store);

}  // namespace rcp::server

#endif  // RCP_COMMON_SERVER_DATA_SERVICE_H_
