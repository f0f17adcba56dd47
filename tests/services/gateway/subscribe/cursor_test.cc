// Subscribe cursors: opaque, round-trip exactly, and tampering is refused.
#include "services/gateway/subscribe/cursor.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "common/testing/status_matchers.h"

namespace rcp::gateway::subscribe {
namespace {

using ::rcp::testing::StatusIs;
using ::testing::HasSubstr;

TEST(Cursor, RoundTrips) {
  for (const Cursor& c : {Cursor{}, Cursor{{1, 2, 3}}, Cursor{{~uint64_t{0}, 0, uint64_t{1} << 40}}}) {
    std::string text = EncodeCursor(c);
    EXPECT_LE(text.size(), 100u);
    auto back = DecodeCursor(text);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->revisions, c.revisions);
  }
  EXPECT_NE(EncodeCursor(Cursor{{1, 2, 3}}), EncodeCursor(Cursor{{1, 2, 4}}));
}

TEST(Cursor, RefusesMalformedAndTampered) {
  std::string good = EncodeCursor(Cursor{{10, 20, 30}});
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(good, &raw));
  std::string tampered = raw;
  tampered[2 + 7] ^= 1;  // the registry revision's low byte
  for (const std::string& bad : {std::string(""), std::string("abc"), good.substr(1), good + "A",
                                 absl::WebSafeBase64Escape(tampered), std::string(200, 'A')}) {
    EXPECT_THAT(DecodeCursor(bad), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cursor"))) << bad;
  }
}

}  // namespace
}  // namespace rcp::gateway::subscribe
