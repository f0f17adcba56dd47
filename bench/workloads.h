// What the benchmarks send: a realistic meeting, our unary calls, and the
// bare-gRPC echo of a payload of the same size (the baseline every figure is
// a ratio to).
#ifndef RCP_BENCH_WORKLOADS_H_
#define RCP_BENCH_WORKLOADS_H_

#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <functional>
#include <string>

#include "absl/strings/str_cat.h"
#include "bench/load.h"
#include "rcp/echo/v1/echo.grpc.pb.h"
#include "rcp/events/v1/events.pb.h"

namespace rcp::bench {

// Meeting number `i` of a Bali Process working group, one every 10 minutes.
inline rcp::events::v1::CreateMeetingRequest NewMeeting(uint64_t i) {
  using google::protobuf::util::TimeUtil;
  rcp::events::v1::CreateMeetingRequest req;
  auto* m = req.mutable_meeting();
  m->add_processes("processes/bali-process");
  m->set_title(absl::StrCat("Working group on trafficking in persons, session ", i));
  m->set_kind(rcp::events::v1::WORKING_GROUP);
  m->set_time_zone("Asia/Jakarta");
  *m->mutable_start_time() = TimeUtil::SecondsToTimestamp(1800000000 + (i % 100000) * 600);
  *m->mutable_end_time() = TimeUtil::SecondsToTimestamp(1800000000 + (i % 100000) * 600 + 3600);
  m->mutable_venue()->set_city("Jakarta");
  m->mutable_venue()->set_country("IDN");
  m->set_visibility(rcp::common::v1::MEMBERS);
  return req;
}

// Unary calls kept `outstanding` for `d`: request i is make(i), sent by
// `method(context, request, response, on_done)` (a stub's async() method).
// With a `key`, each call carries `authorization: Bearer <key>` (for the
// gateway). A failed call is counted and printed on stderr.
template <typename Req, typename Resp, typename Method>
LoadResult Calls(int outstanding, absl::Duration d, std::function<Req(uint64_t)> make, Method method,
                 const std::string& key = "") {
  return RunLoad(outstanding, d, [&](uint64_t i, std::function<void(bool)> done) {
    struct Call {
      grpc::ClientContext ctx;
      Req req;
      Resp resp;
    };
    auto* call = new Call;
    if (!key.empty()) call->ctx.AddMetadata("authorization", "Bearer " + key);
    call->req = make(i);
    method(&call->ctx, &call->req, &call->resp, [call, done](grpc::Status s) {
      if (!s.ok()) std::fprintf(stderr, "call failed: %s\n", s.error_message().c_str());
      delete call;
      done(s.ok());
    });
  });
}

// Echo calls of `payload_bytes` kept `outstanding` for `d`.
inline LoadResult Echo(rcp::echo::v1::Echo::Stub* stub, int outstanding, absl::Duration d, size_t payload_bytes) {
  std::string payload(payload_bytes, 'x');
  return RunLoad(outstanding, d, [&](uint64_t, std::function<void(bool)> done) {
    struct Call {
      grpc::ClientContext ctx;
      rcp::echo::v1::EchoMessage req, resp;
    };
    auto* call = new Call;
    call->req.set_payload(payload);
    stub->async()->Echo(&call->ctx, &call->req, &call->resp, [call, done](grpc::Status s) {
      delete call;
      done(s.ok());
    });
  });
}

}  // namespace rcp::bench

#endif  // RCP_BENCH_WORKLOADS_H_
