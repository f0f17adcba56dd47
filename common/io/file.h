// Whole-file reads, the one way every daemon, tool, test and benchmark reads
// a small file (keys, certificates, secrets, seeds, goldens).
#ifndef RCP_COMMON_IO_FILE_H_
#define RCP_COMMON_IO_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace google::protobuf {
class Message;
}

namespace rcp::io {

// The bytes of the file at `path`. NOT_FOUND when it does not exist,
// PERMISSION_DENIED when it may not be read, UNAVAILABLE on another read
// error; the message names the path.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Parses the protobuf text format file at `path` into `message`. Errors as
// ReadFile, or INVALID_ARGUMENT naming the path and the parser's complaint
// (line and column).
absl::Status LoadTextProto(const std::string& path, google::protobuf::Message* message);

}  // namespace rcp::io

#endif  // RCP_COMMON_IO_FILE_H_
