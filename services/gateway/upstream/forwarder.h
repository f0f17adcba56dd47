// How every public call is served, the one place the policy table is
// enforced: authenticate the caller, look its method up in the table
// (access/policy.h; a method missing there is refused), apply the rule —
// reading the item the rule judges when it is stored — refuse a write to a
// mirror (homes.h), check the write's references, call the data service for
// the caller, and judge what comes back.
//
// Work that may block (a registry lookup, reading a stored item, retries)
// runs on the gateway's pool. A call that needs none of it — the caller's
// key cached, no stored item to read, every reference known — is served on
// gRPC's threads with the callback API, start to finish.
#ifndef RCP_SERVICES_GATEWAY_UPSTREAM_FORWARDER_H_
#define RCP_SERVICES_GATEWAY_UPSTREAM_FORWARDER_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/concurrency/thread_pool.h"
#include "common/status/status.h"
#include "services/gateway/access/authenticator.h"
#include "services/gateway/access/policy.h"
#include "services/gateway/upstream/homes.h"
#include "services/gateway/upstream/references.h"
#include "services/gateway/upstream/upstream.h"

namespace rcp::gateway::upstream {

// What the public services share. None is owned.
struct Deps {
  Upstream* upstream;
  access::Authenticator* auth;
  References* references;
  Homes* homes;
  ThreadPool* pool;
};

// A data service's method with the callback API, as the generated
// StubInterface::async_interface declares it.
template <typename Async, typename Request, typename Response>
using AsyncUnary = void (Async::*)(grpc::ClientContext*, const Request*, Response*,
                                   std::function<void(grpc::Status)>);

// Thread-safe.
class Forwarder {
 public:
  // Serves the methods of `service` ("rcp.events.v1.Events").
  Forwarder(Deps deps, absl::string_view service);

  // A unary method forwarded as `call` on `async` (a stub's async()).
  template <typename Async, typename Request, typename Response>
  grpc::ServerUnaryReactor* Unary(const char* method, grpc::CallbackServerContext* context,
                                  const Request* request, Response* response, Async* async,
                                  AsyncUnary<Async, Request, Response> call);

  // A unary method the gateway answers itself: `body(principal)` fills the
  // response it captured and returns the status. A body that may block
  // (calls a service) says kMayBlock and runs on the pool; a kInline one
  // runs on gRPC's thread when the caller's key is cached. Under a kAnyone
  // rule the principal is empty: no credential was asked for.
  enum class Work { kInline, kMayBlock };
  template <typename Body>
  grpc::ServerUnaryReactor* Local(const char* method, grpc::CallbackServerContext* context,
                                  const google::protobuf::Message* request, Work work, Body body);

  // A call made for `caller` by the gateway's own front ends (the HTTP
  // calendar feed), through the same policy. Blocks: pool or the front
  // end's own threads only.
  template <typename Async, typename Request, typename Response>
  absl::Status Call(const char* method, const access::Principal& caller, const Request& request,
                    Response* response, Async* async, AsyncUnary<Async, Request, Response> call);

  // For streams: authenticates the caller and applies `method`'s rule to
  // `request` (reading the stored item it names). Blocks: pool only.
  absl::StatusOr<access::PrincipalPtr> Authorize(const char* method, const grpc::ServerContextBase* context,
                                                 const google::protobuf::Message& request);
  // The same for a presented key, for streams whose context may be gone
  // by the time the pool runs (a Subscribe that the client cancelled).
  absl::StatusOr<access::PrincipalPtr> AuthorizeKey(const char* method, const std::string& key,
                                                    const google::protobuf::Message& request);

  const Deps& deps() const { return deps_; }

 private:
  using Start = std::function<void(grpc::ClientContext*, std::function<void(grpc::Status)>)>;

  const access::MethodRule* RuleOf(const char* method) const;
  static grpc::Status Refused(const char* method);
  // The caller `authenticate` finds, admitted to `method` for `request`
  // (Authorize's work; `context` may be null).
  absl::StatusOr<access::PrincipalPtr> Admitted(
      const char* method, absl::FunctionRef<absl::StatusOr<access::PrincipalPtr>()> authenticate,
      const google::protobuf::Message& request, const grpc::ServerContextBase* context);
  // Everything before the call: the rule, the stored item, the references.
  absl::Status Admit(const access::MethodRule& rule, const access::Principal& caller,
                     const google::protobuf::Message& request, const grpc::ServerContextBase* context);
  // Whether Admit would pass without blocking, and its verdict when so.
  bool AdmitInline(const access::MethodRule& rule, const access::Principal& caller,
                   const google::protobuf::Message& request, absl::Status* verdict);
  // The whole call on the pool.
  absl::Status Serve(const access::MethodRule& rule, grpc::CallbackServerContext* context,
                     const google::protobuf::Message& request, google::protobuf::Message* response,
                     const Start& start);
  // Admit, call (retried when a read), judge, for `caller`. Blocks.
  absl::Status Forward(const access::MethodRule& rule, const access::Principal& caller,
                       const grpc::ServerContextBase* client, const google::protobuf::Message& request,
                       google::protobuf::Message* response, const Start& start);
  static absl::Status Judge(const access::MethodRule& rule, const access::Principal& caller,
                            const google::protobuf::Message& response);

  Deps deps_;
  absl::flat_hash_map<std::string, const access::MethodRule*> rules_;
};

// ---- implementation of the templates

template <typename Async, typename Request, typename Response>
grpc::ServerUnaryReactor* Forwarder::Unary(const char* method, grpc::CallbackServerContext* context,
                                           const Request* request, Response* response, Async* async,
                                           AsyncUnary<Async, Request, Response> call) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const access::MethodRule* rule = RuleOf(method);
  if (rule == nullptr) {
    reactor->Finish(Refused(method));
    return reactor;
  }
  // The hot path (a cached key, nothing stored to read) allocates only what
  // gRPC's callback needs: the call itself is a plain lambda, made a
  // std::function only when the call goes to the pool.
  auto call_upstream = [async, call, request, response](grpc::ClientContext* c,
                                                        std::function<void(grpc::Status)> done) {
    (async->*call)(c, request, response, std::move(done));
  };
  auto on_pool = [this, rule, context, request, response, call_upstream, reactor] {
    deps_.pool->Schedule([this, rule, context, request, response, call_upstream, reactor] {
      reactor->Finish(ToGrpcStatus(Serve(*rule, context, *request, response, Start(call_upstream))));
    });
  };
  access::PrincipalPtr caller = deps_.auth->TryCached(context);
  absl::Status verdict;
  if (caller == nullptr || !AdmitInline(*rule, *caller, *request, &verdict)) {
    on_pool();
    return reactor;
  }
  if (!verdict.ok()) {
    reactor->Finish(ToGrpcStatus(verdict));
    return reactor;
  }
  auto* upstream = new grpc::ClientContext();
  deps_.upstream->Prepare(upstream, For{caller.get(), rule->target == access::Target::kList}, context);
  call_upstream(upstream, [rule, caller, response, reactor, upstream, on_pool](grpc::Status s) {
    delete upstream;
    if (s.error_code() == grpc::StatusCode::UNAVAILABLE && rule->effect == access::Effect::kRead) {
      on_pool();  // retried with backoff, off gRPC's threads
      return;
    }
    if (!s.ok()) return reactor->Finish(s);
    reactor->Finish(ToGrpcStatus(Judge(*rule, *caller, *response)));
  });
  return reactor;
}

template <typename Async, typename Request, typename Response>
absl::Status Forwarder::Call(const char* method, const access::Principal& caller, const Request& request,
                             Response* response, Async* async, AsyncUnary<Async, Request, Response> call) {
  const access::MethodRule* rule = RuleOf(method);
  if (rule == nullptr) return FromGrpcStatus(Refused(method));
  Start start = [async, call, &request, response](grpc::ClientContext* c,
                                                  std::function<void(grpc::Status)> done) {
    (async->*call)(c, &request, response, std::move(done));
  };
  return Forward(*rule, caller, nullptr, request, response, start);
}

template <typename Body>
grpc::ServerUnaryReactor* Forwarder::Local(const char* method, grpc::CallbackServerContext* context,
                                           const google::protobuf::Message* request, Work work, Body body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const access::MethodRule* rule = RuleOf(method);
  if (rule == nullptr) {
    reactor->Finish(Refused(method));
    return reactor;
  }
  auto answer = [rule, request, body](const access::Principal& caller) mutable -> absl::Status {
    RCP_RETURN_IF_ERROR(access::CheckRequest(*rule, caller, *request));
    return body(caller);
  };
  if (rule->rule == access::Rule::kAnyone) {
    static const access::Principal* const kNobody = new access::Principal();
    if (work == Work::kInline) {
      reactor->Finish(ToGrpcStatus(answer(*kNobody)));
    } else {
      deps_.pool->Schedule([reactor, answer]() mutable { reactor->Finish(ToGrpcStatus(answer(*kNobody))); });
    }
    return reactor;
  }
  access::PrincipalPtr cached = work == Work::kInline ? deps_.auth->TryCached(context) : nullptr;
  if (cached != nullptr) {
    reactor->Finish(ToGrpcStatus(answer(*cached)));
    return reactor;
  }
  deps_.pool->Schedule([auth = deps_.auth, context, reactor, answer]() mutable {
    absl::StatusOr<access::PrincipalPtr> caller = auth->Authenticate(context);
    reactor->Finish(ToGrpcStatus(caller.ok() ? answer(**caller) : caller.status()));
  });
  return reactor;
}

}  // namespace rcp::gateway::upstream

#endif  // RCP_SERVICES_GATEWAY_UPSTREAM_FORWARDER_H_
