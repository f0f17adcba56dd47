#include "services/gateway/web/event_stream.h"

#include <google/protobuf/util/json_util.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "rcp/gateway/v1/gateway.grpc.pb.h"
#include "services/gateway/web/api_status.h"

namespace rcp::gateway::web {

namespace gw = ::rcp::gateway::v1;

struct EventStreams::Stream {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<gw::SubscribeResponse>> reader;
  std::string key;
  bool finished = false;
};

EventStreams::EventStreams(std::shared_ptr<grpc::Channel> gateway, EventStreamOptions options)
    : gateway_(std::move(gateway)), options_(options) {}

EventStreams::~EventStreams() { CloseAll(); }

void EventStreams::Register(httplib::Server& server) {
  server.Get("/v1/subscribe", [this](const httplib::Request& req, httplib::Response& res) { Open(req, res); });
}

void EventStreams::CloseAll() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  for (grpc::ClientContext* c : open_) c->TryCancel();
}

int EventStreams::open_count() {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(open_.size());
}

bool EventStreams::Admit(const std::string& key, grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  if (closed_ || static_cast<int>(open_.size()) >= options_.max_streams ||
      per_key_[key] >= options_.max_streams_per_key) {
    return false;
  }
  ++per_key_[key];
  open_.insert(context);
  return true;
}

void EventStreams::Release(const std::string& key, grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  open_.erase(context);
  if (--per_key_[key] <= 0) per_key_.erase(key);
}

void EventStreams::Open(const httplib::Request& req, httplib::Response& res) {
  gw::SubscribeRequest subscribe;
  for (const auto& [name, value] : req.params) {
    if (name == "processes") {
      subscribe.add_processes(value);
    } else if (name == "kinds") {
      subscribe.add_kinds(value);
    } else if (name == "cursor") {
      subscribe.set_cursor(value);
    } else {
      return SendStatus(res, grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("query parameter \"", name, "\": no such field (processes, kinds, cursor)"));
    }
  }
  // EventSource sends the id of the last event it saw when it reconnects.
  if (req.has_header("Last-Event-ID")) subscribe.set_cursor(req.get_header_value("Last-Event-ID"));

  // Who is asking, first: an error is then an HTTP answer, not an event.
  std::string authorization;
  if (!BearerOrNone(req, res, &authorization)) return;
  auto stub = gw::Gateway::NewStub(gateway_);
  rcp::registry::v1::Principal principal;
  {
    grpc::ClientContext context;
    if (!authorization.empty()) context.AddMetadata("authorization", authorization);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Status s = stub->WhoAmI(&context, gw::WhoAmIRequest(), &principal);
    if (!s.ok()) return SendStatus(res, s.error_code(), s.error_message(), s.error_details());
  }

  auto stream = std::make_shared<Stream>();
  stream->key = principal.api_key();
  if (!Admit(stream->key, &stream->context)) {
    SendStatus(res, grpc::StatusCode::UNAVAILABLE,
               absl::StrCat("too many event streams are open (at most ", options_.max_streams, ", ",
                            options_.max_streams_per_key, " per key): try again later"));
    res.set_header("Retry-After", "5");
    return;
  }
  stream->context.AddMetadata("authorization", authorization);
  // A stream ends after its lifetime; the client resumes from its last id.
  stream->context.set_deadline(std::chrono::system_clock::now() +
                               absl::ToChronoMicroseconds(options_.max_lifetime));
  stream->reader = stub->Subscribe(&stream->context, subscribe);

  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Accel-Buffering", "no");  // proxies pass events on at once
  res.set_chunked_content_provider(
      "text/event-stream",
      [stream](size_t, httplib::DataSink& sink) {
        gw::SubscribeResponse message;
        if (stream->reader->Read(&message)) {
          std::string frame;
          if (message.events_size() == 0) {
            // A heartbeat: the id moves on, no event is dispatched.
            frame = absl::StrCat(": heartbeat\nid: ", message.cursor(), "\n\n");
          } else {
            std::string json;
            (void)google::protobuf::util::MessageToJsonString(message, &json);
            frame = absl::StrCat("id: ", message.cursor(), "\nevent: change\ndata: ", json, "\n\n");
          }
          // false: the client is gone, and the stream ends.
          return sink.write(frame.data(), frame.size());
        }
        grpc::Status s = stream->reader->Finish();
        stream->finished = true;
        // Its lifetime over, or the gateway stopping: the client resumes.
        if (!s.ok() && s.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED &&
            s.error_code() != grpc::StatusCode::CANCELLED) {
          std::string frame = absl::StrCat("event: error\ndata: ",
                                           StatusJson(s.error_code(), s.error_message(), s.error_details()), "\n\n");
          sink.write(frame.data(), frame.size());
        }
        sink.done();
        return true;
      },
      [this, stream](bool) {
        if (!stream->finished) {
          stream->context.TryCancel();
          gw::SubscribeResponse rest;
          while (stream->reader->Read(&rest)) {
          }
          (void)stream->reader->Finish();
        }
        Release(stream->key, &stream->context);
      });
}

}  // namespace rcp::gateway::web
