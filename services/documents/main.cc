// rcp-documentsd: the RCPs' documents, their language versions and content.
#include <malloc.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>

#include "absl/flags/flag.h"
#include "common/concurrency/thread_pool.h"
#include "common/mirror/replica_service.h"
#include "common/backup/backup_service.h"
#include "common/server/data_service.h"
#include "common/server/flags.h"
#include "common/server/server.h"
#include "services/documents/documents_seed.h"
#include "services/documents/documents_service.h"
#include "services/documents/documents_store.h"

ABSL_FLAG(std::string, seed_file, "",
          "text-format rcp.documents.v1.DocumentsSeed applied at start (idempotent)");
ABSL_FLAG(int64_t, max_document_bytes, int64_t{2} << 30, "largest content version accepted");
ABSL_FLAG(absl::Duration, reap_interval, absl::Minutes(1),
          "how often expired uploads and content nothing names any more (withdrawn mirrors') are reclaimed");
ABSL_FLAG(absl::Duration, upload_ttl, absl::Hours(24),
          "an upload session idle this long expires and its data is reclaimed");

int main(int argc, char** argv) {
  // Content passes through 1 MiB buffers allocated on whichever handler,
  // gRPC or RocksDB thread runs the step. glibc gives threads their own
  // arenas (up to 8 per core) and keeps freed megabyte blocks in each, so
  // resident memory grew with the number of threads that had touched a
  // chunk (about 6 MiB each), not with the transfers in flight. Two arenas
  // keep it near one chunk per transfer; MALLOC_ARENA_MAX still overrides.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
  // glibc also raises its mmap threshold each time a mapped block is freed,
  // so after the first chunk every 1 MiB buffer came from the arenas and
  // stayed there: under CPU contention a 1 GiB upload measured +66 MiB.
  // A fixed threshold maps each chunk and unmaps it when freed (+16 MiB
  // under the same load), at the cost of one mmap per MiB transferred.
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) mallopt(M_MMAP_THRESHOLD, 256 << 10);
  rcp::server::Server::BlockSignals();
  rcp::server::ParseFlags(argc, argv, "rcp-documentsd: the RCP Exchange documents service");
  rcp::server::InitLogging("documents", absl::GetFlag(FLAGS_log_level));
  // Before anything is opened: an unprotected listener is refused outright.
  rcp::server::ServerOptions server_options =
      rcp::server::ServerOptionsFromFlags("documents", rcp::server::Exposure::kInternal);

  // <data_dir>/metadata is the RocksDB database, <data_dir>/content the
  // files it describes (see content_store.h).
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  if (std::filesystem::exists(data_dir + "/CURRENT")) {
    spdlog::critical(
        "msg=\"data_dir is a bare database; rcp-documentsd keeps metadata/ and content/ in its "
        "data_dir\" data_dir={}",
        data_dir);
    return 1;
  }
  std::error_code created;
  std::filesystem::create_directories(data_dir, created);
  if (created) {
    spdlog::critical("msg=\"cannot create data_dir\" data_dir={} error=\"{}\"", data_dir, created.message());
    return 1;
  }
  rcp::documents::DocumentsOptions options;
  options.store = rcp::server::StoreOptionsFromFlags();
  options.store.path = data_dir + "/metadata";
  options.content_dir = data_dir + "/content";
  options.max_document_bytes = absl::GetFlag(FLAGS_max_document_bytes);
  options.upload_ttl = absl::GetFlag(FLAGS_upload_ttl);
  options.reap_interval = absl::GetFlag(FLAGS_reap_interval);
  auto store = rcp::documents::DocumentsStore::Open(options);
  if (!store.ok()) {
    spdlog::critical("msg=\"cannot open the documents store\" data_dir={} error=\"{}\"", data_dir,
                     store.status().ToString());
    return 1;
  }
  spdlog::info("msg=\"store open\" data_dir={} revision={}", data_dir, (*store)->store()->revision());

  std::string seed_file = absl::GetFlag(FLAGS_seed_file);
  std::string seed_dir = std::filesystem::path(seed_file).parent_path().string();  // content files' base
  if (!seed_file.empty() &&
      !rcp::server::ApplySeedFile<rcp::documents::v1::DocumentsSeed>(
          seed_file, *(*store)->store(), "documents", [&](const auto& seed) {
            return rcp::documents::ApplySeed(store->get(), seed, seed_dir.empty() ? "." : seed_dir,
                                             rcp::server::HomeProcessesFromFlags());
          })) {
    return 1;
  }

  rcp::ThreadPool pool(absl::GetFlag(FLAGS_handler_threads));
  rcp::documents::DocumentsService service(store->get(), &pool);
  rcp::mirror::ReplicaService replica((*store)->mirrors(), &pool);
  rcp::backup::BackupService backup((*store)->store(), "metadata", [&](auto emit) {
    return (*store)->ForEachContentFileKept(emit);
  });
  return rcp::server::ServeUntilSignal(server_options, {&service, &replica, &backup},
                                       (*store)->store());
}
