// The bootstrap shared by all daemons, tested with a bare Echo service over
// real loopback gRPC: health, the internal credential, metrics, and graceful
// shutdown of open streams.
#include "common/server/server.h"

#include <google/protobuf/wrappers.pb.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <thread>

#include "common/concurrency/thread_pool.h"
#include "common/feed/watch_reactor.h"
#include "common/io/file.h"
#include "common/server/blocking.h"
#include "common/server/principal.h"
#include "common/status/status.h"
#include "common/storage/store.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "rcp/echo/v1/echo.grpc.pb.h"

namespace rcp::server {
namespace {

using ::rcp::echo::v1::EchoMessage;
using ::rcp::testing::StatusIs;
using ::testing::HasSubstr;

// Echoes the payload and reports the caller's principal in it when asked.
class EchoService final : public rcp::echo::v1::Echo::CallbackService {
 public:
  explicit EchoService(ThreadPool* pool) : pool_(pool) {}
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context, const EchoMessage* request,
                                 EchoMessage* response) override {
    return RunBlocking(pool_, context, [=] {
      *response = *request;
      if (request->payload() == "who") response->set_payload(PrincipalOf(context));
      if (request->payload() == "slow") absl::SleepFor(absl::Milliseconds(300));
      return absl::OkStatus();
    });
  }

 private:
  ThreadPool* pool_;
};

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options) {
    options.service_name = "test";
    server_ = std::make_unique<Server>(options);
    server_->AddService(&echo_);
    ASSERT_THAT(server_->Start(), rcp::testing::IsOk());
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
  }
  absl::Status CallEcho(const std::string& payload, const std::string& token = "",
                        std::string* reply = nullptr) {
    auto stub = rcp::echo::v1::Echo::NewStub(channel_);
    grpc::ClientContext ctx;
    if (!token.empty()) ctx.AddMetadata(kInternalTokenHeader, token);
    ctx.AddMetadata(kPrincipalHeader, "apiKeys/test");
    EchoMessage req, resp;
    req.set_payload(payload);
    absl::Status s = FromGrpcStatus(stub->Echo(&ctx, req, &resp));
    if (reply) *reply = resp.payload();
    return s;
  }

  ThreadPool pool_{4};
  EchoService echo_{&pool_};
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ServerTest, HealthIsServingUntilShutdown) {
  StartServer({});
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext ctx;
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  ASSERT_TRUE(health->Check(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(ServerTest, PrincipalReachesTheHandler) {
  StartServer({});
  std::string reply;
  ASSERT_THAT(CallEcho("who", "", &reply), rcp::testing::IsOk());
  EXPECT_EQ(reply, "apiKeys/test");
}

TEST_F(ServerTest, InternalTokenIsRequiredExceptForHealth) {
  ServerOptions o;
  o.internal_tokens = InternalTokens::Fixed("s3cret-internal-token");
  StartServer(o);
  EXPECT_THAT(CallEcho("hi"), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("gateway")));
  EXPECT_THAT(CallEcho("hi", "wrong-token"),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("not valid")));
  EXPECT_THAT(CallEcho("hi", "s3cret-internal-token"), rcp::testing::IsOk());
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext ctx;
  grpc::health::v1::HealthCheckResponse resp;
  EXPECT_TRUE(health->Check(&ctx, {}, &resp).ok()) << "probes need no secret";
}

TEST_F(ServerTest, MetricsEndpointCountsCallsByMethodAndCode) {
  ServerOptions o;
  o.metrics_address = "127.0.0.1:0";
  StartServer(o);
  server_->AddGauge("rcp_test_gauge", "a test gauge", [] { return 42.0; });
  ASSERT_THAT(CallEcho("a"), rcp::testing::IsOk());
  ASSERT_THAT(CallEcho("b"), rcp::testing::IsOk());
  ASSERT_GT(server_->metrics_port(), 0);
  httplib::Client http("127.0.0.1", server_->metrics_port());
  auto res = http.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->body,
              HasSubstr("rcp_grpc_requests_total{code=\"0\",method=\"/rcp.echo.v1.Echo/Echo\"} 2"));
  EXPECT_THAT(res->body, HasSubstr("rcp_grpc_request_duration_seconds_count{method=\"/rcp.echo.v1.Echo/Echo\"} 2"));
  EXPECT_THAT(res->body, HasSubstr("rcp_test_gauge 42"));
  // The two calls were answered; none is open (the scrape is no gRPC call).
  EXPECT_THAT(res->body, HasSubstr("\nrcp_grpc_requests_in_flight 0\n"));
}

TEST_F(ServerTest, ShutdownLetsCallsInFlightFinish) {
  StartServer({});
  absl::Status slow;
  std::thread caller([&] { slow = CallEcho("slow"); });
  absl::SleepFor(absl::Milliseconds(100));  // the call is running
  absl::Time start = absl::Now();
  server_->Shutdown();
  caller.join();
  EXPECT_THAT(slow, rcp::testing::IsOk());
  EXPECT_LT(absl::Now() - start, absl::Seconds(2)) << "an idle connection must not delay shutdown";
}

TEST_F(ServerTest, ListeningOnABusyPortFailsClearly) {
  StartServer({});
  ServerOptions o;
  o.service_name = "second";
  o.listen_address = "127.0.0.1:" + std::to_string(server_->port());
  Server second(o);
  EXPECT_THAT(second.Start(), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("listen")));
}

// Certificates from deploy/make-certs.sh, made fresh for each test.
class TlsTest : public ServerTest {
 protected:
  void SetUp() override {
    std::string cmd = std::string(RCP_SOURCE_DIR) + "/deploy/make-certs.sh " + certs_.path() +
                      " server client other >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  std::shared_ptr<grpc::Channel> TlsChannel(const std::string& client_name) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = io::ReadFile(certs_.Sub("ca.pem")).value();
    if (!client_name.empty()) {
      ssl.pem_cert_chain = io::ReadFile(certs_.Sub(client_name + ".pem")).value();
      ssl.pem_private_key = io::ReadFile(certs_.Sub(client_name + ".key")).value();
    }
    return grpc::CreateChannel("localhost:" + std::to_string(server_->port()),
                               grpc::SslCredentials(ssl));
  }
  ServerOptions TlsOptions(bool mtls) {
    ServerOptions o;
    o.tls_cert_file = certs_.Sub("server.pem");
    o.tls_key_file = certs_.Sub("server.key");
    if (mtls) o.tls_client_ca_file = certs_.Sub("ca.pem");
    return o;
  }
  rcp::testing::TempDir certs_;
};

TEST_F(TlsTest, ServesTlsAndRefusesPlaintext) {
  StartServer(TlsOptions(/*mtls=*/false));
  channel_ = TlsChannel("");
  EXPECT_THAT(CallEcho("hi"), rcp::testing::IsOk());
  channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                 grpc::InsecureChannelCredentials());
  EXPECT_THAT(CallEcho("hi"), StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
}

TEST_F(TlsTest, MutualTlsRequiresAClientCertificateFromTheCa) {
  StartServer(TlsOptions(/*mtls=*/true));
  channel_ = TlsChannel("client");
  EXPECT_THAT(CallEcho("hi"), rcp::testing::IsOk());
  channel_ = TlsChannel("");
  EXPECT_THAT(CallEcho("hi"), StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
}

TEST_F(TlsTest, InternalTokenIsCheckedOverTlsToo) {
  ServerOptions o = TlsOptions(/*mtls=*/false);
  o.internal_tokens = InternalTokens::Fixed("tok");
  StartServer(o);
  channel_ = TlsChannel("");
  EXPECT_THAT(CallEcho("hi"), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("gateway")));
  EXPECT_THAT(CallEcho("hi", "tok"), rcp::testing::IsOk());
}

TEST_F(ServerTest, MissingTlsFilesFailClearly) {
  ServerOptions o;
  o.service_name = "tls";
  o.tls_cert_file = "/nonexistent/cert.pem";
  o.tls_key_file = "/nonexistent/key.pem";
  Server server(o);
  EXPECT_THAT(server.Start(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tls_cert")));
}

// A Watch stream open at shutdown ends with UNAVAILABLE telling the client
// where to resume, and the server stops within its grace period.

TEST(ServerShutdownTest, OpenWatchStreamsEndWithUnavailableAndResumeRevision) {
  rcp::testing::TempDir dir;
  storage::StoreOptions so;
  so.path = dir.Sub("db");
  so.store_name = "test";
  so.column_families = {"items"};
  auto store = storage::Store::Open(so);
  ASSERT_TRUE(store.ok());

  // A generic service exposing the store's Watch, as every data service does.
  struct Svc : public grpc::Service {
    explicit Svc(storage::Store* s) {
      AddMethod(new grpc::internal::RpcServiceMethod(
          "/rcp.test.Feed/Watch", grpc::internal::RpcMethod::SERVER_STREAMING, nullptr));
      MarkMethodCallback(
          0, new grpc::internal::CallbackServerStreamingHandler<rcp::common::v1::WatchRequest,
                                                                rcp::common::v1::WatchResponse>(
                 [s](grpc::CallbackServerContext*, const rcp::common::v1::WatchRequest* req) {
                   return feed::StartWatch(s, *req);
                 }));
    }
  } svc(store->get());

  ServerOptions o;
  o.service_name = "feed";
  o.grace_period = absl::Seconds(5);
  Server server(o);
  server.AddService(&svc);
  server.OnShutdown([&] { (*store)->CloseWatchers("the server is shutting down"); });
  ASSERT_TRUE(server.Start().ok());

  google::protobuf::StringValue v;
  ASSERT_TRUE((*store)
                  ->Write({"t"}, {"a"},
                          [&](storage::Transaction& txn) {
                            txn.Put("items", "a", "1");
                            txn.RecordChange("a", "item", rcp::common::v1::Change::CREATED, v);
                            return absl::OkStatus();
                          })
                  .ok());

  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server.port()),
                                     grpc::InsecureChannelCredentials());
  grpc::ClientContext ctx;
  rcp::common::v1::WatchRequest req;
  auto reader = grpc::internal::ClientReaderFactory<rcp::common::v1::WatchResponse>::Create(
      channel.get(), grpc::internal::RpcMethod("/rcp.test.Feed/Watch",
                                               grpc::internal::RpcMethod::SERVER_STREAMING),
      &ctx, req);
  rcp::common::v1::WatchResponse resp;
  ASSERT_TRUE(reader->Read(&resp));
  ASSERT_EQ(resp.changes_size(), 1);
  EXPECT_EQ(resp.changes(0).revision(), 1u);

  absl::Time start = absl::Now();
  std::thread stopper([&] { server.Shutdown(); });
  while (reader->Read(&resp)) {
  }
  absl::Status end = FromGrpcStatus(reader->Finish());
  stopper.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(4)) << "streams must not hold shutdown to the grace period";
  EXPECT_THAT(end, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("since_revision=1")));
  rcp::common::v1::ResumeFrom resume;
  ASSERT_TRUE(GetDetail(end, &resume));
  EXPECT_EQ(resume.resume_revision(), 1u);
}

}  // namespace
}  // namespace rcp::server
