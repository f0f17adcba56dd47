#include "tools/rcpctl/format.h"

#include <google/protobuf/any.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "tools/rcpctl/client.h"

namespace rcp::rcpctl {

namespace pb = ::google::protobuf;
namespace common = ::rcp::common::v1;
namespace registry = ::rcp::registry::v1;
namespace events = ::rcp::events::v1;
namespace documents = ::rcp::documents::v1;

// ------------------------------------------------------------------ tables

size_t DisplayWidth(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;  // count lead bytes only
  }
  return n;
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  for (auto& cell : cells) {
    if (cell.empty()) cell = "-";
    // One row per line: a description with line breaks must not break it.
    cell = absl::StrReplaceAll(cell, {{"\r\n", " "}, {"\n", " "}, {"\t", " "}});
  }
  rows_.push_back(std::move(cells));
}

void Table::Print(std::ostream& out) const {
  std::vector<size_t> widths(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = DisplayWidth(headers_[i]);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  auto line = [&](const std::vector<std::string>& cells, bool upper) {
    std::string text;
    for (size_t i = 0; i < cells.size(); ++i) {
      std::string cell = upper ? absl::AsciiStrToUpper(cells[i]) : cells[i];
      text += cell;
      if (i + 1 < cells.size()) text.append(widths[i] - DisplayWidth(cell) + 2, ' ');
    }
    out << text << "\n";
  };
  line(headers_, true);
  for (const auto& row : rows_) line(row, false);
}

std::string Table::ToString() const {
  std::ostringstream out;
  Print(out);
  return out.str();
}

void Details::Add(const std::string& label, const std::string& value) {
  if (!value.empty()) lines_.emplace_back(label, value);
}

void Details::Add(const std::string& label, const std::vector<std::string>& values) {
  Add(label, absl::StrJoin(values, ", "));
}

void Details::Print(std::ostream& out) const {
  size_t width = 0;
  for (const auto& [label, value] : lines_) width = std::max(width, DisplayWidth(label) + 1);
  for (const auto& [label, value] : lines_) {
    std::string head = label + ":";
    std::string indent(width + 2, ' ');
    // Multi-line values (descriptions) continue under the value column.
    std::string body = absl::StrReplaceAll(value, {{"\n", "\n" + indent}});
    out << head << std::string(width - DisplayWidth(head) + 2, ' ') << body << "\n";
  }
}

std::string Details::ToString() const {
  std::ostringstream out;
  Print(out);
  return out.str();
}

// -------------------------------------------------------------------- json

namespace {

// Whether an Any holds a type the generated pool knows (the JSON printer
// can render only those).
bool KnownAny(const pb::Message& any) {
  const pb::Reflection* r = any.GetReflection();
  const pb::FieldDescriptor* url = any.GetDescriptor()->FindFieldByName("type_url");
  if (url == nullptr) return false;
  std::string type = r->GetString(any, url);
  if (type.empty()) return true;  // an empty Any prints as {}
  type = type.substr(type.rfind('/') + 1);
  return pb::DescriptorPool::generated_pool()->FindMessageTypeByName(type) != nullptr;
}

// Clears every google.protobuf.Any below `message` whose type is unknown;
// with `dry_run`, only says whether there is one.
bool ClearUnknownAnys(pb::Message* message, bool dry_run) {
  const pb::Reflection* reflection = message->GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  bool found = false;
  for (const pb::FieldDescriptor* field : fields) {
    if (field->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    bool is_any = field->message_type()->full_name() == "google.protobuf.Any";
    if (field->is_repeated()) {
      int n = reflection->FieldSize(*message, field);
      if (is_any) {
        for (int i = 0; i < n; ++i) {
          if (!KnownAny(reflection->GetRepeatedMessage(*message, field, i))) found = true;
        }
        if (found && !dry_run) reflection->ClearField(message, field);
        continue;
      }
      for (int i = 0; i < n; ++i) {
        pb::Message* child = reflection->MutableRepeatedMessage(message, field, i);
        found = ClearUnknownAnys(child, dry_run) || found;
      }
    } else if (is_any) {
      if (!KnownAny(reflection->GetMessage(*message, field))) {
        found = true;
        if (!dry_run) reflection->ClearField(message, field);
      }
    } else {
      found = ClearUnknownAnys(reflection->MutableMessage(message, field), dry_run) || found;
    }
  }
  return found;
}

}  // namespace

std::string ToJson(const pb::Message& message, bool pretty) {
  pb::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  std::unique_ptr<pb::Message> copy(message.New());
  copy->CopyFrom(message);
  const pb::Message* printable = &message;
  if (ClearUnknownAnys(copy.get(), /*dry_run=*/true)) {
    ClearUnknownAnys(copy.get(), /*dry_run=*/false);
    printable = copy.get();
  }
  std::string out;
  if (!pb::util::MessageToJsonString(*printable, &out, options).ok()) out = "{}";
  if (pretty && (out.empty() || out.back() != '\n')) out += "\n";
  return out;
}

// ------------------------------------------------------------- text values

namespace {

absl::Time ToTime(const pb::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

bool IsSet(const pb::Timestamp& t) { return t.seconds() != 0 || t.nanos() != 0; }
bool IsSet(const common::Date& d) { return d.year() != 0; }

}  // namespace

std::string FormatTimestamp(const pb::Timestamp& t) {
  if (!IsSet(t)) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", ToTime(t), absl::UTCTimeZone());
}

std::string FormatLocalTime(const pb::Timestamp& t, const std::string& time_zone) {
  if (!IsSet(t)) return "";
  absl::TimeZone zone = absl::UTCTimeZone();
  if (!time_zone.empty()) absl::LoadTimeZone(time_zone, &zone);
  return absl::FormatTime("%Y-%m-%d %H:%M", ToTime(t), zone);
}

std::string FormatDate(const common::Date& date) {
  if (!IsSet(date)) return "";
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
}

std::string FormatBytes(int64_t bytes) {
  if (bytes < 1024) return absl::StrCat(bytes, " B");
  double v = static_cast<double>(bytes);
  if (bytes < (int64_t{1} << 20)) return absl::StrFormat("%.1f KiB", v / 1024);
  if (bytes < (int64_t{1} << 30)) return absl::StrFormat("%.1f MiB", v / (1 << 20));
  return absl::StrFormat("%.2f GiB", v / (1 << 30));
}

std::string EnumText(const pb::EnumDescriptor* descriptor, int value) {
  const pb::EnumValueDescriptor* v = descriptor->FindValueByNumber(value);
  if (v == nullptr) return absl::StrCat(value);
  if (value == 0 && absl::EndsWith(v->name(), "UNSPECIFIED")) return "";
  std::string text = absl::AsciiStrToLower(v->name());
  std::replace(text.begin(), text.end(), '_', '-');
  return text;
}

std::string EnumChoices(const pb::EnumDescriptor* descriptor) {
  std::vector<std::string> names;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    std::string text = EnumText(descriptor, descriptor->value(i)->number());
    if (!text.empty()) names.push_back(text);
  }
  return absl::StrJoin(names, "|");
}

bool ParseTimestamp(const std::string& text, pb::Timestamp* out, std::string* error) {
  absl::Time t;
  std::string why;
  if (text.size() < 20 || !absl::ParseTime(absl::RFC3339_full, text, &t, &why)) {
    *error =
        absl::StrCat("\"", text, "\" is not an RFC 3339 time with a zone (e.g. 2026-03-10T09:00:00+01:00)");
    return false;
  }
  out->set_seconds(absl::ToUnixSeconds(t));
  out->set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(out->seconds())) / absl::Nanoseconds(1)));
  return true;
}

bool ParseDate(const std::string& text, common::Date* out, std::string* error) {
  absl::CivilDay day;
  common::Date date;
  if (text.size() == 10 && absl::ParseCivilTime(text, &day)) {
    date.set_year(static_cast<int32_t>(day.year()));
    date.set_month(day.month());
    date.set_day(day.day());
  }
  // The round trip rejects days that do not exist ("2026-02-30").
  if (FormatDate(date) != text) {
    *error = absl::StrCat("\"", text, "\" is not a date YYYY-MM-DD");
    return false;
  }
  *out = date;
  return true;
}

bool ParseDuration(const std::string& text, absl::Duration* out, std::string* error) {
  auto fail = [&] {
    *error = absl::StrCat("\"", text, "\" is not a duration like 30d, 12h, 90m, 2w or 1d12h");
    return false;
  };
  if (text.empty()) return fail();
  absl::Duration total = absl::ZeroDuration();
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start || i == text.size() || i - start > 9) return fail();
    int64_t n = std::stoll(text.substr(start, i - start));
    switch (text[i]) {
      case 'w':
        total += absl::Hours(24 * 7) * n;
        break;
      case 'd':
        total += absl::Hours(24) * n;
        break;
      case 'h':
        total += absl::Hours(n);
        break;
      case 'm':
        total += absl::Minutes(n);
        break;
      case 's':
        total += absl::Seconds(n);
        break;
      default:
        return fail();
    }
    ++i;
  }
  if (total <= absl::ZeroDuration()) return fail();
  *out = total;
  return true;
}

bool ParseEnum(const pb::EnumDescriptor* descriptor, const std::string& text, int* out, std::string* error) {
  std::string name = absl::AsciiStrToUpper(text);
  std::replace(name.begin(), name.end(), '-', '_');
  const pb::EnumValueDescriptor* v = descriptor->FindValueByName(name);
  if (v == nullptr || EnumText(descriptor, v->number()).empty()) {
    *error = absl::StrCat("\"", text, "\" is not one of ", EnumChoices(descriptor));
    return false;
  }
  *out = v->number();
  return true;
}

// ------------------------------------------------------------ message forms

namespace {

template <typename E, typename Repeated>
std::vector<std::string> EnumTexts(const Repeated& values) {
  std::vector<std::string> out;
  for (int v : values) out.push_back(EnumText(static_cast<E>(v)));
  return out;
}

std::vector<std::string> Shorts(const pb::RepeatedPtrField<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& n : names) out.push_back(ShortName(n));
  return out;
}

std::vector<std::string> All(const pb::RepeatedPtrField<std::string>& values) {
  return std::vector<std::string>(values.begin(), values.end());
}

// "2026-03-10T09:00:00Z by apiKeys/k1" (without " by" when nobody is named).
std::string WhenBy(const google::protobuf::Timestamp& time, const std::string& who) {
  return absl::StrCat(FormatTimestamp(time), who.empty() ? "" : " by ", who);
}

// "processes/p/memberships/m" → "p".
std::string ProcessOf(const std::string& name) {
  if (!absl::StartsWith(name, "processes/")) return "";
  std::string rest = name.substr(10);
  return rest.substr(0, rest.find('/'));
}

std::string MeetingWhen(const events::Meeting& m, bool start) {
  if (m.all_day()) return FormatDate(start ? m.start_date() : m.end_date());
  return FormatLocalTime(start ? m.start_time() : m.end_time(), m.time_zone());
}

}  // namespace

Table ProcessTable(const std::vector<registry::Process>& processes) {
  Table t({"id", "acronym", "region", "established", "chairs", "name"});
  for (const auto& p : processes) {
    t.AddRow({ShortName(p.name()), p.acronym(), p.region(),
              p.established_year() ? absl::StrCat(p.established_year()) : "",
              absl::StrJoin(Shorts(p.current_chairs()), ","), p.display_name()});
  }
  return t;
}

Details ProcessDetails(const registry::Process& p) {
  Details d;
  d.Add("Name", p.name());
  d.Add("Display name", p.display_name());
  d.Add("Acronym", p.acronym());
  d.Add("Region", p.region());
  d.Add("Established", p.established_year() ? absl::StrCat(p.established_year()) : "");
  d.Add("Thematic focus", All(p.thematic_focus()));
  d.Add("Secretariat host", p.secretariat_host());
  d.Add("Current chairs", All(p.current_chairs()));
  d.Add("Created", FormatTimestamp(p.create_time()));
  d.Add("Updated", FormatTimestamp(p.update_time()));
  d.Add("Etag", p.etag());
  return d;
}

Table PartyTable(const std::vector<registry::Party>& parties) {
  Table t({"code", "type", "name"});
  for (const auto& p : parties) t.AddRow({ShortName(p.name()), EnumText(p.type()), p.display_name()});
  return t;
}

Table MembershipTable(const std::vector<registry::Membership>& memberships) {
  Table t({"process", "party", "role", "from", "until", "name"});
  for (const auto& m : memberships) {
    t.AddRow({ProcessOf(m.name()), ShortName(m.party()), EnumText(m.role()), FormatDate(m.start_date()),
              FormatDate(m.end_date()), m.name()});
  }
  return t;
}

Table MeetingTable(const std::vector<events::Meeting>& meetings) {
  Table t({"name", "status", "kind", "start", "end", "time zone", "title"});
  for (const auto& m : meetings) {
    t.AddRow({m.name(), EnumText(m.status()), EnumText(m.kind()), MeetingWhen(m, true), MeetingWhen(m, false),
              m.time_zone(), m.title()});
  }
  return t;
}

Details MeetingDetails(const events::Meeting& m) {
  Details d;
  d.Add("Name", m.name());
  d.Add("Title", m.title());
  d.Add("Status", EnumText(m.status()));
  d.Add("Kind", EnumText(m.kind()));
  d.Add("Processes", All(m.processes()));
  if (m.all_day()) {
    d.Add("Dates", absl::StrCat(FormatDate(m.start_date()), " .. ", FormatDate(m.end_date()), " (all day)"));
  } else if (m.dates_to_be_announced()) {
    d.Add("Dates", "to be announced");
  } else {
    d.Add("Start", absl::StrCat(FormatLocalTime(m.start_time(), m.time_zone()), "  (",
                                FormatTimestamp(m.start_time()), ")"));
    d.Add("End", absl::StrCat(FormatLocalTime(m.end_time(), m.time_zone()), "  (",
                              FormatTimestamp(m.end_time()), ")"));
  }
  d.Add("Time zone", m.time_zone());
  std::vector<std::string> venue;
  for (const std::string* part : {&m.venue().name(), &m.venue().city(), &m.venue().country()}) {
    if (!part->empty()) venue.push_back(*part);
  }
  d.Add("Venue", venue);
  d.Add("Host", m.venue().host_party());
  d.Add("Chair", m.chair_party());
  d.Add("Visibility", EnumText(m.visibility()));
  d.Add("Restricted to", All(m.restricted_parties()));
  d.Add("Invited", All(m.invited_parties()));
  std::vector<std::string> agenda;
  for (const auto& item : m.agenda_items()) agenda.push_back(item.title());
  d.Add("Agenda", absl::StrJoin(agenda, "\n"));
  d.Add("Documents", absl::StrJoin(m.documents(), "\n"));
  d.Add("Cancel reason", m.cancel_reason());
  d.Add("Description", m.description());
  d.Add("Sequence", absl::StrCat(m.sequence()));
  d.Add("Created", WhenBy(m.create_time(), m.creator()));
  d.Add("Updated", WhenBy(m.update_time(), m.updater()));
  d.Add("Etag", m.etag());
  return d;
}

Table DocumentTable(const std::vector<documents::Document>& docs) {
  Table t({"name", "symbol", "kind", "languages", "title"});
  for (const auto& doc : docs) {
    std::vector<std::string> languages;
    for (const auto& l : doc.languages()) languages.push_back(l.language());
    t.AddRow({doc.name(), doc.symbol(), EnumText(doc.kind()), absl::StrJoin(languages, ","), doc.title()});
  }
  return t;
}

Details DocumentDetails(const documents::Document& doc) {
  Details d;
  d.Add("Name", doc.name());
  d.Add("Symbol", doc.symbol());
  d.Add("Title", doc.title());
  d.Add("Kind", EnumText(doc.kind()));
  d.Add("Meeting", doc.meeting());
  d.Add("Visibility", EnumText(doc.visibility()));
  d.Add("Restricted to", All(doc.restricted_parties()));
  d.Add("Tags", All(doc.tags()));
  d.Add("Original", doc.original());
  d.Add("Created", WhenBy(doc.create_time(), doc.creator()));
  d.Add("Updated", WhenBy(doc.update_time(), doc.updater()));
  d.Add("Etag", doc.etag());
  return d;
}

Table LanguageTable(const documents::Document& doc) {
  Table t({"language", "version", "versions", "size", "media type", "sha256", "uploaded"});
  for (const auto& l : doc.languages()) {
    const auto& v = l.latest();
    t.AddRow({l.language(), absl::StrCat(v.version()), absl::StrCat(l.version_count()),
              FormatBytes(v.size_bytes()), v.media_type(), v.sha256(), FormatTimestamp(v.create_time())});
  }
  return t;
}

Details ContentVersionDetails(const documents::ContentVersion& v) {
  Details d;
  d.Add("Name", v.name());
  d.Add("Language", v.language());
  d.Add("Version", absl::StrCat(v.version()));
  d.Add("Media type", v.media_type());
  d.Add("Size", absl::StrCat(v.size_bytes(), " bytes (", FormatBytes(v.size_bytes()), ")"));
  d.Add("SHA-256", v.sha256());
  d.Add("Uploader", v.uploader());
  d.Add("Created", FormatTimestamp(v.create_time()));
  return d;
}

Table ApiKeyTable(const std::vector<registry::ApiKey>& keys) {
  Table t({"name", "party", "roles", "processes", "admin", "expires", "revoked", "display name"});
  for (const auto& k : keys) {
    t.AddRow({k.name(), ShortName(k.party()), absl::StrJoin(EnumTexts<registry::Role>(k.roles()), ","),
              absl::StrJoin(Shorts(k.processes()), ","), k.admin() ? "yes" : "",
              FormatTimestamp(k.expire_time()), FormatTimestamp(k.revoke_time()), k.display_name()});
  }
  return t;
}

Details ApiKeyDetails(const registry::ApiKey& k) {
  Details d;
  d.Add("Name", k.name());
  d.Add("Party", k.party());
  d.Add("Display name", k.display_name());
  d.Add("Processes", All(k.processes()));
  d.Add("Roles", EnumTexts<registry::Role>(k.roles()));
  d.Add("Admin", k.admin() ? "yes" : "");
  d.Add("Expires", FormatTimestamp(k.expire_time()));
  d.Add("Revoked", FormatTimestamp(k.revoke_time()));
  d.Add("Created", WhenBy(k.create_time(), k.creator()));
  return d;
}

Details PrincipalDetails(const registry::Principal& p) {
  Details d;
  d.Add("API key", p.api_key());
  d.Add("Party", p.party());
  d.Add("Admin", p.admin() ? "yes" : "no");
  // The key's limits bind every right shown below.
  d.Add("Processes", All(p.process_limit()));
  d.Add("Roles", EnumTexts<registry::Role>(p.role_limit()));
  d.Add("Valid until", FormatTimestamp(p.valid_until()));
  return d;
}

Table RightsTable(const registry::Principal& p) {
  Table t({"process", "roles", "chair"});
  for (const auto& r : p.rights()) {
    t.AddRow({ShortName(r.process()), absl::StrJoin(EnumTexts<registry::Role>(r.roles()), ","),
              r.chair() ? "yes" : ""});
  }
  return t;
}

Table ServerKeyTable(const rcp::federation::v1::ServerKeys& keys) {
  Table t({"key", "state", "created", "stopped signing", "vouched for by"});
  for (int i = 0; i < keys.keys_size(); ++i) {
    const auto& k = keys.keys(i);
    std::string state = k.revoked() ? "revoked" : i == 0 ? "current" : "retired";
    t.AddRow({k.key_id(), state, FormatTimestamp(k.create_time()), FormatTimestamp(k.expire_time()),
              k.predecessor_key_id()});
  }
  return t;
}

std::string ShareRuleText(const rcp::registry::v1::ShareRule& rule) {
  std::string process = rule.process() == "processes/-" ? "*" : rule.process().substr(rule.process().rfind('/') + 1);
  std::string out = absl::StrCat(process, "=", EnumText(rule.max_visibility()));
  if (!rule.kinds().empty()) absl::StrAppend(&out, ":", absl::StrJoin(rule.kinds(), ","));
  return out;
}

namespace {
std::string PeerState(const rcp::registry::v1::FederationPeer& peer, const rcp::federation::v1::PeerStatus* status) {
  if (!peer.enabled()) return "disabled";
  if (peer.send_only()) return "send only";
  if (status == nullptr) return "not pulled yet";
  if (!status->last_error().empty()) return "stalled";
  return status->connected() ? "connected" : "disconnected";
}
}  // namespace

Table PeerTable(const std::vector<rcp::registry::v1::FederationPeer>& peers,
                const std::vector<rcp::federation::v1::PeerStatus>& statuses) {
  Table t({"peer", "address", "state", "home of", "shared with it", "lag", "last error"});
  for (const auto& p : peers) {
    const rcp::federation::v1::PeerStatus* status = nullptr;
    for (const auto& s : statuses) {
      if (s.peer() == p.name()) status = &s;
    }
    std::vector<std::string> homes, rules;
    for (const auto& h : p.home_processes()) homes.push_back(h.substr(h.rfind('/') + 1));
    for (const auto& r : p.share_rules()) rules.push_back(ShareRuleText(r));
    t.AddRow({p.name().substr(p.name().find('/') + 1), p.address(), PeerState(p, status), absl::StrJoin(homes, ","),
              absl::StrJoin(rules, " "), status == nullptr ? "" : absl::StrCat(status->lag_revisions(), " rev"),
              status == nullptr ? "" : status->last_error().substr(0, 80)});
  }
  return t;
}

Details PeerDetails(const rcp::registry::v1::FederationPeer& peer, const rcp::federation::v1::PeerStatus& status) {
  Details d;
  d.Add("Peer", peer.name());
  d.Add("Display name", peer.display_name());
  d.Add("Address", peer.address());
  d.Add("State", PeerState(peer, status.peer().empty() ? nullptr : &status));
  d.Add("Home of", std::vector<std::string>(peer.home_processes().begin(), peer.home_processes().end()));
  d.Add("Relays", std::vector<std::string>(peer.relay_processes().begin(), peer.relay_processes().end()));
  std::vector<std::string> rules;
  for (const auto& r : peer.share_rules()) rules.push_back(ShareRuleText(r));
  d.Add("Shared with it", rules.empty() ? std::vector<std::string>{"nothing"} : rules);
  d.Add("Certificate", peer.credential_fingerprint());
  std::vector<std::string> pinned;
  for (const auto& k : peer.pinned_keys()) pinned.push_back(k.key_id());
  d.Add("Pinned keys", pinned);
  if (!status.peer().empty()) {
    d.Add("Pulled by", absl::StrCat(status.lease_holder(), " until ", FormatTimestamp(status.lease_expire_time())));
    d.Add("Lag", absl::StrCat(status.lag_revisions(), " revisions"));
    d.Add("Applied", absl::StrCat(status.applied_entries(), " entries, last at ",
                                  FormatTimestamp(status.last_applied_time())));
    d.Add("Rejected", absl::StrCat(status.rejected_envelopes(), " envelopes"));
    d.Add("Last error", status.last_error());
    d.Add("Last error at", FormatTimestamp(status.last_error_time()));
  }
  return d;
}

Table OriginTable(const rcp::federation::v1::PeerStatus& status) {
  Table t({"origin", "registry", "events", "documents", "head time", "lag"});
  for (const auto& o : status.origins()) {
    std::map<std::string, uint64_t> at;
    for (const auto& p : o.head_positions()) at[p.store()] = p.revision();
    t.AddRow({o.origin(), absl::StrCat(at["registry"]), absl::StrCat(at["events"]), absl::StrCat(at["documents"]),
              FormatTimestamp(o.head_time()), absl::StrFormat("%.1f s", o.lag_seconds())});
  }
  return t;
}

std::string EventLine(const rcp::gateway::v1::Event& event) {
  const common::Change& c = event.change();
  std::string operation = EnumText(c.operation());
  return absl::StrFormat("%-20s  %-9s  %-11s  %-7s  %s  %s", FormatTimestamp(c.time()), event.service(),
                         c.kind(), operation.empty() ? "-" : operation, c.name(),
                         c.principal().empty() ? "-" : c.principal());
}

// ---------------------------------------------------------------- progress

ProgressBar::ProgressBar(std::ostream* out, bool enabled, std::string label)
    : out_(out), enabled_(enabled && out != nullptr), label_(std::move(label)) {
  start_ = std::chrono::steady_clock::now();
}

ProgressBar::~ProgressBar() {
  if (drawn_) Finish();
}

std::string ProgressBar::Render(const std::string& label, int64_t done, int64_t total,
                                double bytes_per_second) {
  constexpr int kWidth = 24;
  double fraction = total > 0 ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total)) : 1.0;
  int filled = static_cast<int>(fraction * kWidth);
  std::string bar = std::string(filled, '#') + std::string(kWidth - filled, '.');
  std::string line = absl::StrFormat("%-8s [%s] %3d%%  %s / %s", label, bar, static_cast<int>(fraction * 100),
                                     FormatBytes(done), FormatBytes(total));
  if (bytes_per_second > 0)
    absl::StrAppend(&line, "  ", FormatBytes(static_cast<int64_t>(bytes_per_second)), "/s");
  return line;
}

void ProgressBar::Update(int64_t done, int64_t total) {
  if (first_ < 0) first_ = done;  // a resumed transfer starts part-way
  done_ = done;
  total_ = total;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100) && done < total) return;
  last_draw_ = now;
  double seconds = std::chrono::duration<double>(now - start_).count();
  double rate = seconds > 0.2 ? static_cast<double>(done - first_) / seconds : 0;
  *out_ << "\r" << Render(label_, done, total, rate) << "\x1b[K" << std::flush;
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (!enabled_ || !drawn_) return;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = seconds > 0 ? static_cast<double>(done_ - std::max<int64_t>(first_, 0)) / seconds : 0;
  *out_ << "\r" << Render(label_, done_, total_, rate) << "\x1b[K\n" << std::flush;
  drawn_ = false;
  enabled_ = false;
}

}  // namespace rcp::rcpctl
