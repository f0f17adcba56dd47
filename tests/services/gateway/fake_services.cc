#include "tests/services/gateway/fake_services.h"

#include <google/protobuf/descriptor.h>
#include <grpcpp/generic/async_generic_service.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/audience/audience.h"
#include "common/server/principal.h"
#include "rcp/documents/v1/documents.pb.h"
#include "rcp/events/v1/events.pb.h"

namespace rcp::gateway::testing {
namespace {

using google::protobuf::Message;
using google::protobuf::MethodDescriptor;

const MethodDescriptor* MethodOf(const std::string& full) {
  // "/rcp.events.v1.Events/GetMeeting" → "rcp.events.v1.Events.GetMeeting".
  std::vector<std::string> parts = absl::StrSplit(full, '/', absl::SkipEmpty());
  if (parts.size() != 2) return nullptr;
  return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
      absl::StrCat(parts[0], ".", parts[1]));
}

std::unique_ptr<Message> New(const google::protobuf::Descriptor* type) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
}

std::string NameField(const Message& m) {
  const auto* f = m.GetDescriptor()->FindFieldByName("name");
  return f != nullptr && f->type() == google::protobuf::FieldDescriptor::TYPE_STRING
             ? m.GetReflection()->GetString(m, f)
             : std::string();
}

std::string ShortName(const std::string& method) { return method.substr(method.rfind('/') + 1); }

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  (void)buffer.Dump(&slices);
  std::string out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

}  // namespace

upstream::Upstream::Stubs FakeServices::NewStubs() {
  upstream::Upstream::Stubs stubs;
  stubs.registry = rcp::registry::v1::Registry::NewStub(NewChannel());
  stubs.events = rcp::events::v1::Events::NewStub(NewChannel());
  stubs.documents = rcp::documents::v1::Documents::NewStub(NewChannel());
  for (auto& replica : stubs.replicas) replica = rcp::federation::v1::Replica::NewStub(NewChannel());
  return stubs;
}

// Every call, whatever its method: read the request (all of a client
// stream), then answer.
class FakeServices::Reactor : public grpc::ServerGenericBidiReactor {
 public:
  Reactor(FakeServices* fake, grpc::GenericCallbackServerContext* context) : fake_(fake) {
    method_ = context->method();
    const auto& md = context->client_metadata();
    if (auto it = md.find(server::kPrincipalHeader); it != md.end()) {
      call_.principal.assign(it->second.data(), it->second.size());
    }
    if (auto it = md.find(audience::kViewerHeader); it != md.end()) {
      rcp::registry::v1::Principal viewer;
      viewer.ParseFromArray(it->second.data(), static_cast<int>(it->second.size()));
      call_.viewer = viewer;
    }
    call_.method = method_;
    const MethodDescriptor* m = MethodOf(method_);
    if (m == nullptr) {
      Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, method_));
      return;
    }
    client_streaming_ = m->client_streaming();
    server_streaming_ = m->server_streaming();
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    if (ok) {
      std::string bytes = FromBuffer(in_);
      if (call_.request.empty()) call_.request = bytes;  // a stream's first message names it
      if (client_streaming_) return StartRead(&in_);
    }
    fake_->Record(call_);
    if (server_streaming_) return Stream();
    std::string response;
    grpc::Status s = fake_->Answer(method_, call_.request, &response);
    if (!s.ok()) return Finish(s);
    out_ = ToBuffer(response);
    StartWriteAndFinish(&out_, grpc::WriteOptions(), grpc::Status::OK);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) return Finish(grpc::Status::CANCELLED);
    if (pending_.empty()) {
      // A Watch stays open, as a real one does, until the client goes.
      if (ShortName(method_) == "Watch") return;
      return Finish(grpc::Status::OK);
    }
    Next();
  }

  void OnCancel() override { Finish(grpc::Status::CANCELLED); }
  void OnDone() override { delete this; }

 private:
  void Stream() {
    std::string short_name = ShortName(method_);
    if (short_name == "Watch") {
      rcp::common::v1::WatchRequest req;
      req.ParseFromString(call_.request);
      // "/rcp.events.v1.Events/Watch" → "events".
      std::vector<std::string> parts = absl::StrSplit(method_, '.');
      std::string service = parts.size() > 1 ? parts[1] : "";
      rcp::common::v1::WatchResponse batch;
      for (const auto& c : fake_->ChangesOf(service)) {
        if (c.revision() > req.since_revision()) *batch.add_changes() = c;
      }
      if (batch.changes_size() > 0) pending_.push_back(batch.SerializeAsString());
      if (pending_.empty()) return;  // open until cancelled
      return Next();
    }
    // Download: the document's serialized item as its bytes.
    rcp::documents::v1::DownloadRequest req;
    req.ParseFromString(call_.request);
    rcp::documents::v1::DownloadChunk chunk;
    chunk.mutable_version()->set_language(req.language());
    chunk.set_data(absl::StrCat("content of ", req.document()));
    pending_.push_back(chunk.SerializeAsString());
    Next();
  }

  void Next() {
    out_ = ToBuffer(pending_.front());
    pending_.erase(pending_.begin());
    StartWrite(&out_);
  }

  FakeServices* fake_;
  std::string method_;
  Call call_;
  bool client_streaming_ = false;
  bool server_streaming_ = false;
  grpc::ByteBuffer in_;
  grpc::ByteBuffer out_;
  std::vector<std::string> pending_;
};

class FakeServices::Service : public grpc::CallbackGenericService {
 public:
  explicit Service(FakeServices* fake) : fake_(fake) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* context) override {
    return new Reactor(fake_, context);
  }

 private:
  FakeServices* fake_;
};

FakeServices::FakeServices() : service_(std::make_unique<Service>(this)) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
  builder.RegisterCallbackGenericService(service_.get());
  server_ = builder.BuildAndStart();
}

FakeServices::~FakeServices() { server_->Shutdown(std::chrono::system_clock::now()); }

std::shared_ptr<grpc::Channel> FakeServices::NewChannel() {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials());
}

void FakeServices::Put(const Message& item) {
  absl::MutexLock lock(&mu_);
  items_[NameField(item)] = item.SerializeAsString();
}

void FakeServices::AddKey(const std::string& key, const rcp::registry::v1::Principal& principal) {
  absl::MutexLock lock(&mu_);
  by_key_[key] = principal;
  by_name_[principal.api_key()] = principal;
}

void FakeServices::SetChanges(const std::string& service, std::vector<rcp::common::v1::Change> changes) {
  absl::MutexLock lock(&mu_);
  changes_[service] = std::move(changes);
}

std::vector<rcp::common::v1::Change> FakeServices::ChangesOf(const std::string& service) const {
  absl::MutexLock lock(&mu_);
  auto it = changes_.find(service);
  return it == changes_.end() ? std::vector<rcp::common::v1::Change>{} : it->second;
}

std::vector<FakeServices::Call> FakeServices::Calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

std::vector<FakeServices::Call> FakeServices::CallsOf(const std::string& method) const {
  std::vector<Call> out;
  for (auto& c : Calls()) {
    if (c.method == method || ShortName(c.method) == method) out.push_back(c);
  }
  return out;
}

void FakeServices::ClearCalls() {
  absl::MutexLock lock(&mu_);
  calls_.clear();
}

void FakeServices::Record(Call call) {
  absl::MutexLock lock(&mu_);
  calls_.push_back(std::move(call));
}

grpc::Status FakeServices::Answer(const std::string& method, const std::string& request,
                                  std::string* response) {
  const MethodDescriptor* m = MethodOf(method);
  std::unique_ptr<Message> req = New(m->input_type());
  if (!req->ParseFromString(request)) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unparsable");
  std::string name = ShortName(method);
  absl::MutexLock lock(&mu_);
  if (name == "Authenticate" || name == "ResolveApiKey") {
    const auto& from = name == "Authenticate" ? by_key_ : by_name_;
    const auto* f = req->GetDescriptor()->FindFieldByName(name == "Authenticate" ? "key" : "name");
    auto it = from.find(req->GetReflection()->GetString(*req, f));
    if (it == from.end()) return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "key: unknown or wrong key");
    *response = it->second.SerializeAsString();
    return grpc::Status::OK;
  }
  if (name == "CreateWebSession") {
    const auto& create = static_cast<const rcp::registry::v1::CreateWebSessionRequest&>(*req);
    auto it = by_key_.find(create.key());
    if (it == by_key_.end()) return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "key: unknown or wrong key");
    rcp::registry::v1::CreateWebSessionResponse created;
    *created.mutable_principal() = it->second;
    created.mutable_principal()->set_web_session(true);
    created.mutable_session()->set_id_sha256(create.id_sha256());
    created.mutable_session()->set_api_key(it->second.api_key());
    sessions_.erase(create.ends_id_sha256());
    sessions_[create.id_sha256()] = created.principal();
    *response = created.SerializeAsString();
    return grpc::Status::OK;
  }
  if (name == "AuthenticateWebSession" || name == "DeleteWebSession") {
    const std::string id = static_cast<const rcp::registry::v1::AuthenticateWebSessionRequest&>(*req).id_sha256();
    auto it = sessions_.find(id);
    if (name == "DeleteWebSession") {
      if (it != sessions_.end()) sessions_.erase(it);
      *response = rcp::registry::v1::DeleteResponse().SerializeAsString();
      return grpc::Status::OK;
    }
    if (it == sessions_.end()) return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "session: ended");
    *response = it->second.SerializeAsString();
    return grpc::Status::OK;
  }
  if (name == "DeleteWebSessions") {
    const auto& del = static_cast<const rcp::registry::v1::DeleteWebSessionsRequest&>(*req);
    rcp::registry::v1::DeleteWebSessionsResponse deleted;
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (it->second.api_key() == del.api_key()) {
        it = sessions_.erase(it);
        deleted.set_deleted_count(deleted.deleted_count() + 1);
      } else {
        ++it;
      }
    }
    *response = deleted.SerializeAsString();
    return grpc::Status::OK;
  }
  if (name == "GetKeyring") {
    *response = keyring_.SerializeAsString();
    return grpc::Status::OK;
  }
  if (name == "UpdateKeyring") {
    const auto& update = static_cast<const rcp::registry::v1::UpdateKeyringRequest&>(*req);
    if (update.etag() != keyring_.etag())
      return grpc::Status(grpc::StatusCode::ABORTED, "keyring: stale etag");
    keyring_ = update.keyring();
    keyring_.set_etag(absl::StrCat("k", ++keyring_updates_));
    *response = keyring_.SerializeAsString();
    return grpc::Status::OK;
  }
  if (absl::StartsWith(name, "Get") && name != "GetPosition") {
    std::string wanted = NameField(*req);
    auto it = items_.find(wanted);
    if (it == items_.end())
      return grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat(wanted, " not found"));
    *response = it->second;
    return grpc::Status::OK;
  }
  *response = New(m->output_type())->SerializeAsString();
  return grpc::Status::OK;
}

}  // namespace rcp::gateway::testing
