// rcp.federation.v1.Replica over a MirrorStore: what each data service
// serves to its deployment's gateways (internal, behind the internal
// credential) so that they apply mirrors and read items to export.
#ifndef RCP_COMMON_MIRROR_REPLICA_SERVICE_H_
#define RCP_COMMON_MIRROR_REPLICA_SERVICE_H_

#include "common/concurrency/thread_pool.h"
#include "common/mirror/mirror_store.h"
#include "rcp/federation/v1/replica.grpc.pb.h"

namespace rcp::mirror {

class ReplicaService final : public fv1::Replica::CallbackService {
 public:
  // Neither is owned. Work runs on `pool`, off gRPC's threads.
  ReplicaService(MirrorStore* mirrors, ThreadPool* pool) : mirrors_(mirrors), pool_(pool) {}

  grpc::ServerUnaryReactor* ApplyMirrors(grpc::CallbackServerContext* context,
                                         const fv1::ApplyMirrorsRequest* request,
                                         fv1::ApplyMirrorsResponse* response) override;
  grpc::ServerUnaryReactor* WithdrawMirrors(grpc::CallbackServerContext* context,
                                            const fv1::WithdrawMirrorsRequest* request,
                                            fv1::ApplyMirrorsResponse* response) override;
  grpc::ServerUnaryReactor* PurgeMirrors(grpc::CallbackServerContext* context,
                                         const fv1::PurgeMirrorsRequest* request,
                                         fv1::PurgeMirrorsResponse* response) override;
  grpc::ServerUnaryReactor* ListItems(grpc::CallbackServerContext* context,
                                      const fv1::ListItemsRequest* request,
                                      fv1::ListItemsResponse* response) override;
  grpc::ServerUnaryReactor* GetItem(grpc::CallbackServerContext* context, const fv1::GetItemRequest* request,
                                    fv1::StoredItem* response) override;
  grpc::ServerUnaryReactor* GetPosition(grpc::CallbackServerContext* context,
                                        const fv1::GetPositionRequest* request,
                                        fv1::Position* response) override;
  grpc::ServerUnaryReactor* ReadChanges(grpc::CallbackServerContext* context,
                                        const fv1::ReadChangesRequest* request,
                                        fv1::ReadChangesResponse* response) override;
  grpc::ServerUnaryReactor* DigestItems(grpc::CallbackServerContext* context,
                                        const fv1::DigestItemsRequest* request,
                                        fv1::DigestItemsResponse* response) override;

 private:
  MirrorStore* mirrors_;
  ThreadPool* pool_;
};

}  // namespace rcp::mirror

#endif  // RCP_COMMON_MIRROR_REPLICA_SERVICE_H_
