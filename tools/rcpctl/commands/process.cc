#include "tools/rcpctl/commands/process.h"

#include <memory>

namespace rcp::rcpctl {

namespace registry = ::rcp::registry::v1;

grpc::Status ProcessList(Client& client, const Output& o) {
  registry::ListProcessesResponse all;
  RCPCTL_RETURN_IF_ERROR(
      ListAll(client, registry::ListProcessesRequest(), &all,
              [&](auto* c, auto& r, auto* p) { return client.registry().ListProcesses(c, r, p); }));
  return Print(o, all, [&] { return ProcessTable(Vector(all.processes())); });
}

grpc::Status ProcessShow(Client& client, const Output& o, const std::string& process) {
  registry::GetProcessRequest req;
  req.set_name(ProcessName(process));
  registry::Process p;
  RCPCTL_RETURN_IF_ERROR(client.Unary([&](auto* c) { return client.registry().GetProcess(c, req, &p); }));
  return Print(o, p, [&] { return ProcessDetails(p); });
}

void RegisterProcessCommands(Commands& commands) {
  CLI::App* process = commands.AddGroup("process", "Regional Consultative Processes");
  commands.Add(process, "list", "list the processes", ProcessList);

  auto name = std::make_shared<std::string>();
  commands
      .Add(process, "show", "show one process",
           [name](Client& c, const Output& o) { return ProcessShow(c, o, *name); })
      ->add_option("process", *name, "id or name: bali-process or processes/bali-process")
      ->required();
}

}  // namespace rcp::rcpctl
