#include "services/gateway/web/portal/portal.h"

#include <cmark-gfm.h>
#include <google/protobuf/util/time_util.h>
#include <httplib.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mstch/mstch.hpp>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "rcp/documents/v1/documents.grpc.pb.h"
#include "rcp/events/v1/events.grpc.pb.h"
#include "rcp/registry/v1/registry.grpc.pb.h"
#include "services/gateway/web/http_rules.h"
#include "services/gateway/web/portal/assets.h"
#include "services/gateway/web/portal/i18n.h"

namespace rcp::gateway::web::portal {

namespace ev = ::rcp::events::v1;
namespace reg = ::rcp::registry::v1;
namespace doc = ::rcp::documents::v1;
using google::protobuf::util::TimeUtil;

namespace {

constexpr char kHtml[] = "text/html; charset=utf-8";
constexpr int kNextMeetings = 10;
constexpr int kCalendarPage = 50;

const std::string& Asset(const std::string& name) {
  static const std::string kNone;
  auto it = PortalAssets().find(name);
  return it == PortalAssets().end() ? kNone : it->second;
}

// The interface's words as the templates' `t`: "nav.skip" is {{t.nav_skip}}.
mstch::map Words(const std::string& lang) {
  mstch::map t;
  for (const std::string& key : TextKeys()) t[absl::StrReplaceAll(key, {{".", "_"}})] = Text(lang, key);
  return t;
}

// httplib's set_header adds a header; this sets it.
void Replace(httplib::Response& res, const char* name, const std::string& value) {
  res.headers.erase(name);
  res.set_header(name, value);
}

std::string Id(absl::string_view name) { return std::string(name.substr(name.rfind('/') + 1)); }

// Markdown as HTML with raw HTML refused and unsafe links dropped
// (cmark-gfm's default, without CMARK_OPT_UNSAFE).
std::string MarkdownHtml(const std::string& markdown) {
  if (markdown.empty()) return "";
  char* html = cmark_markdown_to_html(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT);
  std::string out(html);
  std::free(html);
  return out;
}

std::string SizeText(int64_t bytes) {
  if (bytes < 1024) return absl::StrCat(bytes, " B");
  if (bytes < 1024 * 1024) return absl::StrCat((bytes + 512) / 1024, " KB");
  return absl::StrCat((bytes + 512 * 1024) / (1024 * 1024), " MB");
}

template <typename Stub, typename Request, typename Response>
grpc::Status Call(Stub* stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const Request& request, Response* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return (stub->*method)(&context, request, response);
}

// The part of a request path after "/{lang}", for the language switch.
std::string AfterLanguage(const httplib::Request& req) {
  const std::string& target = req.target.empty() ? req.path : req.target;
  return target.size() > 3 ? target.substr(3) : "/";
}

}  // namespace

void SetPageHeaders(httplib::Response& res, bool https) {
  res.set_header("Content-Security-Policy",
                 "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
                 "frame-ancestors 'none'; base-uri 'none'");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Cross-Origin-Opener-Policy", "same-origin");
  res.set_header("Cache-Control", "public, max-age=60");
  res.set_header("Vary", "Cookie, Authorization, Accept-Language");
  if (https) res.set_header("Strict-Transport-Security", "max-age=31536000");
}

class Portal::Pages {
 public:
  Pages(std::shared_ptr<grpc::Channel> gateway, PortalOptions options)
      : registry_(reg::Registry::NewStub(gateway)),
        events_(ev::Events::NewStub(gateway)),
        documents_(doc::Documents::NewStub(gateway)),
        https_(absl::StartsWith(options.public_url, "https://")) {}

  void Register(httplib::Server& server) {
    server.Get("/", [this](const httplib::Request& req, httplib::Response& res) {
      // The one redirect: to the language the browser asks for.
      SetPageHeaders(res, https_);
      Replace(res, "Vary", "Accept-Language");
      res.set_redirect(absl::StrCat("/", NegotiateLanguage(req.get_header_value("Accept-Language")), "/"), 303);
    });
    server.Get("/static/portal.css", [this](const httplib::Request&, httplib::Response& res) {
      SetPageHeaders(res, https_);
      Replace(res, "Cache-Control", "public, max-age=3600");
      res.set_content(Asset("portal.css"), "text/css; charset=utf-8");
    });
    const std::string lang = "/(en|fr|es)";
    server.Get(lang + "/", [this](const httplib::Request& req, httplib::Response& res) { Home(req, res); });
    server.Get(lang + "/calendar", [this](const httplib::Request& req, httplib::Response& res) { Calendar(req, res); });
    server.Get(lang + "/processes/[^/]+/meetings/[^/]+",
               [this](const httplib::Request& req, httplib::Response& res) { MeetingPage(req, res); });
    server.Get(lang + "/processes/[^/]+",
               [this](const httplib::Request& req, httplib::Response& res) { ProcessPage(req, res); });
    server.Get(lang + "/documents", [this](const httplib::Request& req, httplib::Response& res) { Library(req, res); });
    server.Get(lang + "/processes/[^/]+/documents/[^/]+",
               [this](const httplib::Request& req, httplib::Response& res) { DocumentPage(req, res); });
    // Anything else under a language: the 404 page.
    server.Get(lang + "(/.*)?", [this](const httplib::Request& req, httplib::Response& res) {
      NotFound(req.matches[1], req, res);
    });
  }

 private:
  // The page `content` in the layout, answered on `res`.
  // `same_page_in_other_languages`: the language switch leads to this page
  // in the others; otherwise to their home pages (error pages, which must
  // not differ with the path asked).
  void Send(const std::string& lang, const httplib::Request& req, httplib::Response& res, int status,
            const std::string& content, mstch::map context, const std::string& title,
            bool same_page_in_other_languages = true) {
    context["lang"] = lang;
    context["t"] = Words(lang);
    context["page_title"] = title;
    mstch::array languages;
    for (const std::string& code : InterfaceLanguages()) {
      languages.push_back(mstch::map{{"code", code},
                                     {"label", Text(code, "language.name")},
                                     {"href", absl::StrCat("/", code, same_page_in_other_languages ? AfterLanguage(req) : "/")},
                                     {"current", code == lang}});
    }
    context["interface_languages"] = languages;
    std::map<std::string, std::string> partials{{"content", Asset(content)},
                                                {"meeting_list", Asset("meeting_list.mustache")},
                                                {"document_list", Asset("document_list.mustache")}};
    SetPageHeaders(res, https_);
    res.set_header("Content-Language", lang);
    res.status = status;
    res.set_content(mstch::render(Asset("layout.mustache"), context, partials), kHtml);
  }

  // The page for an item the visitor may not see, or that does not exist,
  // or a path that names nothing: the same bytes for each.
  void NotFound(const std::string& lang, const httplib::Request& req, httplib::Response& res) {
    mstch::map context{{"heading", Text(lang, "not_found.title")}, {"body", Text(lang, "not_found.body")}};
    Send(lang, req, res, 404, "message.mustache", context, Text(lang, "not_found.title"), false);
  }

  // A service error other than "no such item": 503 (the visitor may retry).
  void Unavailable(const std::string& lang, const httplib::Request& req, httplib::Response& res) {
    mstch::map context{{"heading", Text(lang, "unavailable.title")}, {"body", Text(lang, "unavailable.body")}};
    Send(lang, req, res, 503, "message.mustache", context, Text(lang, "unavailable.title"), false);
    res.set_header("Retry-After", "5");
    Replace(res, "Cache-Control", "no-store");
  }

  void Failed(const grpc::Status& s, const std::string& lang, const httplib::Request& req,
              httplib::Response& res) {
    if (s.error_code() == grpc::StatusCode::NOT_FOUND || s.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
      return NotFound(lang, req, res);
    }
    Unavailable(lang, req, res);
  }

  // Display names of parties, by name ("parties/IDN" → "Indonesia").
  std::map<std::string, std::string> PartyNames() {
    std::map<std::string, std::string> out;
    reg::ListPartiesRequest list;
    list.set_page_size(1000);
    reg::ListPartiesResponse parties;
    if (Call(registry_.get(), &reg::Registry::Stub::ListParties, list, &parties).ok()) {
      for (const auto& p : parties.parties()) out[p.name()] = p.display_name();
    }
    return out;
  }

  // Acronyms of processes, by name ("processes/igc" → "IGC").
  std::map<std::string, std::string> ProcessNames(std::vector<reg::Process>* all = nullptr) {
    std::map<std::string, std::string> out;
    reg::ListProcessesRequest list;
    list.set_page_size(1000);
    reg::ListProcessesResponse processes;
    if (Call(registry_.get(), &reg::Registry::Stub::ListProcesses, list, &processes).ok()) {
      for (const auto& p : processes.processes()) {
        out[p.name()] = p.acronym().empty() ? p.display_name() : p.acronym();
        if (all != nullptr) all->push_back(p);
      }
    }
    return out;
  }

  static std::string Named(const std::map<std::string, std::string>& names, const std::string& name) {
    auto it = names.find(name);
    return it == names.end() || it->second.empty() ? Id(name) : it->second;
  }

  static std::string ProcessesText(const ev::Meeting& m, const std::map<std::string, std::string>& names) {
    std::vector<std::string> out;
    for (const auto& p : m.processes()) out.push_back(Named(names, p));
    return absl::StrJoin(out, ", ");
  }

  static std::string StatusKey(ev::MeetingStatus s) {
    return ev::MeetingStatus_Name(s == ev::MEETING_STATUS_UNSPECIFIED ? ev::PLANNED : s);
  }

  // When a meeting is, as its language and zone write it.
  static std::string WhenText(const std::string& lang, const ev::Meeting& m) {
    if (m.all_day()) {
      std::string from = FormatDate(lang, m.start_date());
      bool one_day = m.start_date().year() == m.end_date().year() && m.start_date().month() == m.end_date().month() &&
                     m.start_date().day() == m.end_date().day();
      return one_day ? from : absl::StrCat(from, " ", Text(lang, "meeting.to"), " ", FormatDate(lang, m.end_date()));
    }
    std::string from = FormatDateTime(lang, m.start_time(), m.time_zone());
    const int64_t seconds = m.end_time().seconds() - m.start_time().seconds();
    if (seconds <= 24 * 3600) return absl::StrCat(from, " – ", FormatTime(lang, m.end_time(), m.time_zone()));
    return absl::StrCat(from, " ", Text(lang, "meeting.to"), " ", FormatDateTime(lang, m.end_time(), m.time_zone()));
  }

  // A filter's <option>s: the processes by acronym, `selected` by id.
  static mstch::array ProcessOptions(const std::vector<reg::Process>& processes,
                                     const std::map<std::string, std::string>& names, const std::string& selected) {
    mstch::array out;
    for (const auto& p : processes) {
      out.push_back(mstch::map{
          {"value", Id(p.name())}, {"label", Named(names, p.name())}, {"selected", Id(p.name()) == selected}});
    }
    return out;
  }

  // A filter's <option>s: every value of an enum but its zero, labelled by
  // the catalogue's `prefix` + name ("kind.WORKING_GROUP").
  static mstch::array EnumOptions(const std::string& lang, const google::protobuf::EnumDescriptor* type,
                                  const std::string& prefix, const std::string& selected) {
    mstch::array out;
    for (int i = 0; i < type->value_count(); ++i) {
      if (type->value(i)->number() == 0) continue;
      const std::string& name = type->value(i)->name();
      out.push_back(
          mstch::map{{"value", name}, {"label", Text(lang, prefix + name)}, {"selected", name == selected}});
    }
    return out;
  }

  // The link to a listing's next page, keeping its filters; empty when
  // there is none.
  static std::string NextPage(const std::string& lang, const std::string& listing, const std::string& token,
                              const std::vector<std::pair<std::string, std::string>>& filters) {
    if (token.empty()) return "";
    httplib::Params params{{"page", token}};
    for (const auto& [key, value] : filters) {
      if (!value.empty()) params.emplace(key, value);
    }
    return absl::StrCat("/", lang, "/", listing, "?", httplib::detail::params_to_query_str(params));
  }

  mstch::map MeetingItem(const std::string& lang, const ev::Meeting& m,
                         const std::map<std::string, std::string>& process_names) {
    return mstch::map{
        {"href", absl::StrCat("/", lang, "/", m.name())},
        {"title", m.title()},
        {"when", WhenText(lang, m)},
        {"start_iso", TimeUtil::ToString(m.start_time())},
        {"zone", ZoneAndOffset(m.start_time(), m.time_zone())},
        {"status", Text(lang, absl::StrCat("status.", StatusKey(m.status())))},
        {"status_class", absl::AsciiStrToLower(StatusKey(m.status()))},
        {"kind", Text(lang, absl::StrCat("kind.", ev::MeetingKind_Name(m.kind())))},
        {"processes", ProcessesText(m, process_names)},
    };
  }

  void Home(const httplib::Request& req, httplib::Response& res) {
    const std::string lang = req.matches[1];
    std::vector<reg::Process> processes;
    std::map<std::string, std::string> process_names = ProcessNames(&processes);
    std::map<std::string, std::string> party_names = PartyNames();
    ev::ListMeetingsRequest list;
    list.set_page_size(kNextMeetings);
    *list.mutable_filter()->mutable_start_time() = TimeUtil::GetCurrentTime();
    ev::ListMeetingsResponse meetings;
    grpc::Status s = Call(events_.get(), &ev::Events::Stub::ListMeetings, list, &meetings);
    if (!s.ok()) return Unavailable(lang, req, res);
    mstch::array items;
    for (const auto& m : meetings.meetings()) items.push_back(MeetingItem(lang, m, process_names));
    mstch::array cards;
    for (const auto& p : processes) {
      std::vector<std::string> chairs;
      for (const auto& c : p.current_chairs()) chairs.push_back(Named(party_names, c));
      cards.push_back(mstch::map{
          {"id", Id(p.name())},
          {"acronym", p.acronym().empty() ? p.display_name() : p.acronym()},
          {"display_name", p.display_name()},
          {"region", p.region()},
          {"established", p.established_year() > 0 ? std::to_string(p.established_year()) : std::string()},
          {"chairs", absl::StrJoin(chairs, ", ")},
      });
    }
    mstch::map context{{"meetings", items}, {"has_meetings", !items.empty()}, {"processes", cards}};
    Send(lang, req, res, 200, "home.mustache", context, Text(lang, "nav.home"));
  }

  void Calendar(const httplib::Request& req, httplib::Response& res) {
    const std::string lang = req.matches[1];
    ev::ListMeetingsRequest list;
    list.set_page_size(kCalendarPage);
    std::string process = req.get_param_value("process");
    std::string kind = req.get_param_value("kind");
    std::string status = req.get_param_value("status");
    ev::MeetingKind kind_value = ev::MEETING_KIND_UNSPECIFIED;
    ev::MeetingStatus status_value = ev::MEETING_STATUS_UNSPECIFIED;
    if (!process.empty()) list.mutable_filter()->add_processes(absl::StrCat("processes/", process));
    if (!kind.empty()) {
      if (!ev::MeetingKind_Parse(kind, &kind_value) || kind_value == ev::MEETING_KIND_UNSPECIFIED)
        return NotFound(lang, req, res);
      list.mutable_filter()->add_kinds(kind_value);
    }
    if (!status.empty()) {
      if (!ev::MeetingStatus_Parse(status, &status_value) || status_value == ev::MEETING_STATUS_UNSPECIFIED)
        return NotFound(lang, req, res);
      list.mutable_filter()->add_statuses(status_value);
    }
    list.set_page_token(req.get_param_value("page"));
    ev::ListMeetingsResponse meetings;
    grpc::Status s = Call(events_.get(), &ev::Events::Stub::ListMeetings, list, &meetings);
    if (!s.ok()) return Failed(s, lang, req, res);
    std::vector<reg::Process> processes;
    std::map<std::string, std::string> process_names = ProcessNames(&processes);
    mstch::array items;
    for (const auto& m : meetings.meetings()) items.push_back(MeetingItem(lang, m, process_names));
    std::string next_page =
        NextPage(lang, "calendar", meetings.next_page_token(), {{"process", process}, {"kind", kind}, {"status", status}});
    mstch::map context{{"meetings", items},
                       {"has_meetings", !items.empty()},
                       {"process_options", ProcessOptions(processes, process_names, process)},
                       {"kind_options", EnumOptions(lang, ev::MeetingKind_descriptor(), "kind.", kind)},
                       {"status_options", EnumOptions(lang, ev::MeetingStatus_descriptor(), "status.", status)},
                       {"next_page", next_page}};
    Send(lang, req, res, 200, "calendar.mustache", context, Text(lang, "calendar.title"));
  }

  void MeetingPage(const httplib::Request& req, httplib::Response& res) {
    const std::string lang = req.matches[1];
    const std::string name = NameOfPath(req, 5);
    if (name.empty()) return NotFound(lang, req, res);
    ev::GetMeetingRequest get;
    get.set_name(name);
    ev::Meeting m;
    grpc::Status s = Call(events_.get(), &ev::Events::Stub::GetMeeting, get, &m);
    if (!s.ok()) return Failed(s, lang, req, res);
    std::map<std::string, std::string> process_names = ProcessNames();
    std::map<std::string, std::string> party_names = PartyNames();
    mstch::map context = MeetingItem(lang, m, process_names);
    context["dates_tba"] = m.dates_to_be_announced();
    context["cancel_reason"] = m.cancel_reason();
    std::vector<std::string> venue;
    for (const std::string* part : {&m.venue().name(), &m.venue().city()}) {
      if (!part->empty()) venue.push_back(*part);
    }
    if (!m.venue().country().empty()) venue.push_back(m.venue().country());
    context["venue"] = absl::StrJoin(venue, ", ");
    context["host"] = m.venue().host_party().empty() ? std::string() : Named(party_names, m.venue().host_party());
    context["chair"] = m.chair_party().empty() ? std::string() : Named(party_names, m.chair_party());
    context["description_html"] = MarkdownHtml(m.description());
    mstch::array agenda;
    for (const auto& item : m.agenda_items()) {
      agenda.push_back(mstch::map{{"title", item.title()}, {"description", item.description()}});
    }
    context["agenda"] = agenda;
    context["has_agenda"] = !agenda.empty();
    // The documents of the meeting (those naming it, and those it links)
    // that the visitor may see; the others are not mentioned.
    std::vector<doc::Document> linked;
    doc::ListDocumentsRequest of_meeting;
    of_meeting.set_parent("processes/-");
    of_meeting.set_meeting(m.name());
    of_meeting.set_page_size(100);
    doc::ListDocumentsResponse naming;
    if (Call(documents_.get(), &doc::Documents::Stub::ListDocuments, of_meeting, &naming).ok()) {
      linked.assign(naming.documents().begin(), naming.documents().end());
    }
    for (const auto& name : m.documents()) {
      if (std::any_of(linked.begin(), linked.end(), [&](const doc::Document& d) { return d.name() == name; }))
        continue;
      doc::GetDocumentRequest get_document;
      get_document.set_name(name);
      doc::Document d;
      if (Call(documents_.get(), &doc::Documents::Stub::GetDocument, get_document, &d).ok()) linked.push_back(d);
    }
    mstch::array documents;
    for (const auto& d : linked) {
      mstch::array versions;
      for (const auto& l : d.languages()) {
        versions.push_back(mstch::map{
            {"href", absl::StrCat("/v1/", d.name(), ":download?language=", l.language())},
            {"language", l.language()},
            {"media_type", l.latest().media_type()},
            {"size", SizeText(l.latest().size_bytes())},
        });
      }
      documents.push_back(mstch::map{{"title", d.title()}, {"symbol", d.symbol()}, {"versions", versions}});
    }
    context["documents"] = documents;
    context["has_documents"] = !documents.empty();
    Send(lang, req, res, 200, "meeting.mustache", context, m.title());
  }

  // The item's name from a portal path ("/{lang}/processes/p/meetings/m"
  // → "processes/p/meetings/m"), decoded once and refusing what could name
  // another resource; empty when the path is not `segments` long.
  static std::string NameOfPath(const httplib::Request& req, size_t segments) {
    std::string raw = req.target.empty() ? req.path : req.target.substr(0, req.target.find('?'));
    std::vector<std::string> parts;
    std::string verb;
    if (!SplitPath(raw, &parts, &verb).ok() || !verb.empty() || parts.size() != segments) return "";
    return absl::StrJoin(parts.begin() + 1, parts.end(), "/");
  }

  static std::string LanguagesText(const doc::Document& d) {
    std::vector<std::string> out;
    for (const auto& l : d.languages()) out.push_back(l.language());
    return absl::StrJoin(out, ", ");
  }

  mstch::map DocumentItem(const std::string& lang, const doc::Document& d) {
    return mstch::map{{"href", absl::StrCat("/", lang, "/", d.name())},
                      {"title", d.title()},
                      {"symbol", d.symbol()},
                      {"kind", Text(lang, absl::StrCat("dockind.", doc::DocumentKind_Name(d.kind())))},
                      {"language_list", LanguagesText(d)}};
  }

  static rcp::common::v1::Date DayOf(const google::protobuf::Timestamp& t) {
    absl::CivilDay day = absl::ToCivilDay(absl::FromUnixSeconds(t.seconds()), absl::UTCTimeZone());
    rcp::common::v1::Date d;
    d.set_year(static_cast<int32_t>(day.year()));
    d.set_month(day.month());
    d.set_day(day.day());
    return d;
  }

  void ProcessPage(const httplib::Request& req, httplib::Response& res) {
    const std::string lang = req.matches[1];
    const std::string name = NameOfPath(req, 3);
    if (name.empty()) return NotFound(lang, req, res);
    reg::GetProcessRequest get;
    get.set_name(name);
    reg::Process p;
    grpc::Status s = Call(registry_.get(), &reg::Registry::Stub::GetProcess, get, &p);
    if (!s.ok()) return Failed(s, lang, req, res);
    std::map<std::string, std::string> party_names = PartyNames();
    std::map<std::string, std::string> process_names = ProcessNames();
    std::vector<std::string> chairs;
    for (const auto& c : p.current_chairs()) chairs.push_back(Named(party_names, c));
    mstch::map context{
        {"id", Id(p.name())},
        {"display_name", p.display_name()},
        {"acronym", p.acronym()},
        {"region", p.region()},
        {"established", p.established_year() > 0 ? std::to_string(p.established_year()) : std::string()},
        {"themes", absl::StrJoin(p.thematic_focus(), ", ")},
        {"secretariat", p.secretariat_host().empty() ? std::string() : Named(party_names, p.secretariat_host())},
        {"chairs", absl::StrJoin(chairs, ", ")},
    };
    // Upcoming (from now on) and past (ended before now) meetings.
    for (bool upcoming : {true, false}) {
      ev::ListMeetingsRequest list;
      list.set_page_size(kNextMeetings);
      list.mutable_filter()->add_processes(p.name());
      *(upcoming ? list.mutable_filter()->mutable_start_time() : list.mutable_filter()->mutable_end_time()) =
          TimeUtil::GetCurrentTime();
      ev::ListMeetingsResponse meetings;
      s = Call(events_.get(), &ev::Events::Stub::ListMeetings, list, &meetings);
      if (!s.ok()) return Unavailable(lang, req, res);
      mstch::array items;
      for (const auto& m : meetings.meetings()) items.push_back(MeetingItem(lang, m, process_names));
      context[upcoming ? "upcoming" : "past"] = mstch::map{{"meetings", items}, {"has_meetings", !items.empty()}};
    }
    // The latest documents it may see, newest first.
    doc::ListDocumentsRequest list_documents;
    list_documents.set_parent(p.name());
    list_documents.set_page_size(1000);
    doc::ListDocumentsResponse documents;
    s = Call(documents_.get(), &doc::Documents::Stub::ListDocuments, list_documents, &documents);
    if (!s.ok()) return Unavailable(lang, req, res);
    std::vector<doc::Document> latest(documents.documents().begin(), documents.documents().end());
    std::sort(latest.begin(), latest.end(), [](const doc::Document& a, const doc::Document& b) {
      return TimeUtil::TimestampToNanoseconds(a.create_time()) > TimeUtil::TimestampToNanoseconds(b.create_time());
    });
    if (latest.size() > 10) latest.resize(10);
    mstch::array document_items;
    for (const auto& d : latest) document_items.push_back(DocumentItem(lang, d));
    context["documents"] = document_items;
    context["has_documents"] = !document_items.empty();
    // Members and observers today, and every chair term.
    reg::ListMembershipsRequest list_members;
    list_members.set_parent(p.name());
    list_members.set_current_only(true);
    list_members.set_page_size(1000);
    reg::ListMembershipsResponse members;
    s = Call(registry_.get(), &reg::Registry::Stub::ListMemberships, list_members, &members);
    if (!s.ok()) return Unavailable(lang, req, res);
    mstch::array member_rows;
    for (const auto& m : members.memberships()) {
      member_rows.push_back(mstch::map{
          {"party", Named(party_names, m.party())},
          {"role", Text(lang, absl::StrCat("role.", reg::Role_Name(m.role())))},
          {"since", m.has_start_date() ? FormatDate(lang, m.start_date()) : std::string("—")}});
    }
    context["members"] = member_rows;
    reg::ListChairTermsRequest list_terms;
    list_terms.set_parent(p.name());
    list_terms.set_page_size(1000);
    reg::ListChairTermsResponse terms;
    s = Call(registry_.get(), &reg::Registry::Stub::ListChairTerms, list_terms, &terms);
    if (!s.ok()) return Unavailable(lang, req, res);
    mstch::array term_rows;
    for (const auto& t : terms.chair_terms()) {
      term_rows.push_back(mstch::map{{"party", Named(party_names, t.party())},
                                     {"from", FormatDate(lang, t.start_date())},
                                     {"to", FormatDate(lang, t.end_date())},
                                     {"note", t.note()}});
    }
    context["chair_terms"] = term_rows;
    Send(lang, req, res, 200, "process.mustache", context, p.display_name());
  }

  void Library(const httplib::Request& req, httplib::Response& res) {
    const std::string lang = req.matches[1];
    doc::ListDocumentsRequest list;
    list.set_page_size(kCalendarPage);
    const std::string q = req.get_param_value("q");
    const std::string process = req.get_param_value("process");
    const std::string kind = req.get_param_value("kind");
    const std::string language = req.get_param_value("language");
    list.set_query(q);
    list.set_parent(process.empty() ? "processes/-" : absl::StrCat("processes/", process));
    if (!kind.empty()) {
      doc::DocumentKind value;
      if (!doc::DocumentKind_Parse(kind, &value) || value == doc::DOCUMENT_KIND_UNSPECIFIED)
        return NotFound(lang, req, res);
      list.set_kind(value);
    }
    list.set_language(language);
    list.set_page_token(req.get_param_value("page"));
    doc::ListDocumentsResponse documents;
    grpc::Status s = Call(documents_.get(), &doc::Documents::Stub::ListDocuments, list, &documents);
    if (!s.ok()) return Failed(s, lang, req, res);
    std::vector<reg::Process> processes;
    std::map<std::string, std::string> process_names = ProcessNames(&processes);
    mstch::array items;
    for (const auto& d : documents.documents()) items.push_back(DocumentItem(lang, d));
    std::string next_page = NextPage(lang, "documents", documents.next_page_token(),
                                     {{"q", q}, {"process", process}, {"kind", kind}, {"language", language}});
    mstch::map context{{"documents", items},
                       {"has_documents", !items.empty()},
                       {"process_options", ProcessOptions(processes, process_names, process)},
                       {"kind_options", EnumOptions(lang, doc::DocumentKind_descriptor(), "dockind.", kind)},
                       {"q", q},
                       {"language", language},
                       {"next_page", next_page}};
    Send(lang, req, res, 200, "documents.mustache", context, Text(lang, "documents.title"));
  }

  void DocumentPage(const httplib::Request& req, httplib::Response& res) {
    const std::string lang = req.matches[1];
    const std::string name = NameOfPath(req, 5);
    if (name.empty()) return NotFound(lang, req, res);
    doc::GetDocumentRequest get;
    get.set_name(name);
    doc::Document d;
    grpc::Status s = Call(documents_.get(), &doc::Documents::Stub::GetDocument, get, &d);
    if (!s.ok()) return Failed(s, lang, req, res);
    std::map<std::string, std::string> process_names = ProcessNames();
    const std::string process = name.substr(0, name.find("/documents/"));
    mstch::map context = DocumentItem(lang, d);
    context["process_id"] = Id(process);
    context["process"] = Named(process_names, process);
    if (!d.meeting().empty()) {
      ev::GetMeetingRequest get_meeting;
      get_meeting.set_name(d.meeting());
      ev::Meeting m;
      // A meeting the visitor may not see is not named.
      if (Call(events_.get(), &ev::Events::Stub::GetMeeting, get_meeting, &m).ok()) {
        context["meeting_href"] = absl::StrCat("/", lang, "/", m.name());
        context["meeting_title"] = m.title();
      }
    }
    if (!d.original().empty()) {
      doc::GetDocumentRequest get_original;
      get_original.set_name(d.original());
      doc::Document original;
      if (Call(documents_.get(), &doc::Documents::Stub::GetDocument, get_original, &original).ok()) {
        context["original_href"] = absl::StrCat("/", lang, "/", original.name());
        context["original_symbol"] = original.symbol();
      }
    }
    mstch::array downloads;
    for (const auto& l : d.languages()) {
      downloads.push_back(mstch::map{{"href", absl::StrCat("/v1/", d.name(), ":download?language=", l.language())},
                                     {"language", l.language()},
                                     {"media_type", l.latest().media_type()},
                                     {"size", SizeText(l.latest().size_bytes())}});
    }
    context["downloads"] = downloads;
    // Revisions and corrigenda: documents of the process whose symbol
    // extends this one's and that name it as their original, among those
    // the visitor may see.
    doc::ListDocumentsRequest list;
    list.set_parent(process);
    list.set_query(absl::StrCat(d.symbol(), "/"));
    list.set_page_size(100);
    doc::ListDocumentsResponse later;
    mstch::array revisions;
    if (Call(documents_.get(), &doc::Documents::Stub::ListDocuments, list, &later).ok()) {
      for (const auto& r : later.documents()) {
        if (r.original() != d.name()) continue;
        revisions.push_back(
            mstch::map{{"href", absl::StrCat("/", lang, "/", r.name())}, {"symbol", r.symbol()}, {"title", r.title()}});
      }
    }
    context["revisions"] = revisions;
    context["has_revisions"] = !revisions.empty();
    doc::ListContentVersionsRequest list_versions;
    list_versions.set_document(d.name());
    doc::ListContentVersionsResponse versions;
    s = Call(documents_.get(), &doc::Documents::Stub::ListContentVersions, list_versions, &versions);
    if (!s.ok()) return Failed(s, lang, req, res);
    mstch::array version_rows;
    for (const auto& v : versions.versions()) {
      version_rows.push_back(mstch::map{
          {"href", absl::StrCat("/v1/", d.name(), ":download?language=", v.language(), "&version=", v.version())},
          {"language", v.language()},
          {"version", std::to_string(v.version())},
          {"size", SizeText(v.size_bytes())},
          {"date", FormatDate(lang, DayOf(v.create_time()))},
          {"sha256", v.sha256()}});
    }
    context["versions"] = version_rows;
    Send(lang, req, res, 200, "document.mustache", context, d.title());
  }

  std::unique_ptr<reg::Registry::Stub> registry_;
  std::unique_ptr<ev::Events::Stub> events_;
  std::unique_ptr<doc::Documents::Stub> documents_;
  bool https_;
};

Portal::Portal(std::shared_ptr<grpc::Channel> gateway, PortalOptions options)
    : pages_(std::make_unique<Pages>(std::move(gateway), std::move(options))) {}

Portal::~Portal() = default;

void Portal::Register(httplib::Server& server) { pages_->Register(server); }

}  // namespace rcp::gateway::web::portal
