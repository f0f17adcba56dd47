#include "tools/rcpctl/commands/command.h"

#include <cctype>
#include <memory>

namespace rcp::rcpctl {

CLI::App* Commands::AddGroup(const std::string& name, const std::string& help) {
  CLI::App* group = app_->add_subcommand(name, help);
  group->require_subcommand(1);
  return group;
}

CLI::App* Commands::Add(CLI::App* parent, const std::string& name, const std::string& help, Handler handler,
                        std::function<void()> check) {
  CLI::App* command = parent->add_subcommand(name, help);
  command->add_flag("--json", output_->json, "print JSON (protobuf's JSON mapping) instead of tables");
  command->callback([this, handler = std::move(handler), check = std::move(check)] {
    if (check) check();
    handler_ = handler;
  });
  return command;
}

CLI::App* Commands::AddOnName(CLI::App* parent, const std::string& name, const std::string& help,
                              const std::string& argument, const std::string& argument_help,
                              NamedHandler handler) {
  auto value = std::make_shared<std::string>();
  CLI::App* command = Add(
      parent, name, help,
      [value, handler = std::move(handler)](Client& c, const Output& o) { return handler(c, o, *value); });
  command->add_option(argument, *value, argument_help)->required();
  return command;
}

CLI::Validator TimeCheck() {
  return ParsedBy<google::protobuf::Timestamp>(ParseTimestamp, "RFC3339", "RFC3339");
}

CLI::Validator DateCheck() { return ParsedBy<rcp::common::v1::Date>(ParseDate, "YYYY-MM-DD", "DATE"); }

CLI::Validator DurationCheck() { return ParsedBy<absl::Duration>(ParseDuration, "DURATION", "DURATION"); }

CLI::Validator CountryCheck() {
  return CLI::Validator(
      [](std::string& text) {
        bool ok = text.size() == 3;
        for (char c : text) ok = ok && std::isalpha(static_cast<unsigned char>(c));
        return ok ? std::string() : "\"" + text + "\" is not an ISO 3166-1 alpha-3 code (e.g. CHE)";
      },
      "ISO3", "ISO3");
}

grpc::Status Invalid(const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

grpc::Status PrintJson(const Output& output, const google::protobuf::Message& message) {
  *output.out << ToJson(message, true);
  return grpc::Status::OK;
}

}  // namespace rcp::rcpctl
