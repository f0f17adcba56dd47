#include "common/server/data_service.h"

#include <spdlog/spdlog.h>

#include "common/server/principal.h"

namespace rcp::server {

storage::WriteContext WriteContextOf(const grpc::ServerContextBase* context) {
  return storage::WriteContext{PrincipalOf(context)};
}

int ServeUntilSignal(const ServerOptions& options, const std::vector<grpc::Service*>& services,
                     storage::Store* store) {
  Server server(options);
  for (auto* s : services) server.AddService(s);
  server.AddGauge("rcp_store_revision", "latest committed store revision",
                  [store] { return static_cast<double>(store->revision()); });
  server.AddGauge("rcp_store_watchers", "open watchers of the change feed",
                  [store] { return static_cast<double>(store->watcher_count()); });
  server.OnShutdown([store] { store->CloseWatchers("the server is shutting down"); });
  if (auto s = server.Start(); !s.ok()) {
    spdlog::critical("msg=\"cannot start\" error=\"{}\"", s.ToString());
    return 1;
  }
  server.WaitForSignal();
  return 0;
}

}  // namespace rcp::server
