// Runs a unary handler's blocking work (storage) on a pool, never on gRPC's
// callback threads, and finishes the call with the converted status.
#ifndef RCP_COMMON_SERVER_BLOCKING_H_
#define RCP_COMMON_SERVER_BLOCKING_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include <utility>

#include "absl/status/status.h"
#include "common/concurrency/thread_pool.h"
#include "common/status/status.h"

namespace rcp::server {

// Moves a result into the response a handler fills, or returns its error.
template <typename T>
absl::Status FillResponse(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return result.status();
  *response = std::move(*result);
  return absl::OkStatus();
}

// `fn` returns absl::Status and fills the response it captured; the request
// and response stay valid until Finish.
template <typename Fn>
grpc::ServerUnaryReactor* RunBlocking(ThreadPool* pool, grpc::CallbackServerContext* context, Fn fn) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  pool->Schedule([reactor, context, fn = std::move(fn)]() mutable {
    if (context->IsCancelled()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled before it ran"));
      return;
    }
    reactor->Finish(ToGrpcStatus(fn()));
  });
  return reactor;
}

// For point reads (a RocksDB Get, almost always served from memory): the
// work is shorter than the two thread hand-offs the pool costs, so it runs
// on gRPC's callback thread.
template <typename Fn>
grpc::ServerUnaryReactor* RunInline(grpc::CallbackServerContext* context, Fn fn) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(fn()));
  return reactor;
}

}  // namespace rcp::server

#endif  // RCP_COMMON_SERVER_BLOCKING_H_
