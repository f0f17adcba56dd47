#include "common/resource/resource.h"

#include <google/protobuf/field_mask.pb.h>
#include <gtest/gtest.h>

#include "common/status/status.h"
#include "common/testing/status_matchers.h"
#include "rcp/common/v1/common.pb.h"
#include "rcp/registry/v1/registry.pb.h"

namespace rcp::resource {
namespace {

using ::rcp::testing::IsOk;
using ::rcp::testing::StatusIs;
using ::testing::HasSubstr;

TEST(SlugTest, AcceptsLowercaseWithInnerHyphens) {
  EXPECT_TRUE(IsSlug("bali-process"));
  EXPECT_TRUE(IsSlug("five-plus-five"));
  EXPECT_TRUE(IsSlug("a1"));
  EXPECT_FALSE(IsSlug("Bali"));
  EXPECT_FALSE(IsSlug("-bali"));
  EXPECT_FALSE(IsSlug("bali-"));
  EXPECT_FALSE(IsSlug("bali--process"));
  EXPECT_FALSE(IsSlug("b"));
  EXPECT_FALSE(IsSlug(std::string(64, 'a')));
  EXPECT_THAT(ValidateSlug("process_id", "Bad_Id"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("process_id")));
}

TEST(ParseNameTest, ReturnsIdsOrNamesTheExpectedShape) {
  auto ids = ParseName("name", "processes/bali/memberships/idn", "processes/*/memberships/*");
  ASSERT_THAT(ids, IsOk());
  EXPECT_EQ((*ids)[0], "bali");
  EXPECT_EQ((*ids)[1], "idn");
  EXPECT_THAT(ParseName("name", "process/bali", "processes/*"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("processes/{id1}")));
  EXPECT_THAT(ParseName("name", "processes/", "processes/*"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")));
  EXPECT_THAT(ParseName("parent", "", "processes/*"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("parent: is required")));
}

TEST(InvalidFieldTest, AttachesFieldViolationDetail) {
  absl::Status s = ValidateText("process.display_name", "", 1, 10);
  rcp::common::v1::FieldViolation v;
  ASSERT_TRUE(GetDetail(s, &v));
  EXPECT_EQ(v.field(), "process.display_name");
  EXPECT_EQ(v.description(), "is required");
}

TEST(ValidateTextTest, CountsCodePointsNotBytes) {
  // 10 Arabic letters are 20 bytes but 10 characters.
  std::string arabic = "مممممممممم";
  EXPECT_THAT(ValidateText("title", arabic, 1, 10), IsOk());
  EXPECT_THAT(ValidateText("title", arabic + "م", 1, 10),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 10")));
  EXPECT_THAT(ValidateText("title", "a\nb", 1, 10),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("control")));
  EXPECT_THAT(ValidateText("title", "a\nb", 1, 10, /*multiline=*/true), IsOk());
}

TEST(PageTokenTest, RoundTripsAndIsBoundToItsQuery) {
  std::string token = EncodePageToken("fingerprint-aaaaaaaaaaaaaaaa", "processes/bali");
  auto key = DecodePageToken(token, "fingerprint-aaaaaaaaaaaaaaaa");
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ(*key, "processes/bali");
  EXPECT_THAT(DecodePageToken(token, "another-query-bbbbbbbbbbbbbbbb"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("different query")));
  EXPECT_THAT(DecodePageToken("not-a-token", "fingerprint-aaaaaaaaaaaaaaaa"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
  std::string tampered = token;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_THAT(DecodePageToken(tampered, "fingerprint-aaaaaaaaaaaaaaaa"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
  auto first = DecodePageToken("", "x");
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(*first, "");
}

TEST(PageSizeTest, DefaultsAndBounds) {
  EXPECT_EQ(*ResolvePageSize(0), 50);
  EXPECT_EQ(*ResolvePageSize(7), 7);
  EXPECT_THAT(ResolvePageSize(-1), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_size")));
  EXPECT_THAT(ResolvePageSize(1001), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_size")));
}

TEST(UpdateMaskTest, OnlyAllowedPathsAndAtLeastOne) {
  google::protobuf::FieldMask mask;
  EXPECT_THAT(ValidateUpdateMask(mask, {"display_name"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("update_mask")));
  mask.add_paths("etag");
  EXPECT_THAT(ValidateUpdateMask(mask, {"display_name"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'etag' cannot be updated")));
  mask.set_paths(0, "display_name");
  EXPECT_THAT(ValidateUpdateMask(mask, {"display_name"}), IsOk());

  rcp::registry::v1::Process current, patch;
  current.set_display_name("Old");
  current.set_acronym("OLD");
  current.add_thematic_focus("a");
  patch.set_display_name("New");
  patch.set_acronym("IGNORED");
  patch.add_thematic_focus("b");
  mask.add_paths("thematic_focus");
  ApplyUpdateMask(mask, patch, &current);
  EXPECT_EQ(current.display_name(), "New");
  EXPECT_EQ(current.acronym(), "OLD");
  ASSERT_EQ(current.thematic_focus_size(), 1) << "repeated fields are replaced, not appended";
  EXPECT_EQ(current.thematic_focus(0), "b");
}

TEST(EtagTest, ChangesWithContentAndIgnoresItself) {
  rcp::registry::v1::Party p;
  p.set_display_name("Indonesia");
  std::string e1 = ComputeEtag(p);
  p.set_etag(e1);
  EXPECT_EQ(ComputeEtag(p), e1);
  p.set_display_name("Republic of Indonesia");
  EXPECT_NE(ComputeEtag(p), e1);
}

}  // namespace
}  // namespace rcp::resource
