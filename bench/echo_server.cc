// The bare-gRPC baseline for benchmarks: an Echo service of the same shape
// as ours (callback API, handler work on a pool, same server bootstrap),
// doing no work of its own. With --forward it is a proxy that forwards each
// call to another echo server: the 2-hop baseline of the gateway.
//
//   echo_server --listen=127.0.0.1:0 [--forward=host:port]
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include "absl/flags/flag.h"
#include "common/concurrency/thread_pool.h"
#include "common/server/blocking.h"
#include "common/server/flags.h"
#include "common/server/server.h"
#include "rcp/echo/v1/echo.grpc.pb.h"

ABSL_FLAG(std::string, forward, "", "host:port of the echo server to forward calls to");

namespace {

using rcp::echo::v1::EchoMessage;

class EchoService final : public rcp::echo::v1::Echo::CallbackService {
 public:
  EchoService(rcp::ThreadPool* pool, std::shared_ptr<grpc::Channel> forward)
      : pool_(pool), forward_(forward ? rcp::echo::v1::Echo::NewStub(forward) : nullptr) {}

  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context, const EchoMessage* request,
                                 EchoMessage* response) override {
    if (!forward_) {
      return rcp::server::RunBlocking(pool_, context, [=] {
        *response = *request;
        return absl::OkStatus();
      });
    }
    // As a proxy: the upstream call completes on gRPC's callback thread, as
    // the gateway's forwarding does.
    auto* reactor = context->DefaultReactor();
    auto* upstream = new grpc::ClientContext();
    upstream->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    forward_->async()->Echo(upstream, request, response, [reactor, upstream](grpc::Status s) {
      delete upstream;
      reactor->Finish(s);
    });
    return reactor;
  }

  grpc::ServerWriteReactor<EchoMessage>* Stream(grpc::CallbackServerContext* context,
                                                const rcp::echo::v1::StreamRequest* request) override {
    class Writer : public grpc::ServerWriteReactor<EchoMessage> {
     public:
      Writer(uint64_t count, uint32_t size) : left_(count) {
        message_.set_payload(std::string(size, 'x'));
        Next();
      }
      void OnWriteDone(bool ok) override {
        if (!ok) return Finish(grpc::Status::CANCELLED);
        Next();
      }
      void OnDone() override { delete this; }

     private:
      void Next() {
        if (left_ == 0) return Finish(grpc::Status::OK);
        --left_;
        message_.set_sequence(message_.sequence() + 1);
        StartWrite(&message_);
      }
      uint64_t left_;
      EchoMessage message_;
    };
    return new Writer(request->count(), request->payload_size());
  }

  grpc::ServerReadReactor<EchoMessage>* Upload(grpc::CallbackServerContext* context,
                                               rcp::echo::v1::UploadSummary* summary) override {
    class Reader : public grpc::ServerReadReactor<EchoMessage> {
     public:
      explicit Reader(rcp::echo::v1::UploadSummary* summary) : summary_(summary) { StartRead(&message_); }
      void OnReadDone(bool ok) override {
        if (!ok) return Finish(grpc::Status::OK);
        summary_->set_messages(summary_->messages() + 1);
        summary_->set_bytes(summary_->bytes() + message_.payload().size());
        StartRead(&message_);
      }
      void OnDone() override { delete this; }

     private:
      rcp::echo::v1::UploadSummary* summary_;
      EchoMessage message_;
    };
    return new Reader(summary);
  }

 private:
  rcp::ThreadPool* pool_;
  std::unique_ptr<rcp::echo::v1::Echo::Stub> forward_;
};

}  // namespace

int main(int argc, char** argv) {
  rcp::server::Server::BlockSignals();
  rcp::server::ParseFlags(argc, argv, "echo_server: the bare-gRPC benchmark baseline");
  rcp::server::InitLogging("echo", absl::GetFlag(FLAGS_log_level));
  rcp::ThreadPool pool(absl::GetFlag(FLAGS_handler_threads));
  std::shared_ptr<grpc::Channel> forward;
  if (!absl::GetFlag(FLAGS_forward).empty()) {
    forward = grpc::CreateChannel(absl::GetFlag(FLAGS_forward), grpc::InsecureChannelCredentials());
  }
  EchoService service(&pool, forward);
  rcp::server::Server server(rcp::server::ServerOptionsFromFlags("echo", rcp::server::Exposure::kInternal));
  server.AddService(&service);
  if (auto s = server.Start(); !s.ok()) {
    spdlog::critical("msg=\"cannot start\" error=\"{}\"", s.ToString());
    return 1;
  }
  server.WaitForSignal();
}
