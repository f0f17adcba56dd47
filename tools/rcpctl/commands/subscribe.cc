#include "tools/rcpctl/commands/subscribe.h"

#include <algorithm>
#include <memory>
#include <thread>

#include "absl/strings/ascii.h"
#include "common/io/file.h"
#include "tools/rcpctl/transfer.h"

namespace rcp::rcpctl {

namespace gateway = ::rcp::gateway::v1;

grpc::Status Subscribe(Client& client, const Output& o, const SubscribeOptions& options) {
  const std::string cursor_file =
      options.cursor_file.empty() ? DefaultStateDir() + "/cursor" : options.cursor_file;
  std::string cursor;
  if (!options.from_now) {
    absl::StatusOr<std::string> saved = io::ReadFile(cursor_file);
    if (saved.ok()) cursor = std::string(absl::StripAsciiWhitespace(*saved));
  }
  if (!cursor.empty())
    *o.err << "rcpctl: resuming from the cursor saved in " << cursor_file << "\n" << std::flush;

  std::chrono::milliseconds delay = options.initial_backoff;
  int reconnects = 0;
  while (true) {
    grpc::ClientContext context;
    client.PrepareStream(&context);
    // After a reconnect, wait for the gateway to be back rather than fail
    // fast into gRPC's channel backoff.
    if (reconnects > 0) context.set_wait_for_ready(true);
    gateway::SubscribeRequest req;
    for (const auto& p : options.processes) req.add_processes(ProcessName(p));
    for (const auto& k : options.kinds) req.add_kinds(k);
    req.set_cursor(cursor);
    auto reader = client.gateway().Subscribe(&context, req);
    gateway::SubscribeResponse response;
    while (reader->Read(&response)) {
      for (const auto& event : response.events()) {
        if (o.json) {
          *o.out << ToJson(event, false) << "\n";
        } else {
          *o.out << EventLine(event) << "\n";
        }
      }
      o.out->flush();
      if (!response.cursor().empty() && response.cursor() != cursor) {
        cursor = response.cursor();
        grpc::Status saved = WriteFileAtomically(cursor_file, cursor + "\n");
        if (!saved.ok()) {
          context.TryCancel();
          reader->Finish();
          return saved;
        }
      }
      delay = options.initial_backoff;  // connected and delivering
      if (options.stop && options.stop()) {
        context.TryCancel();
        reader->Finish();
        return grpc::Status::OK;
      }
    }
    grpc::Status status = reader->Finish();
    if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
      return grpc::Status(
          grpc::StatusCode::FAILED_PRECONDITION,
          absl::StrCat(
              "resync required: the cursor saved in ", cursor_file, " is older than the services keep (",
              status.error_message(),
              "). List what you follow again (e.g. `rcpctl meeting list`), then subscribe with --from-now."));
    }
    if (!status.ok() && status.error_code() != grpc::StatusCode::UNAVAILABLE) return status;
    if (options.max_reconnects >= 0 && reconnects >= options.max_reconnects) {
      return status.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "the gateway ended the subscription")
                         : status;
    }
    ++reconnects;
    *o.err << "rcpctl: subscription interrupted ("
           << (status.ok() ? std::string("ended by the gateway") : status.error_message())
           << "); reconnecting in " << static_cast<double>(delay.count()) / 1000.0 << "s"
           << (cursor.empty() ? "" : " from the saved cursor") << "\n"
           << std::flush;
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, options.max_backoff);
  }
}

void RegisterSubscribeCommands(Commands& commands) {
  auto o = std::make_shared<SubscribeOptions>();
  CLI::App* c =
      commands.Add(commands.app(), "subscribe",
                   "follow every change you may see, resuming from the saved cursor (Ctrl-C to stop)",
                   [o](Client& cl, const Output& out) { return Subscribe(cl, out, *o); });
  Repeated(c, "--process", o->processes, "process id (repeat); default: all you may see");
  Repeated(c, "--kind", o->kinds, "entity kind (repeat); default: all")
      ->check(CLI::IsMember(
          {"process", "party", "membership", "chair_term", "focal_point", "meeting", "document"}));
  c->add_option("--cursor-file", o->cursor_file,
                "where the cursor is kept (default: " + DefaultStateDir() + "/cursor)");
  c->add_flag("--from-now", o->from_now, "ignore the saved cursor and start from now");
}

}  // namespace rcp::rcpctl
