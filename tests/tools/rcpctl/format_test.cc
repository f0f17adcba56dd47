// rcpctl's output and input text: tables, details, JSON, times, enums,
// durations and the progress bar.
#include "tools/rcpctl/format.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <sstream>

#include "tools/rcpctl/transfer.h"

namespace rcp::rcpctl {
namespace {

using ::testing::HasSubstr;
namespace rv1 = ::rcp::registry::v1;
namespace ev1 = ::rcp::events::v1;
namespace dv1 = ::rcp::documents::v1;

google::protobuf::Timestamp At(const std::string& rfc3339) {
  google::protobuf::Timestamp t;
  std::string error;
  EXPECT_TRUE(ParseTimestamp(rfc3339, &t, &error)) << error;
  return t;
}

TEST(RcpctlTableTest, AlignsColumnsByCodePoints) {
  Table t({"code", "type", "name"});
  t.AddRow({"CIV", "state", "Côte d’Ivoire"});
  t.AddRow({"iom", "organization", "International Organization for Migration"});
  t.AddRow({"X", "", "line\nbreak"});
  EXPECT_EQ(t.ToString(),
            "CODE  TYPE          NAME\n"
            "CIV   state         Côte d’Ivoire\n"
            "iom   organization  International Organization for Migration\n"
            "X     -             line break\n");
}

TEST(RcpctlTableTest, MeetingsShowLocalTimesInTheirZone) {
  ev1::Meeting m;
  m.set_name("processes/bali-process/meetings/som-2026");
  m.set_status(ev1::CONFIRMED);
  m.set_kind(ev1::SENIOR_OFFICIALS_MEETING);
  *m.mutable_start_time() = At("2026-03-10T01:00:00Z");
  *m.mutable_end_time() = At("2026-03-11T09:30:00Z");
  m.set_time_zone("Asia/Jakarta");
  m.set_title("Senior Officials' Meeting");
  ev1::Meeting day;
  day.set_name("processes/midsa/meetings/ws");
  day.set_status(ev1::PLANNED);
  day.set_kind(ev1::TECHNICAL_WORKSHOP);
  day.set_all_day(true);
  day.mutable_start_date()->set_year(2026);
  day.mutable_start_date()->set_month(5);
  day.mutable_start_date()->set_day(4);
  *day.mutable_end_date() = day.start_date();
  day.set_time_zone("Africa/Gaborone");
  day.set_title("Workshop");
  EXPECT_EQ(
      MeetingTable({m, day}).ToString(),
      "NAME                                      STATUS     KIND                      START             END"
      "               TIME ZONE        TITLE\n"
      "processes/bali-process/meetings/som-2026  confirmed  senior-officials-meeting  2026-03-10 08:00  "
      "2026-03-11 16:30  Asia/Jakarta     Senior Officials' Meeting\n"
      "processes/midsa/meetings/ws               planned    technical-workshop        2026-05-04        "
      "2026-05-04        Africa/Gaborone  Workshop\n");
}

TEST(RcpctlDetailsTest, AlignsLabelsAndSkipsEmptyValues) {
  rv1::Process p;
  p.set_name("processes/bali-process");
  p.set_acronym("Bali Process");
  p.set_region("Asia-Pacific");
  p.set_established_year(2002);
  p.add_current_chairs("parties/AUS");
  p.add_current_chairs("parties/IDN");
  *p.mutable_create_time() = At("2026-01-02T03:04:05Z");
  EXPECT_EQ(ProcessDetails(p).ToString(),
            "Name:            processes/bali-process\n"
            "Acronym:         Bali Process\n"
            "Region:          Asia-Pacific\n"
            "Established:     2002\n"
            "Current chairs:  parties/AUS, parties/IDN\n"
            "Created:         2026-01-02T03:04:05Z\n");
}

TEST(RcpctlJsonTest, UsesProtobufsMappingAndRoundTrips) {
  dv1::ContentVersion v;
  v.set_name("processes/midsa/documents/plan/languages/pt/versions/1");
  v.set_language("pt");
  v.set_version(1);
  v.set_size_bytes(3000000);
  v.set_sha256(std::string(64, 'a'));
  *v.mutable_create_time() = At("2026-03-10T09:00:00Z");
  std::string json = ToJson(v);
  EXPECT_THAT(json, HasSubstr("\"sizeBytes\": \"3000000\""));
  EXPECT_THAT(json, HasSubstr("\"createTime\": \"2026-03-10T09:00:00Z\""));
  EXPECT_EQ(json.back(), '\n');
  dv1::ContentVersion back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &back).ok());
  EXPECT_EQ(back.SerializeAsString(), v.SerializeAsString());
  EXPECT_EQ(ToJson(v, false).find('\n'), std::string::npos);
}

TEST(RcpctlJsonTest, ChangeValuesAreRenderedAndUnknownTypesDropped) {
  rcp::gateway::v1::Event e;
  e.set_service("registry");
  rv1::Process p;
  p.set_name("processes/bali-process");
  e.mutable_change()->mutable_value()->PackFrom(p);
  EXPECT_THAT(ToJson(e, false), HasSubstr("\"@type\":\"type.googleapis.com/rcp.registry.v1.Process\""));
  e.mutable_change()->mutable_value()->set_type_url("type.googleapis.com/rcp.future.v9.Thing");
  std::string json = ToJson(e, false);
  EXPECT_EQ(json, "{\"service\":\"registry\",\"change\":{}}");
}

TEST(RcpctlTextTest, Times) {
  EXPECT_EQ(FormatTimestamp(At("2026-03-10T09:00:00+01:00")), "2026-03-10T08:00:00Z");
  EXPECT_EQ(FormatTimestamp(google::protobuf::Timestamp()), "");
  EXPECT_EQ(FormatLocalTime(At("2026-03-10T08:00:00Z"), "Europe/Zurich"), "2026-03-10 09:00");
  google::protobuf::Timestamp t;
  std::string error;
  EXPECT_FALSE(ParseTimestamp("2026-03-10 09:00", &t, &error));
  EXPECT_THAT(error, HasSubstr("RFC 3339"));
  EXPECT_FALSE(ParseTimestamp("2026-03-10T09:00:00", &t, &error)) << "a zone is required";
  EXPECT_TRUE(ParseTimestamp("2026-03-10T09:00:00.5Z", &t, &error));
  EXPECT_EQ(t.nanos(), 500000000);
}

TEST(RcpctlTextTest, Dates) {
  rcp::common::v1::Date d;
  std::string error;
  ASSERT_TRUE(ParseDate("2005-04-14", &d, &error));
  EXPECT_EQ(d.year(), 2005);
  EXPECT_EQ(d.month(), 4);
  EXPECT_EQ(d.day(), 14);
  EXPECT_EQ(FormatDate(d), "2005-04-14");
  EXPECT_FALSE(ParseDate("2026-02-30", &d, &error));
  EXPECT_FALSE(ParseDate("14/04/2005", &d, &error));
  EXPECT_THAT(error, HasSubstr("YYYY-MM-DD"));
}

TEST(RcpctlTextTest, Durations) {
  absl::Duration d;
  std::string error;
  ASSERT_TRUE(ParseDuration("30d", &d, &error));
  EXPECT_EQ(d, absl::Hours(720));
  ASSERT_TRUE(ParseDuration("1d12h", &d, &error));
  EXPECT_EQ(d, absl::Hours(36));
  ASSERT_TRUE(ParseDuration("2w", &d, &error));
  EXPECT_EQ(d, absl::Hours(336));
  ASSERT_TRUE(ParseDuration("90m", &d, &error));
  EXPECT_EQ(d, absl::Minutes(90));
  for (const char* bad : {"", "30", "d", "3x", "0h", "-1d", "1.5h"}) {
    EXPECT_FALSE(ParseDuration(bad, &d, &error)) << bad;
  }
}

TEST(RcpctlTextTest, Enums) {
  ev1::MeetingKind kind{};
  std::string error;
  ASSERT_TRUE(ParseEnum("senior-officials-meeting", &kind, &error));
  EXPECT_EQ(kind, ev1::SENIOR_OFFICIALS_MEETING);
  ASSERT_TRUE(ParseEnum("INTER_RCP_MEETING", &kind, &error));
  EXPECT_EQ(kind, ev1::INTER_RCP_MEETING);
  EXPECT_FALSE(ParseEnum("meeting-kind-unspecified", &kind, &error));
  EXPECT_FALSE(ParseEnum("party", &kind, &error));
  EXPECT_THAT(error, HasSubstr("ministerial-conference|senior-officials-meeting"));
  rv1::Party::Type type{};
  ASSERT_TRUE(ParseEnum("organization", &type, &error));
  EXPECT_EQ(type, rv1::Party::ORGANIZATION);
  EXPECT_EQ(EnumChoices(google::protobuf::GetEnumDescriptor<rcp::common::v1::Visibility>()),
            "public|members|restricted");
  EXPECT_EQ(EnumText(rv1::OBSERVER), "observer");
  EXPECT_EQ(EnumText(rv1::ROLE_UNSPECIFIED), "");
}

TEST(RcpctlTextTest, Sizes) {
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(3 << 20), "3.0 MiB");
  EXPECT_EQ(FormatBytes(int64_t{2} << 30), "2.00 GiB");
}

TEST(RcpctlProgressTest, RendersABar) {
  EXPECT_EQ(ProgressBar::Render("upload", 3 << 20, 12 << 20, 1 << 20),
            "upload   [######..................]  25%  3.0 MiB / 12.0 MiB  1.0 MiB/s");
  std::ostringstream out;
  {
    ProgressBar off(&out, /*enabled=*/false, "download");
    off.Update(1, 2);
    off.Finish();
  }
  EXPECT_EQ(out.str(), "") << "nothing is drawn when stderr is not a terminal";
  ProgressBar on(&out, true, "download");
  on.Update(2, 2);
  on.Finish();
  EXPECT_THAT(out.str(), HasSubstr("100%"));
  EXPECT_EQ(out.str().back(), '\n');
}

TEST(RcpctlMediaTypeTest, FromTheExtension) {
  EXPECT_EQ(GuessMediaType("/x/Report.PDF"), "application/pdf");
  EXPECT_EQ(GuessMediaType("stats.csv"), "text/csv");
  EXPECT_EQ(GuessMediaType("noext"), "application/octet-stream");
}

}  // namespace
}  // namespace rcp::rcpctl
