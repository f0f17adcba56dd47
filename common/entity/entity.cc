#include "common/entity/entity.h"

#include <google/protobuf/descriptor.h>

#include <memory>

#include "common/time/timestamp.h"

namespace rcp::entity {

using google::protobuf::Message;

void Stamp(Message* m, absl::Time now, bool creating) {
  const auto* d = m->GetDescriptor();
  const auto* r = m->GetReflection();
  if (creating) {
    if (const auto* f = d->FindFieldByName("create_time")) r->MutableMessage(m, f)->CopyFrom(ToTimestamp(now));
  }
  if (const auto* f = d->FindFieldByName("update_time")) r->MutableMessage(m, f)->CopyFrom(ToTimestamp(now));
  if (const auto* f = d->FindFieldByName("etag")) r->SetString(m, f, resource::ComputeEtag(*m));
}

std::string EtagOf(const Message& m) {
  const auto* f = m.GetDescriptor()->FindFieldByName("etag");
  return f ? m.GetReflection()->GetString(m, f) : std::string();
}

std::string NameOf(const Message& m) {
  return m.GetReflection()->GetString(m, m.GetDescriptor()->FindFieldByName("name"));
}

std::string QueryFingerprint(const Message& request) {
  std::unique_ptr<Message> copy(request.New());
  copy->CopyFrom(request);
  for (const char* f : {"page_token", "page_size"}) {
    if (const auto* fd = copy->GetDescriptor()->FindFieldByName(f)) {
      copy->GetReflection()->ClearField(copy.get(), fd);
    }
  }
  return resource::Fingerprint(*copy);
}

}  // namespace rcp::entity
