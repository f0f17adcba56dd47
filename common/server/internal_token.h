// The internal credential (DESIGN.md §1: only the gateway may call a data
// service), read from a file that may change while the daemon runs.
//
// The file holds one token per line. Callers present the first; services
// accept any. So a rotation needs no restart and no moment when the two
// sides disagree, even with one Secret mounted on both:
//   1. "old\nnew": the gateway still sends old; services accept both.
//   2. "new\nold": the gateway sends new; services still accept both.
//   3. "new": old is retired.
#ifndef RCP_COMMON_SERVER_INTERNAL_TOKEN_H_
#define RCP_COMMON_SERVER_INTERNAL_TOKEN_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace rcp::server {

// Thread-safe.
class InternalTokens {
 public:
  // Reads `path` now (INVALID_ARGUMENT naming `flag` when it cannot be
  // read or holds no token), then again whenever it changes, looking at
  // most once per `recheck`. A change to an unreadable or empty file is
  // logged and ignored: the tokens in use stay.
  static absl::StatusOr<std::shared_ptr<InternalTokens>> FromFile(const std::string& path, const char* flag,
                                                                  absl::Duration recheck);
  // One token that never changes (the --internal_token flag, tests).
  static std::shared_ptr<InternalTokens> Fixed(std::string token);

  // The token a caller presents: the file's first.
  std::string Current();
  // Whether `presented` is any of the file's tokens (in constant time for
  // each).
  bool Accepts(absl::string_view presented);

 private:
  InternalTokens(std::string path, absl::Duration recheck) : path_(std::move(path)), recheck_(recheck) {}
  // Rereads the file when its identity (inode, size, mtime) has changed.
  void Refresh() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;  // empty: fixed
  const absl::Duration recheck_;
  absl::Mutex mu_;
  std::vector<std::string> tokens_ ABSL_GUARDED_BY(mu_);
  absl::Time checked_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  struct Identity {
    ino_t inode = 0;
    off_t size = -1;
    int64_t mtime_ns = 0;
    bool operator==(const Identity& o) const {
      return inode == o.inode && size == o.size && mtime_ns == o.mtime_ns;
    }
  };
  Identity identity_ ABSL_GUARDED_BY(mu_);
};

// The tokens in a file's text: one per line, surrounding blanks ignored.
std::vector<std::string> ParseInternalTokens(absl::string_view text);

}  // namespace rcp::server

#endif  // RCP_COMMON_SERVER_INTERNAL_TOKEN_H_
