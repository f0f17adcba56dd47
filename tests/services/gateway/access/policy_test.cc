// The policy table itself: it names every public method and no internal
// one, its field paths exist in each method's request, and its decisions
// without I/O (CheckRequest, CheckStored, CheckResponse) hold for every
// role of tests/services/gateway/roles.h. The calls through a running
// gateway are gateway_policy_test's.
#include "services/gateway/access/policy.h"

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/testing/status_matchers.h"
#include "rcp/documents/v1/documents.pb.h"
#include "rcp/events/v1/events.pb.h"
#include "rcp/federation/v1/federation.pb.h"
#include "rcp/gateway/v1/gateway.pb.h"
#include "tests/services/gateway/roles.h"

namespace rcp::gateway::access {
namespace {

using ::rcp::testing::IsOk;
using ::rcp::testing::StatusIs;
using ::testing::HasSubstr;
using namespace ::rcp::gateway::testing;  // NOLINT: the roles' vocabulary
namespace reg = ::rcp::registry::v1;
namespace ev = ::rcp::events::v1;
using google::protobuf::FieldDescriptor;

const google::protobuf::MethodDescriptor* MethodOf(const std::string& full) {
  std::vector<std::string> parts = absl::StrSplit(full, '/', absl::SkipEmpty());
  return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
      absl::StrCat(parts[0], ".", parts[1]));
}

// The field at `path` in `type`, or nullptr.
const FieldDescriptor* FieldAt(const google::protobuf::Descriptor* type, absl::string_view path) {
  const FieldDescriptor* f = nullptr;
  for (absl::string_view segment : absl::StrSplit(path, '.')) {
    if (type == nullptr) return nullptr;
    f = type->FindFieldByName(std::string(segment));
    if (f == nullptr) return nullptr;
    type = f->message_type();
  }
  return f;
}

const std::set<std::string>& InternalMethods() {
  static const auto* m = new std::set<std::string>{
      "/rcp.registry.v1.Registry/Watch",         "/rcp.registry.v1.Registry/Authenticate",
      "/rcp.registry.v1.Registry/ResolveApiKey", "/rcp.registry.v1.Registry/GetKeyring",
      "/rcp.registry.v1.Registry/UpdateKeyring", "/rcp.events.v1.Events/Watch",
      "/rcp.documents.v1.Documents/Watch",       "/rcp.registry.v1.Registry/GetPeerState",
      "/rcp.registry.v1.Registry/UpdatePeerState", "/rcp.registry.v1.Registry/ListPeerStates",
      "/rcp.registry.v1.Registry/DeletePeerState", "/rcp.documents.v1.Documents/ListContentFetches",
      "/rcp.documents.v1.Documents/WriteFetchedContent", "/rcp.registry.v1.Registry/PutFederationHead",
      "/rcp.registry.v1.Registry/ListFederationHeads", "/rcp.registry.v1.Registry/CreateWebSession",
      "/rcp.registry.v1.Registry/AuthenticateWebSession", "/rcp.registry.v1.Registry/DeleteWebSession",
      "/rcp.registry.v1.Registry/DeleteWebSessions"};
  return *m;
}

std::vector<std::string> AllMethods() {
  // Link the generated descriptors in.
  reg::Process().GetDescriptor();
  ev::Meeting().GetDescriptor();
  rcp::documents::v1::Document().GetDescriptor();
  rcp::gateway::v1::SubscribeRequest().GetDescriptor();
  rcp::federation::v1::RotateKeyRequest().GetDescriptor();
  std::vector<std::string> out;
  for (const char* service :
       {"rcp.registry.v1.Registry", "rcp.events.v1.Events", "rcp.documents.v1.Documents",
        "rcp.gateway.v1.Gateway", "rcp.federation.v1.Federation", "rcp.federation.v1.FederationAdmin"}) {
    const auto* d = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
    EXPECT_NE(d, nullptr) << service;
    if (d == nullptr) continue;
    for (int i = 0; i < d->method_count(); ++i)
      out.push_back(absl::StrCat("/", service, "/", d->method(i)->name()));
  }
  return out;
}

TEST(MethodRules, EveryPublicMethodHasExactlyOneRuleAndInternalOnesNone) {
  std::vector<std::string> all = AllMethods();
  ASSERT_GT(all.size(), 50u);
  for (const auto& m : all) {
    if (InternalMethods().count(m)) {
      EXPECT_EQ(RuleFor(m), nullptr) << m << " is internal and must not be served by the gateway";
    } else {
      EXPECT_NE(RuleFor(m), nullptr) << m << " has no rule in the policy table";
    }
  }
  std::set<std::string> known(all.begin(), all.end());
  std::set<std::string> seen;
  for (const auto& r : MethodRules()) {
    EXPECT_TRUE(known.count(r.method)) << r.method << " is in the table but not in any proto";
    EXPECT_TRUE(seen.insert(r.method).second) << r.method << " is listed twice";
  }
  EXPECT_EQ(RuleFor("/rcp.events.v1.Events/NoSuchMethod"), nullptr);
  EXPECT_EQ(RuleFor(""), nullptr);
}

TEST(MethodRules, EveryFieldPathExistsInTheRequest) {
  for (const auto& r : MethodRules()) {
    const auto* method = MethodOf(r.method);
    ASSERT_NE(method, nullptr) << r.method;
    const auto* input = method->input_type();
    bool needs_field =
        r.target == Target::kRequest || r.target == Target::kStored || r.target == Target::kResponse;
    EXPECT_EQ(needs_field, *r.field != '\0') << r.method;
    if (*r.field != '\0') {
      const FieldDescriptor* f = FieldAt(input, r.field);
      ASSERT_NE(f, nullptr) << r.method << ": " << r.field;
      if (r.rule == Rule::kKeyIssuer) {
        EXPECT_EQ(f->message_type(), reg::ApiKey::descriptor()) << r.method;
      } else {
        EXPECT_EQ(f->type(), FieldDescriptor::TYPE_STRING) << r.method << ": " << r.field;
      }
    }
    for (const char* path : std::vector<const char*>(r.references.begin(), r.references.end())) {
      const FieldDescriptor* f = FieldAt(input, path);
      ASSERT_NE(f, nullptr) << r.method << ": " << path;
      EXPECT_EQ(f->type(), FieldDescriptor::TYPE_STRING) << r.method << ": " << path;
      EXPECT_EQ(r.effect, Effect::kWrite) << r.method << ": only writes have references";
    }
    if (*r.new_processes != '\0') {
      const FieldDescriptor* f = FieldAt(input, r.new_processes);
      ASSERT_NE(f, nullptr) << r.method;
      EXPECT_TRUE(f->is_repeated());
      EXPECT_NE(input->FindFieldByName("update_mask"), nullptr) << r.method;
    }
  }
}

TEST(MethodRules, WritesNeverHaveAReadRuleAndTheirEffectsAreWrites) {
  const std::vector<std::string> write_prefixes = {
      "Create", "Update", "Delete",      "Revoke",       "Confirm",      "Postpone", "Reschedule",
      "Cancel", "Mark",   "StartUpload", "UploadChunks", "CommitUpload", "Rotate"};
  for (const auto& r : MethodRules()) {
    std::string method = std::string(r.method).substr(std::string(r.method).rfind('/') + 1);
    bool write = false;
    for (const auto& prefix : write_prefixes) write = write || absl::StartsWith(method, prefix);
    EXPECT_EQ(write, r.effect == Effect::kWrite) << r.method;
    if (!write) continue;
    EXPECT_TRUE(r.rule == Rule::kAdmin || r.rule == Rule::kWriter || r.rule == Rule::kUploader ||
                r.rule == Rule::kOwnKeys || r.rule == Rule::kKeyIssuer)
        << r.method;
    EXPECT_TRUE(r.target != Target::kList && r.target != Target::kResponse) << r.method;
  }
  EXPECT_EQ(RuleFor("/rcp.registry.v1.Registry/CreateApiKey")->rule, Rule::kKeyIssuer);
  EXPECT_EQ(RuleFor("/rcp.registry.v1.Registry/CreateMembership")->rule, Rule::kAdmin);
  EXPECT_EQ(RuleFor("/rcp.events.v1.Events/PostponeMeeting")->rule, Rule::kWriter);
  EXPECT_EQ(RuleFor("/rcp.documents.v1.Documents/Download")->rule, Rule::kVisible);
  EXPECT_EQ(RuleFor("/rcp.gateway.v1.Gateway/Subscribe")->target, Target::kList);
}

TEST(FieldValues, ReadsStringsAndRepeatedStringsAlongAPath) {
  ev::CreateMeetingRequest req;
  req.mutable_meeting()->add_processes(kBali);
  req.mutable_meeting()->add_processes(kColombo);
  req.mutable_meeting()->mutable_venue()->set_host_party("parties/IDN");
  EXPECT_EQ(FieldValues(req, "meeting.processes"), (std::vector<std::string>{kBali, kColombo}));
  EXPECT_EQ(FieldValues(req, "meeting.venue.host_party"), std::vector<std::string>{"parties/IDN"});
  EXPECT_TRUE(FieldValues(req, "meeting.chair_party").empty());  // empty string: none
  EXPECT_TRUE(FieldValues(req, "meeting.no_such_field").empty());
  EXPECT_TRUE(FieldValues(ev::CreateMeetingRequest(), "meeting.venue.host_party").empty());  // unset message
}

TEST(MaskNames, AnUpdateJudgesOnlyTheFieldsItsMaskNames) {
  ev::UpdateMeetingRequest update;
  update.mutable_update_mask()->add_paths("venue");
  update.mutable_update_mask()->add_paths("title");
  EXPECT_TRUE(MaskNames(update, "meeting.venue.host_party"));
  EXPECT_FALSE(MaskNames(update, "meeting.processes"));
  EXPECT_FALSE(MaskNames(update, "meeting.invited_parties"));
  update.mutable_update_mask()->add_paths("venue.city");
  EXPECT_FALSE(MaskNames(update, "meeting.chair_party"));
  ev::UpdateMeetingRequest narrow;
  narrow.mutable_update_mask()->add_paths("venue.host_party");
  EXPECT_TRUE(MaskNames(narrow, "meeting.venue.host_party"));
  EXPECT_FALSE(MaskNames(narrow, "meeting.venue.city"));
  // A create has no mask: every field counts.
  EXPECT_TRUE(MaskNames(ev::CreateMeetingRequest(), "meeting.processes"));
}

const MethodRule& R(const char* method) {
  const MethodRule* r = RuleFor(method);
  EXPECT_NE(r, nullptr) << method;
  return *r;
}

TEST(CheckRequest, AdministrationWithinTheKeysLimits) {
  reg::CreateMembershipRequest bali_membership;
  bali_membership.set_parent(kBali);
  reg::CreateMembershipRequest colombo_membership;
  colombo_membership.set_parent(kColombo);
  reg::CreatePartyRequest party;
  for (Role role : kRoles) {
    reg::Principal p = PrincipalFor(role);
    absl::Status bali = CheckRequest(R("/rcp.registry.v1.Registry/CreateMembership"), p, bali_membership);
    EXPECT_EQ(bali.ok(), AdministersBali(role)) << RoleName(role) << ": " << bali;
    if (!bali.ok()) {
      EXPECT_EQ(bali.code(), absl::StatusCode::kPermissionDenied);
    }
    absl::Status colombo =
        CheckRequest(R("/rcp.registry.v1.Registry/CreateMembership"), p, colombo_membership);
    EXPECT_EQ(colombo.ok(), AdministersAll(role)) << RoleName(role) << ": " << colombo;
    absl::Status all = CheckRequest(R("/rcp.registry.v1.Registry/CreateParty"), p, party);
    EXPECT_EQ(all.ok(), AdministersAll(role)) << RoleName(role) << ": " << all;
  }
  EXPECT_THAT(CheckRequest(R("/rcp.registry.v1.Registry/CreateMembership"), PrincipalFor(Role::kBaliAdmin),
                           colombo_membership),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("parent: processes/colombo-process")));
}

TEST(CheckRequest, KeysAreIssuedOnlyWithinTheIssuersLimits) {
  const MethodRule& create = R("/rcp.registry.v1.Registry/CreateApiKey");
  reg::CreateApiKeyRequest bali_key;
  bali_key.mutable_api_key()->set_party("parties/IDN");
  bali_key.mutable_api_key()->add_processes(kBali);
  reg::CreateApiKeyRequest unlimited;
  unlimited.mutable_api_key()->set_party("parties/IDN");
  EXPECT_THAT(CheckRequest(create, PrincipalFor(Role::kAdmin), unlimited), IsOk());
  EXPECT_THAT(CheckRequest(create, PrincipalFor(Role::kBaliAdmin), bali_key), IsOk());
  EXPECT_THAT(CheckRequest(create, PrincipalFor(Role::kBaliAdmin), unlimited),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("api_key")));
  EXPECT_THAT(CheckRequest(create, PrincipalFor(Role::kSecretariat), bali_key),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("administrators")));
}

TEST(CheckRequest, WritersOfEveryProcessTheNewItemIsIn) {
  const MethodRule& create = R("/rcp.events.v1.Events/CreateMeeting");
  ev::CreateMeetingRequest bali;
  bali.mutable_meeting()->add_processes(kBali);
  ev::CreateMeetingRequest joint = bali;
  joint.mutable_meeting()->add_processes(kColombo);
  for (Role role : kRoles) {
    absl::Status s = CheckRequest(create, PrincipalFor(role), bali);
    EXPECT_EQ(s.ok(), Writes(role)) << RoleName(role) << ": " << s;
    if (!s.ok()) {
      EXPECT_THAT(s, StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("meeting.processes")));
    }
  }
  // Indonesia chairs Bali but is a plain member of Colombo; the Bali
  // secretariat is not Colombo's.
  EXPECT_THAT(CheckRequest(create, PrincipalFor(Role::kChair), joint),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr(kColombo)));
  EXPECT_THAT(CheckRequest(create, PrincipalFor(Role::kSecretariat), joint),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr(kColombo)));
  EXPECT_THAT(CheckRequest(create, PrincipalFor(Role::kAdmin), joint), IsOk());
  // A name in no process is refused before anything is read.
  rcp::documents::v1::CreateDocumentRequest doc;
  doc.set_parent("atlantis");
  EXPECT_THAT(CheckRequest(R("/rcp.documents.v1.Documents/CreateDocument"), PrincipalFor(Role::kAdmin), doc),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("parent")));
}

ev::Meeting BaliMeeting(Item item, const reg::Principal& p) {
  ev::Meeting m;
  m.set_name(std::string(kBali) + "/meetings/m");
  m.add_processes(kBali);
  m.set_visibility(VisibilityOf(item));
  for (const auto& party : PartiesOf(item, p)) m.add_restricted_parties(party);
  return m;
}

TEST(CheckStored, HiddenFirstThenTheWriteRight) {
  const MethodRule& cancel = R("/rcp.events.v1.Events/CancelMeeting");
  ev::CancelMeetingRequest req;
  req.set_name(std::string(kBali) + "/meetings/m");
  for (Role role : kRoles) {
    reg::Principal p = PrincipalFor(role);
    for (Item item : kItems) {
      absl::Status s = CheckStored(cancel, p, req, BaliMeeting(item, p));
      std::string where = absl::StrCat(RoleName(role), " on ", ItemName(item));
      if (!Sees(role, item)) {
        EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound, HasSubstr(req.name()))) << where;
        // Worded as for a meeting that does not exist.
        EXPECT_EQ(s.message(), absl::StrCat(req.name(), " not found")) << where;
      } else if (!Writes(role)) {
        EXPECT_THAT(s, StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr(kBali))) << where;
      } else {
        EXPECT_THAT(s, IsOk()) << where;
      }
    }
  }
}

TEST(CheckStored, MovingAMeetingNeedsTheWriteRightWhereItGoes) {
  const MethodRule& update = R("/rcp.events.v1.Events/UpdateMeeting");
  reg::Principal secretariat = PrincipalFor(Role::kSecretariat);
  ev::UpdateMeetingRequest req;
  req.mutable_meeting()->set_name(std::string(kBali) + "/meetings/m");
  req.mutable_meeting()->add_processes(kBali);
  req.mutable_meeting()->add_processes(kColombo);
  req.mutable_update_mask()->add_paths("title");
  ev::Meeting stored = BaliMeeting(Item::kPublic, secretariat);
  EXPECT_THAT(CheckStored(update, secretariat, req, stored), IsOk());  // processes not in the mask
  req.mutable_update_mask()->add_paths("processes");
  EXPECT_THAT(CheckStored(update, secretariat, req, stored),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("meeting.processes: processes/colombo-process")));
}

TEST(CheckStored, UploadSessionsAreTheirUploadersOwn) {
  const MethodRule& commit = R("/rcp.documents.v1.Documents/CommitUpload");
  rcp::documents::v1::CommitUploadRequest req;
  req.set_name("uploads/u1");
  rcp::documents::v1::UploadSession session;
  session.set_name("uploads/u1");
  session.set_document(std::string(kBali) + "/documents/d");
  session.set_uploader(PrincipalFor(Role::kSecretariat).api_key());
  EXPECT_THAT(CheckStored(commit, PrincipalFor(Role::kSecretariat), req, session), IsOk());
  EXPECT_THAT(CheckStored(commit, PrincipalFor(Role::kChair), req, session),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("uploads/u1")));
  EXPECT_THAT(CheckStored(commit, PrincipalFor(Role::kAdmin), req, session), IsOk());
  EXPECT_THAT(CheckStored(commit, PrincipalFor(Role::kBaliAdmin), req, session), IsOk());
  session.set_document(std::string(kColombo) + "/documents/d");
  EXPECT_THAT(CheckStored(commit, PrincipalFor(Role::kBaliAdmin), req, session),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("")));
}

// Callers without a key read what is visible and PUBLIC, nothing else:
// no write, no WhoAmI or calendar URL (there is no key to speak of), no
// administration, and no Subscribe (its caps are per key).
TEST(OpenToAnonymous, VisibleReadsOnlyAndNoStreamCappedPerKey) {
  reg::Principal anonymous;
  anonymous.set_anonymous(true);
  int open = 0;
  for (const MethodRule& rule : MethodRules()) {
    const bool want = rule.rule == Rule::kVisible && rule.effect == Effect::kRead &&
                      std::string(rule.method) != "/rcp.gateway.v1.Gateway/Subscribe";
    EXPECT_EQ(OpenToAnonymous(rule), want) << rule.method;
    const auto* method = MethodOf(rule.method);
    ASSERT_NE(method, nullptr) << rule.method;
    std::unique_ptr<google::protobuf::Message> request(
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(method->input_type())->New());
    absl::Status s = CheckRequest(rule, anonymous, *request);
    if (want) {
      ++open;
      EXPECT_FALSE(absl::IsUnauthenticated(s)) << rule.method << ": " << s;
    } else {
      EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("authorization: missing")))
          << rule.method;
    }
  }
  EXPECT_GE(open, 15);
  // A Get it may make answers NOT_FOUND for all but PUBLIC items.
  const MethodRule& get = R("/rcp.events.v1.Events/GetMeeting");
  for (Item item : kItems) {
    absl::Status s = CheckResponse(get, anonymous, BaliMeeting(item, anonymous));
    EXPECT_EQ(s.ok(), item == Item::kPublic) << ItemName(item);
  }
}

// A portal session reads what its key reads and writes nothing, whatever
// the key's roles: every write is refused before any read, the same for
// every item (so the refusal tells nothing of the item).
TEST(CheckRequest, APortalSessionWritesNothingWhateverItsRoles) {
  for (Role role : {Role::kAdmin, Role::kSecretariat, Role::kChair}) {
    reg::Principal session = PrincipalFor(role);
    session.set_web_session(true);
    const reg::Principal by_key = PrincipalFor(role);
    int writes = 0;
    for (const MethodRule& rule : MethodRules()) {
      const auto* method = MethodOf(rule.method);
      ASSERT_NE(method, nullptr) << rule.method;
      std::unique_ptr<google::protobuf::Message> request(
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(method->input_type())->New());
      absl::Status s = CheckRequest(rule, session, *request);
      if (rule.effect == Effect::kWrite) {
        ++writes;
        EXPECT_THAT(s, StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("portal session is read-only")))
            << rule.method;
      } else {
        EXPECT_EQ(s, CheckRequest(rule, by_key, *request)) << rule.method << ": reads as its key does";
      }
    }
    EXPECT_GE(writes, 25);
  }
}

TEST(CheckResponse, AGetAnswersNotFoundForAnItemTheCallerMayNotSee) {
  const MethodRule& get = R("/rcp.events.v1.Events/GetMeeting");
  for (Role role : kRoles) {
    reg::Principal p = PrincipalFor(role);
    for (Item item : kItems) {
      absl::Status s = CheckResponse(get, p, BaliMeeting(item, p));
      EXPECT_EQ(s.ok(), Sees(role, item)) << RoleName(role) << " on " << ItemName(item);
    }
  }
  // Hole 3: Indonesia's key limited to Colombo does not get a restricted
  // Bali meeting that names Indonesia.
  reg::Principal colombo = PrincipalFor(Role::kColomboLimited);
  EXPECT_THAT(CheckResponse(get, colombo, BaliMeeting(Item::kRestrictedNamed, colombo)),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("")));
  // The register of a process outside the key's limit is hidden too.
  reg::Process bali;
  bali.set_name(kBali);
  EXPECT_THAT(CheckResponse(R("/rcp.registry.v1.Registry/GetProcess"), colombo, bali),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(kBali)));
  reg::Party idn;
  idn.set_name("parties/IDN");
  EXPECT_THAT(CheckResponse(R("/rcp.registry.v1.Registry/GetParty"), colombo, idn), IsOk());
}

}  // namespace
}  // namespace rcp::gateway::access
