// rcp-eventsd: the meeting calendar of the RCPs.
#include <spdlog/spdlog.h>

#include "absl/flags/flag.h"
#include "common/concurrency/thread_pool.h"
#include "common/mirror/replica_service.h"
#include "common/backup/backup_service.h"
#include "common/server/data_service.h"
#include "common/server/flags.h"
#include "common/server/server.h"
#include "services/events/events_seed.h"
#include "services/events/events_service.h"
#include "services/events/events_store.h"

ABSL_FLAG(std::string, seed_file, "", "text-format rcp.events.v1.EventsSeed applied at start (idempotent)");

int main(int argc, char** argv) {
  rcp::server::Server::BlockSignals();
  rcp::server::ParseFlags(argc, argv, "rcp-eventsd: the RCP Exchange meeting calendar service");
  rcp::server::InitLogging("events", absl::GetFlag(FLAGS_log_level));
  // Before anything is opened: an unprotected listener is refused outright.
  rcp::server::ServerOptions server_options =
      rcp::server::ServerOptionsFromFlags("events", rcp::server::Exposure::kInternal);

  rcp::events::EventsOptions options;
  options.store = rcp::server::StoreOptionsFromFlags();
  options.deployment_id = rcp::server::DeploymentIdFromFlags();
  auto store = rcp::events::EventsStore::Open(options);
  if (!store.ok()) {
    spdlog::critical("msg=\"cannot open the events store\" data_dir={} error=\"{}\"", options.store.path,
                     store.status().ToString());
    return 1;
  }
  spdlog::info("msg=\"store open\" data_dir={} revision={}", options.store.path,
               (*store)->store()->revision());

  std::string seed_file = absl::GetFlag(FLAGS_seed_file);
  if (!seed_file.empty() && !rcp::server::ApplySeedFile<rcp::events::v1::EventsSeed>(
                                seed_file, *(*store)->store(), "meetings", [&](const auto& seed) {
                                  return rcp::events::ApplySeed(store->get(), seed, rcp::server::HomeProcessesFromFlags());
                                })) {
    return 1;
  }

  rcp::ThreadPool pool(absl::GetFlag(FLAGS_handler_threads));
  rcp::events::EventsService service(store->get(), &pool);
  rcp::mirror::ReplicaService replica((*store)->mirrors(), &pool);
  rcp::backup::BackupService backup((*store)->store(), "");
  return rcp::server::ServeUntilSignal(server_options, {&service, &replica, &backup},
                                       (*store)->store());
}
