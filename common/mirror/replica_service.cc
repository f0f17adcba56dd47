#include "common/mirror/replica_service.h"

#include "common/server/blocking.h"

namespace rcp::mirror {

using server::FillResponse;
using server::RunBlocking;

grpc::ServerUnaryReactor* ReplicaService::ApplyMirrors(grpc::CallbackServerContext* context,
                                                       const fv1::ApplyMirrorsRequest* request,
                                                       fv1::ApplyMirrorsResponse* response) {
  return RunBlocking(pool_, context, [=] { return FillResponse(mirrors_->Apply(*request), response); });
}

grpc::ServerUnaryReactor* ReplicaService::WithdrawMirrors(grpc::CallbackServerContext* context,
                                                          const fv1::WithdrawMirrorsRequest* request,
                                                          fv1::ApplyMirrorsResponse* response) {
  return RunBlocking(pool_, context, [=] { return FillResponse(mirrors_->Withdraw(*request), response); });
}

grpc::ServerUnaryReactor* ReplicaService::PurgeMirrors(grpc::CallbackServerContext* context,
                                                       const fv1::PurgeMirrorsRequest* request,
                                                       fv1::PurgeMirrorsResponse* response) {
  return RunBlocking(pool_, context, [=] { return FillResponse(mirrors_->Purge(*request), response); });
}

grpc::ServerUnaryReactor* ReplicaService::ListItems(grpc::CallbackServerContext* context,
                                                    const fv1::ListItemsRequest* request,
                                                    fv1::ListItemsResponse* response) {
  return RunBlocking(pool_, context, [=] { return FillResponse(mirrors_->ListItems(*request), response); });
}

grpc::ServerUnaryReactor* ReplicaService::GetItem(grpc::CallbackServerContext* context,
                                                  const fv1::GetItemRequest* request, fv1::StoredItem* response) {
  return RunBlocking(pool_, context, [=] { return FillResponse(mirrors_->GetItem(*request), response); });
}

grpc::ServerUnaryReactor* ReplicaService::GetPosition(grpc::CallbackServerContext* context,
                                                      const fv1::GetPositionRequest*,
                                                      fv1::Position* response) {
  return server::RunInline(context, [=] {
    *response = mirrors_->Position();
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ReplicaService::ReadChanges(grpc::CallbackServerContext* context,
                                                      const fv1::ReadChangesRequest* request,
                                                      fv1::ReadChangesResponse* response) {
  return RunBlocking(pool_, context, [=] { return FillResponse(mirrors_->ReadChanges(*request), response); });
}

grpc::ServerUnaryReactor* ReplicaService::DigestItems(grpc::CallbackServerContext* context,
                                                      const fv1::DigestItemsRequest*,
                                                      fv1::DigestItemsResponse* response) {
  return RunBlocking(pool_, context, [=] { return FillResponse(mirrors_->Digest(), response); });
}

}  // namespace rcp::mirror
