// The server side of every service's Watch RPC: a callback-API stream that
// writes one WatchResponse at a time from a storage::Watcher. No thread is
// held per stream; the watcher's on_ready wakes the stream when changes
// arrive.
#ifndef RCP_COMMON_FEED_WATCH_REACTOR_H_
#define RCP_COMMON_FEED_WATCH_REACTOR_H_

#include <grpcpp/support/server_callback.h>

#include "common/storage/store.h"
#include "rcp/common/v1/common.pb.h"

namespace rcp::feed {

// Starts a Watch of `store` for `request`; the returned reactor owns itself
// and is deleted when gRPC is done with it. Errors of Store::Watch
// (OUT_OF_RANGE, FAILED_PRECONDITION + ResyncRequired) finish the call at
// once; a watcher ended by the store (too slow, shutdown) finishes it with
// UNAVAILABLE + ResumeFrom after the changes already queued are written.
grpc::ServerWriteReactor<rcp::common::v1::WatchResponse>* StartWatch(
    storage::Store* store, const rcp::common::v1::WatchRequest& request);

}  // namespace rcp::feed

#endif  // RCP_COMMON_FEED_WATCH_REACTOR_H_
