// The portal in a real headless Chromium: tests/web/portal-browser.js (an
// observer's walk, a hidden meeting's 404, a member's sign-in and sign-out,
// a secretariat's postponement by rcpctl seen after a reload, a hostile
// title, axe-core, small screens, the keyboard, CSP) against a deployment of the four daemons.
// Screenshots of each page are left in build/web-screenshots for review.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/testing/daemon.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "tests/e2e/harness/deployment.h"

namespace {

namespace ev = ::rcp::events::v1;
using ::rcp::testing::CallWith;
using ::rcp::testing::Deployment;
using ::rcp::testing::DeploymentOptions;
using ::rcp::testing::IsOk;

// Runs `command`, its output and exit status.
int RunCommand(const std::string& command, std::string* output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output->append(buffer, n);
  return pclose(pipe);
}

TEST(PortalBrowserE2eTest, AnObserversWalkAccessibleInertAndWithinTheCsp) {
  rcp::testing::TempDir dir;
  DeploymentOptions options;
  options.id = "bali-process.rcp";
  Deployment deployment(dir.Sub("bali"), options);
  ASSERT_THAT(deployment.Start(), IsOk());

  ev::CreateMeetingRequest create;
  create.set_meeting_id("hostile-title");
  ev::Meeting* m = create.mutable_meeting();
  m->add_processes("processes/bali-process");
  m->set_title("<script>alert(1)</script><img src=x onerror=alert(2)> عنوان عربي");
  m->set_description("[click](javascript:alert(3)) <script>alert(4)</script>");
  m->set_kind(ev::SIDE_MEETING);
  m->set_time_zone("Asia/Makassar");
  m->mutable_start_time()->set_seconds(1830000000);
  m->mutable_end_time()->set_seconds(1830003600);
  m->set_visibility(rcp::common::v1::PUBLIC);
  ev::Meeting created;
  ASSERT_THAT(CallWith(deployment.Key("bali-secretariat"),
                       [&](auto* c) { return deployment.events()->CreateMeeting(c, create, &created); }),
              IsOk());

  const std::string screenshots = rcp::testing::BuildDir() + "/web-screenshots";
  std::string output;
  const std::string keys = absl::StrCat("RCP_MEMBER_KEY=", deployment.Key("indonesia"),
                                        " RCP_SECRETARIAT_KEY=", deployment.Key("bali-secretariat"), " ");
  int status = RunCommand(absl::StrCat(keys, "node ", RCP_SOURCE_DIR, "/tests/web/portal-browser.js --base http://127.0.0.1:",
                                deployment.http_port(), " --screenshots ", screenshots,
                                " --hidden /en/processes/bali-process/meetings/som-2027-02 --hostile /en/",
                                created.name(), " --rcpctl ", rcp::testing::BuildDir(), "/tools/rcpctl/rcpctl --grpc ",
                                deployment.gateway_address()),
                   &output);
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("checks passed"), std::string::npos) << output;
  std::printf("%s", output.c_str());
}

}  // namespace
