#include "services/gateway/web/downloads.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "rcp/documents/v1/documents.grpc.pb.h"
#include "services/gateway/web/api_status.h"
#include "services/gateway/web/http_rules.h"

namespace rcp::gateway::web {

namespace doc = ::rcp::documents::v1;

namespace {

// "text/plain; charset=utf-8" → "text/plain".
std::string BaseType(absl::string_view media_type) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(media_type.substr(0, media_type.find(';'))));
}

// A media type as a header may carry it; anything else is sent as bytes.
std::string HeaderSafeType(absl::string_view media_type) {
  const bool safe = !media_type.empty() && std::all_of(media_type.begin(), media_type.end(), [](char c) {
    return absl::ascii_isprint(static_cast<unsigned char>(c));
  });
  return safe ? std::string(media_type) : "application/octet-stream";
}

std::string ExtensionOf(absl::string_view media_type) {
  static const auto* const kExtensions = new std::vector<std::pair<const char*, const char*>>{
      {"application/pdf", "pdf"},
      {"text/plain", "txt"},
      {"text/html", "html"},
      {"text/csv", "csv"},
      {"text/markdown", "md"},
      {"application/json", "json"},
      {"application/xml", "xml"},
      {"image/png", "png"},
      {"image/jpeg", "jpg"},
      {"image/gif", "gif"},
      {"image/webp", "webp"},
      {"image/svg+xml", "svg"},
      {"application/zip", "zip"},
      {"application/msword", "doc"},
      {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"},
      {"application/vnd.ms-excel", "xls"},
      {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
      {"application/vnd.ms-powerpoint", "ppt"},
      {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"},
      {"application/vnd.oasis.opendocument.text", "odt"},
  };
  const std::string base = BaseType(media_type);
  for (const auto& [type, extension] : *kExtensions) {
    if (base == type) return extension;
  }
  return "bin";
}

// RFC 8187's attr-char, the characters filename* keeps as they are.
bool IsAttrChar(unsigned char c) {
  return absl::ascii_isalnum(c) || absl::StrContains("!#$&+-.^_`|~", static_cast<char>(c));
}

// Not a range this server answers in part: "bytes=…" with exactly one
// range-spec, else nullopt (the whole body).
struct Spec {
  std::optional<int64_t> first;
  std::optional<int64_t> last;
};
std::optional<Spec> OneSpec(absl::string_view header) {
  absl::string_view rest = absl::StripAsciiWhitespace(header);
  if (!absl::ConsumePrefix(&rest, "bytes=") || absl::StrContains(rest, ',')) return std::nullopt;
  std::vector<absl::string_view> ends = absl::StrSplit(absl::StripAsciiWhitespace(rest), absl::MaxSplits('-', 1));
  if (ends.size() != 2) return std::nullopt;
  Spec spec;
  int64_t n = 0;
  if (!ends[0].empty()) {
    if (!absl::SimpleAtoi(ends[0], &n) || n < 0 || !absl::ascii_isdigit(ends[0][0])) return std::nullopt;
    spec.first = n;
  }
  if (!ends[1].empty()) {
    if (!absl::SimpleAtoi(ends[1], &n) || n < 0 || !absl::ascii_isdigit(ends[1][0])) return std::nullopt;
    spec.last = n;
  }
  if (!spec.first && !spec.last) return std::nullopt;
  if (spec.first && spec.last && *spec.last < *spec.first) return std::nullopt;
  return spec;
}

// A strong comparison (RFC 9110 §8.8.3.2) of an entity-tag with ours.
bool SameTag(absl::string_view given, absl::string_view ours) {
  given = absl::StripAsciiWhitespace(given);
  return !absl::StartsWith(given, "W/") && given == ours;
}

bool AnyTagMatches(absl::string_view header, absl::string_view ours) {
  for (absl::string_view tag : absl::StrSplit(header, ',')) {
    tag = absl::StripAsciiWhitespace(tag);
    absl::ConsumePrefix(&tag, "W/");  // If-None-Match compares weakly
    if (tag == "*" || tag == ours) return true;
  }
  return false;
}

template <typename Request, typename Response, typename Call>
grpc::Status Unary(const std::string& authorization, Call call, const Request& request, Response* response) {
  grpc::ClientContext context;
  if (!authorization.empty()) context.AddMetadata("authorization", authorization);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return call(&context, request, response);
}

// The content version a download names: the latest of its language (the
// only one, when none is named), or the numbered one.
std::optional<doc::ContentVersion> Resolve(doc::Documents::Stub& stub, const std::string& authorization,
                                           const doc::Document& document, const std::string& language,
                                           int64_t version) {
  const doc::LanguageVersion* chosen = nullptr;
  for (const auto& l : document.languages()) {
    if (language.empty() ? document.languages_size() == 1 : absl::EqualsIgnoreCase(l.language(), language)) {
      chosen = &l;
    }
  }
  if (chosen == nullptr) return std::nullopt;
  if (version == 0 || version == chosen->latest().version()) return chosen->latest();
  doc::ListContentVersionsRequest list;
  list.set_document(document.name());
  list.set_language(chosen->language());
  doc::ListContentVersionsResponse versions;
  grpc::Status s = Unary(
      authorization, [&](grpc::ClientContext* c, const auto& r, auto* out) { return stub.ListContentVersions(c, r, out); },
      list, &versions);
  if (!s.ok()) return std::nullopt;
  for (const auto& v : versions.versions()) {
    if (v.version() == version) return v;
  }
  return std::nullopt;
}

// An open Download stream and what of its last chunk is still to be sent.
struct Transfer {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<doc::DownloadChunk>> reader;
  std::string pending;
  bool finished = false;
};

}  // namespace

RangeRequest ParseRange(absl::string_view header, int64_t size) {
  RangeRequest out;
  std::optional<Spec> spec = OneSpec(header);
  if (!spec || size <= 0) return out;
  if (!spec->first) {
    // The last N bytes; a zero-length suffix asks for nothing there is.
    if (*spec->last == 0) {
      out.kind = RangeRequest::kUnsatisfiable;
      return out;
    }
    out.kind = RangeRequest::kPart;
    out.range.length = std::min(*spec->last, size);
    out.range.offset = size - out.range.length;
    return out;
  }
  if (*spec->first >= size) {
    out.kind = RangeRequest::kUnsatisfiable;
    return out;
  }
  out.kind = RangeRequest::kPart;
  out.range.offset = *spec->first;
  int64_t last = spec->last ? std::min(*spec->last, size - 1) : size - 1;
  out.range.length = last - *spec->first + 1;
  return out;
}

bool ShowsInline(absl::string_view media_type) {
  static const auto* const kInline =
      new std::vector<std::string>{"application/pdf", "text/plain", "image/png", "image/jpeg", "image/gif",
                                   "image/webp"};
  return std::find(kInline->begin(), kInline->end(), BaseType(media_type)) != kInline->end();
}

std::string ContentDisposition(absl::string_view symbol, absl::string_view language, absl::string_view media_type) {
  std::string name = absl::StrCat(absl::StrJoin(absl::StrSplit(symbol, '/'), "-"), language.empty() ? "" : ".",
                                  language, ".", ExtensionOf(media_type));
  std::string ascii;
  std::string encoded;
  bool plain = true;
  for (unsigned char c : name) {
    const bool keep = absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '_';
    ascii.push_back(keep ? static_cast<char>(c) : '_');
    if (c >= 0x80) plain = false;
    if (IsAttrChar(c)) {
      encoded.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&encoded, "%", absl::AsciiStrToUpper(absl::StrCat(absl::Hex(c, absl::kZeroPad2))));
    }
  }
  std::string out = absl::StrCat(ShowsInline(media_type) ? "inline" : "attachment", "; filename=\"", ascii, "\"");
  if (!plain) absl::StrAppend(&out, "; filename*=UTF-8''", encoded);
  return out;
}

Downloads::Downloads(std::shared_ptr<grpc::Channel> gateway) : gateway_(std::move(gateway)) {}

void Downloads::Register(httplib::Server& server) {
  server.Get(R"(/v1/processes/[^/]+/documents/[^/]+:download)",
             [this](const httplib::Request& req, httplib::Response& res) {
               std::string raw = req.target.empty() ? req.path : req.target.substr(0, req.target.find('?'));
               std::vector<std::string> segments;
               std::string verb;
               if (absl::Status s = SplitPath(raw, &segments, &verb); !s.ok()) {
                 return SendStatus(res, grpc::StatusCode::INVALID_ARGUMENT, std::string(s.message()));
               }
               std::string authorization;
               if (!BearerOrNone(req, res, &authorization)) return;
               // segments: v1 processes {p} documents {d}
               Serve(req, res, absl::StrJoin(segments.begin() + 1, segments.end(), "/"), authorization);
             });
}

void Downloads::Serve(const httplib::Request& req, httplib::Response& res, const std::string& document,
                      const std::string& authorization) {
  std::string language;
  int64_t version = 0;
  for (const auto& [name, value] : req.params) {
    if (name == "language") {
      language = value;
    } else if (name == "version") {
      if (!absl::SimpleAtoi(value, &version) || version < 0) {
        return SendStatus(res, grpc::StatusCode::INVALID_ARGUMENT,
                          "query parameter \"version\": must be a content version number (1, 2, …), or 0 for the latest");
      }
    } else {
      return SendStatus(res, grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("query parameter \"", name, "\": no such field (language, version)"));
    }
  }
  // httplib would cut every body to the Range itself, even one this
  // answer sends whole (a multi-range request, an If-Range that no longer
  // holds); the ranges are answered here. The request object is httplib's
  // own, non-const one.
  const_cast<httplib::Request&>(req).ranges.clear();

  doc::Documents::Stub stub(gateway_);
  doc::GetDocumentRequest get;
  get.set_name(document);
  doc::Document metadata;
  grpc::Status s = Unary(
      authorization, [&](grpc::ClientContext* c, const auto& r, auto* out) { return stub.GetDocument(c, r, out); },
      get, &metadata);
  if (!s.ok()) return SendStatus(res, s.error_code(), s.error_message(), s.error_details());

  std::optional<doc::ContentVersion> content = Resolve(stub, authorization, metadata, language, version);
  auto transfer = std::make_shared<Transfer>();
  if (!authorization.empty()) transfer->context.AddMetadata("authorization", authorization);
  doc::DownloadRequest download;
  download.set_document(document);
  if (!content) {
    // Nothing to send: Download's own answer says why, in its words.
    download.set_language(language);
    download.set_version(version);
    download.set_length(1);
    transfer->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    transfer->reader = stub.Download(&transfer->context, download);
    doc::DownloadChunk chunk;
    while (transfer->reader->Read(&chunk)) {
    }
    grpc::Status why = transfer->reader->Finish();
    if (why.ok()) why = grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat(document, ": no such content version"));
    return SendStatus(res, why.error_code(), why.error_message(), why.error_details());
  }

  const std::string etag = absl::StrCat("\"", content->sha256(), "\"");
  const bool anonymous = authorization.empty();
  // What uploaded bytes may do on our origin: nothing.
  res.set_header("Content-Security-Policy", "sandbox; default-src 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Accept-Ranges", "bytes");
  res.set_header("ETag", etag);
  res.set_header("Vary", "Authorization");
  if (anonymous) {
    res.set_header("Access-Control-Allow-Origin", "*");
    res.set_header("Cache-Control", "public, max-age=60");
  } else {
    res.set_header("Cache-Control", "no-store");
  }
  if (req.has_header("If-None-Match") && AnyTagMatches(req.get_header_value("If-None-Match"), etag)) {
    res.status = 304;
    return;
  }
  const int64_t size = content->size_bytes();
  RangeRequest range;
  if (req.has_header("Range") &&
      (!req.has_header("If-Range") || SameTag(req.get_header_value("If-Range"), etag))) {
    range = ParseRange(req.get_header_value("Range"), size);
  }
  if (range.kind == RangeRequest::kUnsatisfiable) {
    res.set_header("Content-Range", absl::StrCat("bytes */", size));
    SendStatus(res, grpc::StatusCode::OUT_OF_RANGE,
               absl::StrCat("Range: starts past the end of the content (", size, " bytes)"));
    res.status = 416;
    return;
  }
  ByteRange body{0, size};
  if (range.kind == RangeRequest::kPart) {
    body = range.range;
    res.status = 206;
    res.set_header("Content-Range",
                   absl::StrCat("bytes ", body.offset, "-", body.offset + body.length - 1, "/", size));
  } else {
    res.status = 200;
  }
  res.set_header("Content-Disposition", ContentDisposition(metadata.symbol(), content->language(), content->media_type()));
  const std::string type = HeaderSafeType(content->media_type());
  if (body.length == 0 || req.method == "HEAD") {
    res.set_header("Content-Length", std::to_string(body.length));
    res.set_header("Content-Type", type);
    return;
  }

  // The exact version the headers describe, from the range's start; the
  // stream is opened now so that a content not yet here (a mirror still
  // fetching it) is an error answer, not a cut body.
  download.set_language(content->language());
  download.set_version(content->version());
  download.set_offset(body.offset);
  download.set_length(body.length);
  transfer->reader = stub.Download(&transfer->context, download);
  doc::DownloadChunk first;
  if (!transfer->reader->Read(&first)) {
    grpc::Status why = transfer->reader->Finish();
    transfer->finished = true;
    if (why.ok()) why = grpc::Status(grpc::StatusCode::INTERNAL, "the content ended before it began");
    // Not the download's headers: the error's.
    res.headers.clear();
    return SendStatus(res, why.error_code(), why.error_message(), why.error_details());
  }
  transfer->pending = std::move(*first.mutable_data());
  res.set_content_provider(
      static_cast<size_t>(body.length), type,
      [transfer](size_t, size_t, httplib::DataSink& sink) {
        doc::DownloadChunk chunk;
        while (transfer->pending.empty()) {
          if (!transfer->reader->Read(&chunk)) {
            grpc::Status s = transfer->reader->Finish();
            transfer->finished = true;
            spdlog::warn("msg=\"a download ended early\" code={} error=\"{}\"", static_cast<int>(s.error_code()),
                         s.error_message());
            return false;  // fewer bytes than announced: the client sees a cut body
          }
          transfer->pending = std::move(*chunk.mutable_data());
        }
        if (!sink.write(transfer->pending.data(), transfer->pending.size())) return false;
        transfer->pending.clear();
        return true;
      },
      [transfer](bool) {
        if (transfer->finished) return;
        transfer->context.TryCancel();
        doc::DownloadChunk rest;
        while (transfer->reader->Read(&rest)) {
        }
        (void)transfer->reader->Finish();
        transfer->finished = true;
      });
}

}  // namespace rcp::gateway::web
