// What the three data services' daemons share beyond the bootstrap: writes
// attributed to the caller's principal, reads filtered for the caller's
// viewer, seeding at start, and serving until a signal with the store's
// gauges and its watchers ended at shutdown.
#ifndef RCP_COMMON_SERVER_DATA_SERVICE_H_
#define RCP_COMMON_SERVER_DATA_SERVICE_H_

#include <grpcpp/server_context.h>
#include <spdlog/spdlog.h>

#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/audience/audience.h"
#include "common/io/file.h"
#include "common/resource/resource.h"
#include "common/server/blocking.h"
#include "common/server/server.h"
#include "common/storage/store.h"

namespace rcp::server {

// The store's options from the common flags: --data_dir and the changelog
// and request_id retention flags (defined here, for the data services only).
storage::StoreOptions StoreOptionsFromFlags();

// --home_processes: the processes this deployment is the home of (comma-
// separated ids or names; empty = every process). Exits with a clear
// message when one is malformed.
resource::HomeProcesses HomeProcessesFromFlags();

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

// The three shapes of a data service's unary method, so that each adapter
// method is one line naming its store method.
//
// A write: `method(write context, request)` on the pool, attributed to the
// caller's principal.
template <typename Store, typename Request, typename Response>
grpc::ServerUnaryReactor* ServeWrite(ThreadPool* pool, grpc::CallbackServerContext* context, Store* store,
                                     absl::StatusOr<Response> (Store::*method)(const storage::WriteContext&,
                                                                               const Request&),
                                     const Request* request, Response* response) {
  return RunBlocking(pool, context, [=] {
    return FillResponse((store->*method)(WriteContextOf(context), *request), response);
  });
}
// A point read (a RocksDB Get, from memory): inline, see RunInline.
template <typename Store, typename Request, typename Response>
grpc::ServerUnaryReactor* ServeGet(grpc::CallbackServerContext* context, Store* store,
                                   absl::StatusOr<Response> (Store::*method)(const Request&),
                                   const Request* request, Response* response) {
  return RunInline(context, [=] { return FillResponse((store->*method)(*request), response); });
}
// A List, Sync or Export: on the pool, filtered for the call's viewer.
template <typename Store, typename Request, typename Response>
grpc::ServerUnaryReactor* ServeList(ThreadPool* pool, grpc::CallbackServerContext* context, Store* store,
                                    absl::StatusOr<Response> (Store::*method)(const Request&,
                                                                              const audience::Viewer*),
                                    const Request* request, Response* response) {
  return RunForViewer(pool, context, [=](const audience::Viewer* viewer) {
    return FillResponse((store->*method)(*request, viewer), response);
  });
}

// Exports `store`'s changelog floor, oldest watcher, last backup and RocksDB
// health (background errors, write stalls, sizes) as gauges of `server`,
// read at every scrape. ServeUntilSignal calls it.
void AddStoreGauges(Server& server, const storage::Store* store);

// Starts a server with `services` on `options`, exporting `store`'s revision
// and watcher count (and AddStoreGauges') as metrics and ending its watchers (UNAVAILABLE, resume)
// at shutdown, and serves until SIGINT/SIGTERM. Returns main's exit code.
int ServeUntilSignal(const ServerOptions& options, const std::vector<grpc::Service*>& services,
                     storage::Store* store);

// What a seed's `apply` returns a count from, for the log: the count itself.
struct SeedCountIsResult {
  int operator()(int n) const { return n; }
};

// Seeds a data service at start from the file its --seed_file names: loads
// `path` as a text-format `Seed` message, applies it with `apply(seed)`
// (which returns absl::StatusOr<R>), and logs what happened:
//   msg=seeded file=<path> <counted>=<count(result)> revision=<store's>
// or, when loading or applying fails, msg="seeding failed" naming why.
// Returns the result, or nullopt after a failure: main then exits 1.
template <typename Seed, typename Apply, typename Count = SeedCountIsResult,
          typename Applied = std::invoke_result_t<Apply&, const Seed&>>
std::optional<typename Applied::value_type> ApplySeedFile(const std::string& path,
                                                          const storage::Store& store, const char* counted,
                                                          Apply apply, Count count = {}) {
  Seed seed;
  absl::Status loaded = io::LoadTextProto(path, &seed);
  Applied applied = loaded.ok() ? apply(std::as_const(seed)) : Applied(loaded);
  if (!applied.ok()) {
    spdlog::critical("msg=\"seeding failed\" file={} error=\"{}\"", path, applied.status().ToString());
    return std::nullopt;
  }
  spdlog::info("msg=seeded file={} {}={} revision={}", path, counted, count(*applied), store.revision());
  return *std::move(applied);
}

}  // namespace rcp::server

#endif  // RCP_COMMON_SERVER_DATA_SERVICE_H_
