#include "common/resource/resource.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/field_mask_util.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/crypto/crypto.h"
#include "common/iso3166/iso3166.h"
#include "common/iso639/iso639.h"
#include "common/status/status.h"

namespace rcp::resource {
namespace {

std::string DeterministicBytes(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  m.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

}  // namespace

bool IsSlug(absl::string_view s, size_t min_len, size_t max_len) {
  if (s.size() < min_len || s.size() > max_len) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
    if (c == '-' && (i == 0 || i + 1 == s.size() || s[i - 1] == '-')) return false;
  }
  return true;
}

absl::Status ValidateSlug(absl::string_view field, absl::string_view value, size_t min_len, size_t max_len) {
  if (IsSlug(value, min_len, max_len)) return absl::OkStatus();
  return InvalidField(field, absl::StrCat("must be ", min_len, " to ", max_len,
                                          " characters of a-z, 0-9 and single inner hyphens; got '",
                                          value.substr(0, 80), "'"));
}

absl::StatusOr<std::vector<std::string>> ParseName(absl::string_view field, absl::string_view name,
                                                   absl::string_view pattern) {
  std::vector<absl::string_view> want = absl::StrSplit(pattern, '/');
  std::vector<absl::string_view> got = absl::StrSplit(name, '/');
  auto fail = [&] {
    std::string shape;
    int i = 0;
    for (auto part : want) {
      if (!shape.empty()) shape += "/";
      shape += part == "*" ? absl::StrCat("{id", ++i, "}") : std::string(part);
    }
    return InvalidField(field, absl::StrCat("must be a resource name of the form ", shape, "; got '",
                                            name.substr(0, 200), "'"));
  };
  if (name.empty()) return InvalidField(field, "is required");
  if (want.size() != got.size()) return fail();
  std::vector<std::string> ids;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] == "*") {
      if (got[i].empty() || got[i].size() > 100) return fail();
      ids.emplace_back(got[i]);
    } else if (want[i] != got[i]) {
      return fail();
    }
  }
  return ids;
}

absl::StatusOr<std::string> ProcessId(absl::string_view field, absl::string_view name) {
  RCP_ASSIGN_OR_RETURN(auto ids, ParseName(field, name, "processes/*"));
  RCP_RETURN_IF_ERROR(ValidateSlug(field, ids[0]));
  return ids[0];
}

bool IsStateId(absl::string_view id) { return id.size() == 3 && absl::AsciiStrToUpper(id) == id; }

absl::Status ValidateCountry(absl::string_view field, absl::string_view code) {
  if (iso3166::CountryName(code) == nullptr) {
    return InvalidField(field,
                        absl::StrCat("'", code.substr(0, 80), "' is not an ISO 3166-1 alpha-3 country code"));
  }
  return absl::OkStatus();
}

absl::Status ValidatePartyId(absl::string_view field, absl::string_view id) {
  if (IsStateId(id)) return ValidateCountry(field, id);
  if (IsSlug(id, 2, 63)) return absl::OkStatus();
  if (size_t at = id.find('@'); at != absl::string_view::npos && IsSlug(id.substr(0, at), 2, 63) &&
                                ValidateDeploymentId(field, id.substr(at + 1)).ok()) {
    return absl::OkStatus();
  }
  return InvalidField(field, absl::StrCat("must be an ISO 3166-1 alpha-3 code (e.g. IDN) for a "
                                          "state or a lowercase slug (e.g. iom) for an "
                                          "organization; got '",
                                          id.substr(0, 80), "'"));
}

bool IsForeignOrganization(absl::string_view id) { return id.find('@') != absl::string_view::npos; }

std::string ForeignOrganization(absl::string_view party_name, absl::string_view origin) {
  return absl::StrCat(party_name, "@", origin);
}

absl::StatusOr<std::string> PartyId(absl::string_view field, absl::string_view name) {
  RCP_ASSIGN_OR_RETURN(auto ids, ParseName(field, name, "parties/*"));
  RCP_RETURN_IF_ERROR(ValidatePartyId(field, ids[0]));
  return ids[0];
}

absl::StatusOr<std::string> NormalizeLanguageTag(absl::string_view field, absl::string_view tag) {
  auto fail = [&] {
    return InvalidField(field, absl::StrCat("'", tag.substr(0, 40),
                                            "' is not a BCP 47 language tag such as en, fr, es, "
                                            "ar, ru, zh-Hans or pt-BR"));
  };
  if (tag.empty() || tag.size() > 35) return fail();
  std::vector<std::string> parts = absl::StrSplit(absl::AsciiStrToLower(tag), '-');
  auto alpha = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  };
  auto digits = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  auto alnum = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
  };
  if ((parts[0].size() != 2 && parts[0].size() != 3) || !alpha(parts[0]) || !iso639::IsLanguage(parts[0])) {
    return fail();
  }
  std::string out = parts[0];
  size_t i = 1;
  if (i < parts.size() && parts[i].size() == 4 && alpha(parts[i])) {  // script
    parts[i][0] = static_cast<char>(std::toupper(parts[i][0]));
    absl::StrAppend(&out, "-", parts[i++]);
  }
  if (i < parts.size() &&
      ((parts[i].size() == 2 && alpha(parts[i])) || (parts[i].size() == 3 && digits(parts[i])))) {  // region
    absl::StrAppend(&out, "-", absl::AsciiStrToUpper(parts[i++]));
  }
  for (; i < parts.size(); ++i) {  // variants
    const std::string& v = parts[i];
    bool ok = alnum(v) && ((v.size() >= 5 && v.size() <= 8) || (v.size() == 4 && std::isdigit(v[0])));
    if (!ok) return fail();
    absl::StrAppend(&out, "-", v);
  }
  return out;
}

size_t CodePoints(absl::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

absl::Status ValidateText(absl::string_view field, absl::string_view value, size_t min, size_t max,
                          bool multiline) {
  size_t n = CodePoints(value);
  if (n < min) {
    return InvalidField(field,
                        min == 1 ? "is required" : absl::StrCat("must be at least ", min, " characters"));
  }
  if (n > max) {
    return InvalidField(field, absl::StrCat("must be at most ", max, " characters; got ", n));
  }
  for (unsigned char c : value) {
    if (c < 0x20 && !(multiline && (c == '\n' || c == '\t' || c == '\r'))) {
      return InvalidField(field, "must not contain control characters");
    }
    if (c == 0x7f) return InvalidField(field, "must not contain control characters");
  }
  return absl::OkStatus();
}

std::string ComputeEtag(const google::protobuf::Message& message) {
  std::unique_ptr<google::protobuf::Message> copy(message.New());
  copy->CopyFrom(message);
  const auto* field = copy->GetDescriptor()->FindFieldByName("etag");
  if (field != nullptr) copy->GetReflection()->ClearField(copy.get(), field);
  return crypto::Sha256Hex(DeterministicBytes(*copy)).substr(0, 20);
}

absl::StatusOr<int> ResolvePageSize(int32_t page_size, int default_size, int max_size) {
  if (page_size == 0) return default_size;
  if (page_size < 0 || page_size > max_size) {
    return InvalidField("page_size", absl::StrCat("must be between 0 and ", max_size, " (0 = default ",
                                                  default_size, "); got ", page_size));
  }
  return page_size;
}

std::string EncodePageToken(absl::string_view query_fingerprint, absl::string_view last_key) {
  std::string raw = absl::StrCat(query_fingerprint.substr(0, 16), last_key);
  std::string check = crypto::Sha256Hex(raw).substr(0, 8);
  return absl::WebSafeBase64Escape(absl::StrCat(check, raw));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token, absl::string_view query_fingerprint) {
  if (token.empty()) return std::string();
  std::string raw;
  if (token.size() > 4096 || !absl::WebSafeBase64Unescape(token, &raw) || raw.size() < 24 ||
      crypto::Sha256Hex(raw.substr(8)).substr(0, 8) != raw.substr(0, 8)) {
    return InvalidField("page_token", "is malformed; pass the next_page_token of a List response");
  }
  if (raw.substr(8, 16) != query_fingerprint.substr(0, 16)) {
    return InvalidField("page_token",
                        "belongs to a different query; keep the same filters and page through "
                        "with the tokens it returns");
  }
  return raw.substr(24);
}

absl::Status ValidateUpdateMask(const google::protobuf::FieldMask& mask,
                                std::initializer_list<absl::string_view> allowed) {
  if (mask.paths_size() == 0) {
    return InvalidField("update_mask",
                        absl::StrCat("must name at least one field among: ", absl::StrJoin(allowed, ", ")));
  }
  for (const auto& path : mask.paths()) {
    bool ok = false;
    for (auto a : allowed) ok = ok || a == path;
    if (!ok) {
      return InvalidField("update_mask",
                          absl::StrCat("path '", path.substr(0, 100),
                                       "' cannot be updated; allowed: ", absl::StrJoin(allowed, ", ")));
    }
  }
  return absl::OkStatus();
}

void ApplyUpdateMask(const google::protobuf::FieldMask& mask, const google::protobuf::Message& from,
                     google::protobuf::Message* to) {
  google::protobuf::util::FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(from, mask, options, to);
}

std::string Fingerprint(const google::protobuf::Message& request) {
  return crypto::Sha256Hex(DeterministicBytes(request)).substr(0, 32);
}

std::string EncodeSyncToken(absl::string_view service, uint64_t revision) {
  std::string raw = absl::StrCat("sync1:", service, ":", revision);
  return absl::WebSafeBase64Escape(absl::StrCat(raw, ":", crypto::Sha256Hex(raw).substr(0, 8)));
}

absl::StatusOr<uint64_t> DecodeSyncToken(absl::string_view token, absl::string_view service) {
  std::string raw;
  std::vector<std::string> parts;
  if (token.size() <= 200 && absl::WebSafeBase64Unescape(token, &raw)) {
    parts = absl::StrSplit(raw, ':');
  }
  uint64_t revision = 0;
  if (parts.size() != 4 || parts[0] != "sync1" || !absl::SimpleAtoi(parts[2], &revision) ||
      crypto::Sha256Hex(absl::StrCat(parts[0], ":", parts[1], ":", parts[2])).substr(0, 8) != parts[3]) {
    return InvalidField("sync_token",
                        "is malformed; pass the next_sync_token of an earlier sync, or none for a "
                        "full sync");
  }
  if (parts[1] != service) {
    return InvalidField("sync_token",
                        absl::StrCat("was issued by the ", parts[1], " service, not ", service));
  }
  return revision;
}

absl::Status ValidateDeploymentId(absl::string_view field, absl::string_view id) {
  bool ok =
      id.size() >= 3 && id.size() <= 100 && absl::ascii_isalnum(id.front()) && absl::ascii_isalnum(id.back());
  for (char c : id) ok = ok && (absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '.' || c == '-');
  if (!ok) {
    return InvalidField(
        field,
        "must be a deployment id: 3 to 100 characters of a-z, 0-9, '.' and '-', starting and ending "
        "with a letter or digit, e.g. bali-process.rcp");
  }
  return absl::OkStatus();
}

absl::Status NotFound(absl::string_view name) {
  return absl::NotFoundError(absl::StrCat(name, " not found"));
}

absl::Status StaleEtag(absl::string_view name) {
  return absl::AbortedError(
      absl::StrCat("etag: does not match the current etag of ", name,
                   "; it was changed since you read it. Get it again, re-apply your change, and retry"));
}

}  // namespace rcp::resource
