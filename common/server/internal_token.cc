#include "common/server/internal_token.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/crypto/crypto.h"
#include "common/io/file.h"

namespace rcp::server {

std::vector<std::string> ParseInternalTokens(absl::string_view text) {
  std::vector<std::string> tokens;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!line.empty()) tokens.emplace_back(line);
  }
  return tokens;
}

absl::StatusOr<std::shared_ptr<InternalTokens>> InternalTokens::FromFile(const std::string& path, const char* flag,
                                                                         absl::Duration recheck) {
  std::shared_ptr<InternalTokens> tokens(new InternalTokens(path, recheck));
  absl::StatusOr<std::string> text = io::ReadFile(path);
  if (!text.ok()) return absl::InvalidArgumentError(absl::StrCat(flag, ": ", text.status().message()));
  absl::MutexLock lock(&tokens->mu_);
  tokens->tokens_ = ParseInternalTokens(*text);
  if (tokens->tokens_.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": ", path, " holds no token (one per line)"));
  }
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) {
    tokens->identity_ = {st.st_ino, st.st_size, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec};
  }
  tokens->checked_ = absl::Now();
  return tokens;
}

std::shared_ptr<InternalTokens> InternalTokens::Fixed(std::string token) {
  std::shared_ptr<InternalTokens> tokens(new InternalTokens("", absl::InfiniteDuration()));
  absl::MutexLock lock(&tokens->mu_);
  tokens->tokens_.push_back(std::move(token));
  return tokens;
}

void InternalTokens::Refresh() {
  if (path_.empty()) return;
  absl::Time now = absl::Now();
  if (now - checked_ < recheck_) return;
  checked_ = now;
  // stat follows symlinks: a Kubernetes Secret volume swaps a symlink, so
  // the inode changes even when size and mtime happen not to.
  struct stat st {};
  if (stat(path_.c_str(), &st) != 0) {
    spdlog::warn("msg=\"internal token file is gone; keeping the tokens in use\" path={}", path_);
    return;
  }
  Identity seen{st.st_ino, st.st_size, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec};
  if (seen == identity_) return;
  absl::StatusOr<std::string> text = io::ReadFile(path_);
  std::vector<std::string> tokens = text.ok() ? ParseInternalTokens(*text) : std::vector<std::string>{};
  if (tokens.empty()) {
    spdlog::warn("msg=\"internal token file is unreadable or empty; keeping the tokens in use\" path={}", path_);
    return;
  }
  identity_ = seen;
  if (tokens != tokens_) {
    spdlog::info("msg=\"internal tokens reloaded\" path={} tokens={}", path_, tokens.size());
    tokens_ = std::move(tokens);
  }
}

std::string InternalTokens::Current() {
  absl::MutexLock lock(&mu_);
  Refresh();
  return tokens_.front();
}

bool InternalTokens::Accepts(absl::string_view presented) {
  absl::MutexLock lock(&mu_);
  Refresh();
  bool accepted = false;
  for (const auto& token : tokens_) accepted |= crypto::ConstantTimeEquals(presented, token);
  return accepted;
}

}  // namespace rcp::server
