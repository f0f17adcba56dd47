// Subscribe as Server-Sent Events: GET /v1/subscribe?processes=…&kinds=…
// streams the caller's change feed from the gateway's own Subscribe (so the
// same policy, delivery rule and cursors as over gRPC). Each message is an
// event whose `id:` is its cursor, so a client resumes with Last-Event-ID
// (or ?cursor=, for clients that cannot send headers); idle heartbeats move
// the id on without an event. cpp-httplib holds a thread for each stream,
// so streams are capped (in all and per key: 503 with Retry-After beyond)
// and live at most a while, after which the client resumes.
#ifndef RCP_SERVICES_GATEWAY_WEB_EVENT_STREAM_H_
#define RCP_SERVICES_GATEWAY_WEB_EVENT_STREAM_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace rcp::gateway::web {

struct EventStreamOptions {
  int max_streams = 16;
  int max_streams_per_key = 4;
  absl::Duration max_lifetime = absl::Hours(1);
};

class EventStreams {
 public:
  // Streams from `gateway` (the gateway's in-process channel).
  EventStreams(std::shared_ptr<grpc::Channel> gateway, EventStreamOptions options);
  ~EventStreams();

  void Register(httplib::Server& server);
  // Ends every open stream (their clients resume elsewhere); new ones are
  // refused from then on.
  void CloseAll();
  // Streams open now.
  int open_count();

 private:
  struct Stream;
  void Open(const httplib::Request& req, httplib::Response& res);
  // A slot for `key`, or false when a cap is reached.
  bool Admit(const std::string& key, grpc::ClientContext* context);
  void Release(const std::string& key, grpc::ClientContext* context);

  std::shared_ptr<grpc::Channel> gateway_;
  const EventStreamOptions options_;
  absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, int> per_key_ ABSL_GUARDED_BY(mu_);
  std::set<grpc::ClientContext*> open_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rcp::gateway::web

#endif  // RCP_SERVICES_GATEWAY_WEB_EVENT_STREAM_H_
