// What every rcpctl command shares.
//
// Each group of commands (process, party, member, meeting, doc, subscribe,
// calendar, key, whoami) lives in its own file beside this one: a header
// with its option structs and handlers, which tests call directly, and one
// Register<Group>Commands(Commands&) that adds its subcommands to the
// command line. main.cc builds the app, calls each registration, parses,
// connects, and runs the handler of the command that was parsed.
//
// A handler returns the gRPC status of the command; main prints
// FormatError(status) and exits with ExitCodeFor(status). Flag values are
// checked while the command line is parsed (the validators below) and parsed
// again by the handler (ParseFlag), which tests call without a command line.
#ifndef RCP_TOOLS_RCPCTL_COMMANDS_COMMAND_H_
#define RCP_TOOLS_RCPCTL_COMMANDS_COMMAND_H_

#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tools/rcpctl/client.h"
#include "tools/rcpctl/format.h"

namespace rcp::rcpctl {

struct Output {
  std::ostream* out = nullptr;  // results (tables, details, JSON, content)
  std::ostream* err = nullptr;  // notices, warnings, progress bars
  bool json = false;            // JSON on `out` instead of tables
  bool progress = false;        // progress bars on `err` (a terminal)
};

// What a parsed command does once main has connected.
using Handler = std::function<grpc::Status(Client& client, const Output& output)>;
// The same for a command on one resource, given the name the user typed.
using NamedHandler =
    std::function<grpc::Status(Client& client, const Output& output, const std::string& name)>;

// Registers commands on the app, each with --json, and remembers the
// handler of the one the command line names. Not thread-safe; lives as long
// as the app.
class Commands {
 public:
  // Not owned; both must outlive this. `--json` of every command sets
  // output->json.
  Commands(CLI::App* app, Output* output) : app_(app), output_(output) {}

  // `rcpctl <name> <subcommand>`: a group; one of its subcommands is required.
  CLI::App* AddGroup(const std::string& name, const std::string& help);

  // A command `name` under `parent` (a group, or app() for a top-level
  // command). When the command line names it, `check` (if any) runs after
  // its flags are parsed, throwing CLI::ValidationError for combinations
  // CLI11 cannot express, and `handler` becomes handler(). The caller adds
  // the command's own options to the returned App, binding them to storage
  // the handler holds (a shared_ptr it captures).
  CLI::App* Add(CLI::App* parent, const std::string& name, const std::string& help, Handler handler,
                std::function<void()> check = nullptr);

  // A command on one resource, named by its required positional argument
  // `argument` (e.g. "meeting"), which is passed to `handler`.
  CLI::App* AddOnName(CLI::App* parent, const std::string& name, const std::string& help,
                      const std::string& argument, const std::string& argument_help, NamedHandler handler);

  CLI::App* app() const { return app_; }
  // The handler of the parsed command; empty before parsing, or when none.
  const Handler& handler() const { return handler_; }

 private:
  CLI::App* app_;
  Output* output_;
  Handler handler_;
};

// ------------------------------------------------------------- flag values

// One of format.h's text parsers (ParseTimestamp, ParseDate, ParseDuration,
// ParseEnum<E>): true, or false with *error saying what is expected.
template <typename T>
using Parser = bool (*)(const std::string& text, T* out, std::string* error);

// A CLI11 check that `parse` accepts the flag's text; `description` shows in
// the help ("TEXT:<description>"), `name` in CLI11's messages.
template <typename T>
CLI::Validator ParsedBy(Parser<T> parse, const std::string& description, const std::string& name) {
  return CLI::Validator(
      [parse](std::string& text) {
        T value{};
        std::string error;
        return parse(text, &value, &error) ? std::string() : error;
      },
      description, name);
}

CLI::Validator TimeCheck();      // RFC 3339
CLI::Validator DateCheck();      // YYYY-MM-DD
CLI::Validator DurationCheck();  // 30d, 12h, …
CLI::Validator CountryCheck();   // ISO 3166-1 alpha-3
template <typename E>
CLI::Validator EnumCheck() {
  const google::protobuf::EnumDescriptor* descriptor = google::protobuf::GetEnumDescriptor<E>();
  return ParsedBy<E>(ParseEnum<E>, EnumChoices(descriptor), descriptor->name());
}

// A repeatable flag: one value per occurrence (`--process a --process b`),
// so that it never swallows the positional arguments after it.
template <typename T>
CLI::Option* Repeated(CLI::App* command, const std::string& name, std::vector<T>& values,
                      const std::string& help) {
  return command->add_option(name, values, help)
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

// INVALID_ARGUMENT with `message`.
grpc::Status Invalid(const std::string& message);

// Parses a flag's value into *out, or returns INVALID_ARGUMENT naming the
// flag: ParseFlag("--kind", options.kind, ParseEnum<MeetingKind>, &kind).
template <typename T>
grpc::Status ParseFlag(const std::string& flag, const std::string& text, Parser<T> parse, T* out) {
  std::string error;
  if (!parse(text, out, &error)) return Invalid(absl::StrCat(flag, ": ", error));
  return grpc::Status::OK;
}

// ------------------------------------------------------------------ calls

#define RCPCTL_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    grpc::Status rcpctl_status_ = (expr);            \
    if (!rcpctl_status_.ok()) return rcpctl_status_; \
  } while (0)

// Pages through a List method, merging every page into *all (repeated
// fields append; the last page's revision wins). `call(context, request,
// page)` makes one call.
template <typename Request, typename Response, typename Call>
grpc::Status ListAll(Client& client, Request request, Response* all, Call call) {
  all->Clear();
  while (true) {
    Response page;
    grpc::Status s = client.Unary([&](grpc::ClientContext* c) { return call(c, request, &page); });
    if (!s.ok()) return s;
    std::string next = page.next_page_token();
    all->MergeFrom(page);
    if (next.empty()) break;
    request.set_page_token(next);
  }
  all->clear_next_page_token();
  return grpc::Status::OK;
}

template <typename T>
std::vector<T> Vector(const google::protobuf::RepeatedPtrField<T>& items) {
  return std::vector<T>(items.begin(), items.end());
}

// Prints `message` as indented JSON on output.out (for --json).
grpc::Status PrintJson(const Output& output, const google::protobuf::Message& message);

// Prints `message` on output.out: as JSON with --json, otherwise as what
// `human()` returns (a Table or Details of format.h).
template <typename Human>
grpc::Status Print(const Output& output, const google::protobuf::Message& message, Human human) {
  if (output.json) return PrintJson(output, message);
  human().Print(*output.out);
  return grpc::Status::OK;
}

// Makes one unary call, `call(context, &response)`, and prints the response
// (see Print; `human(response)` is its human form).
template <typename Response, typename Call, typename Human>
grpc::Status CallAndPrint(Client& client, const Output& output, Call call, Human human) {
  Response response;
  RCPCTL_RETURN_IF_ERROR(client.Unary([&](grpc::ClientContext* c) { return call(c, &response); }));
  return Print(output, response, [&] { return human(response); });
}

// Pages through a List method (see ListAll) and prints what it listed (see
// Print; `human(all)` is its human form).
template <typename Response, typename Request, typename Call, typename Human>
grpc::Status ListAndPrint(Client& client, const Output& output, Request request, Call call, Human human) {
  Response all;
  RCPCTL_RETURN_IF_ERROR(ListAll(client, std::move(request), &all, call));
  return Print(output, all, [&] { return human(all); });
}

}  // namespace rcp::rcpctl

#endif  // RCP_TOOLS_RCPCTL_COMMANDS_COMMAND_H_
