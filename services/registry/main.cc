// rcp-registryd: the register of processes, parties, memberships, chairs,
// focal points, API keys and federation peers.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "absl/flags/flag.h"
#include "common/concurrency/thread_pool.h"
#include "common/mirror/replica_service.h"
#include "common/backup/backup_service.h"
#include "common/server/data_service.h"
#include "common/server/flags.h"
#include "common/server/server.h"
#include "services/registry/registry_seed.h"
#include "services/registry/registry_service.h"
#include "services/registry/registry_store.h"

ABSL_FLAG(std::string, seed_file, "",
          "text-format rcp.registry.v1.RegistrySeed applied at start (idempotent)");
ABSL_FLAG(std::string, seed_keys_out, "",
          "file the API keys issued by the seed are written to (created with mode 0600)");

int main(int argc, char** argv) {
  rcp::server::Server::BlockSignals();
  rcp::server::ParseFlags(argc, argv, "rcp-registryd: the RCP Exchange registry service");
  rcp::server::InitLogging("registry", absl::GetFlag(FLAGS_log_level));
  // Before anything is opened: an unprotected listener is refused outright.
  rcp::server::ServerOptions server_options =
      rcp::server::ServerOptionsFromFlags("registry", rcp::server::Exposure::kInternal);

  rcp::registry::RegistryOptions options;
  options.store = rcp::server::StoreOptionsFromFlags();
  options.deployment_id = rcp::server::DeploymentIdFromFlags();
  auto store = rcp::registry::RegistryStore::Open(options);
  if (!store.ok()) {
    spdlog::critical("msg=\"cannot open the registry store\" data_dir={} error=\"{}\"", options.store.path,
                     store.status().ToString());
    return 1;
  }
  spdlog::info("msg=\"store open\" data_dir={} revision={}", options.store.path,
               (*store)->store()->revision());

  std::string seed_file = absl::GetFlag(FLAGS_seed_file);
  const rcp::resource::HomeProcesses homes = rcp::server::HomeProcessesFromFlags();
  if (!seed_file.empty()) {
    auto applied = rcp::server::ApplySeedFile<rcp::registry::v1::RegistrySeed>(
        seed_file, *(*store)->store(), "requests",
        [&](const auto& seed) { return rcp::registry::ApplySeed(store->get(), seed, homes); },
        [](const rcp::registry::SeedResult& r) { return r.applied; });
    if (!applied) return 1;
    std::string keys_out = absl::GetFlag(FLAGS_seed_keys_out);
    if (!applied->issued_keys.empty()) {
      if (keys_out.empty()) {
        spdlog::warn(
            "msg=\"the seed issued API keys but --seed_keys_out is not set; their secrets are lost\"");
      } else {
        umask(077);
        std::ofstream out(keys_out, std::ios::app);
        for (const auto& [name, key] : applied->issued_keys) out << name << "\t" << key << "\n";
        if (!out) {
          spdlog::critical("msg=\"cannot write the issued keys\" path={}", keys_out);
          return 1;
        }
        spdlog::info("msg=\"issued seed API keys\" count={} file={}", applied->issued_keys.size(), keys_out);
      }
    }
  }

  rcp::ThreadPool pool(absl::GetFlag(FLAGS_handler_threads));
  rcp::registry::RegistryService service(store->get(), &pool);
  rcp::mirror::ReplicaService replica((*store)->mirrors(), &pool);
  rcp::backup::BackupService backup((*store)->store(), "");
  return rcp::server::ServeUntilSignal(server_options, {&service, &replica, &backup},
                                       (*store)->store());
}
