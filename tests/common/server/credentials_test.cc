// The files a daemon authenticates with, reread while it runs
// (internal_token.h, tls_files.h).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/server/internal_token.h"
#include "common/server/tls_files.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"

namespace rcp::server {
namespace {

using ::rcp::testing::IsOk;
using ::rcp::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path + ".next") << text;
  std::filesystem::rename(path + ".next", path);
}

TEST(ParseInternalTokensTest, OnePerLineWithBlanksAndCarriageReturnsIgnored) {
  EXPECT_THAT(ParseInternalTokens("  first \r\n\nsecond\n"), ElementsAre("first", "second"));
  EXPECT_TRUE(ParseInternalTokens(" \n\n").empty());
}

TEST(InternalTokensTest, PresentsTheFirstAndAcceptsAny) {
  rcp::testing::TempDir dir;
  Write(dir.Sub("token"), "current\nprevious\n");
  RCP_ASSERT_OK_AND_ASSIGN(auto tokens, InternalTokens::FromFile(dir.Sub("token"), "internal_token_file",
                                                                 absl::InfiniteDuration()));
  EXPECT_EQ(tokens->Current(), "current");
  EXPECT_TRUE(tokens->Accepts("current"));
  EXPECT_TRUE(tokens->Accepts("previous"));
  EXPECT_FALSE(tokens->Accepts("curren"));
  EXPECT_FALSE(tokens->Accepts(""));
}

TEST(InternalTokensTest, AMissingOrEmptyFileAtStartNamesTheFlag) {
  rcp::testing::TempDir dir;
  EXPECT_THAT(InternalTokens::FromFile(dir.Sub("absent"), "internal_token_file", absl::Seconds(1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("internal_token_file: ")));
  Write(dir.Sub("empty"), "\n \n");
  EXPECT_THAT(InternalTokens::FromFile(dir.Sub("empty"), "internal_token_file", absl::Seconds(1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("holds no token (one per line)")));
}

TEST(InternalTokensTest, AChangedFileIsRereadAfterTheRecheckAndABrokenOneIsIgnored) {
  rcp::testing::TempDir dir;
  const std::string path = dir.Sub("token");
  Write(path, "old\n");
  RCP_ASSERT_OK_AND_ASSIGN(auto tokens, InternalTokens::FromFile(path, "internal_token_file", absl::Milliseconds(50)));
  Write(path, "new\nold\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(tokens->Current(), "new");
  EXPECT_TRUE(tokens->Accepts("old"));
  Write(path, "");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(tokens->Current(), "new");
  std::filesystem::remove(path);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(tokens->Accepts("old"));
  Write(path, "new\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(tokens->Accepts("old"));
  EXPECT_TRUE(tokens->Accepts("new"));
}

// How a Kubernetes Secret volume updates: the file is a symlink into a
// timestamped directory, and the symlink is swapped.
TEST(InternalTokensTest, ASwappedSymlinkIsFollowed) {
  rcp::testing::TempDir dir;
  std::filesystem::create_directories(dir.Sub("v1"));
  std::filesystem::create_directories(dir.Sub("v2"));
  Write(dir.Sub("v1/token"), "first\n");
  Write(dir.Sub("v2/token"), "later\n");
  std::filesystem::create_directory_symlink("v1", dir.Sub("..data"));
  std::filesystem::create_symlink("..data/token", dir.Sub("token"));
  RCP_ASSERT_OK_AND_ASSIGN(auto tokens,
                           InternalTokens::FromFile(dir.Sub("token"), "internal_token_file", absl::Milliseconds(50)));
  EXPECT_EQ(tokens->Current(), "first");
  std::filesystem::create_directory_symlink("v2", dir.Sub("..data_tmp"));
  std::filesystem::rename(dir.Sub("..data_tmp"), dir.Sub("..data"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(tokens->Current(), "later");
}

TEST(InternalTokensTest, AFixedTokenNeverChanges) {
  auto tokens = InternalTokens::Fixed("fixed");
  EXPECT_EQ(tokens->Current(), "fixed");
  EXPECT_TRUE(tokens->Accepts("fixed"));
  EXPECT_FALSE(tokens->Accepts("other"));
}

class TlsFilesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new rcp::testing::TempDir();
    ASSERT_EQ(std::system(absl::StrCat(RCP_SOURCE_DIR, "/deploy/make-certs.sh ", certs_->path(), " a b").c_str()), 0);
  }
  static void TearDownTestSuite() { delete certs_; }
  static std::string File(const std::string& name) { return absl::StrCat(certs_->path(), "/", name); }
  static rcp::testing::TempDir* certs_;
};
rcp::testing::TempDir* TlsFilesTest::certs_ = nullptr;

TEST_F(TlsFilesTest, GoodFilesMakeCredentials) {
  EXPECT_THAT(WatchedServerCredentials({{File("a.pem"), "tls_cert"}, {File("a.key"), "tls_key"}, {"", "tls_client_ca"}})
                  .status(),
              IsOk());
  EXPECT_THAT(
      WatchedChannelCredentials({{File("b.pem"), "cert"}, {File("b.key"), "key"}, {File("ca.pem"), "ca"}}).status(),
      IsOk());
  EXPECT_THAT(WatchedChannelCredentials({{"", "cert"}, {"", "key"}, {File("ca.pem"), "ca"}}).status(), IsOk());
}

TEST_F(TlsFilesTest, MistakesAreRefusedAtStartNamingTheFlag) {
  EXPECT_THAT(WatchedServerCredentials({{File("a.pem"), "tls_cert"}, {File("b.key"), "tls_key"}, {"", "ca"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tls_key: ")));
  EXPECT_THAT(WatchedServerCredentials({{File("a.pem"), "tls_cert"}, {"", "tls_key"}, {"", "ca"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tls_cert and tls_key: both are needed")));
  EXPECT_THAT(WatchedServerCredentials({{File("a.key"), "tls_cert"}, {File("a.key"), "tls_key"}, {"", "ca"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tls_cert: ")));
  EXPECT_THAT(WatchedServerCredentials(
                  {{File("a.pem"), "tls_cert"}, {File("a.key"), "tls_key"}, {File("absent.pem"), "tls_client_ca"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tls_client_ca: ")));
  EXPECT_THAT(WatchedChannelCredentials({{"", "upstream_cert"}, {"", "upstream_key"}, {"", "upstream_ca"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("upstream_ca: is required")));
}

TEST_F(TlsFilesTest, NotAfterIsTheCertificatesAsOpensslReadsIt) {
  RCP_ASSERT_OK_AND_ASSIGN(int64_t not_after, CertificateNotAfter(File("a.pem")));
  // openssl prints notAfter=<date>; date(1) turns it into Unix seconds.
  std::string command = absl::StrCat("date -u -d \"$(openssl x509 -noout -enddate -in ", File("a.pem"),
                                     " | cut -d= -f2)\" +%s > ", File("a.enddate"));
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::ifstream in(File("a.enddate"));
  int64_t expected = 0;
  in >> expected;
  EXPECT_EQ(not_after, expected);
  EXPECT_THAT(CertificateNotAfter(File("a.key")), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("holds no PEM certificate")));
}

TEST_F(TlsFilesTest, TheExpiryMetricHasASampleForEachReadableCertificate) {
  CertificateExpiry expiry;
  EXPECT_TRUE(expiry.Collect().empty());
  expiry.Add(File("a.pem"));
  expiry.Add(File("a.pem"));
  expiry.Add(File("gone.pem"));
  auto families = expiry.Collect();
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].name, "rcp_tls_certificate_expiry_timestamp_seconds");
  ASSERT_EQ(families[0].metric.size(), 1u);
  EXPECT_EQ(families[0].metric[0].label[0].value, File("a.pem"));
  EXPECT_EQ(families[0].metric[0].gauge.value, static_cast<double>(*CertificateNotAfter(File("a.pem"))));
}

}  // namespace
}  // namespace rcp::server
