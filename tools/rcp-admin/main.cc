// rcp-admin: the operator's tool for what is done beside the gateway, on
// the internal network, with the internal credential: backups and restores
// of the data services.
//
//   rcp-admin backup  --service=HOST:PORT --to=DIR [credential flags]
//   rcp-admin restore --from=DIR --to=DATA_DIR
//
// --dry_run (either command) parses and checks the arguments, says what it
// would do and exits 0, without reading, writing or connecting to anything:
// deploy/k8s checks its Jobs' command lines with it.
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "common/io/file.h"
#include "common/server/internal_token.h"
#include "common/server/server.h"
#include "common/version/version.h"
#include "common/status/status.h"
#include "google/protobuf/util/time_util.h"
#include "tools/rcp-admin/backup_files.h"

namespace {

struct Credentials {
  std::string token_file;
  std::string ca;
  std::string cert;
  std::string key;
};

absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelTo(const std::string& address, const Credentials& c) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (!c.ca.empty()) {
    grpc::SslCredentialsOptions ssl;
    RCP_ASSIGN_OR_RETURN(ssl.pem_root_certs, rcp::io::ReadFile(c.ca));
    if (!c.cert.empty()) {
      RCP_ASSIGN_OR_RETURN(ssl.pem_cert_chain, rcp::io::ReadFile(c.cert));
      RCP_ASSIGN_OR_RETURN(ssl.pem_private_key, rcp::io::ReadFile(c.key));
    }
    credentials = grpc::SslCredentials(ssl);
  } else {
    // Plaintext: a data service takes it (and a token) from loopback alone.
    credentials = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  return grpc::CreateCustomChannel(address, credentials, args);
}

int Fail(const absl::Status& s) {
  std::cerr << "rcp-admin: " << s.message() << "\n";
  return s.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rcp-admin: backups and restores of RCP Exchange's data services (beside the gateway, with the "
               "internal credential)"};
  app.set_version_flag("--version", std::string("rcp-admin ") + rcp::kVersion);
  app.require_subcommand(1);
  Credentials credentials;
  std::string service, to, from;
  bool dry_run = false;

  auto* backup = app.add_subcommand(
      "backup", "take a consistent online backup of one data service into DIR (which must not exist or be empty)");
  backup->add_option("--service", service, "host:port of rcp-registryd, rcp-eventsd or rcp-documentsd")->required();
  backup->add_option("--to", to, "directory to write the backup into")->required();
  backup->add_option("--internal_token_file", credentials.token_file,
                     "file holding the internal token (the first line, when it holds two)");
  backup->add_option("--ca", credentials.ca, "PEM CA of the service's certificate (TLS)");
  backup->add_option("--cert", credentials.cert, "PEM client certificate (mTLS)");
  backup->add_option("--key", credentials.key, "PEM key of --cert");
  backup->add_flag("--dry_run", dry_run, "check the arguments and say what would be done, touching nothing");

  auto* restore = app.add_subcommand(
      "restore", "check a backup against its manifest and copy it into a fresh data directory, which the service "
                 "then opens in a new epoch");
  restore->add_option("--from", from, "directory of a backup")->required();
  restore->add_option("--to", to, "the service's new --data_dir (must not exist or be empty)")->required();
  restore->add_flag("--dry_run", dry_run, "check the arguments and say what would be done, touching nothing");
  CLI11_PARSE(app, argc, argv);

  if (backup->parsed() && !credentials.cert.empty() != !credentials.key.empty()) {
    return Fail(absl::InvalidArgumentError("--cert and --key go together"));
  }
  if (backup->parsed() && !credentials.cert.empty() && credentials.ca.empty()) {
    return Fail(absl::InvalidArgumentError("--cert needs --ca: a client certificate is only sent over TLS"));
  }
  if (dry_run) {
    if (backup->parsed()) {
      std::cout << "would back up " << service << " into " << to << " over "
                << (credentials.ca.empty() ? "plaintext" : credentials.cert.empty() ? "TLS" : "mTLS")
                << (credentials.token_file.empty() ? "" : " with the internal token") << "\n";
    } else {
      std::cout << "would restore " << from << " into " << to << "\n";
    }
    return 0;
  }

  if (backup->parsed()) {
    auto channel = ChannelTo(service, credentials);
    if (!channel.ok()) return Fail(channel.status());
    auto stub = rcp::admin::v1::Backup::NewStub(*channel);
    grpc::ClientContext context;
    if (!credentials.token_file.empty()) {
      // The file the services read: during a rotation it holds two tokens,
      // and callers present the first (common/server/internal_token.h).
      auto tokens = rcp::server::InternalTokens::FromFile(credentials.token_file, "--internal_token_file",
                                                          absl::InfiniteDuration());
      if (!tokens.ok()) return Fail(tokens.status());
      context.AddMetadata(rcp::server::kInternalTokenHeader, (*tokens)->Current());
    }
    auto manifest = rcp::admin::TakeBackup(stub.get(), &context, to);
    if (!manifest.ok()) return Fail(manifest.status());
    std::cout << "backed up " << manifest->store_name() << " at revision " << manifest->revision() << " (epoch "
              << manifest->epoch() << "): " << manifest->files_size() << " files into " << to << "\n";
    return 0;
  }
  auto manifest = rcp::admin::Restore(from, to);
  if (!manifest.ok()) return Fail(manifest.status());
  std::cout << "restored " << manifest->store_name() << " at revision " << manifest->revision() << ", taken "
            << google::protobuf::util::TimeUtil::ToString(manifest->taken_at()) << ", into " << to
            << "; it starts a new epoch\n";
  return 0;
}
