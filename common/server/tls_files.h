// TLS credentials from PEM files that are watched while the daemon runs:
// a renewed certificate, a rotated key or a new CA (cert-manager, a
// Kubernetes Secret, an operator's `mv`) takes effect for new connections,
// with no restart. gRPC's FileWatcherCertificateProvider rereads the files
// every refresh interval, and keeps the old pair while a new certificate
// and key do not match (a rotation written one file at a time).
#ifndef RCP_COMMON_SERVER_TLS_FILES_H_
#define RCP_COMMON_SERVER_TLS_FILES_H_

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"


namespace rcp::server {

// PEM files, each with the flag that names it (for errors).
struct TlsFile {
  std::string path;
  const char* flag = "";
};
struct TlsFiles {
  TlsFile cert;  // certificate chain; with key, the identity presented
  TlsFile key;
  TlsFile ca;    // roots: a server asks clients for a certificate it signed
  // How often the files are looked at. Default: 10 s.
  absl::Duration refresh = absl::Seconds(10);
};

// Server credentials for `files` (cert and key required; with ca, clients
// must present a certificate it signed). INVALID_ARGUMENT naming the flag
// when a file cannot be read or is not PEM, or when cert and key do not
// match.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> WatchedServerCredentials(const TlsFiles& files);

// Channel credentials for `files` (ca required: the server's certificate is
// checked against it and must name the host dialled; with cert and key, the
// client presents them). Errors as above.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> WatchedChannelCredentials(const TlsFiles& files);

// The notAfter of the first certificate in the PEM file at `path`, as Unix
// seconds. INVALID_ARGUMENT when it holds none.
absl::StatusOr<int64_t> CertificateNotAfter(const std::string& path);

// Exports rcp_tls_certificate_expiry_timestamp_seconds{path="..."} for each
// certificate file added, read at every scrape, so that a renewed file
// shows at once and an alert can warn before one expires. Thread-safe.
class CertificateExpiry : public prometheus::Collectable {
 public:
  void Add(const std::string& path);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> paths_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rcp::server

#endif  // RCP_COMMON_SERVER_TLS_FILES_H_
