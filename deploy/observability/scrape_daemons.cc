// Starts two real deployments of the four daemons (tests/e2e/harness),
// peered over mTLS so that federation has something to report, takes a
// backup of one data service, then scrapes every daemon's /metrics of the
// first deployment into OUT_DIR/<daemon>.prom for check_metrics.py, which
// checks that each metric the alerts and the dashboard use exists.
//
//   scrape_daemons OUT_DIR WORK_DIR
//
// Exits 1 (naming why) when a daemon does not start, an endpoint cannot be
// scraped, or the samples that only a running federation, TLS or backup
// produce do not appear within a minute.
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <regex>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "rcp/admin/v1/backup.grpc.pb.h"
#include "tests/e2e/harness/deployment.h"

namespace {

using rcp::testing::Deployment;
using Part = rcp::testing::Deployment::Part;

int Fail(const std::string& why) {
  std::cerr << "scrape_daemons: " << why << "\n";
  return 1;
}

// The metrics port a daemon logged at start.
int MetricsPortOf(const Deployment& d, Part part) {
  std::smatch m;
  std::string log = d.Log(part);
  if (!std::regex_search(log, m, std::regex(R"(msg=listening service=\S+ address=\S+ .*metrics_port=([0-9]+))"))) {
    return 0;
  }
  return std::stoi(m[1]);
}

std::string Scrape(int port) {
  httplib::Client http("127.0.0.1", port);
  http.set_read_timeout(10, 0);
  auto res = http.Get("/metrics");
  return res && res->status == 200 ? res->body : std::string();
}

bool Eventually(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(250));
  }
  return done();
}

// A line of the exposition that starts with `prefix` and whose value is not 0.
bool HasNonZero(const std::string& body, const std::string& prefix) {
  std::regex re("(^|\n)" + prefix + R"([^\n]* ([^\n]+))");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), re); it != std::sregex_iterator(); ++it) {
    if (std::stod((*it)[2]) != 0) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return Fail("usage: scrape_daemons OUT_DIR WORK_DIR");
  const std::string out = argv[1], work = argv[2];
  std::filesystem::remove_all(work);
  std::filesystem::remove_all(out);
  std::filesystem::create_directories(work);
  std::filesystem::create_directories(out);
  const std::string certs = work + "/certs";
  if (std::system(absl::StrCat(RCP_SOURCE_DIR, "/deploy/make-certs.sh ", certs,
                               " bali-process.rcp colombo-process.rcp")
                      .c_str()) != 0) {
    return Fail("deploy/make-certs.sh failed");
  }
  auto deployment = [&](const std::string& id, const std::string& homes) {
    rcp::testing::DeploymentOptions o;
    o.id = id;
    o.home_processes = homes;
    o.peer_tls_dir = certs;
    o.service_flags = {"--metrics_listen=127.0.0.1:0"};
    return std::make_unique<Deployment>(absl::StrCat(work, "/", id), o);
  };
  auto bali = deployment("bali-process.rcp", "bali-process,apc");
  auto colombo = deployment("colombo-process.rcp", "colombo-process");
  for (auto* d : {bali.get(), colombo.get()}) {
    if (absl::Status s = d->Start(); !s.ok()) return Fail(absl::StrCat(d->id(), " did not start: ", s.ToString()));
  }
  if (absl::Status s = colombo->AddPeer(*bali, {}, {}, {rcp::testing::Share("processes/colombo-process",
                                                                           rcp::common::v1::PUBLIC)});
      !s.ok()) {
    return Fail("peering colombo with bali: " + s.ToString());
  }
  if (absl::Status s = bali->AddPeer(*colombo, {"processes/colombo-process"}, {}, {}); !s.ok()) {
    return Fail("peering bali with colombo: " + s.ToString());
  }

  // A backup of Bali's registry, as rcp-admin takes it, to its end.
  {
    auto channel = grpc::CreateChannel(bali->service_address(Part::kRegistry), grpc::InsecureChannelCredentials());
    auto stub = rcp::admin::v1::Backup::NewStub(channel);
    grpc::ClientContext ctx;
    bali->Internal(&ctx);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    auto reader = stub->TakeBackup(&ctx, rcp::admin::v1::TakeBackupRequest());
    rcp::admin::v1::BackupChunk chunk;
    bool manifest = false;
    while (reader->Read(&chunk)) manifest = manifest || chunk.has_manifest();
    grpc::Status s = reader->Finish();
    if (!s.ok() || !manifest) return Fail("the registry's backup failed: " + s.error_message());
  }

  const std::pair<Part, const char*> daemons[] = {{Part::kRegistry, "rcp-registryd"},
                                                  {Part::kEvents, "rcp-eventsd"},
                                                  {Part::kDocuments, "rcp-documentsd"},
                                                  {Part::kGateway, "rcp-gatewayd"}};
  std::map<std::string, int> ports;
  for (const auto& [part, name] : daemons) {
    ports[name] = MetricsPortOf(*bali, part);
    if (ports[name] == 0) return Fail(absl::StrCat(name, " logged no metrics port:\n", bali->Log(part)));
  }
  // What only a live federation, a presented certificate and a finished
  // backup export: wait for it, so that the scrape shows every family.
  struct Wanted {
    const char* daemon;
    const char* prefix;
  };
  const Wanted wanted[] = {
      {"rcp-gatewayd", "rcp_federation_peer_connected\\{peer=\"federationPeers/colombo-process.rcp\"\\}"},
      {"rcp-gatewayd", "rcp_federation_origin_lag_seconds\\{"},
      {"rcp-gatewayd", "rcp_tls_certificate_expiry_timestamp_seconds\\{"},
      {"rcp-registryd", "rcp_backup_last_success_timestamp_seconds"},
  };
  for (const Wanted& w : wanted) {
    if (!Eventually([&] { return HasNonZero(Scrape(ports[w.daemon]), w.prefix); }, absl::Seconds(60))) {
      return Fail(absl::StrCat(w.daemon, " never exported a non-zero ", w.prefix, ":\n", Scrape(ports[w.daemon]),
                               "\n", bali->Log(Part::kGateway)));
    }
  }
  for (const auto& [name, port] : ports) {
    std::string body = Scrape(port);
    if (body.empty()) return Fail(absl::StrCat("cannot scrape ", name, " at 127.0.0.1:", port));
    std::ofstream(absl::StrCat(out, "/", name, ".prom")) << body;
    std::cout << "scraped " << name << " (127.0.0.1:" << port << "): " << body.size() << " bytes\n";
  }
  return 0;
}
