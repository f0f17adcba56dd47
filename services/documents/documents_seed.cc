#include "services/documents/documents_seed.h"

#include "absl/strings/str_cat.h"
#include "common/crypto/crypto.h"
#include "common/io/file.h"
#include "common/status/status.h"

namespace rcp::documents {

absl::StatusOr<int> ApplySeed(DocumentsStore* store, const v1::DocumentsSeed& seed,
                              const std::string& base_dir, const resource::HomeProcesses& homes) {
  const storage::WriteContext ctx{"system/seed"};
  int applied = 0;
  for (int i = 0; i < seed.documents_size(); ++i) {
    const auto& entry = seed.documents(i);
    if (!homes.Includes(entry.create().parent())) continue;
    ++applied;
    auto fail = [&](const absl::Status& s) {
      return absl::Status(s.code(), absl::StrCat("seed documents[", i, "]: ", s.message()));
    };
    v1::CreateDocumentRequest create = entry.create();
    if (create.request_id().empty()) create.set_request_id(absl::StrCat("seed:documents:", i));
    auto doc = store->CreateDocument(ctx, create);
    if (!doc.ok()) return fail(doc.status());
    for (const auto& content : entry.contents()) {
      bool present = false;
      for (const auto& l : doc->languages()) present = present || l.language() == content.language();
      if (present) continue;
      absl::StatusOr<std::string> bytes = io::ReadFile(absl::StrCat(base_dir, "/", content.file()));
      if (!bytes.ok()) return fail(bytes.status());
      const std::string& data = *bytes;
      v1::StartUploadRequest start;
      start.set_document(doc->name());
      start.set_language(content.language());
      start.set_media_type(content.media_type());
      start.set_declared_size(static_cast<int64_t>(data.size()));
      start.set_declared_sha256(crypto::Sha256Hex(data));
      auto session = store->StartUpload(ctx, start);
      if (!session.ok()) return fail(session.status());
      for (int64_t offset = 0; offset < static_cast<int64_t>(data.size()); offset += kMaxChunkBytes) {
        auto appended = store->AppendChunk(session->name(), offset,
                                           absl::string_view(data).substr(offset, kMaxChunkBytes));
        if (!appended.ok()) return fail(appended.status());
      }
      v1::CommitUploadRequest commit;
      commit.set_name(session->name());
      auto version = store->CommitUpload(ctx, commit);
      if (!version.ok()) return fail(version.status());
    }
  }
  return applied;
}

}  // namespace rcp::documents
