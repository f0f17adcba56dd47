#include "services/gateway/upstream/forwarder.h"

#include "absl/strings/strip.h"

namespace rcp::gateway::upstream {

using access::MethodRule;
using access::Target;

Forwarder::Forwarder(Deps deps, absl::string_view service) : deps_(deps) {
  std::string prefix = absl::StrCat("/", service, "/");
  for (const MethodRule& rule : access::MethodRules()) {
    absl::string_view method(rule.method);
    if (absl::ConsumePrefix(&method, prefix)) rules_.emplace(std::string(method), &rule);
  }
}

const MethodRule* Forwarder::RuleOf(const char* method) const {
  auto it = rules_.find(method);
  return it == rules_.end() ? nullptr : it->second;
}

grpc::Status Forwarder::Refused(const char* method) {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                      absl::StrCat(method, " is not served by this gateway (it has no rule in its policy)"));
}

bool Forwarder::AdmitInline(const MethodRule& rule, const access::Principal& caller,
                            const google::protobuf::Message& request, absl::Status* verdict) {
  if (rule.target == Target::kStored) return false;
  *verdict = access::CheckRequest(rule, caller, request);
  if (!verdict->ok()) return true;
  std::vector<std::string> written = access::WrittenProcesses(rule, request, nullptr);
  if (!written.empty()) {
    if (!deps_.homes->CheckLocalCached(written, rule.field, verdict)) return false;
    if (!verdict->ok()) return true;
  }
  return deps_.references->AllKnown(caller, rule, request);
}

absl::Status Forwarder::Admit(const MethodRule& rule, const access::Principal& caller,
                              const google::protobuf::Message& request,
                              const grpc::ServerContextBase* context) {
  RCP_RETURN_IF_ERROR(access::CheckRequest(rule, caller, request));
  std::unique_ptr<google::protobuf::Message> stored;
  if (rule.target == Target::kStored) {
    std::vector<std::string> names = access::FieldValues(request, rule.field);
    RCP_ASSIGN_OR_RETURN(
        stored, deps_.upstream->Fetch(For{&caller}, names.empty() ? "" : names[0], rule.field, context));
    RCP_RETURN_IF_ERROR(access::CheckStored(rule, caller, request, *stored));
  }
  // Only a process's home changes it; here it may be a mirror.
  std::vector<std::string> written = access::WrittenProcesses(rule, request, stored.get());
  if (!written.empty()) RCP_RETURN_IF_ERROR(deps_.homes->CheckLocal(written, rule.field, context));
  return deps_.references->Check(caller, rule, request, context);
}

absl::Status Forwarder::Judge(const MethodRule& rule, const access::Principal& caller,
                              const google::protobuf::Message& response) {
  if (rule.target != Target::kResponse) return absl::OkStatus();
  return access::CheckResponse(rule, caller, response);
}

absl::Status Forwarder::Serve(const MethodRule& rule, grpc::CallbackServerContext* context,
                              const google::protobuf::Message& request, google::protobuf::Message* response,
                              const Start& start) {
  if (context->IsCancelled()) return absl::CancelledError("call cancelled before it ran");
  RCP_ASSIGN_OR_RETURN(access::PrincipalPtr caller, deps_.auth->Authenticate(context));
  return Forward(rule, *caller, context, request, response, start);
}

absl::Status Forwarder::Forward(const MethodRule& rule, const access::Principal& caller,
                                const grpc::ServerContextBase* client,
                                const google::protobuf::Message& request, google::protobuf::Message* response,
                                const Start& start) {
  RCP_RETURN_IF_ERROR(Admit(rule, caller, request, client));
  // Waits on this thread for the callback-API call.
  auto call = [&](grpc::ClientContext* c) {
    grpc::Status status;
    absl::Notification done;
    start(c, [&](grpc::Status s) {
      status = std::move(s);
      done.Notify();
    });
    done.WaitForNotification();
    return status;
  };
  For who{&caller, rule.target == Target::kList};
  grpc::Status status;
  if (rule.effect == access::Effect::kRead) {
    status = deps_.upstream->WithRetry(who, client, call);
  } else {
    grpc::ClientContext c;
    deps_.upstream->Prepare(&c, who, client);
    status = call(&c);
  }
  RCP_RETURN_IF_ERROR(FromGrpcStatus(status));
  return Judge(rule, caller, *response);
}

absl::StatusOr<access::PrincipalPtr> Forwarder::Authorize(const char* method,
                                                          const grpc::ServerContextBase* context,
                                                          const google::protobuf::Message& request) {
  return Admitted(method, [&] { return deps_.auth->Authenticate(context); }, request, context);
}

absl::StatusOr<access::PrincipalPtr> Forwarder::AuthorizeKey(const char* method, const std::string& key,
                                                             const google::protobuf::Message& request) {
  return Admitted(method, [&] { return deps_.auth->AuthenticateKey(key); }, request, nullptr);
}

absl::StatusOr<access::PrincipalPtr> Forwarder::Admitted(
    const char* method, absl::FunctionRef<absl::StatusOr<access::PrincipalPtr>()> authenticate,
    const google::protobuf::Message& request, const grpc::ServerContextBase* context) {
  const MethodRule* rule = RuleOf(method);
  if (rule == nullptr) return FromGrpcStatus(Refused(method));
  RCP_ASSIGN_OR_RETURN(access::PrincipalPtr caller, authenticate());
  RCP_RETURN_IF_ERROR(Admit(*rule, *caller, request, context));
  return caller;
}

}  // namespace rcp::gateway::upstream
