// rcp-eventsd under load, beside the bare-gRPC echo server of the same shape,
// both real processes on loopback, measured in the same run:
//   CreateMeeting (durable), GetMeeting and ListMeetings at 1 and 64
//   outstanding calls; the echo carries a payload of the same size.
//
//   build/bench/events_bench [--seconds=3]
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "bench/load.h"
#include "bench/workloads.h"
#include "common/testing/daemon.h"
#include "common/testing/temp_dir.h"
#include "rcp/echo/v1/echo.grpc.pb.h"
#include "rcp/events/v1/events.grpc.pb.h"

namespace v1 = rcp::events::v1;
using google::protobuf::util::TimeUtil;
using rcp::bench::Calls;
using rcp::bench::Echo;
using rcp::bench::NewMeeting;

int main(int argc, char** argv) {
  double seconds = 3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--seconds=", 0) == 0) seconds = std::stod(a.substr(10));
  }
  absl::Duration d = absl::Seconds(seconds);
  rcp::testing::TempDir dir;
  std::string build = rcp::testing::BuildDir();
  rcp::testing::Daemon events(build + "/services/events/rcp-eventsd",
                              {"--listen=127.0.0.1:0", "--data_dir=" + dir.Sub("events")},
                              dir.Sub("events.log"));
  rcp::testing::Daemon echo(build + "/bench/echo_server", {"--listen=127.0.0.1:0"}, dir.Sub("echo.log"));
  if (auto s = events.Start(); !s.ok()) {
    std::fprintf(stderr, "rcp-eventsd: %s\n", s.ToString().c_str());
    return 1;
  }
  if (auto s = echo.Start(); !s.ok()) {
    std::fprintf(stderr, "echo_server: %s\n", s.ToString().c_str());
    return 1;
  }
  auto events_stub = v1::Events::NewStub(grpc::CreateChannel(events.address(), grpc::InsecureChannelCredentials()));
  auto echo_stub = rcp::echo::v1::Echo::NewStub(grpc::CreateChannel(echo.address(), grpc::InsecureChannelCredentials()));

  std::printf("rcp-eventsd vs bare gRPC echo (same payload size), %.0f s per point, 2 cores shared "
              "by client and servers\n", seconds);
  rcp::bench::PrintHeader();
  size_t create_bytes = NewMeeting(0).ByteSizeLong();
  for (int depth : {1, 64}) {
    auto ours = Calls<v1::CreateMeetingRequest, v1::Meeting>(
        depth, d, NewMeeting, [&](auto* ctx, auto* req, auto* resp, auto cb) {
          events_stub->async()->CreateMeeting(ctx, req, resp, cb);
        });
    auto bare = Echo(echo_stub.get(), depth, d, create_bytes);
    rcp::bench::PrintRow("CreateMeeting (durable)", depth, ours, bare);
  }

  // Reads: one known meeting, and a window of 20 meetings.
  grpc::ClientContext ctx;
  v1::Meeting known;
  if (!events_stub->CreateMeeting(&ctx, NewMeeting(7), &known).ok()) return 1;
  size_t meeting_bytes = known.ByteSizeLong();
  for (int depth : {1, 64}) {
    auto ours = Calls<v1::GetMeetingRequest, v1::Meeting>(
        depth, d,
        [&](uint64_t) {
          v1::GetMeetingRequest r;
          r.set_name(known.name());
          return r;
        },
        [&](auto* ctx, auto* req, auto* resp, auto cb) { events_stub->async()->GetMeeting(ctx, req, resp, cb); });
    auto bare = Echo(echo_stub.get(), depth, d, meeting_bytes);
    rcp::bench::PrintRow("GetMeeting", depth, ours, bare);
  }
  v1::ListMeetingsRequest window;
  window.mutable_filter()->add_processes("processes/bali-process");
  *window.mutable_filter()->mutable_start_time() = TimeUtil::SecondsToTimestamp(1800000000);
  *window.mutable_filter()->mutable_end_time() = TimeUtil::SecondsToTimestamp(1800000000 + 20 * 600);
  window.set_page_size(20);
  grpc::ClientContext lctx;
  v1::ListMeetingsResponse sample;
  if (!events_stub->ListMeetings(&lctx, window, &sample).ok()) return 1;
  for (int depth : {1, 64}) {
    auto ours = Calls<v1::ListMeetingsRequest, v1::ListMeetingsResponse>(
        depth, d, [&](uint64_t) { return window; },
        [&](auto* ctx, auto* req, auto* resp, auto cb) { events_stub->async()->ListMeetings(ctx, req, resp, cb); });
    auto bare = Echo(echo_stub.get(), depth, d, sample.ByteSizeLong());
    rcp::bench::PrintRow(absl::StrCat("ListMeetings (", sample.meetings_size(), " in window)").c_str(), depth,
                         ours, bare);
  }
  return 0;
}
