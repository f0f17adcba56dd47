// How a public call is served: authenticate the caller, apply the policy,
// call the data service for the caller's principal, check or filter what
// comes back. Work that blocks (a registry lookup, retries, several upstream
// calls) runs on the gateway's pool; a single upstream call for a cached
// caller runs on gRPC's threads with the callback API.
#ifndef RCP_SERVICES_GATEWAY_FORWARD_H_
#define RCP_SERVICES_GATEWAY_FORWARD_H_

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "common/concurrency/thread_pool.h"
#include "common/server/blocking.h"
#include "common/status/status.h"
#include "services/gateway/authenticator.h"
#include "services/gateway/gateway_options.h"
#include "services/gateway/policy.h"
#include "services/gateway/upstream.h"

namespace rcp::gateway {

// What every public service of the gateway uses. None is owned.
struct Deps {
  Upstream* upstream;
  Authenticator* auth;
  ThreadPool* pool;
  const GatewayOptions* options;
};

class Forwarder {
 public:
  explicit Forwarder(Deps deps) : deps_(deps) {}

  // Authenticates the caller, then runs `body(principal)` (returning
  // absl::Status) on the pool and finishes the call with its status.
  template <typename Body>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context, Body body) {
    Authenticator* auth = deps_.auth;
    return server::RunBlocking(deps_.pool, context, [auth, context, body]() mutable -> absl::Status {
      RCP_ASSIGN_OR_RETURN(PrincipalPtr principal, auth->Authenticate(context));
      return body(*principal);
    });
  }

  // A read served without leaving gRPC's threads when it can: with the
  // caller's principal in the cache, the upstream call is made with the
  // callback API and `check(principal, response)` (policy on the result)
  // runs in its completion. Otherwise — key not cached, or the service
  // unavailable (retries with backoff) — it falls back to Serve on the pool.
  // `start(ctx, request, response, done)` starts the upstream call.
  template <typename Request, typename Response, typename Start, typename Check>
  grpc::ServerUnaryReactor* ServeRead(grpc::CallbackServerContext* context, const Request* request,
                                      Response* response, Start start, Check check) {
    PrincipalPtr principal = deps_.auth->TryCached(context);
    auto blocking = [this, context, request, response, start,
                     check](const policy::Principal& p) -> absl::Status {
      RCP_RETURN_IF_ERROR(
          Read(p, context, [&](grpc::ClientContext* c) { return CallAndWait(start, c, request, response); }));
      return check(p, response);
    };
    if (principal == nullptr) return Serve(context, blocking);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    auto* upstream = new grpc::ClientContext();
    deps_.upstream->Prepare(upstream, principal->api_key(), context);
    start(upstream, request, response,
          [this, reactor, upstream, principal, context, response, check, blocking](grpc::Status s) {
            delete upstream;
            if (s.error_code() == grpc::StatusCode::UNAVAILABLE) {
              // Retry with backoff, off gRPC's threads.
              deps_.pool->Schedule(
                  [reactor, principal, blocking] { reactor->Finish(ToGrpcStatus(blocking(*principal))); });
              return;
            }
            if (!s.ok()) return reactor->Finish(s);
            reactor->Finish(ToGrpcStatus(check(*principal, response)));
          });
    return reactor;
  }

  // A write whose permission depends on the caller alone
  // (`authorize(principal)` returns absl::Status), made once. With the
  // caller's principal cached it never leaves gRPC's threads, as ServeRead;
  // otherwise it runs on the pool as Serve does. `start` as for ServeRead.
  template <typename Request, typename Response, typename Authorize, typename Start>
  grpc::ServerUnaryReactor* ServeWrite(grpc::CallbackServerContext* context, const Request* request,
                                       Response* response, Authorize authorize, Start start) {
    PrincipalPtr principal = deps_.auth->TryCached(context);
    if (principal == nullptr) {
      return Serve(context, [this, context, request, response, authorize, start](const policy::Principal& p) {
        RCP_RETURN_IF_ERROR(authorize(p));
        return Write(p, context,
                     [&](grpc::ClientContext* c) { return CallAndWait(start, c, request, response); });
      });
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (absl::Status denied = authorize(*principal); !denied.ok()) {
      reactor->Finish(ToGrpcStatus(denied));
      return reactor;
    }
    auto* upstream = new grpc::ClientContext();
    deps_.upstream->Prepare(upstream, principal->api_key(), context);
    start(upstream, request, response, [reactor, upstream](grpc::Status s) {
      delete upstream;
      reactor->Finish(s);
    });
    return reactor;
  }

  // An idempotent call for `p`, retried while the service is briefly
  // unavailable.
  template <typename Call>
  absl::Status Read(const policy::Principal& p, const grpc::ServerContextBase* client, Call call) {
    return FromGrpcStatus(deps_.upstream->WithRetry(p.api_key(), client, call));
  }

  // A call that changes something: made once.
  template <typename Call>
  absl::Status Write(const policy::Principal& p, const grpc::ServerContextBase* client, Call call) {
    grpc::ClientContext context;
    deps_.upstream->Prepare(&context, p.api_key(), client);
    return FromGrpcStatus(call(&context));
  }

  static absl::Status AdminOnly(const policy::Principal& p, absl::string_view what) {
    if (policy::IsAdmin(p)) return absl::OkStatus();
    return absl::PermissionDeniedError(absl::StrCat(what, " is for the deployment's administrators"));
  }

  Upstream* upstream() { return deps_.upstream; }
  const Deps& deps() const { return deps_; }

 private:
  // Makes a callback-API call and waits for it (on the pool only).
  template <typename Start, typename Request, typename Response>
  static grpc::Status CallAndWait(Start& start, grpc::ClientContext* c, const Request* request,
                                  Response* response) {
    grpc::Status status;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    start(c, request, response, [&](grpc::Status s) {
      std::lock_guard<std::mutex> lock(mu);
      status = std::move(s);
      done = true;
      cv.notify_one();
    });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
    return status;
  }

  Deps deps_;
};

// The `start` of ServeRead and ServeWrite: `stub`'s Method with the
// callback API.
#define RCP_UPSTREAM_CALL(stub, Method)                                                                 \
  [stub](grpc::ClientContext* c, const auto* req, auto* resp, std::function<void(grpc::Status)> done) { \
    stub->async()->Method(c, req, resp, std::move(done));                                               \
  }

}  // namespace rcp::gateway

#endif  // RCP_SERVICES_GATEWAY_FORWARD_H_
