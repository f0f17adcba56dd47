// gtest matchers for absl::Status and absl::StatusOr (Debian's Abseil has
// none): EXPECT_THAT(s, IsOk()); EXPECT_THAT(s, StatusIs(kNotFound, HasSubstr("x"))).
#ifndef RCP_COMMON_TESTING_STATUS_MATCHERS_H_
#define RCP_COMMON_TESTING_STATUS_MATCHERS_H_

#include <gmock/gmock.h>

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace rcp::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s;
  return s.ok();
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has code " + std::string(absl::StatusCodeToString(code))) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code &&
         ::testing::Matches(message_matcher)(std::string(s.message()));
}

// A StatusOr that is OK and holds a value `value_matcher` matches.
MATCHER_P(IsOkAndHolds, value_matcher, "is OK and holds a value that matches") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

}  // namespace rcp::testing

// ASSERT that a StatusOr is OK and move its value into `lhs`.
#define RCP_ASSERT_OK_AND_ASSIGN(lhs, expr) \
  RCP_ASSERT_OK_AND_ASSIGN_IMPL_(RCP_TEST_CONCAT_(rcp_statusor_, __LINE__), lhs, expr)
#define RCP_TEST_CONCAT_INNER_(a, b) a##b
#define RCP_TEST_CONCAT_(a, b) RCP_TEST_CONCAT_INNER_(a, b)
#define RCP_ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  ASSERT_TRUE(tmp.ok()) << tmp.status();               \
  lhs = std::move(tmp).value()

#endif  // RCP_COMMON_TESTING_STATUS_MATCHERS_H_
