#include "common/server/tls_files.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "common/io/file.h"

namespace rcp::server {
namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

X509Ptr FirstCertificate(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                &BIO_free);
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
}

KeyPtr PrivateKey(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                &BIO_free);
  return KeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
}

absl::StatusOr<std::string> Read(const TlsFile& file) {
  absl::StatusOr<std::string> pem = io::ReadFile(file.path);
  if (!pem.ok()) return absl::InvalidArgumentError(absl::StrCat(file.flag, ": ", pem.status().message()));
  return pem;
}

// What gRPC's watcher would only log, and then serve nothing: files that
// are missing, not PEM, or a certificate and key that do not belong
// together. Checked once at start, so that a mistake stops the daemon with
// the flag named.
absl::Status CheckFiles(const TlsFiles& files, bool identity_required, bool ca_required) {
  const bool identity = !files.cert.path.empty() || !files.key.path.empty();
  if (identity || identity_required) {
    if (files.cert.path.empty() || files.key.path.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(files.cert.flag, " and ", files.key.flag, ": both are needed for TLS"));
    }
    absl::StatusOr<std::string> cert = Read(files.cert);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = Read(files.key);
    if (!key.ok()) return key.status();
    X509Ptr x509 = FirstCertificate(*cert);
    if (!x509) return absl::InvalidArgumentError(absl::StrCat(files.cert.flag, ": ", files.cert.path,
                                                              " holds no PEM certificate"));
    KeyPtr pkey = PrivateKey(*key);
    if (!pkey) return absl::InvalidArgumentError(absl::StrCat(files.key.flag, ": ", files.key.path,
                                                              " holds no PEM private key"));
    if (X509_check_private_key(x509.get(), pkey.get()) != 1) {
      return absl::InvalidArgumentError(absl::StrCat(files.key.flag, ": ", files.key.path,
                                                     " is not the key of the certificate in ", files.cert.path));
    }
  }
  if (!files.ca.path.empty() || ca_required) {
    if (files.ca.path.empty()) return absl::InvalidArgumentError(absl::StrCat(files.ca.flag, ": is required"));
    absl::StatusOr<std::string> ca = Read(files.ca);
    if (!ca.ok()) return ca.status();
    if (!FirstCertificate(*ca)) {
      return absl::InvalidArgumentError(absl::StrCat(files.ca.flag, ": ", files.ca.path, " holds no PEM certificate"));
    }
  }
  return absl::OkStatus();
}

std::shared_ptr<grpc::experimental::CertificateProviderInterface> Watcher(const TlsFiles& files) {
  auto seconds = static_cast<unsigned int>(std::max<int64_t>(1, absl::ToInt64Seconds(files.refresh)));
  return std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(files.key.path, files.cert.path,
                                                                              files.ca.path, seconds);
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> WatchedServerCredentials(const TlsFiles& files) {
  if (absl::Status s = CheckFiles(files, /*identity_required=*/true, /*ca_required=*/false); !s.ok()) return s;
  grpc::experimental::TlsServerCredentialsOptions options(Watcher(files));
  options.watch_identity_key_cert_pairs();
  if (!files.ca.path.empty()) {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> WatchedChannelCredentials(const TlsFiles& files) {
  if (absl::Status s = CheckFiles(files, /*identity_required=*/false, /*ca_required=*/true); !s.ok()) return s;
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(Watcher(files));
  options.watch_root_certs();
  if (!files.cert.path.empty()) options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(true);
  return grpc::experimental::TlsCredentials(options);
}

absl::StatusOr<int64_t> CertificateNotAfter(const std::string& path) {
  absl::StatusOr<std::string> pem = io::ReadFile(path);
  if (!pem.ok()) return pem.status();
  X509Ptr x509 = FirstCertificate(*pem);
  if (!x509) return absl::InvalidArgumentError(absl::StrCat(path, " holds no PEM certificate"));
  tm not_after{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(x509.get()), &not_after) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": the certificate's notAfter does not parse"));
  }
  return static_cast<int64_t>(timegm(&not_after));
}

void CertificateExpiry::Add(const std::string& path) {
  absl::MutexLock lock(&mu_);
  if (std::find(paths_.begin(), paths_.end(), path) == paths_.end()) paths_.push_back(path);
}

std::vector<prometheus::MetricFamily> CertificateExpiry::Collect() const {
  prometheus::MetricFamily family;
  family.name = "rcp_tls_certificate_expiry_timestamp_seconds";
  family.help = "notAfter of each certificate file the daemon presents, as Unix time (read at every scrape)";
  family.type = prometheus::MetricType::Gauge;
  absl::MutexLock lock(&mu_);
  for (const auto& path : paths_) {
    absl::StatusOr<int64_t> not_after = CertificateNotAfter(path);
    // An unreadable file mid-rotation: no sample, rather than a false one.
    if (!not_after.ok()) continue;
    prometheus::ClientMetric m;
    m.label.push_back({"path", path});
    m.gauge.value = static_cast<double>(*not_after);
    family.metric.push_back(std::move(m));
  }
  if (family.metric.empty()) return {};
  return {std::move(family)};
}

}  // namespace rcp::server
