// Who a call acts for. The gateway authenticates the caller and passes its
// principal to the data services in metadata; they trust it only because
// they accept calls from holders of the internal credential alone.
#ifndef RCP_COMMON_SERVER_PRINCIPAL_H_
#define RCP_COMMON_SERVER_PRINCIPAL_H_

#include <grpcpp/server_context.h>

#include <string>

namespace rcp::server {

inline constexpr char kPrincipalHeader[] = "x-rcp-principal";
// Recorded when a call carries no principal (an operator on loopback).
inline constexpr char kDirectPrincipal[] = "system/direct";

inline std::string PrincipalOf(const grpc::ServerContextBase* context) {
  const auto& md = context->client_metadata();
  auto it = md.find(kPrincipalHeader);
  if (it == md.end() || it->second.empty() || it->second.size() > 200) return kDirectPrincipal;
  return std::string(it->second.data(), it->second.size());
}

}  // namespace rcp::server

#endif  // RCP_COMMON_SERVER_PRINCIPAL_H_
