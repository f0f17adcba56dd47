// rcp-documentsd: the RCPs' documents, their language versions and content.
#include <spdlog/spdlog.h>

#include <filesystem>

#include "absl/flags/flag.h"
#include "common/concurrency/thread_pool.h"
#include "common/server/flags.h"
#include "common/server/server.h"
#include "services/documents/documents_seed.h"
#include "services/documents/documents_service.h"
#include "services/documents/documents_store.h"

ABSL_FLAG(std::string, seed_file, "",
          "text-format rcp.documents.v1.DocumentsSeed applied at start (idempotent)");
ABSL_FLAG(int64_t, max_document_bytes, int64_t{2} << 30, "largest content version accepted");
ABSL_FLAG(absl::Duration, upload_ttl, absl::Hours(24),
          "an upload session idle this long expires and its data is reclaimed");
ABSL_FLAG(uint64_t, changelog_max_records, 1'000'000, "change records kept for Watch");
ABSL_FLAG(absl::Duration, changelog_max_age, absl::Hours(24 * 30), "age of the oldest change kept");

int main(int argc, char** argv) {
  rcp::server::Server::BlockSignals();
  rcp::server::ParseFlags(argc, argv, "rcp-documentsd: the RCP Exchange documents service");
  rcp::server::InitLogging("documents", absl::GetFlag(FLAGS_log_level));

  rcp::documents::DocumentsOptions options;
  options.store.path = absl::GetFlag(FLAGS_data_dir);
  options.store.changelog_max_records = absl::GetFlag(FLAGS_changelog_max_records);
  options.store.changelog_max_age = absl::GetFlag(FLAGS_changelog_max_age);
  options.max_document_bytes = absl::GetFlag(FLAGS_max_document_bytes);
  options.upload_ttl = absl::GetFlag(FLAGS_upload_ttl);
  auto store = rcp::documents::DocumentsStore::Open(options);
  if (!store.ok()) {
    spdlog::critical("msg=\"cannot open the documents store\" data_dir={} error=\"{}\"",
                     options.store.path, store.status().ToString());
    return 1;
  }
  spdlog::info("msg=\"store open\" data_dir={} revision={}", options.store.path,
               (*store)->store()->revision());

  std::string seed_file = absl::GetFlag(FLAGS_seed_file);
  if (!seed_file.empty()) {
    auto seed = rcp::documents::LoadSeedFile(seed_file);
    std::string base = std::filesystem::path(seed_file).parent_path().string();
    auto applied = seed.ok() ? rcp::documents::ApplySeed(store->get(), *seed, base.empty() ? "." : base)
                             : absl::StatusOr<int>(seed.status());
    if (!applied.ok()) {
      spdlog::critical("msg=\"seeding failed\" error=\"{}\"", applied.status().ToString());
      return 1;
    }
    spdlog::info("msg=seeded file={} documents={} revision={}", seed_file, *applied,
                 (*store)->store()->revision());
  }

  rcp::ThreadPool pool(absl::GetFlag(FLAGS_handler_threads));
  rcp::documents::DocumentsService service(store->get(), &pool);
  rcp::server::Server server(rcp::server::ServerOptionsFromFlags("documents"));
  server.AddService(&service);
  auto* raw_store = (*store)->store();
  server.AddGauge("rcp_store_revision", "latest committed store revision",
                  [raw_store] { return static_cast<double>(raw_store->revision()); });
  server.AddGauge("rcp_store_watchers", "open watchers of the change feed",
                  [raw_store] { return static_cast<double>(raw_store->watcher_count()); });
  server.OnShutdown([raw_store] { raw_store->CloseWatchers("the server is shutting down"); });
  if (auto s = server.Start(); !s.ok()) {
    spdlog::critical("msg=\"cannot start\" error=\"{}\"", s.ToString());
    return 1;
  }
  server.WaitForSignal();
  return 0;
}
