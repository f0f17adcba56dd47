// Rotation without restarts (issue 11, item 5): an operator, cert-manager or
// a Kubernetes Secret swaps the certificate, key, CA and internal token
// files under running daemons, and new connections use the new ones. The
// files are swapped by rename, as a Secret volume swaps its symlink, so a
// reader never sees half a file.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/io/file.h"
#include "common/server/tls_files.h"
#include "common/testing/daemon.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "tests/e2e/harness/deployment.h"

namespace rcp {
namespace {

using ::rcp::testing::Daemon;
using ::rcp::testing::IsOk;
using ::testing::HasSubstr;

// Writes `text` to `path` whole: a temporary file, then rename.
void Swap(const std::string& path, const std::string& text) {
  std::string next = path + ".next";
  std::ofstream(next) << text;
  std::filesystem::rename(next, path);
}
void SwapFrom(const std::string& path, const std::string& source) { Swap(path, *io::ReadFile(source)); }

struct Client {
  std::string ca, cert, key;  // PEM files
  std::string token;
};

// A call of a method no service has: UNAUTHENTICATED when the token (or
// the handshake) is refused, UNIMPLEMENTED when the call got through, so the
// outcome shows the credential check alone. A fresh channel each time:
// rotation is about new connections.
grpc::Status Probe(const std::string& address, const Client& c) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = *io::ReadFile(c.ca);
  ssl.pem_cert_chain = *io::ReadFile(c.cert);
  ssl.pem_private_key = *io::ReadFile(c.key);
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  grpc::GenericStub stub(grpc::CreateCustomChannel(address, grpc::SslCredentials(ssl), args));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  context.AddMetadata("x-rcp-internal-token", c.token);
  grpc::Slice empty(std::string(""));
  grpc::ByteBuffer request(&empty, 1), response;
  grpc::Status status;
  std::mutex mu;
  std::condition_variable done;
  bool finished = false;
  stub.UnaryCall(&context, "/rcp.nowhere.v1.Nothing/Probe", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   status = std::move(s);
                   finished = true;
                   done.notify_one();
                 });
  std::unique_lock<std::mutex> lock(mu);
  done.wait(lock, [&] { return finished; });
  return status;
}

// Probes until the outcome is `want` (the files are looked at every
// second), or 15 s have passed; returns the last outcome.
grpc::StatusCode ProbeUntil(const std::string& address, const Client& c, grpc::StatusCode want) {
  grpc::StatusCode got = grpc::StatusCode::UNKNOWN;
  for (int i = 0; i < 60; ++i) {
    got = Probe(address, c).error_code();
    if (got == want) return got;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return got;
}

// The value of rcp_tls_certificate_expiry_timestamp_seconds for `path`.
std::string ExpiryGauge(int metrics_port, const std::string& path) {
  httplib::Client http("127.0.0.1", metrics_port);
  auto scraped = http.Get("/metrics");
  if (!scraped) return "no /metrics";
  std::string line = absl::StrCat("rcp_tls_certificate_expiry_timestamp_seconds{path=\"", path, "\"} ");
  size_t at = scraped->body.find(line);
  if (at == std::string::npos) return "no sample for " + path;
  size_t end = scraped->body.find('\n', at);
  return scraped->body.substr(at + line.size(), end - at - line.size());
}

class CredentialRotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two authorities: the one in use, and the one rotated to.
    for (const char* ca : {"old", "new"}) {
      ASSERT_EQ(std::system(absl::StrCat(RCP_SOURCE_DIR, "/deploy/make-certs.sh ", dir_.Sub(ca), " server client")
                                .c_str()),
                0);
    }
    std::filesystem::create_directories(live_);
    for (const char* file : {"ca.pem", "server.pem", "server.key"}) {
      SwapFrom(Live(file), absl::StrCat(dir_.Sub("old"), "/", file));
    }
    Swap(Live("token"), "old-internal-token-0123456789\n");
  }
  std::string Live(const std::string& file) { return absl::StrCat(live_, "/", file); }
  Client ClientOf(const std::string& ca, const std::string& token) {
    std::string d = dir_.Sub(ca);
    return {d + "/ca.pem", d + "/client.pem", d + "/client.key", token};
  }

  rcp::testing::TempDir dir_;
  std::string live_ = dir_.Sub("live");
};

TEST_F(CredentialRotationTest, ADataServiceTakesRotatedTokensCertificatesAndCaWithoutARestart) {
  Daemon d(rcp::testing::BuildDir() + "/services/events/rcp-eventsd",
           {"--data_dir=" + dir_.Sub("data"), "--deployment_id=e2e.secretariat", "--listen=127.0.0.1:0",
            "--metrics_listen=127.0.0.1:0", "--tls_cert=" + Live("server.pem"), "--tls_key=" + Live("server.key"),
            "--tls_client_ca=" + Live("ca.pem"), "--internal_token_file=" + Live("token"),
            "--credential_reload=1s"},
           dir_.Sub("log"));
  ASSERT_THAT(d.Start(), IsOk());
  const pid_t pid = d.pid();
  const std::string old_token = "old-internal-token-0123456789";
  const std::string new_token = "new-internal-token-9876543210";
  ASSERT_EQ(Probe(d.address(), ClientOf("old", old_token)).error_code(), grpc::StatusCode::UNIMPLEMENTED);
  ASSERT_EQ(Probe(d.address(), ClientOf("old", new_token)).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  // The token, in the three steps of common/server/internal_token.h.
  Swap(Live("token"), old_token + "\n" + new_token + "\n");
  EXPECT_EQ(ProbeUntil(d.address(), ClientOf("old", new_token), grpc::StatusCode::UNIMPLEMENTED),
            grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(Probe(d.address(), ClientOf("old", old_token)).error_code(), grpc::StatusCode::UNIMPLEMENTED);
  Swap(Live("token"), new_token + "\n" + old_token + "\n");
  Swap(Live("token"), new_token + "\n");
  EXPECT_EQ(ProbeUntil(d.address(), ClientOf("old", old_token), grpc::StatusCode::UNAUTHENTICATED),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Probe(d.address(), ClientOf("old", new_token)).error_code(), grpc::StatusCode::UNIMPLEMENTED);

  // An empty file mid-rotation is ignored: the tokens in use stay.
  Swap(Live("token"), "");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(Probe(d.address(), ClientOf("old", new_token)).error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THAT(d.Log(), HasSubstr("internal token file is unreadable or empty; keeping the tokens in use"));
  Swap(Live("token"), new_token + "\n");

  // The certificate, key and CA: to a new authority altogether. A client
  // of the old one is refused; one of the new one gets through.
  const int metrics = d.ListedPort("metrics_port");
  EXPECT_EQ(ExpiryGauge(metrics, Live("server.pem")),
            absl::StrCat(*server::CertificateNotAfter(dir_.Sub("old") + "/server.pem")));
  SwapFrom(Live("ca.pem"), dir_.Sub("new") + "/ca.pem");
  SwapFrom(Live("server.key"), dir_.Sub("new") + "/server.key");
  SwapFrom(Live("server.pem"), dir_.Sub("new") + "/server.pem");
  EXPECT_EQ(ProbeUntil(d.address(), ClientOf("new", new_token), grpc::StatusCode::UNIMPLEMENTED),
            grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_NE(Probe(d.address(), ClientOf("old", new_token)).error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(ExpiryGauge(metrics, Live("server.pem")),
            absl::StrCat(*server::CertificateNotAfter(dir_.Sub("new") + "/server.pem")));

  // No restart: the same process, which started listening once.
  EXPECT_EQ(d.pid(), pid);
  EXPECT_EQ(::kill(pid, 0), 0);
  std::string log = d.Log();
  EXPECT_EQ(log.find("msg=listening"), log.rfind("msg=listening"));
}

// The gateway presents the token file's first line, rereading it: through
// the three steps, calls through the gateway never fail, and at the end
// the services refuse the old token.
TEST(GatewayTokenRotationTest, CallsThroughTheGatewayWorkAtEveryStepOfATokenRotation) {
  rcp::testing::TempDir dir;
  testing::DeploymentOptions options;
  options.id = "e2e.secretariat";
  options.gateway_flags = {"--credential_reload=1s"};
  options.service_flags = {"--credential_reload=1s"};
  testing::Deployment deployment(dir.Sub("deployment"), options);
  ASSERT_THAT(deployment.Start(), IsOk());
  const std::string token_file = dir.Sub("deployment") + "/internal-token";
  const std::string old_token = *io::ReadFile(token_file);

  RCP_ASSERT_OK_AND_ASSIGN(std::string key, deployment.NewKey("parties/PHL"));
  auto list = [&] {
    return testing::CallWith(key, [&](grpc::ClientContext* c) {
      rcp::registry::v1::ListProcessesResponse response;
      return deployment.registry()->ListProcesses(c, rcp::registry::v1::ListProcessesRequest(), &response);
    });
  };
  ASSERT_THAT(list(), IsOk());
  const std::string new_token = "a-new-internal-token-for-the-rotation";
  for (const std::string& step : {old_token + "\n" + new_token + "\n", new_token + "\n" + old_token + "\n",
                                  new_token + "\n"}) {
    Swap(token_file, step);
    // Longer than every daemon's recheck, so each has seen the step.
    for (int i = 0; i < 10; ++i) {
      ASSERT_THAT(list(), IsOk()) << "at the step " << step;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  // The services now refuse what the deployment's direct calls present:
  // the harness still holds the old token.
  rcp::federation::v1::DigestItemsRequest request;
  auto replica = deployment.ReplicaOf(testing::Deployment::Part::kEvents);
  grpc::ClientContext context;
  deployment.Internal(&context);
  rcp::federation::v1::DigestItemsResponse response;
  grpc::Status refused = replica->DigestItems(&context, request, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED) << refused.error_message();
}

}  // namespace
}  // namespace rcp
