#include "tools/rcpctl/commands/process.h"

namespace rcp::rcpctl {

namespace registry = ::rcp::registry::v1;

grpc::Status ProcessList(Client& client, const Output& o) {
  return ListAndPrint<registry::ListProcessesResponse>(
      client, o, registry::ListProcessesRequest(),
      [&](auto* c, auto& r, auto* p) { return client.registry().ListProcesses(c, r, p); },
      [](const auto& all) { return ProcessTable(Vector(all.processes())); });
}

grpc::Status ProcessShow(Client& client, const Output& o, const std::string& process) {
  registry::GetProcessRequest req;
  req.set_name(ProcessName(process));
  return CallAndPrint<registry::Process>(
      client, o, [&](auto* c, auto* p) { return client.registry().GetProcess(c, req, p); }, ProcessDetails);
}

void RegisterProcessCommands(Commands& commands) {
  CLI::App* process = commands.AddGroup("process", "Regional Consultative Processes");
  commands.Add(process, "list", "list the processes", ProcessList);

  commands.AddOnName(process, "show", "show one process", "process",
                     "id or name: bali-process or processes/bali-process", ProcessShow);
}

}  // namespace rcp::rcpctl
