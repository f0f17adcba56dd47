#include "common/server/data_service.h"

#include <spdlog/spdlog.h>

#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "common/server/flags.h"
#include "common/server/principal.h"

ABSL_FLAG(uint64_t, changelog_max_records, 1'000'000, "change records kept for Watch and incremental sync");
ABSL_FLAG(absl::Duration, changelog_max_age, absl::Hours(24 * 30),
          "age of the oldest change kept (older cursors and sync tokens must resync)");
ABSL_FLAG(std::string, home_processes, "",
          "the processes this deployment is the home of, comma-separated (e.g. bali-process,apc): the only "
          "ones it seeds and accepts writes to; empty = every process (a deployment on its own)");
ABSL_FLAG(absl::Duration, request_id_retention, absl::Hours(24 * 7),
          "how long a create's request_id is remembered for retries");

namespace rcp::server {

storage::StoreOptions StoreOptionsFromFlags() {
  storage::StoreOptions o;
  o.path = absl::GetFlag(FLAGS_data_dir);
  o.changelog_max_records = absl::GetFlag(FLAGS_changelog_max_records);
  o.changelog_max_age = absl::GetFlag(FLAGS_changelog_max_age);
  o.request_id_retention = absl::GetFlag(FLAGS_request_id_retention);
  return o;
}

resource::HomeProcesses HomeProcessesFromFlags() {
  resource::HomeProcesses homes;
  for (absl::string_view id : absl::StrSplit(absl::GetFlag(FLAGS_home_processes), ',', absl::SkipWhitespace())) {
    id = absl::StripAsciiWhitespace(id);
    absl::ConsumePrefix(&id, "processes/");
    if (absl::Status s = resource::ValidateSlug("home_processes", id); !s.ok()) {
      std::cerr << "--" << s.message() << "\n";
      std::exit(2);
    }
    homes.names.push_back(absl::StrCat("processes/", id));
  }
  return homes;
}

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
