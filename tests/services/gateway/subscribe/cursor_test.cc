// Subscribe cursors: opaque, round-trip exactly (revisions and epochs),
// tampering is refused, and the layout before epochs is still read.
#include "services/gateway/subscribe/cursor.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "common/coding/coding.h"
#include "common/crypto/crypto.h"
#include "common/testing/status_matchers.h"

namespace rcp::gateway::subscribe {
namespace {

using ::rcp::testing::StatusIs;
using ::testing::HasSubstr;

TEST(Cursor, RoundTrips) {
  for (const Cursor& c : {Cursor{}, Cursor{{1, 2, 3}, {7, 8, 9}},
                          Cursor{{~uint64_t{0}, 0, uint64_t{1} << 40}, {1796000000000000, 0, ~uint64_t{0}}}}) {
    std::string text = EncodeCursor(c);
    EXPECT_LE(text.size(), 100u);
    auto back = DecodeCursor(text);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->revisions, c.revisions);
    EXPECT_EQ(back->epochs, c.epochs);
  }
  EXPECT_NE(EncodeCursor(Cursor{{1, 2, 3}}), EncodeCursor(Cursor{{1, 2, 4}}));
  EXPECT_NE(EncodeCursor(Cursor{{1, 2, 3}, {5, 5, 5}}), EncodeCursor(Cursor{{1, 2, 3}, {5, 6, 5}}));
}

// A cursor from a gateway of the release before: revisions only. Its
// epochs are unknown (0), so a rolling upgrade keeps its subscribers.
TEST(Cursor, ReadsTheLayoutBeforeEpochs) {
  std::string raw = "c1";
  for (uint64_t r : {11, 22, 33}) coding::AppendUint64(&raw, r);
  raw += crypto::Sha256Hex(raw).substr(0, 8);
  auto back = DecodeCursor(absl::WebSafeBase64Escape(raw));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->revisions, (std::array<uint64_t, 3>{11, 22, 33}));
  EXPECT_EQ(back->epochs, (std::array<uint64_t, 3>{0, 0, 0}));
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
