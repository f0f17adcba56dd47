#include "services/gateway/web/portal/portal.h"

#include <cmark-gfm.h>
#include <google/protobuf/util/time_util.h>
#include <httplib.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mstch/mstch.hpp>
#include <optional>
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
#include "rcp/gateway/v1/gateway.grpc.pb.h"
#include "rcp/registry/v1/registry.grpc.pb.h"
#include "services/gateway/web/http_rules.h"
#include "services/gateway/web/portal/assets.h"
#include "services/gateway/web/portal/i18n.h"
#include "services/gateway/web/portal/sign_in.h"

namespace rcp::gateway::web::portal {

namespace ev = ::rcp::events::v1;
namespace reg = ::rcp::registry::v1;
namespace doc = ::rcp::documents::v1;
namespace gw = ::rcp::gateway::v1;
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

// The part of a request path after "/{lang}", for the language switch.
std::string AfterLanguage(const httplib::Request& req) {
  const std::string& target = req.target.empty() ? req.path : req.target;
  return target.size() > 3 ? target.substr(3) : "/";
}

// The portal's path of a document's content (served as /v1's download is,
// but as the visitor: signed in, with the session).
std::string DownloadPath(const std::string& lang, const std::string& document) {
  return absl::StrCat("/", lang, "/", document, "/download");
}

// "30 min", "12 h": a duration as the account page shows it.
std::string DurationText(absl::Duration d) {
  if (d >= absl::Hours(1) && d % absl::Hours(1) == absl::ZeroDuration()) {
    return absl::StrCat(absl::ToInt64Hours(d), " h");
  }
  return absl::StrCat(absl::ToInt64Minutes(d), " min");
}

// Who is asking, worked out once per request from its session cookie.
struct Visit {
  std::string lang;
  // The signed-in visitor's session ("" for an anonymous one), and the
  // authorization its calls carry.
  std::string session_id;
  std::string authorization;
  reg::Principal principal;
  std::string who;  // the principal's party, as it is named
  // The cookie named a session that has ended: this answer removes it.
  bool session_ended = false;
  // For forms: the CSRF cookie's secret, and whether this answer sets it.
  std::string csrf_secret;
  bool new_csrf = false;
  // The session ended after Resolve, while the page was being made (its
  // key revoked, the cache's TTL running out between two calls): the page
  // is made again, anonymously.
  mutable bool ended_midway = false;

  bool signed_in() const { return !session_id.empty(); }
};

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
  Pages(std::shared_ptr<grpc::Channel> gateway, PortalOptions options, SignIns* sign_ins, Downloads* downloads)
      : registry_(reg::Registry::NewStub(gateway)),
        events_(ev::Events::NewStub(gateway)),
        documents_(doc::Documents::NewStub(gateway)),
        gateway_(gw::Gateway::NewStub(gateway)),
        options_(std::move(options)),
        https_(absl::StartsWith(options_.public_url, "https://")),
        cookies_(https_),
        sign_ins_(sign_ins),
        downloads_(downloads) {}

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
    server.Get(lang + "/", Page(&Pages::Home));
    server.Get(lang + "/calendar", Page(&Pages::Calendar));
    server.Get(lang + "/processes/[^/]+/meetings/[^/]+", Page(&Pages::MeetingPage));
    server.Get(lang + "/processes/[^/]+", Page(&Pages::ProcessPage));
    server.Get(lang + "/documents", Page(&Pages::Library));
    server.Get(lang + "/processes/[^/]+/documents/[^/]+", Page(&Pages::DocumentPage));
    server.Get(lang + "/processes/[^/]+/documents/[^/]+/download", Page(&Pages::Download));
    server.Get(lang + "/sign-in", Page(&Pages::SignInPage));
    server.Post(lang + "/sign-in", Page(&Pages::SignIn));
    server.Post(lang + "/sign-out", Page(&Pages::SignOut));
    server.Post(lang + "/sign-out-everywhere", Page(&Pages::SignOut));
    server.Get(lang + "/account", Page(&Pages::Account));
    // Anything else under a language: the 404 page.
    server.Get(lang + "(/.*)?", Page(&Pages::NoSuchPage));
  }

 private:
  using Handler = void (Pages::*)(Visit&, const httplib::Request&, httplib::Response&);

  // A route's handler, called with the request's visit.
  httplib::Server::Handler Page(Handler handler) {
    return [this, handler](const httplib::Request& req, httplib::Response& res) {
      Visit v;
      v.lang = req.matches[1];
      if (!Resolve(req, &v)) return Unavailable(v, req, res);
      (this->*handler)(v, req, res);
      if (v.ended_midway) {
        Visit anonymous;
        anonymous.lang = v.lang;
        anonymous.csrf_secret = v.csrf_secret;
        anonymous.new_csrf = v.new_csrf;
        anonymous.session_ended = true;
        res = httplib::Response();
        (this->*handler)(anonymous, req, res);
      }
    };
  }

  // Who the request's session cookie says the visitor is. False when that
  // cannot be learnt now (the registry is down).
  bool Resolve(const httplib::Request& req, Visit* v) {
    v->csrf_secret = CookieValue(req, cookies_.csrf_name());
    const std::string id = CookieValue(req, cookies_.session_name());
    if (id.empty()) return true;
    const std::string authorization = sign_ins_->AuthorizationOf(id);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    context.AddMetadata("authorization", authorization);
    reg::Principal principal;
    grpc::Status s = gateway_->WhoAmI(&context, gw::WhoAmIRequest(), &principal);
    if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
      v->session_ended = true;
      return true;
    }
    if (!s.ok()) return false;
    v->session_id = id;
    v->authorization = authorization;
    v->principal = std::move(principal);
    reg::GetPartyRequest get;
    get.set_name(v->principal.party());
    reg::Party party;
    v->who = Call(*v, registry_.get(), &reg::Registry::Stub::GetParty, get, &party).ok() ? party.display_name()
                                                                                       : Id(v->principal.party());
    // Every signed-in page has a form (signing out).
    EnsureCsrf(v);
    return true;
  }

  static void EnsureCsrf(Visit* v) {
    if (!v->csrf_secret.empty()) return;
    v->csrf_secret = NewCsrfSecret();
    v->new_csrf = true;
  }

  // A call as the visitor.
  template <typename Stub, typename Request, typename Response>
  static grpc::Status Call(const Visit& v, Stub* stub,
                           grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                           const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!v.authorization.empty()) context.AddMetadata("authorization", v.authorization);
    return (stub->*method)(&context, request, response);
  }

  // The link to the sign-in page that returns here.
  static std::string SignInHref(const Visit& v, const httplib::Request& req) {
    const std::string& here = req.target.empty() ? req.path : req.target;
    return absl::StrCat("/", v.lang, "/sign-in?next=", httplib::detail::encode_query_param(SafeNext(here, v.lang)));
  }

  // What every answer to a visit carries beyond the page: its cookies, and
  // no-store when it is personal (signed in, or setting a cookie).
  void SetVisitHeaders(const Visit& v, httplib::Response& res) {
    if (v.session_ended) res.set_header("Set-Cookie", cookies_.Remove(cookies_.session_name()));
    if (v.new_csrf) res.set_header("Set-Cookie", cookies_.Set(cookies_.csrf_name(), v.csrf_secret, options_.session_max_lifetime));
    if (v.signed_in() || v.session_ended || v.new_csrf) Replace(res, "Cache-Control", "no-store");
  }

  // The page `content` in the layout, answered on `res`.
  // `same_page_in_other_languages`: the language switch leads to this page
  // in the others; otherwise to their home pages (error pages, which must
  // not differ with the path asked).
  void Send(const Visit& v, const httplib::Request& req, httplib::Response& res, int status,
            const std::string& content, mstch::map context, const std::string& title,
            bool same_page_in_other_languages = true) {
    const std::string& lang = v.lang;
    context["lang"] = lang;
    context["t"] = Words(lang);
    context["page_title"] = title;
    context["signed_in"] = v.signed_in();
    context["who"] = v.who;
    context["csrf"] = v.csrf_secret.empty() ? std::string() : MaskedCsrfToken(v.csrf_secret);
    context["sign_in_href"] = SignInHref(v, req);
    if (v.session_ended) context["notice"] = Text(lang, "sign_in.ended");
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
    SetVisitHeaders(v, res);
    res.set_header("Content-Language", lang);
    res.status = status;
    res.set_content(mstch::render(Asset("layout.mustache"), context, partials), kHtml);
  }

  // The page for an item the visitor may not see, or that does not exist,
  // or a path that names nothing: the same bytes for each path. It offers
  // to sign in and come back, and never redirects.
  void NotFound(const Visit& v, const httplib::Request& req, httplib::Response& res) {
    mstch::map context{{"heading", Text(v.lang, "not_found.title")},
                       {"body", Text(v.lang, "not_found.body")},
                       {"offer_sign_in", !v.signed_in()}};
    Send(v, req, res, 404, "message.mustache", context, Text(v.lang, "not_found.title"), false);
  }
  void NoSuchPage(Visit& v, const httplib::Request& req, httplib::Response& res) { NotFound(v, req, res); }

  // A service error other than "no such item": 503 (the visitor may retry).
  void Unavailable(const Visit& v, const httplib::Request& req, httplib::Response& res) {
    mstch::map context{{"heading", Text(v.lang, "unavailable.title")}, {"body", Text(v.lang, "unavailable.body")}};
    Send(v, req, res, 503, "message.mustache", context, Text(v.lang, "unavailable.title"), false);
    res.set_header("Retry-After", "5");
    Replace(res, "Cache-Control", "no-store");
  }

  // A form sent from elsewhere, or without its token: 403.
  void Refused(const Visit& v, const httplib::Request& req, httplib::Response& res) {
    mstch::map context{{"heading", Text(v.lang, "forbidden.title")}, {"body", Text(v.lang, "forbidden.body")}};
    Send(v, req, res, 403, "message.mustache", context, Text(v.lang, "forbidden.title"), false);
    Replace(res, "Cache-Control", "no-store");
  }

  // A call that failed other than for its item: the session ended midway
  // (Page() makes the page again, anonymously), or 503.
  void Trouble(const grpc::Status& s, const Visit& v, const httplib::Request& req, httplib::Response& res) {
    if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED && v.signed_in()) {
      v.ended_midway = true;
      return;
    }
    Unavailable(v, req, res);
  }

  void Failed(const grpc::Status& s, const Visit& v, const httplib::Request& req, httplib::Response& res) {
    if (s.error_code() == grpc::StatusCode::NOT_FOUND || s.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
      return NotFound(v, req, res);
    }
    Trouble(s, v, req, res);
  }

  // ---------------------------------------------------------- signing in

  // The fields of a POSTed form, when it is one sent from this site with
  // its CSRF token; nullopt otherwise.
  std::optional<httplib::Params> FormOf(const Visit& v, const httplib::Request& req) {
    if (!SameOrigin(req, options_.public_url)) return std::nullopt;
    if (!absl::StartsWith(req.get_header_value("Content-Type"), "application/x-www-form-urlencoded")) {
      return std::nullopt;
    }
    httplib::Params form;
    httplib::detail::parse_query_text(req.body, form);
    auto token = form.find("csrf");
    if (token == form.end() || !CsrfTokenMatches(token->second, v.csrf_secret)) return std::nullopt;
    return form;
  }

  static std::string FormValue(const httplib::Params& form, const std::string& name) {
    auto it = form.find(name);
    return it == form.end() ? "" : it->second;
  }

  void SignInForm(Visit& v, const httplib::Request& req, httplib::Response& res, const std::string& next,
                  bool refused) {
    EnsureCsrf(&v);
    mstch::map context{{"next", next}, {"refused", refused}};
    Send(v, req, res, refused ? 401 : 200, "sign_in.mustache", context, Text(v.lang, "sign_in.title"));
    Replace(res, "Cache-Control", "no-store");
  }

  void SignInPage(Visit& v, const httplib::Request& req, httplib::Response& res) {
    SignInForm(v, req, res, SafeNext(req.get_param_value("next"), v.lang), false);
  }

  void SignIn(Visit& v, const httplib::Request& req, httplib::Response& res) {
    std::optional<httplib::Params> form = FormOf(v, req);
    if (!form) return Refused(v, req, res);
    const std::string next = SafeNext(FormValue(*form, "next"), v.lang);
    const std::string key(absl::StripAsciiWhitespace(FormValue(*form, "key")));
    if (key.empty() || key.size() > 200) return SignInForm(v, req, res, next, true);
    // Whatever session the browser brought ends here: the visitor gets a
    // new id, never one an attacker could have planted.
    absl::StatusOr<std::string> session = sign_ins_->SignIn(key, CookieValue(req, cookies_.session_name()));
    if (absl::IsUnauthenticated(session.status())) return SignInForm(v, req, res, next, true);
    if (!session.ok()) return Unavailable(v, req, res);
    SetPageHeaders(res, https_);
    Replace(res, "Cache-Control", "no-store");
    res.set_header("Set-Cookie", cookies_.Set(cookies_.session_name(), *session, options_.session_max_lifetime));
    res.set_redirect(next, 303);
  }

  // Signing out here, or (from /sign-out-everywhere) in every browser.
  void SignOut(Visit& v, const httplib::Request& req, httplib::Response& res) {
    std::optional<httplib::Params> form = FormOf(v, req);
    if (!form) return Refused(v, req, res);
    if (v.signed_in()) {
      const bool everywhere = absl::EndsWith(req.path, "/sign-out-everywhere");
      absl::Status ended =
          everywhere ? sign_ins_->SignOutEverywhere(v.session_id) : sign_ins_->SignOut(v.session_id);
      if (!ended.ok()) return Unavailable(v, req, res);
    }
    SetPageHeaders(res, https_);
    Replace(res, "Cache-Control", "no-store");
    res.set_header("Set-Cookie", cookies_.Remove(cookies_.session_name()));
    res.set_redirect(absl::StrCat("/", v.lang, "/"), 303);
  }

  void Account(Visit& v, const httplib::Request& req, httplib::Response& res) {
    if (!v.signed_in()) {
      SetPageHeaders(res, https_);
      SetVisitHeaders(v, res);
      Replace(res, "Cache-Control", "no-store");
      return res.set_redirect(absl::StrCat("/", v.lang, "/sign-in?next=%2F", v.lang, "%2Faccount"), 303);
    }
    std::map<std::string, std::string> process_names = ProcessNames(v);
    mstch::array rights;
    for (const auto& r : v.principal.rights()) {
      std::vector<std::string> roles;
      for (int role : r.roles()) roles.push_back(Text(v.lang, absl::StrCat("role.", reg::Role_Name(role))));
      if (r.chair()) roles.push_back(Text(v.lang, "process.chair"));
      rights.push_back(mstch::map{{"process", r.process()},
                                  {"process_label", Named(process_names, r.process())},
                                  {"roles", absl::StrJoin(roles, ", ")}});
    }
    mstch::map context{{"key_name", v.principal.api_key()},
                       {"rights", rights},
                       {"has_rights", !rights.empty()},
                       {"idle", DurationText(options_.session_idle_timeout)},
                       {"max", DurationText(options_.session_max_lifetime)}};
    Send(v, req, res, 200, "account.mustache", context, Text(v.lang, "account.title"));
  }

  // A document's content, as the visitor (see DownloadPath).
  void Download(Visit& v, const httplib::Request& req, httplib::Response& res) {
    std::string raw = req.target.empty() ? req.path : req.target.substr(0, req.target.find('?'));
    std::vector<std::string> parts;
    std::string verb;
    // {lang} processes {p} documents {d} download
    if (downloads_ == nullptr || !SplitPath(raw, &parts, &verb).ok() || !verb.empty() || parts.size() != 6) {
      return NotFound(v, req, res);
    }
    downloads_->Serve(req, res, absl::StrJoin(parts.begin() + 1, parts.end() - 1, "/"), v.authorization);
    res.set_header("Vary", "Cookie");
    SetVisitHeaders(v, res);
  }

  // Display names of parties, by name ("parties/IDN" → "Indonesia").
  std::map<std::string, std::string> PartyNames(const Visit& v) {
    std::map<std::string, std::string> out;
    reg::ListPartiesRequest list;
    list.set_page_size(1000);
    reg::ListPartiesResponse parties;
    if (Call(v, registry_.get(), &reg::Registry::Stub::ListParties, list, &parties).ok()) {
      for (const auto& p : parties.parties()) out[p.name()] = p.display_name();
    }
    return out;
  }

  // Acronyms of processes, by name ("processes/igc" → "IGC").
  std::map<std::string, std::string> ProcessNames(const Visit& v, std::vector<reg::Process>* all = nullptr) {
    std::map<std::string, std::string> out;
    reg::ListProcessesRequest list;
    list.set_page_size(1000);
    reg::ListProcessesResponse processes;
    if (Call(v, registry_.get(), &reg::Registry::Stub::ListProcesses, list, &processes).ok()) {
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

  void Home(Visit& v, const httplib::Request& req, httplib::Response& res) {
    const std::string& lang = v.lang;
    std::vector<reg::Process> processes;
    std::map<std::string, std::string> process_names = ProcessNames(v, &processes);
    std::map<std::string, std::string> party_names = PartyNames(v);
    ev::ListMeetingsRequest list;
    list.set_page_size(kNextMeetings);
    *list.mutable_filter()->mutable_start_time() = TimeUtil::GetCurrentTime();
    ev::ListMeetingsResponse meetings;
    grpc::Status s = Call(v, events_.get(), &ev::Events::Stub::ListMeetings, list, &meetings);
    if (!s.ok()) return Trouble(s, v, req, res);
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
    Send(v, req, res, 200, "home.mustache", context, Text(lang, "nav.home"));
  }

  void Calendar(Visit& v, const httplib::Request& req, httplib::Response& res) {
    const std::string& lang = v.lang;
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
        return NotFound(v, req, res);
      list.mutable_filter()->add_kinds(kind_value);
    }
    if (!status.empty()) {
      if (!ev::MeetingStatus_Parse(status, &status_value) || status_value == ev::MEETING_STATUS_UNSPECIFIED)
        return NotFound(v, req, res);
      list.mutable_filter()->add_statuses(status_value);
    }
    list.set_page_token(req.get_param_value("page"));
    ev::ListMeetingsResponse meetings;
    grpc::Status s = Call(v, events_.get(), &ev::Events::Stub::ListMeetings, list, &meetings);
    if (!s.ok()) return Failed(s, v, req, res);
    std::vector<reg::Process> processes;
    std::map<std::string, std::string> process_names = ProcessNames(v, &processes);
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
    Send(v, req, res, 200, "calendar.mustache", context, Text(lang, "calendar.title"));
  }

  void MeetingPage(Visit& v, const httplib::Request& req, httplib::Response& res) {
    const std::string& lang = v.lang;
    const std::string name = NameOfPath(req, 5);
    if (name.empty()) return NotFound(v, req, res);
    ev::GetMeetingRequest get;
    get.set_name(name);
    ev::Meeting m;
    grpc::Status s = Call(v, events_.get(), &ev::Events::Stub::GetMeeting, get, &m);
    if (!s.ok()) return Failed(s, v, req, res);
    std::map<std::string, std::string> process_names = ProcessNames(v);
    std::map<std::string, std::string> party_names = PartyNames(v);
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
    if (Call(v, documents_.get(), &doc::Documents::Stub::ListDocuments, of_meeting, &naming).ok()) {
      linked.assign(naming.documents().begin(), naming.documents().end());
    }
    for (const auto& name : m.documents()) {
      if (std::any_of(linked.begin(), linked.end(), [&](const doc::Document& d) { return d.name() == name; }))
        continue;
      doc::GetDocumentRequest get_document;
      get_document.set_name(name);
      doc::Document d;
      if (Call(v, documents_.get(), &doc::Documents::Stub::GetDocument, get_document, &d).ok()) linked.push_back(d);
    }
    mstch::array documents;
    for (const auto& d : linked) {
      mstch::array versions;
      for (const auto& l : d.languages()) {
        versions.push_back(mstch::map{
            {"href", absl::StrCat(DownloadPath(lang, d.name()), "?language=", l.language())},
            {"language", l.language()},
            {"media_type", l.latest().media_type()},
            {"size", SizeText(l.latest().size_bytes())},
        });
      }
      documents.push_back(mstch::map{{"title", d.title()}, {"symbol", d.symbol()}, {"versions", versions}});
    }
    context["documents"] = documents;
    context["has_documents"] = !documents.empty();
    Send(v, req, res, 200, "meeting.mustache", context, m.title());
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

  void ProcessPage(Visit& v, const httplib::Request& req, httplib::Response& res) {
    const std::string& lang = v.lang;
    const std::string name = NameOfPath(req, 3);
    if (name.empty()) return NotFound(v, req, res);
    reg::GetProcessRequest get;
    get.set_name(name);
    reg::Process p;
    grpc::Status s = Call(v, registry_.get(), &reg::Registry::Stub::GetProcess, get, &p);
    if (!s.ok()) return Failed(s, v, req, res);
    std::map<std::string, std::string> party_names = PartyNames(v);
    std::map<std::string, std::string> process_names = ProcessNames(v);
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
      s = Call(v, events_.get(), &ev::Events::Stub::ListMeetings, list, &meetings);
      if (!s.ok()) return Trouble(s, v, req, res);
      mstch::array items;
      for (const auto& m : meetings.meetings()) items.push_back(MeetingItem(lang, m, process_names));
      context[upcoming ? "upcoming" : "past"] = mstch::map{{"meetings", items}, {"has_meetings", !items.empty()}};
    }
    // The latest documents it may see, newest first.
    doc::ListDocumentsRequest list_documents;
    list_documents.set_parent(p.name());
    list_documents.set_page_size(1000);
    doc::ListDocumentsResponse documents;
    s = Call(v, documents_.get(), &doc::Documents::Stub::ListDocuments, list_documents, &documents);
    if (!s.ok()) return Trouble(s, v, req, res);
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
    s = Call(v, registry_.get(), &reg::Registry::Stub::ListMemberships, list_members, &members);
    if (!s.ok()) return Trouble(s, v, req, res);
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
    s = Call(v, registry_.get(), &reg::Registry::Stub::ListChairTerms, list_terms, &terms);
    if (!s.ok()) return Trouble(s, v, req, res);
    mstch::array term_rows;
    for (const auto& t : terms.chair_terms()) {
      term_rows.push_back(mstch::map{{"party", Named(party_names, t.party())},
                                     {"from", FormatDate(lang, t.start_date())},
                                     {"to", FormatDate(lang, t.end_date())},
                                     {"note", t.note()}});
    }
    context["chair_terms"] = term_rows;
    Send(v, req, res, 200, "process.mustache", context, p.display_name());
  }

  void Library(Visit& v, const httplib::Request& req, httplib::Response& res) {
    const std::string& lang = v.lang;
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
        return NotFound(v, req, res);
      list.set_kind(value);
    }
    list.set_language(language);
    list.set_page_token(req.get_param_value("page"));
    doc::ListDocumentsResponse documents;
    grpc::Status s = Call(v, documents_.get(), &doc::Documents::Stub::ListDocuments, list, &documents);
    if (!s.ok()) return Failed(s, v, req, res);
    std::vector<reg::Process> processes;
    std::map<std::string, std::string> process_names = ProcessNames(v, &processes);
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
    Send(v, req, res, 200, "documents.mustache", context, Text(lang, "documents.title"));
  }

  void DocumentPage(Visit& v, const httplib::Request& req, httplib::Response& res) {
    const std::string& lang = v.lang;
    const std::string name = NameOfPath(req, 5);
    if (name.empty()) return NotFound(v, req, res);
    doc::GetDocumentRequest get;
    get.set_name(name);
    doc::Document d;
    grpc::Status s = Call(v, documents_.get(), &doc::Documents::Stub::GetDocument, get, &d);
    if (!s.ok()) return Failed(s, v, req, res);
    std::map<std::string, std::string> process_names = ProcessNames(v);
    const std::string process = name.substr(0, name.find("/documents/"));
    mstch::map context = DocumentItem(lang, d);
    context["process_id"] = Id(process);
    context["process"] = Named(process_names, process);
    if (!d.meeting().empty()) {
      ev::GetMeetingRequest get_meeting;
      get_meeting.set_name(d.meeting());
      ev::Meeting m;
      // A meeting the visitor may not see is not named.
      if (Call(v, events_.get(), &ev::Events::Stub::GetMeeting, get_meeting, &m).ok()) {
        context["meeting_href"] = absl::StrCat("/", lang, "/", m.name());
        context["meeting_title"] = m.title();
      }
    }
    if (!d.original().empty()) {
      doc::GetDocumentRequest get_original;
      get_original.set_name(d.original());
      doc::Document original;
      if (Call(v, documents_.get(), &doc::Documents::Stub::GetDocument, get_original, &original).ok()) {
        context["original_href"] = absl::StrCat("/", lang, "/", original.name());
        context["original_symbol"] = original.symbol();
      }
    }
    mstch::array downloads;
    for (const auto& l : d.languages()) {
      downloads.push_back(mstch::map{{"href", absl::StrCat(DownloadPath(lang, d.name()), "?language=", l.language())},
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
    if (Call(v, documents_.get(), &doc::Documents::Stub::ListDocuments, list, &later).ok()) {
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
    s = Call(v, documents_.get(), &doc::Documents::Stub::ListContentVersions, list_versions, &versions);
    if (!s.ok()) return Failed(s, v, req, res);
    mstch::array version_rows;
    for (const auto& cv : versions.versions()) {
      version_rows.push_back(mstch::map{
          {"href", absl::StrCat(DownloadPath(lang, d.name()), "?language=", cv.language(), "&version=", cv.version())},
          {"language", cv.language()},
          {"version", std::to_string(cv.version())},
          {"size", SizeText(cv.size_bytes())},
          {"date", FormatDate(lang, DayOf(cv.create_time()))},
          {"sha256", cv.sha256()}});
    }
    context["versions"] = version_rows;
    Send(v, req, res, 200, "document.mustache", context, d.title());
  }

  std::unique_ptr<reg::Registry::Stub> registry_;
  std::unique_ptr<ev::Events::Stub> events_;
  std::unique_ptr<doc::Documents::Stub> documents_;
  std::unique_ptr<gw::Gateway::Stub> gateway_;
  PortalOptions options_;
  bool https_;
  Cookies cookies_;
  SignIns* sign_ins_;
  Downloads* downloads_;
};

Portal::Portal(std::shared_ptr<grpc::Channel> gateway, PortalOptions options, SignIns* sign_ins,
               Downloads* downloads)
    : pages_(std::make_unique<Pages>(std::move(gateway), std::move(options), sign_ins, downloads)) {}

Portal::~Portal() = default;

void Portal::Register(httplib::Server& server) { pages_->Register(server); }

}  // namespace rcp::gateway::web::portal
