// The policy through the gateway, in-process over fake data services: every
// public method × every role × every visibility of the item it concerns,
// called over gRPC exactly as the public calls it. The expectations are
// tests/services/gateway/roles.h's, written apart from the code; the table
// below says, for each method, which kind of decision it is (also written
// apart from access/policy.cc, which must agree). An allowed call reaches
// the service for the caller (lists with the caller as viewer, so that the
// service filters before paging); a refused one reaches no write.
//
// Also here: the write-time references of issue 9's hole 5, and the refusal
// of what the table does not list.
#include <google/protobuf/descriptor.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "common/status/status.h"
#include "common/testing/status_matchers.h"
#include "common/time/timestamp.h"
#include "rcp/documents/v1/documents.grpc.pb.h"
#include "rcp/events/v1/events.grpc.pb.h"
#include "rcp/gateway/v1/gateway.grpc.pb.h"
#include "rcp/registry/v1/registry.grpc.pb.h"
#include "services/gateway/access/policy.h"
#include "tests/services/gateway/fake_services.h"
#include "tests/services/gateway/gateway_harness.h"
#include "tests/services/gateway/roles.h"

namespace rcp::gateway::testing {
namespace {

using ::rcp::testing::IsOk;
using ::rcp::testing::StatusIs;
using ::testing::HasSubstr;
namespace reg = ::rcp::registry::v1;
namespace ev = ::rcp::events::v1;
namespace doc = ::rcp::documents::v1;
using google::protobuf::Message;

// ---------------------------------------------------------------- the cases

// What deciding a method means, by hand.
enum class Expect {
  kRead,           // NOT_FOUND unless the caller sees the item
  kList,           // always answered, filtered by the service for the caller
  kWriteStored,    // NOT_FOUND unless seen, PERMISSION_DENIED unless a writer
  kWriteNew,       // PERMISSION_DENIED unless a writer in the Bali Process
  kAdminBali,      // PERMISSION_DENIED unless it administers Bali's register
  kAdminAll,       // PERMISSION_DENIED unless it administers the deployment
  kOwnKey,         // NOT_FOUND unless it may manage the key
  kUploader,       // NOT_FOUND unless the session is its own (or it administers)
  kKeyIssuer,      // PERMISSION_DENIED unless it may issue a key like that
  kAuthenticated,  // every valid key
  kAnyone,         // no credential needed
};

// The item a method's field names.
enum class Target {
  kNone,
  kBali,        // the process itself, as a parent or a new item's process
  kMeeting,     // a Bali meeting, of each visibility
  kDocument,    // a Bali document, of each visibility
  kFocalPoint,  // Bali's focal point (members only)
  kMembership,  // public register entries of Bali
  kChairTerm,
  kProcessName,  // GetProcess / UpdateProcess
  kParty,        // parties belong to no process
  kKey,          // a key, the caller's party's own or another's
  kUpload,       // an upload session, the caller's own or another's
  kNewKey,       // CreateApiKey's key: the caller's party, limited to Bali
  kPeer,         // a federation peer
};

struct Case {
  const char* method;  // full name
  Expect expect;
  Target target;
  const char* field;  // the request field naming it
};

const std::vector<Case>& Cases() {
  static const auto* cases = new std::vector<Case>{
      {"/rcp.registry.v1.Registry/GetProcess", Expect::kRead, Target::kProcessName, "name"},
      {"/rcp.registry.v1.Registry/ListProcesses", Expect::kList, Target::kNone, ""},
      {"/rcp.registry.v1.Registry/GetParty", Expect::kRead, Target::kParty, "name"},
      {"/rcp.registry.v1.Registry/ListParties", Expect::kList, Target::kNone, ""},
      {"/rcp.registry.v1.Registry/GetMembership", Expect::kRead, Target::kMembership, "name"},
      {"/rcp.registry.v1.Registry/ListMemberships", Expect::kList, Target::kNone, ""},
      {"/rcp.registry.v1.Registry/GetChairTerm", Expect::kRead, Target::kChairTerm, "name"},
      {"/rcp.registry.v1.Registry/ListChairTerms", Expect::kList, Target::kNone, ""},
      {"/rcp.registry.v1.Registry/GetFocalPoint", Expect::kRead, Target::kFocalPoint, "name"},
      {"/rcp.registry.v1.Registry/ListFocalPoints", Expect::kList, Target::kNone, ""},
      {"/rcp.registry.v1.Registry/CreateProcess", Expect::kAdminAll, Target::kNone, ""},
      {"/rcp.registry.v1.Registry/UpdateProcess", Expect::kAdminBali, Target::kProcessName, "process.name"},
      {"/rcp.registry.v1.Registry/CreateParty", Expect::kAdminAll, Target::kNone, ""},
      {"/rcp.registry.v1.Registry/UpdateParty", Expect::kAdminAll, Target::kNone, ""},
      {"/rcp.registry.v1.Registry/CreateMembership", Expect::kAdminBali, Target::kBali, "parent"},
      {"/rcp.registry.v1.Registry/UpdateMembership", Expect::kAdminBali, Target::kMembership,
       "membership.name"},
      {"/rcp.registry.v1.Registry/CreateChairTerm", Expect::kAdminBali, Target::kBali, "parent"},
      {"/rcp.registry.v1.Registry/UpdateChairTerm", Expect::kAdminBali, Target::kChairTerm,
       "chair_term.name"},
      {"/rcp.registry.v1.Registry/CreateFocalPoint", Expect::kWriteNew, Target::kBali, "parent"},
      {"/rcp.registry.v1.Registry/UpdateFocalPoint", Expect::kWriteNew, Target::kFocalPoint,
       "focal_point.name"},
      {"/rcp.registry.v1.Registry/DeleteFocalPoint", Expect::kWriteNew, Target::kFocalPoint, "name"},
      {"/rcp.registry.v1.Registry/CreateApiKey", Expect::kKeyIssuer, Target::kNewKey, "api_key"},
      {"/rcp.registry.v1.Registry/GetApiKey", Expect::kOwnKey, Target::kKey, "name"},
      {"/rcp.registry.v1.Registry/ListApiKeys", Expect::kList, Target::kNone, ""},
      {"/rcp.registry.v1.Registry/RevokeApiKey", Expect::kOwnKey, Target::kKey, "name"},
      {"/rcp.registry.v1.Registry/CreateFederationPeer", Expect::kAdminAll, Target::kNone, ""},
      {"/rcp.registry.v1.Registry/GetFederationPeer", Expect::kAdminAll, Target::kPeer, "name"},
      {"/rcp.registry.v1.Registry/ListFederationPeers", Expect::kAdminAll, Target::kNone, ""},
      {"/rcp.registry.v1.Registry/UpdateFederationPeer", Expect::kAdminAll, Target::kPeer,
       "federation_peer.name"},
      {"/rcp.registry.v1.Registry/DeleteFederationPeer", Expect::kAdminAll, Target::kPeer, "name"},
      {"/rcp.events.v1.Events/GetMeeting", Expect::kRead, Target::kMeeting, "name"},
      {"/rcp.events.v1.Events/ListMeetings", Expect::kList, Target::kNone, ""},
      {"/rcp.events.v1.Events/SyncMeetings", Expect::kList, Target::kNone, ""},
      {"/rcp.events.v1.Events/ExportCalendar", Expect::kList, Target::kNone, ""},
      {"/rcp.events.v1.Events/CreateMeeting", Expect::kWriteNew, Target::kBali, "meeting.processes"},
      {"/rcp.events.v1.Events/UpdateMeeting", Expect::kWriteStored, Target::kMeeting, "meeting.name"},
      {"/rcp.events.v1.Events/ConfirmMeeting", Expect::kWriteStored, Target::kMeeting, "name"},
      {"/rcp.events.v1.Events/PostponeMeeting", Expect::kWriteStored, Target::kMeeting, "name"},
      {"/rcp.events.v1.Events/RescheduleMeeting", Expect::kWriteStored, Target::kMeeting, "name"},
      {"/rcp.events.v1.Events/CancelMeeting", Expect::kWriteStored, Target::kMeeting, "name"},
      {"/rcp.events.v1.Events/MarkMeetingHeld", Expect::kWriteStored, Target::kMeeting, "name"},
      {"/rcp.documents.v1.Documents/GetDocument", Expect::kRead, Target::kDocument, "name"},
      {"/rcp.documents.v1.Documents/ListDocuments", Expect::kList, Target::kNone, ""},
      {"/rcp.documents.v1.Documents/ListContentVersions", Expect::kRead, Target::kDocument, "document"},
      {"/rcp.documents.v1.Documents/CreateDocument", Expect::kWriteNew, Target::kBali, "parent"},
      {"/rcp.documents.v1.Documents/UpdateDocument", Expect::kWriteStored, Target::kDocument,
       "document.name"},
      {"/rcp.documents.v1.Documents/StartUpload", Expect::kWriteStored, Target::kDocument, "document"},
      {"/rcp.documents.v1.Documents/GetUploadSession", Expect::kUploader, Target::kUpload, "name"},
      {"/rcp.documents.v1.Documents/CommitUpload", Expect::kUploader, Target::kUpload, "name"},
      {"/rcp.documents.v1.Documents/CancelUpload", Expect::kUploader, Target::kUpload, "name"},
      {"/rcp.gateway.v1.Gateway/WhoAmI", Expect::kAuthenticated, Target::kNone, ""},
      {"/rcp.gateway.v1.Gateway/GetCalendarUrl", Expect::kAuthenticated, Target::kNone, ""},
      {"/rcp.federation.v1.Federation/GetServerKeys", Expect::kAnyone, Target::kNone, ""},
      {"/rcp.federation.v1.FederationAdmin/RotateKey", Expect::kAdminAll, Target::kNone, ""},
      {"/rcp.federation.v1.FederationAdmin/ListPeerStatuses", Expect::kAdminAll, Target::kNone, ""},
  };
  return *cases;
}

// The streams, tested on their own below.
const std::set<std::string>& StreamMethods() {
  // The peers' streams are for other deployments' gateways, never for API
  // keys: tests/services/gateway/federation covers them.
  static const auto* m = new std::set<std::string>{
      "/rcp.documents.v1.Documents/Download", "/rcp.documents.v1.Documents/UploadChunks",
      "/rcp.gateway.v1.Gateway/Subscribe", "/rcp.federation.v1.Federation/Pull",
      "/rcp.federation.v1.Federation/FetchContent"};
  return *m;
}

constexpr char kMeetingName[] = "processes/bali-process/meetings/m";
constexpr char kDocumentName[] = "processes/bali-process/documents/d";
constexpr char kFocalPointName[] = "processes/bali-process/focalPoints/f";
constexpr char kMembershipName[] = "processes/bali-process/memberships/idn";
constexpr char kChairTermName[] = "processes/bali-process/chairTerms/t";
constexpr char kPartyName[] = "parties/IDN";
constexpr char kPeerName[] = "federationPeers/colombo-process.rcp";

std::string KeyOf(Role role) { return absl::StrCat("rcp_role", static_cast<int>(role), "_secret"); }

// Whether `role` may manage a key of its own party (limited to Bali), or
// another party's.
bool ManagesKey(Role role, bool own) { return own ? role != Role::kColomboLimited : AdministersBali(role); }

// --------------------------------------------------------------- the fixture

class GatewayPolicyTest : public ::testing::Test {
 protected:
  GatewayPolicyTest() : stub_(gateway_.NewChannel()) {
    for (Role role : kRoles) fake_.AddKey(KeyOf(role), PrincipalFor(role));
    reg::Process bali;
    bali.set_name(kBali);
    fake_.Put(bali);
    reg::Party idn;
    idn.set_name(kPartyName);
    fake_.Put(idn);
    reg::Membership membership;
    membership.set_name(kMembershipName);
    fake_.Put(membership);
    reg::ChairTerm term;
    term.set_name(kChairTermName);
    fake_.Put(term);
    reg::FocalPoint focal_point;
    focal_point.set_name(kFocalPointName);
    fake_.Put(focal_point);
    reg::FederationPeer peer;
    peer.set_name(kPeerName);
    fake_.Put(peer);
  }

  // Puts the items `role` is asked about, `item` deciding the visibility
  // of the meeting and the document, `own` whose key and session.
  void PutItems(Role role, Item item, bool own) {
    reg::Principal p = PrincipalFor(role);
    ev::Meeting m;
    m.set_name(kMeetingName);
    m.add_processes(kBali);
    m.set_visibility(VisibilityOf(item));
    for (const auto& party : PartiesOf(item, p)) m.add_restricted_parties(party);
    fake_.Put(m);
    doc::Document d;
    d.set_name(kDocumentName);
    d.set_visibility(VisibilityOf(item));
    for (const auto& party : PartiesOf(item, p)) d.add_restricted_parties(party);
    fake_.Put(d);
    reg::ApiKey key;
    key.set_name("apiKeys/k");
    key.set_party(own ? p.party() : "parties/NZL");
    key.add_processes(kBali);
    fake_.Put(key);
    doc::UploadSession session;
    session.set_name("uploads/u");
    session.set_document(kDocumentName);
    session.set_uploader(own ? p.api_key() : "apiKeys/someone-else");
    fake_.Put(session);
  }

  // The request of `c`, naming its target.
  std::unique_ptr<Message> RequestOf(const Case& c, Role role) {
    const auto* method = MethodOf(c.method);
    std::unique_ptr<Message> req(
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(method->input_type())->New());
    std::string value;
    switch (c.target) {
      case Target::kNone:
        return req;
      case Target::kBali:
        value = kBali;
        break;
      case Target::kProcessName:
        value = kBali;
        break;
      case Target::kMeeting:
        value = kMeetingName;
        break;
      case Target::kDocument:
        value = kDocumentName;
        break;
      case Target::kFocalPoint:
        value = kFocalPointName;
        break;
      case Target::kMembership:
        value = kMembershipName;
        break;
      case Target::kChairTerm:
        value = kChairTermName;
        break;
      case Target::kParty:
        value = kPartyName;
        break;
      case Target::kKey:
        value = "apiKeys/k";
        break;
      case Target::kUpload:
        value = "uploads/u";
        break;
      case Target::kPeer:
        value = kPeerName;
        break;
      case Target::kNewKey: {
        reg::ApiKey key;
        key.set_party(PrincipalFor(role).party());
        key.add_processes(kBali);
        Mutable(req.get(), c.field)->CopyFrom(key);
        return req;
      }
    }
    SetField(req.get(), c.field, value);
    return req;
  }

  static const google::protobuf::MethodDescriptor* MethodOf(const std::string& full) {
    std::vector<std::string> parts = absl::StrSplit(full, '/', absl::SkipEmpty());
    return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
        absl::StrCat(parts[0], ".", parts[1]));
  }

  // The message holding the last segment of `path`, created on the way.
  static Message* Parent(Message* m, absl::string_view path,
                         const google::protobuf::FieldDescriptor** field) {
    std::vector<std::string> segments = absl::StrSplit(path, '.');
    for (size_t i = 0; i + 1 < segments.size(); ++i) {
      m = m->GetReflection()->MutableMessage(m, m->GetDescriptor()->FindFieldByName(segments[i]));
    }
    *field = m->GetDescriptor()->FindFieldByName(segments.back());
    return m;
  }
  static Message* Mutable(Message* m, absl::string_view path) {
    const google::protobuf::FieldDescriptor* f = nullptr;
    Message* parent = Parent(m, path, &f);
    return parent->GetReflection()->MutableMessage(parent, f);
  }
  static void SetField(Message* m, absl::string_view path, const std::string& value) {
    const google::protobuf::FieldDescriptor* f = nullptr;
    Message* parent = Parent(m, path, &f);
    if (f->is_repeated()) {
      parent->GetReflection()->AddString(parent, f, value);
    } else {
      parent->GetReflection()->SetString(parent, f, value);
    }
  }

  // Calls `method` with `request` as `role`, through the gateway.
  absl::Status CallAs(Role role, const std::string& method, const Message& request) {
    grpc::ClientContext ctx;
    if (role != Role::kAnonymous) ctx.AddMetadata("authorization", "Bearer " + KeyOf(role));
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Slice slice(request.SerializeAsString());
    grpc::ByteBuffer in(&slice, 1), out;
    grpc::Status status;
    absl::Notification done;
    stub_.UnaryCall(&ctx, method, grpc::StubOptions(), &in, &out, [&](grpc::Status s) {
      status = std::move(s);
      done.Notify();
    });
    done.WaitForNotification();
    return FromGrpcStatus(status);
  }

  // The outcome `c` must have for `role` on an item of `item`.
  static Outcome Expected(const Case& c, Role role, Item item, bool own) {
    // Without a key: reads of what is visible (PUBLIC alone), and what is
    // anyone's. A key's list is nobody's to read without one.
    if (role == Role::kAnonymous && c.expect != Expect::kAnyone &&
        ((c.expect != Expect::kRead && c.expect != Expect::kList) ||
         absl::EndsWith(c.method, "/ListApiKeys"))) {
      return Outcome::kUnauthenticated;
    }
    auto sees = [&] {
      switch (c.target) {
        case Target::kMeeting:
        case Target::kDocument:
          return Sees(role, item);
        case Target::kFocalPoint:
          return Sees(role, Item::kMembers);
        case Target::kParty:
          return true;
        default:
          return Sees(role, Item::kPublic);
      }
    };
    auto allow_or = [](bool allowed, Outcome otherwise) { return allowed ? Outcome::kAllowed : otherwise; };
    switch (c.expect) {
      case Expect::kRead:
        return allow_or(sees(), Outcome::kNotFound);
      case Expect::kList:
      case Expect::kAuthenticated:
      case Expect::kAnyone:
        return Outcome::kAllowed;
      case Expect::kWriteStored:
        if (!sees()) return Outcome::kNotFound;
        return allow_or(Writes(role), Outcome::kPermissionDenied);
      case Expect::kWriteNew:
        return allow_or(Writes(role), Outcome::kPermissionDenied);
      case Expect::kAdminBali:
        return allow_or(AdministersBali(role), Outcome::kPermissionDenied);
      case Expect::kAdminAll:
        return allow_or(AdministersAll(role), Outcome::kPermissionDenied);
      case Expect::kOwnKey:
        return allow_or(ManagesKey(role, own), Outcome::kNotFound);
      case Expect::kUploader:
        return allow_or((own || AdministersBali(role)) && role != Role::kColomboLimited, Outcome::kNotFound);
      case Expect::kKeyIssuer:
        return allow_or(AdministersBali(role), Outcome::kPermissionDenied);
    }
    return Outcome::kNotFound;
  }

  FakeServices fake_;
  GatewayHarness gateway_{&fake_};
  grpc::GenericStub stub_;
};

bool VariesByVisibility(Target t) { return t == Target::kMeeting || t == Target::kDocument; }
bool VariesByOwner(Target t) { return t == Target::kKey || t == Target::kUpload; }

TEST_F(GatewayPolicyTest, EveryPublicMethodIsInTheMatrix) {
  std::set<std::string> covered = StreamMethods();
  for (const auto& c : Cases()) {
    EXPECT_TRUE(covered.insert(c.method).second) << c.method << " twice";
    EXPECT_NE(access::RuleFor(c.method), nullptr) << c.method;
  }
  for (const auto& rule : access::MethodRules()) EXPECT_TRUE(covered.count(rule.method)) << rule.method;
  EXPECT_EQ(covered.size(), access::MethodRules().size());
}

TEST_F(GatewayPolicyTest, EveryMethodRoleAndVisibility) {
  int probes = 0;
  for (const Case& c : Cases()) {
    bool write = access::RuleFor(c.method)->effect == access::Effect::kWrite;
    std::string short_name = std::string(c.method).substr(std::string(c.method).rfind('/') + 1);
    for (Role role : kCallers) {
      for (Item item : kItems) {
        if (!VariesByVisibility(c.target) && item != Item::kPublic) continue;
        for (bool own : {true, false}) {
          if (!VariesByOwner(c.target) && !own) continue;
          PutItems(role, item, own);
          fake_.ClearCalls();
          std::unique_ptr<Message> request = RequestOf(c, role);
          absl::Status got = CallAs(role, c.method, *request);
          Outcome want = Expected(c, role, item, own);
          std::string where = absl::StrCat(
              c.method, " by the ", RoleName(role), " on ",
              VariesByVisibility(c.target) ? absl::StrCat("a ", ItemName(item), " item") : "its item",
              VariesByOwner(c.target) ? (own ? " (its own)" : " (another's)") : "");
          ++probes;
          // The federation's administration is the gateway's own: what
          // reaches the registry is the keyring's update, or the read of the
          // peers' states, made by the gateway for itself.
          const char* gateways_own = absl::EndsWith(c.method, "/RotateKey")          ? "UpdateKeyring"
                                     : absl::EndsWith(c.method, "/ListPeerStatuses") ? "ListPeerStates"
                                                                                     : nullptr;
          auto forwarded = fake_.CallsOf(gateways_own != nullptr ? gateways_own : short_name);
          switch (want) {
            case Outcome::kAllowed:
              EXPECT_THAT(got, IsOk()) << where;
              if (c.expect == Expect::kAuthenticated || c.expect == Expect::kAnyone) break;
              ASSERT_FALSE(forwarded.empty()) << where << ": the call did not reach the service";
              if (gateways_own != nullptr) break;
              EXPECT_EQ(forwarded.back().principal, PrincipalFor(role).api_key()) << where;
              if (c.expect == Expect::kList) {
                ASSERT_TRUE(forwarded.back().viewer.has_value()) << where << ": sent without its viewer";
                EXPECT_EQ(forwarded.back().viewer->SerializeAsString(),
                          PrincipalFor(role).SerializeAsString())
                    << where;
              } else {
                EXPECT_FALSE(forwarded.back().viewer.has_value()) << where;
              }
              break;
            case Outcome::kNotFound:
              EXPECT_EQ(got.code(), absl::StatusCode::kNotFound) << where << ": " << got;
              break;
            case Outcome::kPermissionDenied:
              EXPECT_EQ(got.code(), absl::StatusCode::kPermissionDenied) << where << ": " << got;
              break;
            case Outcome::kUnauthenticated:
              EXPECT_THAT(got, StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("authorization: missing")))
                  << where;
              EXPECT_TRUE(forwarded.empty()) << where << ": a call without a key reached the service";
              break;
          }
          if (want != Outcome::kAllowed && write) {
            EXPECT_TRUE(forwarded.empty()) << where << ": a refused write reached the service";
          }
        }
      }
    }
  }
  EXPECT_GT(probes, 500);
}

TEST_F(GatewayPolicyTest, AHiddenItemAnswersExactlyAsAMissingOne) {
  PutItems(Role::kObserver, Item::kMembers, true);
  ev::GetMeetingRequest hidden;
  hidden.set_name(kMeetingName);
  ev::GetMeetingRequest missing;
  missing.set_name("processes/bali-process/meetings/no-such-meeting");
  for (const char* method : {"/rcp.events.v1.Events/GetMeeting", "/rcp.events.v1.Events/CancelMeeting"}) {
    ev::CancelMeetingRequest hidden_cancel, missing_cancel;
    hidden_cancel.set_name(hidden.name());
    missing_cancel.set_name(missing.name());
    bool get = absl::EndsWith(method, "GetMeeting");
    absl::Status a =
        get ? CallAs(Role::kObserver, method, hidden) : CallAs(Role::kObserver, method, hidden_cancel);
    absl::Status b =
        get ? CallAs(Role::kObserver, method, missing) : CallAs(Role::kObserver, method, missing_cancel);
    EXPECT_EQ(a.code(), absl::StatusCode::kNotFound) << method;
    EXPECT_EQ(b.code(), absl::StatusCode::kNotFound) << method;
    EXPECT_EQ(a.message(), absl::StrCat(hidden.name(), " not found")) << method;
    EXPECT_EQ(b.message(), absl::StrCat(missing.name(), " not found")) << method;
  }
}

TEST_F(GatewayPolicyTest, DownloadAndUploadStreamsFollowTheirRules) {
  doc::Documents::Stub documents(gateway_.NewChannel());
  for (Role role : kRoles) {
    for (Item item : kItems) {
      PutItems(role, item, /*own=*/true);
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + KeyOf(role));
      doc::DownloadRequest req;
      req.set_document(kDocumentName);
      auto reader = documents.Download(&ctx, req);
      doc::DownloadChunk chunk;
      std::string data;
      while (reader->Read(&chunk)) data += chunk.data();
      absl::Status s = FromGrpcStatus(reader->Finish());
      std::string where =
          absl::StrCat("Download by the ", RoleName(role), " of a ", ItemName(item), " document");
      if (Sees(role, item)) {
        EXPECT_THAT(s, IsOk()) << where;
        EXPECT_EQ(data, absl::StrCat("content of ", kDocumentName)) << where;
      } else {
        EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound, HasSubstr(kDocumentName))) << where;
        EXPECT_TRUE(data.empty()) << where;
      }
    }
    for (bool own : {true, false}) {
      PutItems(role, Item::kPublic, own);
      fake_.ClearCalls();
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + KeyOf(role));
      doc::UploadSession session;
      auto writer = documents.UploadChunks(&ctx, &session);
      doc::UploadChunk chunk;
      chunk.set_upload("uploads/u");
      chunk.set_data("bytes");
      writer->Write(chunk);
      writer->WritesDone();
      absl::Status s = FromGrpcStatus(writer->Finish());
      std::string where = absl::StrCat("UploadChunks by the ", RoleName(role),
                                       own ? " to its own" : " to another's", " session");
      bool allowed = (own || AdministersBali(role)) && role != Role::kColomboLimited;
      if (allowed) {
        EXPECT_THAT(s, IsOk()) << where;
        EXPECT_EQ(fake_.CallsOf("UploadChunks").size(), 1u) << where;
      } else {
        EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound, HasSubstr("uploads/u"))) << where;
        EXPECT_TRUE(fake_.CallsOf("UploadChunks").empty()) << where << ": bytes reached the service";
      }
    }
  }
}

// ------------------------------------------------- references (hole 5)

class ReferencesTest : public GatewayPolicyTest {
 protected:
  ev::CreateMeetingRequest NewMeeting() {
    ev::CreateMeetingRequest req;
    req.mutable_meeting()->add_processes(kBali);
    req.mutable_meeting()->set_title("Ad hoc group");
    return req;
  }
};

TEST_F(ReferencesTest, AMeetingInAProcessThatDoesNotExistIsNotFoundAndNotWritten) {
  ev::CreateMeetingRequest req = NewMeeting();
  req.mutable_meeting()->add_processes("processes/atlantis");
  absl::Status s = CallAs(Role::kAdmin, "/rcp.events.v1.Events/CreateMeeting", req);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound,
                          HasSubstr("meeting.processes[1]: processes/atlantis not found")));
  EXPECT_TRUE(fake_.CallsOf("CreateMeeting").empty());
}

TEST_F(ReferencesTest, EveryKindOfReferenceMustExist) {
  struct Bad {
    const char* method;
    std::function<void(Message*)> set;
    const char* field;
  };
  doc::CreateDocumentRequest doc_req;
  doc_req.set_parent(kBali);
  std::vector<Bad> bad = {
      {"/rcp.events.v1.Events/CreateMeeting",
       [](Message* m) {
         static_cast<ev::CreateMeetingRequest*>(m)->mutable_meeting()->set_chair_party("parties/XXA");
       },
       "meeting.chair_party"},
      {"/rcp.events.v1.Events/CreateMeeting",
       [](Message* m) {
         static_cast<ev::CreateMeetingRequest*>(m)->mutable_meeting()->mutable_venue()->set_host_party(
             "parties/atlantis");
       },
       "meeting.venue.host_party"},
      {"/rcp.events.v1.Events/CreateMeeting",
       [](Message* m) {
         auto* meeting = static_cast<ev::CreateMeetingRequest*>(m)->mutable_meeting();
         meeting->add_invited_parties(kPartyName);
         meeting->add_invited_parties("parties/nobody");
       },
       "meeting.invited_parties[1]"},
      {"/rcp.events.v1.Events/CreateMeeting",
       [](Message* m) {
         static_cast<ev::CreateMeetingRequest*>(m)->mutable_meeting()->add_restricted_parties(
             "parties/nobody");
       },
       "meeting.restricted_parties"},
      {"/rcp.events.v1.Events/CreateMeeting",
       [](Message* m) {
         static_cast<ev::CreateMeetingRequest*>(m)->mutable_meeting()->add_documents(
             "processes/bali-process/documents/no-such");
       },
       "meeting.documents"},
  };
  for (const auto& b : bad) {
    ev::CreateMeetingRequest req = NewMeeting();
    b.set(&req);
    fake_.ClearCalls();
    EXPECT_THAT(CallAs(Role::kAdmin, b.method, req),
                StatusIs(absl::StatusCode::kNotFound, HasSubstr(b.field)))
        << b.field;
    EXPECT_TRUE(fake_.CallsOf("CreateMeeting").empty()) << b.field;
  }
  doc::CreateDocumentRequest document = doc_req;
  document.mutable_document()->set_meeting("processes/bali-process/meetings/no-such");
  EXPECT_THAT(CallAs(Role::kAdmin, "/rcp.documents.v1.Documents/CreateDocument", document),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("document.meeting")));
  document = doc_req;
  document.mutable_document()->add_restricted_parties("parties/nobody");
  EXPECT_THAT(CallAs(Role::kAdmin, "/rcp.documents.v1.Documents/CreateDocument", document),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("document.restricted_parties")));
  document.set_parent("processes/atlantis");
  EXPECT_THAT(CallAs(Role::kAdmin, "/rcp.documents.v1.Documents/CreateDocument", document),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("parent: processes/atlantis")));
  EXPECT_TRUE(fake_.CallsOf("CreateDocument").empty());
  // A malformed reference is the field's rule, not a lookup.
  ev::CreateMeetingRequest malformed = NewMeeting();
  malformed.mutable_meeting()->add_documents("not a name");
  EXPECT_THAT(CallAs(Role::kAdmin, "/rcp.events.v1.Events/CreateMeeting", malformed),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("meeting.documents")));
}

TEST_F(ReferencesTest, AHiddenLinkedItemAnswersAsAMissingOne) {
  // The chair may write in Bali, but a RESTRICTED document not naming
  // Indonesia's party is still the chair's to see: use the member-level
  // case instead — a MEMBERS document linked by a secretariat of another
  // process is invisible to it.
  PutItems(Role::kChair, Item::kPublic, true);
  doc::Document hidden;
  hidden.set_name("processes/bali-process/documents/hidden");
  hidden.set_visibility(rcp::common::v1::RESTRICTED);
  hidden.add_restricted_parties("parties/AUS");
  fake_.Put(hidden);
  // A writer who may not see it: make a Bali writer without the secretariat
  // role — the Bali-limited admin sees everything, so use a chair of Bali
  // that the item does not name and that is not the secretariat: chairs see
  // RESTRICTED items of their process. Hence an observer who writes
  // nowhere cannot reach this point; the meaningful caller is a writer of
  // one process linking another process's hidden document.
  doc::Document colombo_hidden;
  colombo_hidden.set_name("processes/colombo-process/documents/hidden");
  colombo_hidden.set_visibility(rcp::common::v1::MEMBERS);
  fake_.Put(colombo_hidden);
  ev::CreateMeetingRequest req = NewMeeting();
  req.mutable_meeting()->add_documents(colombo_hidden.name());
  absl::Status linked = CallAs(Role::kSecretariat, "/rcp.events.v1.Events/CreateMeeting", req);
  ev::CreateMeetingRequest missing = NewMeeting();
  missing.mutable_meeting()->add_documents("processes/colombo-process/documents/absent");
  absl::Status absent = CallAs(Role::kSecretariat, "/rcp.events.v1.Events/CreateMeeting", missing);
  EXPECT_THAT(linked, StatusIs(absl::StatusCode::kNotFound, HasSubstr("meeting.documents")));
  EXPECT_EQ(linked.message(), absl::StrCat("meeting.documents: ", colombo_hidden.name(), " not found"));
  EXPECT_EQ(absent.message(), "meeting.documents: processes/colombo-process/documents/absent not found");
  EXPECT_TRUE(fake_.CallsOf("CreateMeeting").empty());
  // Visible ones pass.
  ev::CreateMeetingRequest ok = NewMeeting();
  ok.mutable_meeting()->add_documents(hidden.name());  // the secretariat sees Bali's restricted items
  EXPECT_THAT(CallAs(Role::kSecretariat, "/rcp.events.v1.Events/CreateMeeting", ok), IsOk());
}

TEST_F(ReferencesTest, KnownProcessesAndPartiesCostNoRoundTripAfterTheFirst) {
  ev::CreateMeetingRequest req = NewMeeting();
  req.mutable_meeting()->add_invited_parties(kPartyName);
  ASSERT_THAT(CallAs(Role::kAdmin, "/rcp.events.v1.Events/CreateMeeting", req), IsOk());
  // Once for its existence (references), once for its home (homes).
  EXPECT_EQ(fake_.CallsOf("GetProcess").size(), 2u);
  EXPECT_EQ(fake_.CallsOf("GetParty").size(), 1u);
  fake_.ClearCalls();
  for (int i = 0; i < 3; ++i)
    ASSERT_THAT(CallAs(Role::kAdmin, "/rcp.events.v1.Events/CreateMeeting", req), IsOk());
  EXPECT_TRUE(fake_.CallsOf("GetProcess").empty());
  EXPECT_TRUE(fake_.CallsOf("GetParty").empty());
  EXPECT_EQ(fake_.CallsOf("CreateMeeting").size(), 3u);
}

TEST_F(ReferencesTest, AnUpdateChecksOnlyTheReferencesItsMaskNames) {
  PutItems(Role::kAdmin, Item::kPublic, true);
  ev::UpdateMeetingRequest update;
  update.mutable_meeting()->set_name(kMeetingName);
  update.mutable_meeting()->set_chair_party("parties/nobody");
  update.mutable_update_mask()->add_paths("title");
  EXPECT_THAT(CallAs(Role::kAdmin, "/rcp.events.v1.Events/UpdateMeeting", update), IsOk());
  update.mutable_update_mask()->add_paths("chair_party");
  fake_.ClearCalls();
  EXPECT_THAT(CallAs(Role::kAdmin, "/rcp.events.v1.Events/UpdateMeeting", update),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("meeting.chair_party")));
  EXPECT_TRUE(fake_.CallsOf("UpdateMeeting").empty());
}

// ------------------------------------------------------ homes (issue 10)

class HomesTest : public GatewayPolicyTest {
 protected:
  HomesTest() {
    reg::Process colombo;
    colombo.set_name(kColombo);
    colombo.set_home("colombo-process.rcp");  // a mirror here
    fake_.Put(colombo);
    ev::Meeting m;
    m.set_name("processes/colombo-process/meetings/m");
    m.add_processes(kColombo);
    m.set_visibility(rcp::common::v1::PUBLIC);
    fake_.Put(m);
  }
};

TEST_F(HomesTest, WritesToAMirrorAreRefusedNamingItsHome) {
  ev::CreateMeetingRequest create;
  create.mutable_meeting()->add_processes(kColombo);
  EXPECT_THAT(CallAs(Role::kAdmin, "/rcp.events.v1.Events/CreateMeeting", create),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("colombo-process.rcp")));
  // A joint meeting with a mirror in it is refused too.
  ev::CreateMeetingRequest joint;
  joint.mutable_meeting()->add_processes(kBali);
  joint.mutable_meeting()->add_processes(kColombo);
  EXPECT_THAT(CallAs(Role::kAdmin, "/rcp.events.v1.Events/CreateMeeting", joint),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("processes/colombo-process")));
  ev::CancelMeetingRequest cancel;
  cancel.set_name("processes/colombo-process/meetings/m");
  cancel.set_reason("funding");
  EXPECT_THAT(CallAs(Role::kAdmin, "/rcp.events.v1.Events/CancelMeeting", cancel),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("its home is colombo-process.rcp")));
  reg::CreateMembershipRequest membership;
  membership.set_parent(kColombo);
  EXPECT_THAT(CallAs(Role::kAdmin, "/rcp.registry.v1.Registry/CreateMembership", membership),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("colombo-process.rcp")));
  doc::CreateDocumentRequest document;
  document.set_parent(kColombo);
  EXPECT_THAT(CallAs(Role::kAdmin, "/rcp.documents.v1.Documents/CreateDocument", document),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("colombo-process.rcp")));
  for (const char* method : {"CreateMeeting", "CancelMeeting", "CreateMembership", "CreateDocument"}) {
    EXPECT_TRUE(fake_.CallsOf(method).empty()) << method << " reached the service";
  }
  // The policy speaks first: who may not write there hears that, not of
  // homes; and the home's own processes are written as ever.
  EXPECT_THAT(CallAs(Role::kMember, "/rcp.events.v1.Events/CreateMeeting", create),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("")));
  ev::CreateMeetingRequest local;
  local.mutable_meeting()->add_processes(kBali);
  EXPECT_THAT(CallAs(Role::kAdmin, "/rcp.events.v1.Events/CreateMeeting", local), IsOk());
}

TEST_F(HomesTest, AnAdministratorPinsAMirrorsHomeThere) {
  reg::UpdateProcessRequest pin;
  pin.mutable_process()->set_name(kColombo);
  pin.mutable_process()->set_home("colombo-process.secretariat");
  pin.mutable_update_mask()->add_paths("home");
  EXPECT_THAT(CallAs(Role::kAdmin, "/rcp.registry.v1.Registry/UpdateProcess", pin), IsOk());
  EXPECT_EQ(fake_.CallsOf("UpdateProcess").size(), 1u);
  // Anything more than the pin is a change to the mirror.
  pin.mutable_update_mask()->add_paths("region");
  EXPECT_THAT(CallAs(Role::kAdmin, "/rcp.registry.v1.Registry/UpdateProcess", pin),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("colombo-process.rcp")));
}

// ------------------------------------------------------------ refusals

TEST_F(GatewayPolicyTest, InternalMethodsAreNotServed) {
  for (const char* method :
       {"/rcp.registry.v1.Registry/Authenticate", "/rcp.registry.v1.Registry/ResolveApiKey"}) {
    reg::AuthenticateRequest req;
    req.set_key(KeyOf(Role::kMember));
    EXPECT_THAT(CallAs(Role::kAdmin, method, req), StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("")))
        << method;
  }
  EXPECT_TRUE(fake_.CallsOf("Authenticate").size() <= 1u);  // the admin's own authentication at most
}

TEST_F(GatewayPolicyTest, AMethodMissingFromTheTableIsRefused) {
  // A facade that forwarded a method the table does not list would get this.
  upstream::Forwarder events(gateway_.deps(), "rcp.events.v1.Events");
  ev::GetMeetingRequest req;
  req.set_name(kMeetingName);
  EXPECT_THAT(events.AuthorizeKey("ArchiveMeeting", KeyOf(Role::kAdmin), req),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("ArchiveMeeting")));
  // The table's methods of another service are not this service's.
  EXPECT_THAT(events.AuthorizeKey("GetProcess", KeyOf(Role::kAdmin), req),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("no rule")));
  EXPECT_THAT(events.AuthorizeKey("GetMeeting", KeyOf(Role::kAdmin), req), IsOk());
}

TEST_F(GatewayPolicyTest, PublicKeysNeedNoCredentialAndRotateForAdministrators) {
  federation::fv1::Federation::Stub federation(gateway_.NewChannel());
  federation::fv1::FederationAdmin::Stub admin(gateway_.NewChannel());
  grpc::ClientContext anonymous;
  federation::fv1::ServerKeys keys;
  ASSERT_TRUE(federation.GetServerKeys(&anonymous, {}, &keys).ok());
  EXPECT_EQ(keys.deployment_id(), "test.rcp");
  ASSERT_EQ(keys.keys_size(), 1);
  EXPECT_EQ(keys.keys(0).key_id(), gateway_.keyring().current()->key_id());
  for (Role role : {Role::kSecretariat, Role::kBaliAdmin}) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + KeyOf(role));
    federation::fv1::ServerKeys out;
    EXPECT_EQ(admin.RotateKey(&ctx, {}, &out).error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << RoleName(role);
  }
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + KeyOf(Role::kAdmin));
  federation::fv1::ServerKeys rotated;
  ASSERT_TRUE(admin.RotateKey(&ctx, {}, &rotated).ok());
  ASSERT_EQ(rotated.keys_size(), 2);
  EXPECT_EQ(rotated.keys(1).key_id(), keys.keys(0).key_id());
  EXPECT_THAT(federation::VerifyKeyChain(rotated), IsOk());
  grpc::ClientContext again;
  ASSERT_TRUE(federation.GetServerKeys(&again, {}, &keys).ok());
  EXPECT_EQ(keys.keys(0).key_id(), rotated.keys(0).key_id());
}

TEST_F(GatewayPolicyTest, AWrongKeyReachesNothingAndIsNeverTakenForNoKey) {
  PutItems(Role::kObserver, Item::kPublic, true);
  ev::Events::Stub events(gateway_.NewChannel());
  ev::GetMeetingRequest req;
  req.set_name(kMeetingName);
  ev::Meeting m;
  for (const char* header : {"", "Bearer ", "Bearer rcp_nobody_secret", "Basic abc"}) {
    grpc::ClientContext wrong;
    wrong.AddMetadata("authorization", header);
    EXPECT_EQ(events.GetMeeting(&wrong, req, &m).error_code(), grpc::StatusCode::UNAUTHENTICATED) << header;
  }
  EXPECT_TRUE(fake_.CallsOf("GetMeeting").empty());
  // No header at all: the PUBLIC meeting, read as the anonymous viewer.
  grpc::ClientContext none;
  EXPECT_TRUE(events.GetMeeting(&none, req, &m).ok());
  EXPECT_EQ(m.name(), kMeetingName);
}

// A gateway started with --anonymous_reads=false asks every caller for a
// key, and nothing reaches the services without one.
TEST(GatewayPolicyRefusingAnonymous, EveryCallWithoutAKeyIsUnauthenticated) {
  FakeServices fake;
  ev::Meeting public_meeting;
  public_meeting.set_name(kMeetingName);
  public_meeting.add_processes(kBali);
  public_meeting.set_visibility(rcp::common::v1::PUBLIC);
  fake.Put(public_meeting);
  GatewayHarness gateway(&fake, access::AnonymousCallers::kRefused);
  ev::Events::Stub events(gateway.NewChannel());
  ev::GetMeetingRequest req;
  req.set_name(kMeetingName);
  ev::Meeting m;
  grpc::ClientContext ctx;
  grpc::Status got = events.GetMeeting(&ctx, req, &m);
  EXPECT_EQ(got.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(got.error_message(), HasSubstr("authorization: missing"));
  grpc::ClientContext list_ctx;
  ev::ListMeetingsResponse list;
  EXPECT_EQ(events.ListMeetings(&list_ctx, {}, &list).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(fake.CallsOf("GetMeeting").empty());
  EXPECT_TRUE(fake.CallsOf("ListMeetings").empty());
}

}  // namespace
}  // namespace rcp::gateway::testing
