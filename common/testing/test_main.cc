// The main of every test binary: GoogleTest's, except that a skipped test
// fails. GoogleTest skips every test of a suite whose SetUpTestSuite failed
// (a deployment that did not start, say), prints "[  SKIPPED ]" and CTest,
// which gtest_discover_tests tells to read that mark as a skip, would count
// those tests as passed. A test that cannot run has not passed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

namespace {

using ::testing::TestEventListener;

// GoogleTest's own printer, but a skip is printed as the failure it is,
// never with the mark CTest reads as a skip.
class SkipsFail : public TestEventListener {
 public:
  explicit SkipsFail(TestEventListener* printer) : printer_(printer) {}

  bool any_skipped() const { return any_skipped_; }

  void OnTestProgramStart(const ::testing::UnitTest& u) override { printer_->OnTestProgramStart(u); }
  void OnTestIterationStart(const ::testing::UnitTest& u, int i) override { printer_->OnTestIterationStart(u, i); }
  void OnEnvironmentsSetUpStart(const ::testing::UnitTest& u) override { printer_->OnEnvironmentsSetUpStart(u); }
  void OnEnvironmentsSetUpEnd(const ::testing::UnitTest& u) override { printer_->OnEnvironmentsSetUpEnd(u); }
  void OnTestSuiteStart(const ::testing::TestSuite& s) override { printer_->OnTestSuiteStart(s); }
  void OnTestStart(const ::testing::TestInfo& t) override { printer_->OnTestStart(t); }
  void OnTestPartResult(const ::testing::TestPartResult& r) override {
    if (!r.skipped()) return printer_->OnTestPartResult(r);
    any_skipped_ = true;
    std::printf("%s:%d: Failure\nthe test was skipped, which fails it%s%s\n", r.file_name() ? r.file_name() : "?",
                r.line_number(), *r.message() ? ": " : "", r.message());
  }
  void OnTestEnd(const ::testing::TestInfo& t) override {
    if (!t.result()->Skipped()) return printer_->OnTestEnd(t);
    std::printf("[  FAILED  ] %s.%s (skipped)\n", t.test_suite_name(), t.name());
  }
  void OnTestSuiteEnd(const ::testing::TestSuite& s) override { printer_->OnTestSuiteEnd(s); }
  void OnEnvironmentsTearDownStart(const ::testing::UnitTest& u) override {
    printer_->OnEnvironmentsTearDownStart(u);
  }
  void OnEnvironmentsTearDownEnd(const ::testing::UnitTest& u) override { printer_->OnEnvironmentsTearDownEnd(u); }
  void OnTestIterationEnd(const ::testing::UnitTest& u, int i) override {
    if (u.skipped_test_count() == 0) return printer_->OnTestIterationEnd(u, i);
    std::printf("[  FAILED  ] %d of %d tests did not run (skipped); %d failed\n", u.skipped_test_count(),
                u.test_to_run_count(), u.failed_test_count());
  }
  void OnTestProgramEnd(const ::testing::UnitTest& u) override { printer_->OnTestProgramEnd(u); }

 private:
  std::unique_ptr<TestEventListener> printer_;
  bool any_skipped_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  ::testing::TestEventListeners& listeners = ::testing::UnitTest::GetInstance()->listeners();
  auto* skips_fail = new SkipsFail(listeners.Release(listeners.default_result_printer()));
  listeners.Append(skips_fail);  // owned by GoogleTest
  const int failed = RUN_ALL_TESTS();
  return failed != 0 || skips_fail->any_skipped() ? 1 : 0;
}
