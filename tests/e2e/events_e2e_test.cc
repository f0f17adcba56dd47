// rcp-eventsd as users run it: real binary, real port, real data dir.
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status/status.h"
#include "common/testing/daemon.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "rcp/events/v1/events.grpc.pb.h"

namespace rcp {
namespace {

using ::rcp::testing::Daemon;
using ::rcp::testing::IsOk;
using ::testing::HasSubstr;
namespace v1 = ::rcp::events::v1;
using google::protobuf::util::TimeUtil;

class EventsE2eTest : public ::testing::Test {
 protected:
  std::unique_ptr<Daemon> StartDaemon(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--listen=127.0.0.1:0", "--data_dir=" + dir_.Sub("data"),
                                     "--deployment_id=e2e.secretariat"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto d = std::make_unique<Daemon>(rcp::testing::BuildDir() + "/services/events/rcp-eventsd", args,
                                      dir_.Sub("log"));
    EXPECT_THAT(d->Start(), IsOk());
    return d;
  }
  static std::unique_ptr<v1::Events::Stub> Stub(const Daemon& d) {
    return v1::Events::NewStub(grpc::CreateChannel(d.address(), grpc::InsecureChannelCredentials()));
  }
  static v1::CreateMeetingRequest NewMeeting(int i) {
    v1::CreateMeetingRequest req;
    auto* m = req.mutable_meeting();
    m->add_processes("processes/bali-process");
    m->set_title(absl::StrCat("Working group session ", i));
    m->set_kind(v1::WORKING_GROUP);
    m->set_time_zone("Asia/Jakarta");
    *m->mutable_start_time() = TimeUtil::SecondsToTimestamp(1800000000 + i * 3600);
    *m->mutable_end_time() = TimeUtil::SecondsToTimestamp(1800000000 + i * 3600 + 1800);
    m->set_visibility(rcp::common::v1::MEMBERS);
    req.set_request_id(absl::StrCat("e2e-", i));
    return req;
  }
  rcp::testing::TempDir dir_;
};

TEST_F(EventsE2eTest, SeedHoldsTheGenevaWorkshopAndExportValidates) {
  std::string seed = std::string("--seed_file=") + RCP_SOURCE_DIR + "/deploy/seed/events.textproto";
  auto d = StartDaemon({seed});
  auto stub = Stub(*d);
  grpc::ClientContext ctx;
  v1::GetMeetingRequest get;
  get.set_name("processes/igc/meetings/gcim-iom-workshop-2005");
  v1::Meeting workshop;
  ASSERT_THAT(FromGrpcStatus(stub->GetMeeting(&ctx, get, &workshop)), IsOk());
  EXPECT_EQ(workshop.status(), v1::HELD);
  EXPECT_EQ(workshop.processes_size(), 9);
  EXPECT_EQ(workshop.kind(), v1::INTER_RCP_MEETING);

  // In the calendar of each of the nine processes.
  grpc::ClientContext lctx;
  v1::ListMeetingsRequest list;
  list.mutable_filter()->add_processes("processes/midsa");
  v1::ListMeetingsResponse listed;
  ASSERT_THAT(FromGrpcStatus(stub->ListMeetings(&lctx, list, &listed)), IsOk());
  ASSERT_GE(listed.meetings_size(), 1);
  EXPECT_EQ(listed.meetings(0).name(), workshop.name());

  // A second start with the seed adds nothing.
  uint64_t revision = listed.revision();
  ASSERT_THAT(d->Stop(SIGTERM), IsOk());
  d = StartDaemon({seed});
  stub = Stub(*d);
  grpc::ClientContext l2;
  ASSERT_THAT(FromGrpcStatus(stub->ListMeetings(&l2, list, &listed)), IsOk());
  EXPECT_EQ(listed.revision(), revision);

  // The exported calendar parses and validates with an independent parser.
  grpc::ClientContext ectx;
  v1::ExportCalendarResponse cal;
  ASSERT_THAT(FromGrpcStatus(stub->ExportCalendar(&ectx, {}, &cal)), IsOk());
  std::string path = dir_.Sub("export.ics");
  std::ofstream(path, std::ios::binary) << cal.body();
  std::string cmd = "/usr/bin/python3 -c \"import sys, vobject; "
                    "c = vobject.readOne(open(sys.argv[1], encoding='utf-8').read(), validate=True); "
                    "n = len(c.contents.get('vevent', [])); sys.exit(0 if n == 5 else 3)\" " +
                    path;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cal.body();
}

// kill -9 while clients write: every acknowledged meeting is there after
// a restart, and the change feed has each exactly once.
TEST_F(EventsE2eTest, KillNineDuringWritesLosesNoAcknowledgedMeeting) {
  auto d = StartDaemon();
  struct {
    absl::Mutex mu;
    std::set<std::string> names ABSL_GUARDED_BY(mu);
  } acknowledged;
  std::atomic<bool> stop{false};
  std::atomic<int> next{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&] {
      auto stub = Stub(*d);
      while (!stop) {
        int i = next++;
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        v1::Meeting m;
        if (stub->CreateMeeting(&ctx, NewMeeting(i), &m).ok()) {
          absl::MutexLock lock(&acknowledged.mu);
          acknowledged.names.insert(m.name());
        }
      }
    });
  }
  while (true) {
    {
      absl::MutexLock lock(&acknowledged.mu);
      if (acknowledged.names.size() >= 200) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto killed = d->Stop(SIGKILL);
  stop = true;
  for (auto& w : writers) w.join();
  ASSERT_THAT(killed, IsOk());

  d = StartDaemon();
  auto stub = Stub(*d);
  std::set<std::string> present;
  v1::ListMeetingsRequest list;
  list.set_page_size(1000);
  do {
    grpc::ClientContext ctx;
    v1::ListMeetingsResponse resp;
    ASSERT_THAT(FromGrpcStatus(stub->ListMeetings(&ctx, list, &resp)), IsOk());
    for (const auto& m : resp.meetings()) present.insert(m.name());
    list.set_page_token(resp.next_page_token());
  } while (!list.page_token().empty());
  {
    absl::MutexLock lock(&acknowledged.mu);  // the writers have stopped
    for (const auto& name : acknowledged.names) EXPECT_TRUE(present.count(name)) << "lost " << name;
  }

  // The feed replays every stored meeting's creation exactly once.
  grpc::ClientContext wctx;
  wctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  rcp::common::v1::WatchRequest watch;
  auto reader = stub->Watch(&wctx, watch);
  std::set<std::string> created;
  uint64_t last = 0;
  rcp::common::v1::WatchResponse batch;
  while (created.size() < present.size() && reader->Read(&batch)) {
    for (const auto& c : batch.changes()) {
      EXPECT_EQ(c.revision(), last + 1) << "gap or repeat in the feed";
      last = c.revision();
      EXPECT_TRUE(created.insert(c.name()).second) << "created twice: " << c.name();
    }
  }
  wctx.TryCancel();
  EXPECT_EQ(created, present);
}

TEST_F(EventsE2eTest, HealthServingAndCleanSigterm) {
  auto d = StartDaemon();
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(d->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  grpc::health::v1::HealthCheckResponse resp;
  ASSERT_TRUE(health->Check(&ctx, {}, &resp).ok());
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  auto status = d->Stop(SIGTERM);
  ASSERT_THAT(status, IsOk());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
}

}  // namespace
}  // namespace rcp
