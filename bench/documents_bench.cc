// rcp-documentsd moving one large document, beside the bare-gRPC echo server
// moving the same bytes in the same 1 MiB messages, both real processes on
// loopback, measured in the same run:
//   upload   StartUpload + UploadChunks (1 MiB chunks, each stored durably
//            and hashed by the server) + CommitUpload (SHA-256 verified)
//            vs echo Upload: a client stream of the same messages;
//   download Download (server stream of 1 MiB chunks read from storage)
//            vs echo Stream: a server stream of as many 1 MiB messages.
// Targets: download ≥ 0.5× the bare stream, upload ≥ 0.3× the bare upload.
//
//   build/bench/documents_bench [--size_mib=256] [--rounds=3]
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/crypto/crypto.h"
#include "common/testing/daemon.h"
#include "common/testing/temp_dir.h"
#include "rcp/documents/v1/documents.grpc.pb.h"
#include "rcp/echo/v1/echo.grpc.pb.h"

namespace v1 = rcp::documents::v1;
namespace echo = rcp::echo::v1;

namespace {

constexpr int64_t kMiB = int64_t{1} << 20;

// The document: chunk i is blocks[i % blocks.size()], pseudo-random bytes
// generated once so the client spends its time sending, not generating.
struct Document {
  std::vector<std::string> blocks;
  int64_t chunks = 0;
  const std::string& Chunk(int64_t i) const { return blocks[static_cast<size_t>(i) % blocks.size()]; }
  int64_t size() const { return chunks * kMiB; }
};

std::string Sha256Hex(const Document& doc) {
  rcp::crypto::Sha256 sha;
  for (int64_t i = 0; i < doc.chunks; ++i) sha.Update(doc.Chunk(i));
  return sha.HexDigest();
}

double MBps(int64_t bytes, absl::Duration d) { return bytes / absl::ToDoubleSeconds(d) / 1e6; }

bool Fail(const char* what, const grpc::Status& s) {
  std::fprintf(stderr, "%s failed: %d %s\n", what, s.error_code(), s.error_message().c_str());
  return false;
}

// Upload through rcp-documentsd: StartUpload, one stream of every chunk,
// CommitUpload. Returns false on any error.
bool RcpUpload(v1::Documents::Stub* stub, const std::string& document, const std::string& language,
               const Document& doc, const std::string& sha256, absl::Duration* took) {
  absl::Time t0 = absl::Now();
  v1::StartUploadRequest start;
  start.set_document(document);
  start.set_language(language);
  start.set_media_type("application/octet-stream");
  start.set_declared_size(doc.size());
  start.set_declared_sha256(sha256);
  v1::UploadSession session;
  {
    grpc::ClientContext ctx;
    if (auto s = stub->StartUpload(&ctx, start, &session); !s.ok()) return Fail("StartUpload", s);
  }
  {
    grpc::ClientContext ctx;
    v1::UploadSession sent;
    auto writer = stub->UploadChunks(&ctx, &sent);
    v1::UploadChunk chunk;
    for (int64_t i = 0; i < doc.chunks; ++i) {
      chunk.set_upload(i == 0 ? session.name() : "");
      chunk.set_offset(i * kMiB);
      chunk.set_data(doc.Chunk(i));
      if (!writer->Write(chunk)) break;
    }
    writer->WritesDone();
    if (auto s = writer->Finish(); !s.ok()) return Fail("UploadChunks", s);
    if (sent.committed_offset() != doc.size()) {
      std::fprintf(stderr, "UploadChunks stopped at %lld\n", static_cast<long long>(sent.committed_offset()));
      return false;
    }
  }
  v1::CommitUploadRequest commit;
  commit.set_name(session.name());
  v1::ContentVersion version;
  grpc::ClientContext ctx;
  if (auto s = stub->CommitUpload(&ctx, commit, &version); !s.ok()) return Fail("CommitUpload", s);
  *took = absl::Now() - t0;
  return version.sha256() == sha256 && version.size_bytes() == doc.size();
}

// Download of the latest version of `language`; with `verify`, hashes what
// arrives and compares with `sha256` (kept out of the timed rounds).
bool RcpDownload(v1::Documents::Stub* stub, const std::string& document, const std::string& language,
                 int64_t size, const std::string& sha256, bool verify, absl::Duration* took) {
  absl::Time t0 = absl::Now();
  v1::DownloadRequest req;
  req.set_document(document);
  req.set_language(language);
  grpc::ClientContext ctx;
  auto reader = stub->Download(&ctx, req);
  v1::DownloadChunk chunk;
  int64_t bytes = 0;
  bool contiguous = true;
  rcp::crypto::Sha256 sha;
  while (reader->Read(&chunk)) {
    contiguous = contiguous && chunk.offset() == bytes;
    if (verify) sha.Update(chunk.data());
    bytes += static_cast<int64_t>(chunk.data().size());
  }
  if (auto s = reader->Finish(); !s.ok()) return Fail("Download", s);
  *took = absl::Now() - t0;
  if (!contiguous || bytes != size) {
    std::fprintf(stderr, "Download: %lld bytes, contiguous %d\n", static_cast<long long>(bytes), contiguous);
    return false;
  }
  if (verify) {
    std::string hex = sha.HexDigest();
    if (hex != sha256) {
      std::fprintf(stderr, "Download: SHA-256 %s, expected %s\n", hex.c_str(), sha256.c_str());
      return false;
    }
  }
  return true;
}

bool BareUpload(echo::Echo::Stub* stub, const Document& doc, absl::Duration* took) {
  absl::Time t0 = absl::Now();
  grpc::ClientContext ctx;
  echo::UploadSummary summary;
  auto writer = stub->Upload(&ctx, &summary);
  echo::EchoMessage message;
  for (int64_t i = 0; i < doc.chunks; ++i) {
    message.set_sequence(static_cast<uint64_t>(i));
    message.set_payload(doc.Chunk(i));
    if (!writer->Write(message)) break;
  }
  writer->WritesDone();
  if (auto s = writer->Finish(); !s.ok()) return Fail("echo Upload", s);
  *took = absl::Now() - t0;
  return static_cast<int64_t>(summary.bytes()) == doc.size();
}

bool BareStream(echo::Echo::Stub* stub, int64_t chunks, absl::Duration* took) {
  absl::Time t0 = absl::Now();
  grpc::ClientContext ctx;
  echo::StreamRequest req;
  req.set_count(static_cast<uint64_t>(chunks));
  req.set_payload_size(static_cast<uint32_t>(kMiB));
  auto reader = stub->Stream(&ctx, req);
  echo::EchoMessage message;
  int64_t bytes = 0;
  while (reader->Read(&message)) bytes += static_cast<int64_t>(message.payload().size());
  if (auto s = reader->Finish(); !s.ok()) return Fail("echo Stream", s);
  *took = absl::Now() - t0;
  return bytes == chunks * kMiB;
}

std::shared_ptr<grpc::Channel> Channel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(4 * static_cast<int>(kMiB));
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t size_mib = 256;
  int rounds = 3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--size_mib=", 0) == 0) size_mib = std::stoll(a.substr(11));
    if (a.rfind("--rounds=", 0) == 0) rounds = std::stoi(a.substr(9));
  }
  if (size_mib < 1 || rounds < 1) {
    std::fprintf(stderr, "usage: documents_bench [--size_mib=256] [--rounds=3]\n");
    return 2;
  }

  rcp::testing::TempDir dir;
  std::string build = rcp::testing::BuildDir();
  rcp::testing::Daemon documents(build + "/services/documents/rcp-documentsd",
                                 {"--listen=127.0.0.1:0", "--data_dir=" + dir.Sub("documents")},
                                 dir.Sub("documents.log"));
  rcp::testing::Daemon echo_server(build + "/bench/echo_server", {"--listen=127.0.0.1:0"}, dir.Sub("echo.log"));
  if (auto s = documents.Start(); !s.ok()) {
    std::fprintf(stderr, "rcp-documentsd: %s\n", s.ToString().c_str());
    return 1;
  }
  if (auto s = echo_server.Start(); !s.ok()) {
    std::fprintf(stderr, "echo_server: %s\n", s.ToString().c_str());
    return 1;
  }
  auto stub = v1::Documents::NewStub(Channel(documents.address()));
  auto echo_stub = echo::Echo::NewStub(Channel(echo_server.address()));

  Document doc;
  doc.chunks = size_mib;
  std::mt19937_64 rng(2005);
  for (int64_t i = 0; i < std::min<int64_t>(size_mib, 64); ++i) {
    std::string block(static_cast<size_t>(kMiB), '\0');
    for (size_t j = 0; j < block.size(); j += 8) {
      uint64_t w = rng();
      std::copy(reinterpret_cast<const char*>(&w), reinterpret_cast<const char*>(&w) + 8, &block[j]);
    }
    doc.blocks.push_back(std::move(block));
  }

  // One document; round r uploads a version in its own language.
  v1::CreateDocumentRequest create;
  create.set_parent("processes/bali-process");
  create.set_document_id("bench");
  create.mutable_document()->set_symbol("BALI/BENCH/1");
  create.mutable_document()->set_title("Benchmark document");
  create.mutable_document()->set_kind(v1::STATISTICS);
  create.mutable_document()->set_visibility(rcp::common::v1::PUBLIC);
  v1::Document created;
  {
    grpc::ClientContext ctx;
    if (auto s = stub->CreateDocument(&ctx, create, &created); !s.ok()) {
      Fail("CreateDocument", s);
      return 1;
    }
  }

  std::printf("rcp-documentsd vs bare gRPC echo: %lld MiB in 1 MiB messages, %d round(s), "
              "2 cores shared by client and servers\n",
              static_cast<long long>(size_mib), rounds);
  std::printf("%-6s %-9s %12s %12s %7s\n", "round", "transfer", "rcp MB/s", "bare MB/s", "ratio");
  double best_up = 0, best_bare_up = 0, best_down = 0, best_bare_down = 0;
  const char* languages[] = {"en", "fr", "es", "ar", "ru", "zh", "pt", "de", "id"};
  for (int r = 0; r < rounds; ++r) {
    // A distinct content per round (its first block differs), so that no
    // round's upload is shared with an earlier identical one.
    doc.blocks[0][0] = static_cast<char>(r);
    std::string sha256 = Sha256Hex(doc);
    std::string language = languages[r % 9];
    absl::Duration up, bare_up, down, bare_down;
    if (!RcpUpload(stub.get(), created.name(), language, doc, sha256, &up)) return 1;
    if (!BareUpload(echo_stub.get(), doc, &bare_up)) return 1;
    if (!RcpDownload(stub.get(), created.name(), language, doc.size(), sha256, /*verify=*/false, &down)) return 1;
    if (!BareStream(echo_stub.get(), doc.chunks, &bare_down)) return 1;
    std::printf("%-6d %-9s %12.0f %12.0f %7.2f\n", r + 1, "upload", MBps(doc.size(), up),
                MBps(doc.size(), bare_up), absl::ToDoubleSeconds(bare_up) / absl::ToDoubleSeconds(up));
    std::printf("%-6d %-9s %12.0f %12.0f %7.2f\n", r + 1, "download", MBps(doc.size(), down),
                MBps(doc.size(), bare_down), absl::ToDoubleSeconds(bare_down) / absl::ToDoubleSeconds(down));
    std::fflush(stdout);
    best_up = std::max(best_up, MBps(doc.size(), up));
    best_bare_up = std::max(best_bare_up, MBps(doc.size(), bare_up));
    best_down = std::max(best_down, MBps(doc.size(), down));
    best_bare_down = std::max(best_bare_down, MBps(doc.size(), bare_down));
    // What was timed is what was stored: one untimed download, hashed.
    absl::Duration verify;
    if (!RcpDownload(stub.get(), created.name(), language, doc.size(), sha256, /*verify=*/true, &verify)) return 1;
  }
  double up_ratio = best_up / best_bare_up, down_ratio = best_down / best_bare_down;
  std::printf("best   %-9s %12.0f %12.0f %7.2f  (target >= 0.30: %s)\n", "upload", best_up, best_bare_up, up_ratio,
              up_ratio >= 0.3 ? "met" : "MISSED");
  std::printf("best   %-9s %12.0f %12.0f %7.2f  (target >= 0.50: %s)\n", "download", best_down, best_bare_down,
              down_ratio, down_ratio >= 0.5 ? "met" : "MISSED");
  std::printf("every upload was durable and SHA-256-verified by the server; every download re-hashed: OK\n");
  return 0;
}
