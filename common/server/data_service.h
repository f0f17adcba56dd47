// What the three data services' daemons share beyond the bootstrap: writes
// attributed to the caller's principal, reads filtered for the caller's
// viewer, and serving until a signal with the store's gauges and its
// watchers ended at shutdown.
#ifndef RCP_COMMON_SERVER_DATA_SERVICE_H_
#define RCP_COMMON_SERVER_DATA_SERVICE_H_

#include <grpcpp/server_context.h>

#include <optional>
#include <utility>
#include <vector>

#include "common/audience/audience.h"
#include "common/server/blocking.h"
#include "common/server/server.h"
#include "common/storage/store.h"

namespace rcp::server {

// The store's options from the common flags: --data_dir and the changelog
// and request_id retention flags (defined here, for the data services only).
storage::StoreOptions StoreOptionsFromFlags();

// The principal the gateway passed (see principal.h), for change records.
storage::WriteContext WriteContextOf(const grpc::ServerContextBase* context);

// RunBlocking for a read that the caller's viewer filters (every List,
// Sync and Export): `fn(viewer)` gets the viewer the call carries
// (audience::ViewerOf), or nullptr for a call without one. A malformed
// viewer is the caller's INVALID_ARGUMENT, and `fn` does not run.
template <typename Fn>
grpc::ServerUnaryReactor* RunForViewer(ThreadPool* pool, grpc::CallbackServerContext* context, Fn fn) {
  return RunBlocking(pool, context, [context, fn = std::move(fn)]() mutable -> absl::Status {
    RCP_ASSIGN_OR_RETURN(std::optional<audience::Viewer> viewer, audience::ViewerOf(*context));
    return fn(viewer.has_value() ? &*viewer : nullptr);
  });
}

// Starts a server with `services` on `options`, exporting `store`'s revision
// and watcher count as metrics and ending its watchers (UNAVAILABLE, resume)
// at shutdown, and serves until SIGINT/SIGTERM. Returns main's exit code.
int ServeUntilSignal(const ServerOptions& options, const std::vector<grpc::Service*>& services,
                     storage::Store* store);

}  // namespace rcp::server

#endif  // RCP_COMMON_SERVER_DATA_SERVICE_H_
