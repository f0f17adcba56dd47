// rcp-registryd as users run it: a real binary, real port, real data dir.
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>

#include "common/status/status.h"
#include "common/testing/daemon.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "rcp/registry/v1/registry.grpc.pb.h"

namespace rcp {
namespace {

using ::rcp::testing::Daemon;
using ::rcp::testing::IsOk;
using ::rcp::testing::StatusIs;
using ::testing::Contains;
using ::testing::HasSubstr;
namespace v1 = ::rcp::registry::v1;

constexpr char kToken[] = "e2e-internal-token";

class RegistryE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.Sub("token")) << kToken << "\n";
  }
  std::unique_ptr<Daemon> StartDaemon(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--listen=127.0.0.1:0", "--data_dir=" + dir_.Sub("data"),
                                     "--internal_token_file=" + dir_.Sub("token")};
    args.insert(args.end(), extra.begin(), extra.end());
    auto d = std::make_unique<Daemon>(
        rcp::testing::BuildDir() + "/services/registry/rcp-registryd", args, dir_.Sub("log"));
    absl::Status s = d->Start();
    EXPECT_THAT(s, IsOk());
    return d;
  }
  static std::shared_ptr<grpc::Channel> Channel(const Daemon& d) {
    return grpc::CreateChannel(d.address(), grpc::InsecureChannelCredentials());
  }
  static void Authorize(grpc::ClientContext* ctx) { ctx->AddMetadata("x-rcp-internal-token", kToken); }

  rcp::testing::TempDir dir_;
};

TEST_F(RegistryE2eTest, ServesHealthAndReflectionAndRefusesCallersWithoutToken) {
  auto d = StartDaemon();
  auto channel = Channel(*d);

  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext hctx;
  grpc::health::v1::HealthCheckResponse hresp;
  ASSERT_TRUE(health->Check(&hctx, {}, &hresp).ok());
  EXPECT_EQ(hresp.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
  grpc::ClientContext rctx;
  Authorize(&rctx);
  auto stream = reflection->ServerReflectionInfo(&rctx);
  grpc::reflection::v1alpha::ServerReflectionRequest rreq;
  rreq.set_list_services("");
  ASSERT_TRUE(stream->Write(rreq));
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse rresp;
  ASSERT_TRUE(stream->Read(&rresp));
  std::vector<std::string> services;
  for (const auto& s : rresp.list_services_response().service()) services.push_back(s.name());
  EXPECT_THAT(services, Contains("rcp.registry.v1.Registry"));
  EXPECT_THAT(services, Contains("grpc.health.v1.Health"));
  ASSERT_TRUE(stream->Finish().ok());

  auto registry = v1::Registry::NewStub(channel);
  grpc::ClientContext ctx;
  v1::ListProcessesResponse resp;
  EXPECT_THAT(FromGrpcStatus(registry->ListProcesses(&ctx, {}, &resp)),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("gateway")));
  // Nor the keyring, which only the gateways may read.
  grpc::ClientContext kctx;
  rcp::federation::v1::Keyring keyring;
  EXPECT_THAT(FromGrpcStatus(registry->GetKeyring(&kctx, {}, &keyring)),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("gateway")));
}

TEST_F(RegistryE2eTest, WritesSurviveSigtermAndRestart) {
  auto d = StartDaemon();
  {
    auto registry = v1::Registry::NewStub(Channel(*d));
    grpc::ClientContext c1;
    Authorize(&c1);
    v1::CreatePartyRequest party;
    party.set_party_id("IDN");
    party.mutable_party()->set_type(v1::Party::STATE);
    v1::Party p;
    ASSERT_THAT(FromGrpcStatus(registry->CreateParty(&c1, party, &p)), IsOk());
    EXPECT_EQ(p.display_name(), "Indonesia");

    grpc::ClientContext c2;
    Authorize(&c2);
    v1::CreateProcessRequest process;
    process.set_process_id("bali-process");
    process.mutable_process()->set_display_name("Bali Process");
    process.mutable_process()->set_acronym("Bali Process");
    v1::Process created;
    ASSERT_THAT(FromGrpcStatus(registry->CreateProcess(&c2, process, &created)), IsOk());
  }
  auto status = d->Stop(SIGTERM);
  ASSERT_THAT(status, IsOk());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << d->Log();
  EXPECT_THAT(d->Log(), HasSubstr("msg=stopped"));

  auto again = StartDaemon();
  auto registry = v1::Registry::NewStub(Channel(*again));
  grpc::ClientContext ctx;
  Authorize(&ctx);
  v1::GetProcessRequest get;
  get.set_name("processes/bali-process");
  v1::Process read;
  ASSERT_THAT(FromGrpcStatus(registry->GetProcess(&ctx, get, &read)), IsOk());
  EXPECT_EQ(read.display_name(), "Bali Process");
}

TEST_F(RegistryE2eTest, AnAcknowledgedKeyringUpdateSurvivesKill9) {
  auto d = StartDaemon();
  v1::UpdateKeyringRequest update;
  auto* entry = update.mutable_keyring()->add_entries();
  entry->mutable_key()->set_key_id("ed25519:00112233445566ff");
  entry->mutable_key()->set_public_key(std::string(32, 'p'));
  entry->set_sealed_private_key(std::string(12 + 32 + 16, 's'));
  rcp::federation::v1::Keyring written;
  {
    auto registry = v1::Registry::NewStub(Channel(*d));
    grpc::ClientContext ctx;
    Authorize(&ctx);
    ASSERT_THAT(FromGrpcStatus(registry->UpdateKeyring(&ctx, update, &written)), IsOk());
  }
  auto status = d->Stop(SIGKILL);
  ASSERT_THAT(status, IsOk());
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL);

  auto again = StartDaemon();
  auto registry = v1::Registry::NewStub(Channel(*again));
  grpc::ClientContext ctx;
  Authorize(&ctx);
  rcp::federation::v1::Keyring read;
  ASSERT_THAT(FromGrpcStatus(registry->GetKeyring(&ctx, {}, &read)), IsOk());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(read, written))
      << read.ShortDebugString() << " != " << written.ShortDebugString();
  // Replicas go on comparing against the etag they were answered.
  grpc::ClientContext uctx;
  Authorize(&uctx);
  update.set_etag(written.etag());
  rcp::federation::v1::Keyring next;
  EXPECT_THAT(FromGrpcStatus(registry->UpdateKeyring(&uctx, update, &next)), IsOk());
}

TEST_F(RegistryE2eTest, SeedLoadsTheNineRcpsOnceAcrossRestarts) {
  std::string seed = std::string("--seed_file=") + RCP_SOURCE_DIR + "/deploy/seed/registry.textproto";
  uint64_t first_revision = 0;
  for (int start = 0; start < 2; ++start) {
    auto d = StartDaemon({seed});
    auto registry = v1::Registry::NewStub(Channel(*d));
    grpc::ClientContext ctx;
    Authorize(&ctx);
    v1::ListProcessesResponse resp;
    ASSERT_THAT(FromGrpcStatus(registry->ListProcesses(&ctx, {}, &resp)), IsOk());
    EXPECT_EQ(resp.processes_size(), 9);
    if (start == 0) {
      first_revision = resp.revision();
      EXPECT_GT(first_revision, 0u);
    } else {
      EXPECT_EQ(resp.revision(), first_revision) << "a second start must add nothing";
    }
    grpc::ClientContext mctx;
    Authorize(&mctx);
    v1::ListMembershipsRequest mreq;
    mreq.set_parent("processes/-");
    mreq.set_party("parties/IDN");
    v1::ListMembershipsResponse mresp;
    ASSERT_THAT(FromGrpcStatus(registry->ListMemberships(&mctx, mreq, &mresp)), IsOk());
    std::vector<std::string> names;
    for (const auto& m : mresp.memberships()) names.push_back(m.name());
    EXPECT_THAT(names, Contains("processes/bali-process/memberships/idn"));
    EXPECT_THAT(names, Contains("processes/colombo-process/memberships/idn"));
    ASSERT_THAT(d->Stop(SIGTERM), IsOk());
  }
}

TEST_F(RegistryE2eTest, SecondDaemonOnTheSameDataDirRefusesToStart) {
  auto d = StartDaemon();
  Daemon second(rcp::testing::BuildDir() + "/services/registry/rcp-registryd",
                {"--listen=127.0.0.1:0", "--data_dir=" + dir_.Sub("data")}, dir_.Sub("log2"));
  EXPECT_THAT(second.Start(absl::Seconds(10)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("in use by another process")));
}

}  // namespace
}  // namespace rcp
