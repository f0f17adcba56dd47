#include "services/documents/documents_seed.h"

#include <google/protobuf/text_format.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/crypto/crypto.h"
#include "common/status/status.h"

namespace rcp::documents {

absl::StatusOr<v1::DocumentsSeed> LoadSeedFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("seed_file: cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  v1::DocumentsSeed seed;
  if (!google::protobuf::TextFormat::ParseFromString(text.str(), &seed)) {
    return absl::InvalidArgumentError(
        absl::StrCat("seed_file: ", path, " is not a valid rcp.documents.v1.DocumentsSeed"));
  }
  return seed;
}

absl::StatusOr<int> ApplySeed(DocumentsStore* store, const v1::DocumentsSeed& seed,
                              const std::string& base_dir) {
  const storage::WriteContext ctx{"system/seed"};
  for (int i = 0; i < seed.documents_size(); ++i) {
    const auto& entry = seed.documents(i);
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
      std::string path = absl::StrCat(base_dir, "/", content.file());
      std::ifstream in(path, std::ios::binary);
      if (!in) return fail(absl::NotFoundError(absl::StrCat("cannot read ", path)));
      std::stringstream bytes;
      bytes << in.rdbuf();
      std::string data = bytes.str();
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
  return seed.documents_size();
}

}  // namespace rcp::documents
