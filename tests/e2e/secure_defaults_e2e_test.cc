// Secure by default, as an operator starts the daemons: a data service
// beyond loopback needs internal authentication and the gateway's public
// port needs TLS, unless --insecure says otherwise, which every daemon
// warns of and exports as rcp_insecure.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/io/file.h"
#include "common/testing/daemon.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace rcp {
namespace {

using ::rcp::testing::Daemon;
using ::rcp::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::Not;

struct DataService {
  std::string name;
  std::string binary;  // under the build directory
};
void PrintTo(const DataService& service, std::ostream* os) { *os << service.name; }

// The value of the rcp_insecure gauge at the daemon's /metrics.
std::string InsecureGauge(const Daemon& d) {
  httplib::Client http("127.0.0.1", d.ListedPort("metrics_port"));
  auto scraped = http.Get("/metrics");
  if (!scraped) return "no /metrics";
  size_t at = scraped->body.find("\nrcp_insecure ");
  if (at == std::string::npos) return "no rcp_insecure";
  size_t end = scraped->body.find('\n', at + 1);
  return scraped->body.substr(at + 1, end - at - 1);
}

class DataServiceListenerTest : public ::testing::TestWithParam<DataService> {
 protected:
  static void SetUpTestSuite() {
    certs_ = new rcp::testing::TempDir();
    ASSERT_EQ(std::system(absl::StrCat(RCP_SOURCE_DIR, "/deploy/make-certs.sh ", certs_->path(),
                                       " server client")
                              .c_str()),
              0);
  }
  static void TearDownTestSuite() {
    delete certs_;
    certs_ = nullptr;
  }

  std::unique_ptr<Daemon> NewDaemon(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--data_dir=" + data_dir(), "--deployment_id=e2e.secretariat",
                                     "--metrics_listen=127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<Daemon>(rcp::testing::BuildDir() + "/" + GetParam().binary, args, dir_.Sub("log"));
  }
  std::string data_dir() { return dir_.Sub("data"); }
  std::string TokenFile() {
    std::string path = dir_.Sub("token");
    std::ofstream(path) << "a-long-internal-token-for-the-test\n";
    return path;
  }
  static std::string Cert(const std::string& name) { return absl::StrCat(certs_->path(), "/", name, ".pem"); }
  static std::string Key(const std::string& name) { return absl::StrCat(certs_->path(), "/", name, ".key"); }

  // A health check over TLS at the daemon's port, presenting the client
  // certificate when `client_cert`.
  static grpc::Status CheckHealthOverTls(const Daemon& d, bool client_cert) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = *io::ReadFile(Cert("ca"));
    if (client_cert) {
      ssl.pem_cert_chain = *io::ReadFile(Cert("client"));
      ssl.pem_private_key = *io::ReadFile(Key("client"));
    }
    auto stub = grpc::health::v1::Health::NewStub(grpc::CreateChannel(d.address(), grpc::SslCredentials(ssl)));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::health::v1::HealthCheckResponse response;
    return stub->Check(&context, grpc::health::v1::HealthCheckRequest(), &response);
  }

  static rcp::testing::TempDir* certs_;
  rcp::testing::TempDir dir_;
};

rcp::testing::TempDir* DataServiceListenerTest::certs_ = nullptr;

TEST_P(DataServiceListenerTest, RefusesToServeEveryoneBeyondLoopback) {
  auto d = NewDaemon({"--listen=0.0.0.0:0"});
  absl::Status started = d->Start();
  ASSERT_FALSE(started.ok());
  EXPECT_THAT(started.message(), HasSubstr("status 512"));  // exit code 2
  EXPECT_THAT(d->Log(), HasSubstr("beyond loopback without internal authentication"));
  EXPECT_THAT(d->Log(), HasSubstr("--internal_token_file"));
  EXPECT_THAT(d->Log(), HasSubstr("--tls_client_ca"));
  EXPECT_THAT(d->Log(), HasSubstr("--insecure"));
  // Refused before anything was opened.
  EXPECT_FALSE(std::filesystem::exists(data_dir()));
}

TEST_P(DataServiceListenerTest, RefusesAnInternalTokenInPlaintextBeyondLoopback) {
  auto d = NewDaemon({"--listen=0.0.0.0:0", "--internal_token_file=" + TokenFile()});
  ASSERT_FALSE(d->Start().ok());
  EXPECT_THAT(d->Log(), HasSubstr("the internal token needs TLS"));
  EXPECT_THAT(d->Log(), HasSubstr("--tls_cert"));
  EXPECT_FALSE(std::filesystem::exists(data_dir()));
}

TEST_P(DataServiceListenerTest, ServesBeyondLoopbackWithAnInternalTokenOverTls) {
  auto d = NewDaemon({"--listen=0.0.0.0:0", "--internal_token_file=" + TokenFile(), "--tls_cert=" + Cert("server"),
                      "--tls_key=" + Key("server")});
  ASSERT_THAT(d->Start(), IsOk());
  EXPECT_THAT(d->Log(), HasSubstr("internal_auth=true"));
  EXPECT_TRUE(CheckHealthOverTls(*d, /*client_cert=*/false).ok());
  EXPECT_EQ(InsecureGauge(*d), "rcp_insecure 0");
  EXPECT_THAT(d->Log(), Not(HasSubstr("--insecure")));
}

TEST_P(DataServiceListenerTest, ServesBeyondLoopbackWithClientCertificates) {
  auto d = NewDaemon({"--listen=0.0.0.0:0", "--tls_cert=" + Cert("server"), "--tls_key=" + Key("server"),
                      "--tls_client_ca=" + Cert("ca")});
  ASSERT_THAT(d->Start(), IsOk());
  EXPECT_THAT(d->Log(), HasSubstr("mtls=true"));
  EXPECT_TRUE(CheckHealthOverTls(*d, /*client_cert=*/true).ok());
  // A caller without a certificate the CA signed does not get in.
  EXPECT_FALSE(CheckHealthOverTls(*d, /*client_cert=*/false).ok());
}

// Plaintext health at `port` on loopback for `service` ("" is readiness);
// UNKNOWN when the call fails.
grpc::health::v1::HealthCheckResponse::ServingStatus PlaintextHealth(int port, const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  if (!stub->Check(&context, request, &response).ok()) return grpc::health::v1::HealthCheckResponse::UNKNOWN;
  return response.status();
}

// The status of calling `method` with an empty message at `port`, in
// plaintext and without credentials.
grpc::Status PlaintextCall(int port, const std::string& method) {
  grpc::GenericStub stub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::CompletionQueue cq;
  grpc::ByteBuffer request, response;
  auto call = stub.PrepareUnaryCall(&context, method, request, &cq);
  call->StartCall();
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);
  return status;
}

// The kubelet's gRPC probe speaks neither TLS nor the internal token: the
// health port answers it in plaintext, and serves nothing but health.
TEST_P(DataServiceListenerTest, TheHealthPortAnswersPlaintextProbesAndServesNothingElse) {
  auto d = NewDaemon({"--listen=0.0.0.0:0", "--tls_cert=" + Cert("server"), "--tls_key=" + Key("server"),
                      "--tls_client_ca=" + Cert("ca"), "--health_listen=127.0.0.1:0"});
  ASSERT_THAT(d->Start(), IsOk());
  int health_port = d->ListedPort("health_port");
  ASSERT_GT(health_port, 0) << d->Log();
  using Status = grpc::health::v1::HealthCheckResponse;
  EXPECT_EQ(PlaintextHealth(health_port, ""), Status::SERVING);
  EXPECT_EQ(PlaintextHealth(health_port, "liveness"), Status::SERVING);
  // The main port still refuses a caller without a client certificate.
  EXPECT_FALSE(CheckHealthOverTls(*d, /*client_cert=*/false).ok());
  // The data service's own methods, the internal Backup above all, are not
  // on the health port.
  EXPECT_EQ(PlaintextCall(health_port, "/rcp.admin.v1.Backup/TakeBackup").error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  // The control: the same call reaches a method that is there.
  EXPECT_NE(PlaintextCall(health_port, "/grpc.health.v1.Health/Check").error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST_P(DataServiceListenerTest, AHealthPortInUseIsAClearRefusal) {
  auto first = NewDaemon({"--health_listen=127.0.0.1:0"});
  ASSERT_THAT(first->Start(), IsOk());
  int taken = first->ListedPort("health_port");
  ASSERT_GT(taken, 0);
  rcp::testing::TempDir other;
  Daemon second(rcp::testing::BuildDir() + "/" + GetParam().binary,
                {"--data_dir=" + other.Sub("data"), "--deployment_id=e2e.secretariat",
                 absl::StrCat("--health_listen=127.0.0.1:", taken)},
                other.Sub("log"));
  EXPECT_FALSE(second.Start().ok());
  EXPECT_THAT(second.Log(), HasSubstr("health_listen: cannot listen on 127.0.0.1:"));
}

TEST_P(DataServiceListenerTest, InsecureServesEveryoneAndSaysSo) {
  auto d = NewDaemon({"--listen=0.0.0.0:0", "--insecure"});
  ASSERT_THAT(d->Start(), IsOk());
  EXPECT_THAT(d->Log(), HasSubstr("level=warning"));
  EXPECT_THAT(d->Log(), HasSubstr("running with --insecure"));
  EXPECT_EQ(InsecureGauge(*d), "rcp_insecure 1");
}

TEST_P(DataServiceListenerTest, AnEnvironmentVariableThatNamesNoFlagIsWarnedAboutNotIgnoredInSilence) {
  // RCP_<FLAG> sets a flag; a renamed or misspelt one is named at start.
  setenv("RCP_CALENDAR_LISTEN", "0.0.0.0:7180", 1);
  setenv("RCP_LOG_LEVEL", "info", 1);
  auto d = NewDaemon({});
  absl::Status started = d->Start();
  unsetenv("RCP_CALENDAR_LISTEN");
  unsetenv("RCP_LOG_LEVEL");
  ASSERT_THAT(started, IsOk());
  EXPECT_THAT(d->Log(), HasSubstr("environment variable RCP_CALENDAR_LISTEN names no flag of"));
  EXPECT_THAT(d->Log(), Not(HasSubstr("RCP_LOG_LEVEL names no flag"))) << "a flag's variable is no warning";
}

TEST_P(DataServiceListenerTest, LoopbackNeedsNothing) {
  auto d = NewDaemon({"--listen=127.0.0.1:0"});
  ASSERT_THAT(d->Start(), IsOk());
  EXPECT_THAT(d->Log(), Not(HasSubstr("level=warning")));
  EXPECT_EQ(InsecureGauge(*d), "rcp_insecure 0");
}

INSTANTIATE_TEST_SUITE_P(EveryDataService, DataServiceListenerTest,
                         ::testing::Values(DataService{"registry", "services/registry/rcp-registryd"},
                                           DataService{"events", "services/events/rcp-eventsd"},
                                           DataService{"documents", "services/documents/rcp-documentsd"}),
                         [](const auto& info) { return info.param.name; });

// The gateway's public port carries API keys: beyond loopback, TLS.
class GatewayListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* service : {"registry", "events", "documents"}) {
      auto d = std::make_unique<Daemon>(
          absl::StrCat(rcp::testing::BuildDir(), "/services/", service, "/rcp-", service, "d"),
          std::vector<std::string>{"--listen=127.0.0.1:0", "--data_dir=" + dir_.Sub(service),
                                   "--deployment_id=e2e.secretariat"},
          dir_.Sub(absl::StrCat(service, ".log")));
      ASSERT_THAT(d->Start(), IsOk());
      services_.push_back(std::move(d));
    }
  }
  std::unique_ptr<Daemon> NewGateway(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--deployment_id=e2e.secretariat", "--metrics_listen=127.0.0.1:0",
                                     "--registry=" + services_[0]->address(), "--events=" + services_[1]->address(),
                                     "--documents=" + services_[2]->address()};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<Daemon>(rcp::testing::BuildDir() + "/services/gateway/rcp-gatewayd", args,
                                    dir_.Sub("log"));
  }
  rcp::testing::TempDir dir_;
  std::vector<std::unique_ptr<Daemon>> services_;
};

TEST_F(GatewayListenerTest, RefusesPlaintextBeyondLoopback) {
  auto d = NewGateway({"--listen=0.0.0.0:0"});
  ASSERT_FALSE(d->Start().ok());
  EXPECT_THAT(d->Log(), HasSubstr("would carry API keys in plaintext"));
  EXPECT_THAT(d->Log(), HasSubstr("--tls_cert"));
  EXPECT_THAT(d->Log(), HasSubstr("--insecure"));
}

TEST_F(GatewayListenerTest, InsecureServesInPlaintextAndSaysSo) {
  auto d = NewGateway({"--listen=0.0.0.0:0", "--insecure"});
  ASSERT_THAT(d->Start(), IsOk());
  EXPECT_THAT(d->Log(), HasSubstr("level=warning"));
  EXPECT_THAT(d->Log(), HasSubstr("running with --insecure"));
  EXPECT_EQ(InsecureGauge(*d), "rcp_insecure 1");
}

}  // namespace
}  // namespace rcp
