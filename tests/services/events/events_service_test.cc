// rcp.events.v1.Events over a real loopback channel to an in-process server.
#include "services/events/events_service.h"

#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/audience/audience.h"
#include "common/entity/entity.h"
#include "common/time/timestamp.h"
#include "common/server/principal.h"
#include "common/server/server.h"
#include "common/status/status.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"

namespace rcp::events {
namespace {

using ::rcp::testing::IsOk;
using ::rcp::testing::StatusIs;
using ::testing::HasSubstr;

class EventsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EventsOptions o;
    o.store.path = dir_.Sub("db");
    o.store.clock = &clock_;
    auto s = EventsStore::Open(o);
    ASSERT_THAT(s, IsOk());
    store_ = std::move(*s);
    service_ = std::make_unique<EventsService>(store_.get(), &pool_);
    server::ServerOptions so;
    so.service_name = "events-test";
    server_ = std::make_unique<server::Server>(so);
    server_->AddService(service_.get());
    ASSERT_THAT(server_->Start(), IsOk());
    stub_ = v1::Events::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                                    grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    server_->Shutdown();
    server_.reset();
  }
  v1::CreateMeetingRequest Request(const std::string& title) {
    v1::CreateMeetingRequest req;
    auto* m = req.mutable_meeting();
    m->add_processes("processes/puebla-process");
    m->set_title(title);
    m->set_kind(v1::MINISTERIAL_CONFERENCE);
    m->set_time_zone("America/Mexico_City");
    *m->mutable_start_time() = ToTimestamp(clock_.Now() + absl::Hours(24 * 30));
    *m->mutable_end_time() = ToTimestamp(clock_.Now() + absl::Hours(24 * 30 + 8));
    m->mutable_venue()->set_city("Ciudad de México");
    m->mutable_venue()->set_country("MEX");
    m->set_visibility(rcp::common::v1::PUBLIC);
    return req;
  }

  rcp::testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1795000000)};
  ThreadPool pool_{4};
  std::unique_ptr<EventsStore> store_;
  std::unique_ptr<EventsService> service_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::Events::Stub> stub_;
};

TEST_F(EventsServiceTest, CreateGetListConfirmAndCancelOverGrpc) {
  grpc::ClientContext c1;
  c1.AddMetadata(server::kPrincipalHeader, "apiKeys/puebla");
  v1::Meeting m;
  ASSERT_THAT(FromGrpcStatus(stub_->CreateMeeting(&c1, Request("Reunión viceministerial"), &m)), IsOk());
  EXPECT_EQ(m.creator(), "apiKeys/puebla");

  grpc::ClientContext c2;
  v1::ConfirmMeetingRequest confirm;
  confirm.set_name(m.name());
  confirm.set_etag(m.etag());
  v1::Meeting confirmed;
  ASSERT_THAT(FromGrpcStatus(stub_->ConfirmMeeting(&c2, confirm, &confirmed)), IsOk());
  EXPECT_EQ(confirmed.status(), v1::CONFIRMED);

  grpc::ClientContext c3;
  v1::CancelMeetingRequest cancel;
  cancel.set_name(m.name());
  cancel.set_etag(m.etag());  // stale: the confirmation changed it
  cancel.set_reason("the host withdrew");
  v1::Meeting cancelled;
  EXPECT_THAT(FromGrpcStatus(stub_->CancelMeeting(&c3, cancel, &cancelled)),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("etag")));

  grpc::ClientContext c4;
  v1::ListMeetingsResponse list;
  ASSERT_THAT(FromGrpcStatus(stub_->ListMeetings(&c4, {}, &list)), IsOk());
  ASSERT_EQ(list.meetings_size(), 1);
  EXPECT_EQ(list.meetings(0).status(), v1::CONFIRMED);
}

TEST_F(EventsServiceTest, BadInputCarriesTheFieldInTheStatusDetails) {
  auto req = Request("x");
  req.mutable_meeting()->set_time_zone("Europe/Atlantis");
  grpc::ClientContext ctx;
  v1::Meeting m;
  absl::Status s = FromGrpcStatus(stub_->CreateMeeting(&ctx, req, &m));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("time_zone")));
  rcp::common::v1::FieldViolation v;
  ASSERT_TRUE(GetDetail(s, &v));
  EXPECT_EQ(v.field(), "meeting.time_zone");
}

TEST_F(EventsServiceTest, InvalidTransitionIsFailedPreconditionOverGrpc) {
  grpc::ClientContext c1;
  v1::Meeting m;
  ASSERT_THAT(FromGrpcStatus(stub_->CreateMeeting(&c1, Request("Workshop"), &m)), IsOk());
  grpc::ClientContext c2;
  v1::MarkMeetingHeldRequest held;
  held.set_name(m.name());
  v1::Meeting out;
  EXPECT_THAT(FromGrpcStatus(stub_->MarkMeetingHeld(&c2, held, &out)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("PLANNED")));
}

TEST_F(EventsServiceTest, WatchAndSyncSeeTheSameChanges) {
  grpc::ClientContext s1;
  v1::SyncMeetingsResponse first;
  ASSERT_THAT(FromGrpcStatus(stub_->SyncMeetings(&s1, {}, &first)), IsOk());

  grpc::ClientContext wctx;
  wctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  rcp::common::v1::WatchRequest watch;
  watch.set_since_revision(store_->store()->revision());
  auto reader = stub_->Watch(&wctx, watch);

  grpc::ClientContext c1;
  v1::Meeting m;
  ASSERT_THAT(FromGrpcStatus(stub_->CreateMeeting(&c1, Request("Plenary"), &m)), IsOk());
  grpc::ClientContext c2;
  v1::PostponeMeetingRequest postpone;
  postpone.set_name(m.name());
  v1::Meeting postponed;
  ASSERT_THAT(FromGrpcStatus(stub_->PostponeMeeting(&c2, postpone, &postponed)), IsOk());

  std::vector<rcp::common::v1::Change> changes;
  rcp::common::v1::WatchResponse batch;
  while (changes.size() < 2 && reader->Read(&batch)) {
    for (const auto& c : batch.changes()) changes.push_back(c);
  }
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].operation(), rcp::common::v1::Change::CREATED);
  EXPECT_EQ(changes[1].operation(), rcp::common::v1::Change::UPDATED);
  v1::Meeting last;
  ASSERT_TRUE(changes[1].value().UnpackTo(&last));
  EXPECT_EQ(last.status(), v1::POSTPONED);
  EXPECT_TRUE(last.dates_to_be_announced());
  wctx.TryCancel();

  grpc::ClientContext s2;
  v1::SyncMeetingsRequest inc;
  inc.set_sync_token(first.next_sync_token());
  v1::SyncMeetingsResponse delta;
  ASSERT_THAT(FromGrpcStatus(stub_->SyncMeetings(&s2, inc, &delta)), IsOk());
  ASSERT_EQ(delta.meetings_size(), 1);
  EXPECT_EQ(delta.meetings(0).status(), v1::POSTPONED);
}

TEST_F(EventsServiceTest, ExportCalendarOverGrpc) {
  grpc::ClientContext c1;
  v1::Meeting m;
  ASSERT_THAT(FromGrpcStatus(stub_->CreateMeeting(&c1, Request("Conferencia, Regional; 2027"), &m)), IsOk());
  grpc::ClientContext c2;
  v1::ExportCalendarRequest req;
  req.set_calendar_name("Puebla Process");
  v1::ExportCalendarResponse cal;
  ASSERT_THAT(FromGrpcStatus(stub_->ExportCalendar(&c2, req, &cal)), IsOk());
  EXPECT_THAT(cal.body(), HasSubstr("SUMMARY:Conferencia\\, Regional\\; 2027\r\n"));
  EXPECT_THAT(cal.body(), HasSubstr("TZID:America/Mexico_City"));
}

// A unary call of `method` with an empty request, carrying `viewer` (the
// serialized bytes) when it is set.
template <typename Request, typename Response>
absl::StatusOr<Response> CallAs(v1::Events::Stub* stub, const std::string* viewer,
                                grpc::Status (v1::Events::Stub::*method)(grpc::ClientContext*, const Request&,
                                                                         Response*)) {
  grpc::ClientContext c;
  if (viewer != nullptr) c.AddMetadata(audience::kViewerHeader, *viewer);
  Response response;
  RCP_RETURN_IF_ERROR(FromGrpcStatus((stub->*method)(&c, Request(), &response)));
  return response;
}

// The adapters read the caller's viewer from x-rcp-viewer-bin and the
// store filters by it; a viewer that does not parse is INVALID_ARGUMENT.
TEST_F(EventsServiceTest, ListSyncAndExportAreFilteredForTheViewerTheCallCarries) {
  auto open = Request("Open consultation");
  auto closed = Request("Closed session");
  closed.mutable_meeting()->set_visibility(rcp::common::v1::MEMBERS);
  for (const auto& req : {open, closed}) {
    grpc::ClientContext c;
    v1::Meeting m;
    ASSERT_THAT(FromGrpcStatus(stub_->CreateMeeting(&c, req, &m)), IsOk());
  }
  // An observer of the Puebla Process.
  audience::Viewer observer;
  observer.set_party("parties/unhcr");
  auto* rights = observer.add_rights();
  rights->set_process("processes/puebla-process");
  rights->add_roles(registry::v1::OBSERVER);
  const std::string viewer = observer.SerializeAsString();
  const std::string garbage("\xff\xff\xff\xff", 4);
  auto titles = [](const auto& meetings) {
    std::vector<std::string> out;
    for (const auto& m : meetings) out.push_back(m.title());
    return out;
  };
  using Stub = v1::Events::Stub;
  Stub* stub = stub_.get();

  RCP_ASSERT_OK_AND_ASSIGN(auto list, CallAs(stub, &viewer, &Stub::ListMeetings));
  EXPECT_EQ(titles(list.meetings()), std::vector<std::string>{"Open consultation"});
  RCP_ASSERT_OK_AND_ASSIGN(auto everything, CallAs(stub, nullptr, &Stub::ListMeetings));
  EXPECT_EQ(everything.meetings_size(), 2) << "an internal caller without a viewer sees everything";
  RCP_ASSERT_OK_AND_ASSIGN(auto sync, CallAs(stub, &viewer, &Stub::SyncMeetings));
  EXPECT_EQ(titles(sync.meetings()), std::vector<std::string>{"Open consultation"});
  RCP_ASSERT_OK_AND_ASSIGN(auto cal, CallAs(stub, &viewer, &Stub::ExportCalendar));
  EXPECT_THAT(cal.body(), HasSubstr("SUMMARY:Open consultation"));
  EXPECT_THAT(cal.body(), ::testing::Not(HasSubstr("Closed session")));

  auto malformed = StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(audience::kViewerHeader));
  EXPECT_THAT(CallAs(stub, &garbage, &Stub::ListMeetings), malformed);
  EXPECT_THAT(CallAs(stub, &garbage, &Stub::SyncMeetings), malformed);
  EXPECT_THAT(CallAs(stub, &garbage, &Stub::ExportCalendar), malformed);
}

}  // namespace
}  // namespace rcp::events
