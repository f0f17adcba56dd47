// RocksDB statuses as Abseil's, in the one library that talks to RocksDB.
#ifndef RCP_COMMON_STORAGE_ROCKS_STATUS_H_
#define RCP_COMMON_STORAGE_ROCKS_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace rocksdb {
class Status;
}

namespace rcp::storage {

// rocksdb → absl: NotFound→NOT_FOUND, Corruption→DATA_LOSS, Busy/TryAgain→
// ABORTED, TimedOut→DEADLINE_EXCEEDED, ShutdownInProgress→UNAVAILABLE,
// IOError→UNAVAILABLE, InvalidArgument→INVALID_ARGUMENT, NotSupported→
// UNIMPLEMENTED, others→INTERNAL. `context` prefixes the message
// ("reading processes/x").
absl::Status FromRocksStatus(const rocksdb::Status& s, absl::string_view context);

}  // namespace rcp::storage

#endif  // RCP_COMMON_STORAGE_ROCKS_STATUS_H_
