// rcpctl doc create|list|show|upload|download: documents, their language
// versions and their content (resumable, verified transfers: transfer.h).
#ifndef RCP_TOOLS_RCPCTL_COMMANDS_DOC_H_
#define RCP_TOOLS_RCPCTL_COMMANDS_DOC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tools/rcpctl/commands/command.h"

namespace rcp::rcpctl {

struct DocCreateOptions {
  std::string process;
  std::string id;  // optional slug
  std::string symbol;
  std::string title;
  std::string kind;  // e.g. "plan-of-action"
  std::string meeting;
  std::string visibility = "members";
  std::vector<std::string> restricted_parties;
  std::vector<std::string> tags;
};
grpc::Status DocCreate(Client& client, const Output& output, const DocCreateOptions& options);

struct DocListOptions {
  std::string process;  // empty: every process
  std::string language;
  std::string kind;
  std::string tag;
  std::string meeting;
};
grpc::Status DocList(Client& client, const Output& output, const DocListOptions& options);
grpc::Status DocShow(Client& client, const Output& output, const std::string& document);

struct DocUploadOptions {
  std::string document;
  std::string file;
  std::string language;
  std::string media_type;  // empty: from the file name
  std::string state_dir;   // empty: DefaultStateDir()
};
grpc::Status DocUpload(Client& client, const Output& output, const DocUploadOptions& options);

struct DocDownloadOptions {
  std::string document;
  std::string language;
  int64_t version = 0;
  std::string output_file;  // empty: the content goes to output.out
  bool resume = false;
};
grpc::Status DocDownload(Client& client, const Output& output, const DocDownloadOptions& options);

void RegisterDocCommands(Commands& commands);

}  // namespace rcp::rcpctl

#endif  // RCP_TOOLS_RCPCTL_COMMANDS_DOC_H_
