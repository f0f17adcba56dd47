// Document transfers through the gateway, proxied one message at a time in
// each direction so that the gateway holds at most a chunk of each: an
// upload is read from the client only after its previous chunk was written
// to rcp-documentsd, a download's next chunk is read from it only after the
// previous one was written to the client. Both are authorized by the policy
// table (Download: the document must be visible; UploadChunks: the session
// must be the caller's) before the first byte moves.
#ifndef RCP_SERVICES_GATEWAY_PUBLIC_TRANSFERS_H_
#define RCP_SERVICES_GATEWAY_PUBLIC_TRANSFERS_H_

#include <grpcpp/grpcpp.h>

#include "rcp/documents/v1/documents.grpc.pb.h"
#include "services/gateway/upstream/forwarder.h"

namespace rcp::gateway {

// `forwarder` (of the Documents service) must outlive the calls.
grpc::ServerReadReactor<rcp::documents::v1::UploadChunk>* StartUploadProxy(
    upstream::Forwarder* forwarder, grpc::CallbackServerContext* context,
    rcp::documents::v1::UploadSession* response);
grpc::ServerWriteReactor<rcp::documents::v1::DownloadChunk>* StartDownloadProxy(
    upstream::Forwarder* forwarder, grpc::CallbackServerContext* context,
    const rcp::documents::v1::DownloadRequest& request);

}  // namespace rcp::gateway

#endif  // RCP_SERVICES_GATEWAY_PUBLIC_TRANSFERS_H_
