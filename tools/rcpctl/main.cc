// rcpctl: the command-line client of RCP Exchange. Command-line wiring only:
// the global flags, each group's commands (commands/*.h, registered in the
// order --help lists them), parsing (flag values are validated by CLI11),
// then the chosen command runs against the gateway.
//
// Exit codes: 0 ok, 2 usage, 3 not found, 4 permission denied or
// unauthenticated, 5 invalid argument / failed precondition / out of range /
// already exists, 6 unavailable / deadline exceeded, 7 data loss, 1 other.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "common/version/version.h"
#include "tools/rcpctl/client.h"
#include "tools/rcpctl/commands/calendar.h"
#include "tools/rcpctl/commands/command.h"
#include "tools/rcpctl/commands/doc.h"
#include "tools/rcpctl/commands/federation.h"
#include "tools/rcpctl/commands/key.h"
#include "tools/rcpctl/commands/meeting.h"
#include "tools/rcpctl/commands/member.h"
#include "tools/rcpctl/commands/party.h"
#include "tools/rcpctl/commands/peer.h"
#include "tools/rcpctl/commands/process.h"
#include "tools/rcpctl/commands/subscribe.h"
#include "tools/rcpctl/commands/whoami.h"

int main(int argc, char** argv) {
  using namespace rcp::rcpctl;  // NOLINT

  CLI::App app{
      "rcpctl: the command-line client of RCP Exchange.\n"
      "Talks to rcp-gatewayd; every call carries `authorization: Bearer <key>`.",
      "rcpctl"};
  app.set_version_flag("--version", std::string("rcpctl ") + rcp::kVersion);
  app.require_subcommand(1);
  app.fallthrough();  // the global flags may also follow the command
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "rcpctl: usage: " + std::string(e.what()) + "\nRun with --help for more information.\n";
  });
  app.footer(
      "Exit codes: 0 ok, 1 other error, 2 usage, 3 not found, 4 permission denied/unauthenticated,\n"
      "5 invalid argument/failed precondition/out of range/already exists, 6 unavailable/deadline exceeded,\n"
      "7 data loss (checksum).");

  ConnectionOptions connection;
  app.add_option("--address", connection.address, "host:port of rcp-gatewayd")
      ->envname("RCP_ADDRESS")
      ->capture_default_str();
  app.add_option("--key", connection.key,
                 "API key, rcp_<id>_<secret> (prefer RCP_KEY: command lines are visible to other users)")
      ->envname("RCP_KEY");
  app.add_option("--ca_file,--ca-file", connection.ca_file,
                 "PEM root certificate(s); given: TLS, else plaintext")
      ->envname("RCP_CA_FILE")
      ->check(CLI::ExistingFile);

  Output output{&std::cout, &std::cerr, /*json=*/false, /*progress=*/isatty(STDERR_FILENO) != 0};
  Commands commands(&app, &output);
  RegisterProcessCommands(commands);
  RegisterPartyCommands(commands);
  RegisterMemberCommands(commands);
  RegisterMeetingCommands(commands);
  RegisterDocCommands(commands);
  RegisterSubscribeCommands(commands);
  RegisterCalendarCommands(commands);
  RegisterKeyCommands(commands);
  RegisterWhoAmICommands(commands);
  RegisterFederationCommands(commands);
  RegisterPeerCommands(commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  if (!commands.handler()) {
    std::cerr << app.help();
    return kExitUsage;
  }

  std::unique_ptr<Client> client;
  grpc::Status status = Client::Connect(connection, &client);
  if (status.ok()) status = commands.handler()(*client, output);
  if (!status.ok()) {
    std::cout.flush();
    std::cerr << FormatError(status) << std::endl;
    return ExitCodeFor(status);
  }
  return kExitOk;
}
