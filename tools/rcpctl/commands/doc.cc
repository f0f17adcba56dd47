#include "tools/rcpctl/commands/doc.h"

#include <memory>

#include "tools/rcpctl/transfer.h"

namespace rcp::rcpctl {

namespace common = ::rcp::common::v1;
namespace documents = ::rcp::documents::v1;

namespace {

// A document as people read it: its details, then its languages.
struct DocumentView {
  const documents::Document& document;
  void Print(std::ostream& out) const {
    DocumentDetails(document).Print(out);
    if (document.languages_size() > 0) {
      out << "\n";
      LanguageTable(document).Print(out);
    }
  }
};
DocumentView ViewOf(const documents::Document& document) { return DocumentView{document}; }

// Progress bars (one per phase) and notices on stderr, without garbling a
// bar that is being drawn.
class Reporter {
 public:
  explicit Reporter(const Output& o) : o_(o) {}
  ~Reporter() { Done(); }

  // Reports the progress and notices of `transfer` (UploadOptions or
  // DownloadOptions).
  template <typename Transfer>
  void Follow(Transfer* transfer) {
    transfer->progress = Progress();
    transfer->notice = Notice();
  }
  void Done() {
    if (bar_) bar_->Finish();
    bar_.reset();
    phase_.clear();
  }

 private:
  ProgressFn Progress() {
    return [this](const std::string& phase, int64_t done, int64_t total) {
      if (!o_.progress) return;
      if (phase != phase_) {
        Done();
        phase_ = phase;
        bar_ = std::make_unique<ProgressBar>(o_.err, true, phase);
      }
      bar_->Update(done, total);
    };
  }
  NoticeFn Notice() {
    return [this](const std::string& message) {
      Done();  // ends the bar's line; the next update starts a new one
      *o_.err << "rcpctl: " << message << "\n" << std::flush;
    };
  }

  const Output& o_;
  std::string phase_;
  std::unique_ptr<ProgressBar> bar_;
};

}  // namespace

grpc::Status DocCreate(Client& client, const Output& o, const DocCreateOptions& options) {
  documents::CreateDocumentRequest req;
  req.set_parent(ProcessName(options.process));
  req.set_document_id(options.id);
  documents::Document* d = req.mutable_document();
  d->set_symbol(options.symbol);
  d->set_title(options.title);
  documents::DocumentKind kind{};
  RCPCTL_RETURN_IF_ERROR(ParseFlag("--kind", options.kind, ParseEnum<documents::DocumentKind>, &kind));
  d->set_kind(kind);
  if (!options.meeting.empty()) d->set_meeting(UnderProcessName(options.meeting));
  common::Visibility visibility{};
  RCPCTL_RETURN_IF_ERROR(
      ParseFlag("--visibility", options.visibility, ParseEnum<common::Visibility>, &visibility));
  d->set_visibility(visibility);
  for (const auto& p : options.restricted_parties) d->add_restricted_parties(PartyName(p));
  for (const auto& t : options.tags) d->add_tags(t);
  return CallAndPrint<documents::Document>(
      client, o, [&](auto* c, auto* created) { return client.documents().CreateDocument(c, req, created); },
      ViewOf);
}

grpc::Status DocList(Client& client, const Output& o, const DocListOptions& options) {
  documents::ListDocumentsRequest req;
  req.set_parent(options.process.empty() ? "processes/-" : ProcessName(options.process));
  req.set_language(options.language);
  req.set_tag(options.tag);
  if (!options.meeting.empty()) req.set_meeting(UnderProcessName(options.meeting));
  if (!options.kind.empty()) {
    documents::DocumentKind kind{};
    RCPCTL_RETURN_IF_ERROR(ParseFlag("--kind", options.kind, ParseEnum<documents::DocumentKind>, &kind));
    req.set_kind(kind);
  }
  return ListAndPrint<documents::ListDocumentsResponse>(
      client, o, req, [&](auto* c, auto& r, auto* p) { return client.documents().ListDocuments(c, r, p); },
      [](const auto& all) { return DocumentTable(Vector(all.documents())); });
}

grpc::Status DocShow(Client& client, const Output& o, const std::string& document) {
  documents::GetDocumentRequest req;
  req.set_name(UnderProcessName(document));
  return CallAndPrint<documents::Document>(
      client, o, [&](auto* c, auto* d) { return client.documents().GetDocument(c, req, d); }, ViewOf);
}

grpc::Status DocUpload(Client& client, const Output& o, const DocUploadOptions& options) {
  if (options.language.empty()) return Invalid("--language: is required");
  Reporter reporter(o);
  UploadOptions u;
  u.document = UnderProcessName(options.document);
  u.language = options.language;
  u.media_type = options.media_type;
  u.path = options.file;
  u.state_dir = options.state_dir.empty() ? DefaultStateDir() : options.state_dir;
  reporter.Follow(&u);
  UploadResult result;
  grpc::Status s = Upload(client, u, &result);
  reporter.Done();
  if (!s.ok()) return s;
  return Print(o, result.version, [&] { return ContentVersionDetails(result.version); });
}

grpc::Status DocDownload(Client& client, const Output& o, const DocDownloadOptions& options) {
  if (options.resume && options.output_file.empty()) return Invalid("--resume: needs -o FILE");
  Reporter reporter(o);
  DownloadOptions d;
  d.document = UnderProcessName(options.document);
  d.language = options.language;
  d.version = options.version;
  d.output_path = options.output_file;
  d.out = o.out;
  d.resume = options.resume;
  reporter.Follow(&d);
  DownloadResult result;
  grpc::Status s = Download(client, d, &result);
  reporter.Done();
  if (!s.ok() || options.output_file.empty()) return s;
  if (o.json) return PrintJson(o, result.version);
  *o.out << "Saved " << result.version.name() << " to " << options.output_file << " ("
         << FormatBytes(result.version.size_bytes()) << ", SHA-256 " << result.version.sha256()
         << " verified)\n";
  return grpc::Status::OK;
}

namespace {

void RegisterCreate(Commands& commands, CLI::App* doc) {
  auto o = std::make_shared<DocCreateOptions>();
  CLI::App* c = commands.Add(doc, "create", "create a document (then upload its languages)",
                             [o](Client& cl, const Output& out) { return DocCreate(cl, out, *o); });
  c->add_option("--process", o->process, "process id")->required();
  c->add_option("--id", o->id, "document id (slug); generated when omitted");
  c->add_option("--symbol", o->symbol, "symbol, e.g. BALI/SOM/2005/3")->required();
  c->add_option("--title", o->title, "title")->required();
  c->add_option("--kind", o->kind, "kind of document")
      ->required()
      ->check(EnumCheck<documents::DocumentKind>());
  c->add_option("--meeting", o->meeting, "the meeting it belongs to");
  c->add_option("--visibility", o->visibility, "who may see it")
      ->check(EnumCheck<common::Visibility>())
      ->capture_default_str();
  Repeated(c, "--restricted-party", o->restricted_parties, "party that may see it (restricted; repeat)");
  Repeated(c, "--tag", o->tags, "tag (repeat)");
}

void RegisterList(Commands& commands, CLI::App* doc) {
  auto o = std::make_shared<DocListOptions>();
  CLI::App* c = commands.Add(doc, "list", "list documents (of every process unless --process)",
                             [o](Client& cl, const Output& out) { return DocList(cl, out, *o); });
  c->add_option("--process", o->process, "process id");
  c->add_option("--language", o->language, "only documents with this language, e.g. fr");
  c->add_option("--kind", o->kind, "kind of document")->check(EnumCheck<documents::DocumentKind>());
  c->add_option("--tag", o->tag, "only documents with this tag");
  c->add_option("--meeting", o->meeting, "only documents of this meeting");
}

void RegisterUpload(Commands& commands, CLI::App* doc) {
  auto o = std::make_shared<DocUploadOptions>();
  CLI::App* c = commands.Add(
      doc, "upload",
      "upload a language version (streamed in 1 MiB chunks; a rerun resumes an interrupted upload)",
      [o](Client& cl, const Output& out) { return DocUpload(cl, out, *o); });
  c->add_option("document", o->document, "processes/{p}/documents/{d}")->required();
  c->add_option("file", o->file, "the file")->required();
  c->add_option("--language", o->language, "BCP 47 tag, e.g. en, fr, zh-Hans")->required();
  c->add_option("--media-type", o->media_type, "e.g. application/pdf (default: from the file name)");
}

void RegisterDownload(Commands& commands, CLI::App* doc) {
  auto o = std::make_shared<DocDownloadOptions>();
  CLI::App* c = commands.Add(doc, "download", "download a language version, verifying its SHA-256",
                             [o](Client& cl, const Output& out) { return DocDownload(cl, out, *o); });
  c->add_option("document", o->document, "processes/{p}/documents/{d}")->required();
  c->add_option("--language", o->language, "BCP 47 tag (needed when it has several)");
  c->add_option("--version", o->version, "version number (default: latest)")->check(CLI::PositiveNumber);
  auto* out = c->add_option("-o,--output", o->output_file, "file to write (default: stdout)");
  c->add_flag("--resume", o->resume, "continue a partial FILE from its size")->needs(out);
}

}  // namespace

void RegisterDocCommands(Commands& commands) {
  CLI::App* doc = commands.AddGroup("doc", "documents and their language versions");
  RegisterCreate(commands, doc);
  RegisterList(commands, doc);
  commands.AddOnName(doc, "show", "show a document and its languages", "document",
                     "processes/{p}/documents/{d}", DocShow);
  RegisterUpload(commands, doc);
  RegisterDownload(commands, doc);
}

}  // namespace rcp::rcpctl
