// One in-process gRPC server on port 0 standing in for rcp-registryd,
// rcp-eventsd and rcp-documentsd behind a gateway under test: it answers
// every method of the three services from items the test puts in it, and
// records every call it receives — what the gateway forwarded, for whom,
// and with which viewer. A fake *service*, reached over real gRPC through
// the generated stubs, as STYLE.md asks of test doubles.
//
//   Authenticate / ResolveApiKey   the principal added for the key (by
//                                  secret or by name), else UNAUTHENTICATED
//   Get*                           the item of that name, else NOT_FOUND
//                                  worded as the services word it (but
//                                  a Replica's GetPosition: empty)
//   Watch                          the changes set for that service after
//                                  since_revision, then open until cancelled
//   *WebSession(s)                 sessions of the added keys, in memory
//                                  (no lifetimes: the registry's own tests
//                                  hold those)
//   GetKeyring / UpdateKeyring     one keyring, compare-and-set on its etag
//                                  (ABORTED when stale), as the registry
//   Download                       one chunk of the document's bytes
//   UploadChunks                   reads every chunk, answers the session
//   anything else                  an empty response of the method's type
#ifndef RCP_TESTS_SERVICES_GATEWAY_FAKE_SERVICES_H_
#define RCP_TESTS_SERVICES_GATEWAY_FAKE_SERVICES_H_

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "rcp/common/v1/common.pb.h"
#include "rcp/federation/v1/federation.pb.h"
#include "rcp/registry/v1/registry.pb.h"
#include "services/gateway/upstream/upstream.h"

namespace rcp::gateway::testing {

class FakeServices {
 public:
  struct Call {
    std::string method;                                  // "/rcp.events.v1.Events/GetMeeting"
    std::string request;                                 // serialized
    std::string principal;                               // x-rcp-principal, empty when absent
    std::optional<rcp::registry::v1::Principal> viewer;  // x-rcp-viewer-bin
  };

  FakeServices();
  ~FakeServices();

  std::shared_ptr<grpc::Channel> NewChannel();
  // Stubs of every service the gateway calls (the three data services and
  // their Replicas), each over a new channel to this fake.
  upstream::Upstream::Stubs NewStubs();

  // Served by Get* by its name (replacing an earlier item of that name).
  void Put(const google::protobuf::Message& item);
  // Authenticate answers `principal` for `key` ("rcp_<id>_<secret>");
  // ResolveApiKey for principal.api_key().
  void AddKey(const std::string& key, const rcp::registry::v1::Principal& principal);
  // What Watch of `service` ("registry", "events", "documents") streams.
  void SetChanges(const std::string& service, std::vector<rcp::common::v1::Change> changes);

  std::vector<Call> Calls() const;
  // The calls of `method` ("GetMeeting" or the full name) since ClearCalls.
  std::vector<Call> CallsOf(const std::string& method) const;
  void ClearCalls();

 private:
  class Service;
  friend class Service;
  class Reactor;
  friend class Reactor;

  void Record(Call call);
  // The answer to a unary call: the response's bytes or an error.
  grpc::Status Answer(const std::string& method, const std::string& request, std::string* response);
  std::vector<rcp::common::v1::Change> ChangesOf(const std::string& service) const;

  mutable absl::Mutex mu_;
  std::map<std::string, std::string> items_ ABSL_GUARDED_BY(mu_);  // name → serialized
  std::map<std::string, rcp::registry::v1::Principal> by_key_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, rcp::registry::v1::Principal> by_name_ ABSL_GUARDED_BY(mu_);
  // Web sessions by the SHA-256 of their ids: their principals.
  std::map<std::string, rcp::registry::v1::Principal> sessions_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<rcp::common::v1::Change>> changes_ ABSL_GUARDED_BY(mu_);
  rcp::federation::v1::Keyring keyring_ ABSL_GUARDED_BY(mu_);
  int keyring_updates_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace rcp::gateway::testing

#endif  // RCP_TESTS_SERVICES_GATEWAY_FAKE_SERVICES_H_
