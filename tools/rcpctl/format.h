// What rcpctl prints and parses: aligned tables and "label: value" details
// for people, JSON (protobuf's canonical mapping) for scripts, the text form
// of times, dates, sizes and enums, and a progress bar for transfers.
#ifndef RCP_TOOLS_RCPCTL_FORMAT_H_
#define RCP_TOOLS_RCPCTL_FORMAT_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "rcp/common/v1/common.pb.h"
#include "rcp/documents/v1/documents.pb.h"
#include "rcp/events/v1/events.pb.h"
#include "rcp/federation/v1/federation.pb.h"
#include "rcp/gateway/v1/gateway.pb.h"
#include "rcp/registry/v1/registry.pb.h"

namespace rcp::rcpctl {

// ------------------------------------------------------------------ output

// Columns padded to their widest cell (counted in code points, so accented
// names line up), two spaces apart, headers in upper case. Empty cells print
// as "-".
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void AddRow(std::vector<std::string> cells);
  size_t size() const { return rows_.size(); }
  void Print(std::ostream& out) const;
  std::string ToString() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "Label:  value" lines with the values aligned; empty values are skipped.
class Details {
 public:
  void Add(const std::string& label, const std::string& value);
  void Add(const std::string& label, const std::vector<std::string>& values);  // comma-separated
  void Print(std::ostream& out) const;
  std::string ToString() const;

 private:
  std::vector<std::pair<std::string, std::string>> lines_;
};

// protobuf's JSON mapping (google::protobuf::util::MessageToJsonString).
// `pretty`: indented; otherwise one line. Any-packed values of types rcpctl
// does not know are printed without their value rather than failing.
std::string ToJson(const google::protobuf::Message& message, bool pretty = true);

// Number of code points of UTF-8 text.
size_t DisplayWidth(const std::string& text);

// "2026-03-10T09:00:00Z" (UTC, seconds); "" when unset.
std::string FormatTimestamp(const google::protobuf::Timestamp& t);
// "2026-03-10 09:00" in the IANA zone (UTC if unknown); "" when unset.
std::string FormatLocalTime(const google::protobuf::Timestamp& t, const std::string& time_zone);
// "2005-04-14"; "" when unset.
std::string FormatDate(const rcp::common::v1::Date& date);
// "512 B", "1.5 KiB", "3.0 MiB", "2.00 GiB".
std::string FormatBytes(int64_t bytes);
// An enum value as rcpctl shows and accepts it: SENIOR_OFFICIALS_MEETING →
// "senior-officials-meeting"; UNSPECIFIED → "".
std::string EnumText(const google::protobuf::EnumDescriptor* descriptor, int value);
template <typename E>
std::string EnumText(E value) {
  return EnumText(google::protobuf::GetEnumDescriptor<E>(), static_cast<int>(value));
}
// "planned|confirmed|…" (every value but UNSPECIFIED).
std::string EnumChoices(const google::protobuf::EnumDescriptor* descriptor);

// Human forms of the messages rcpctl shows.
Table ProcessTable(const std::vector<rcp::registry::v1::Process>& processes);
Details ProcessDetails(const rcp::registry::v1::Process& process);
Table PartyTable(const std::vector<rcp::registry::v1::Party>& parties);
Table MembershipTable(const std::vector<rcp::registry::v1::Membership>& memberships);
Table MeetingTable(const std::vector<rcp::events::v1::Meeting>& meetings);
Details MeetingDetails(const rcp::events::v1::Meeting& meeting);
Table DocumentTable(const std::vector<rcp::documents::v1::Document>& documents);
Details DocumentDetails(const rcp::documents::v1::Document& document);
Table LanguageTable(const rcp::documents::v1::Document& document);
Details ContentVersionDetails(const rcp::documents::v1::ContentVersion& version);
Table ApiKeyTable(const std::vector<rcp::registry::v1::ApiKey>& keys);
Details ApiKeyDetails(const rcp::registry::v1::ApiKey& key);
Details PrincipalDetails(const rcp::registry::v1::Principal& principal);
Table RightsTable(const rcp::registry::v1::Principal& principal);
// A deployment's signing keys: current first, then retired ones.
Table ServerKeyTable(const rcp::federation::v1::ServerKeys& keys);
// Federation peers, each with how replication from it stands (statuses of
// peers never pulled are absent).
Table PeerTable(const std::vector<rcp::registry::v1::FederationPeer>& peers,
                const std::vector<rcp::federation::v1::PeerStatus>& statuses);
Details PeerDetails(const rcp::registry::v1::FederationPeer& peer, const rcp::federation::v1::PeerStatus& status);
// "colombo-process=members:meeting,document", as rcpctl peer --share takes it.
std::string ShareRuleText(const rcp::registry::v1::ShareRule& rule);
// Per origin a peer gives: its newest head and how old it is.
Table OriginTable(const rcp::federation::v1::PeerStatus& status);
// One line per event: time, service, kind, operation, name, principal, in
// fixed-width columns (a stream cannot be aligned after the fact).
std::string EventLine(const rcp::gateway::v1::Event& event);

// ------------------------------------------------------------------- input
// Each returns false and sets *error (a sentence naming what is expected)
// when the text does not parse.

// RFC 3339 with a zone: "2026-03-10T09:00:00+01:00", "2026-03-10T08:00:00Z".
bool ParseTimestamp(const std::string& text, google::protobuf::Timestamp* out, std::string* error);
// "2026-03-10".
bool ParseDate(const std::string& text, rcp::common::v1::Date* out, std::string* error);
// A positive duration of whole units: "30d", "12h", "90m", "45s", "2w",
// combined as "1d12h".
bool ParseDuration(const std::string& text, absl::Duration* out, std::string* error);
// Case-insensitive, '-' or '_': "senior-officials-meeting",
// "SENIOR_OFFICIALS_MEETING". UNSPECIFIED is rejected.
bool ParseEnum(const google::protobuf::EnumDescriptor* descriptor, const std::string& text, int* out,
               std::string* error);
template <typename E>
bool ParseEnum(const std::string& text, E* out, std::string* error) {
  int value = 0;
  if (!ParseEnum(google::protobuf::GetEnumDescriptor<E>(), text, &value, error)) return false;
  *out = static_cast<E>(value);
  return true;
}

// ---------------------------------------------------------------- progress

// A one-line progress bar redrawn in place ("\r") on a terminal:
//   upload  [#########...........]  45%  13.5 MiB / 30.0 MiB  4.2 MiB/s
// Disabled (prints nothing) when `enabled` is false — rcpctl enables it only
// when stderr is a terminal. Redraws at most ten times a second.
class ProgressBar {
 public:
  ProgressBar(std::ostream* out, bool enabled, std::string label);
  ~ProgressBar();
  void Update(int64_t done, int64_t total);
  // Draws the final state and ends the line (once).
  void Finish();
  // The line as it would be drawn (for tests).
  static std::string Render(const std::string& label, int64_t done, int64_t total, double bytes_per_second);

 private:
  std::ostream* out_;
  bool enabled_;
  std::string label_;
  int64_t done_ = 0;
  int64_t total_ = 0;
  int64_t first_ = -1;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace rcp::rcpctl

#endif  // RCP_TOOLS_RCPCTL_FORMAT_H_
