// The JSON API on the gateway's HTTP port under wrk (Debian's), beside
// cpp-httplib serving a static body of the same size from this process, in
// the same run, and the same call over gRPC to the gateway from as many
// threads: requests/s and latency percentiles at 16 connections, and the
// ratios. Targets (issue 12): ≥ 0.5× the static file's requests/s and p50
// ≤ 5 ms at 16 connections. (The static file does no work at all; the
// gRPC call does everything but the transcoding, and is the fairer base.)
//
//   GET /v1/processes/bali-process/meetings/{id}   one meeting (a key's Get)
//   GET /v1/meetings?pageSize=50                   a page of the 1,000 meetings
//
//   build/bench/http_bench [--seconds=10] [--connections=16] [--meetings=1000]
#include <google/protobuf/util/time_util.h>
#include <httplib.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "common/io/file.h"
#include "common/testing/temp_dir.h"
#include "tests/e2e/harness/deployment.h"

namespace {

using rcp::testing::CallWith;
using rcp::testing::Deployment;
namespace ev = ::rcp::events::v1;

// The same call over gRPC to the gateway from `connections` threads, for
// `seconds`: what the JSON API adds is the difference.
double GrpcRate(Deployment& d, const std::string& key, const std::string& path, int seconds, int connections) {
  std::atomic<int64_t> calls{0};
  std::atomic<bool> failed{false};
  absl::Time end = absl::Now() + absl::Seconds(seconds);
  std::vector<std::thread> threads;
  for (int t = 0; t < connections; ++t) {
    threads.emplace_back([&] {
      while (absl::Now() < end) {
        absl::Status s;
        if (absl::StartsWith(path, "/v1/meetings?")) {
          ev::ListMeetingsRequest req;
          req.set_page_size(50);
          ev::ListMeetingsResponse res;
          s = CallWith(key, [&](auto* c) { return d.events()->ListMeetings(c, req, &res); });
        } else {
          ev::GetMeetingRequest req;
          req.set_name(path.substr(4));
          ev::Meeting res;
          s = CallWith(key, [&](auto* c) { return d.events()->GetMeeting(c, req, &res); });
        }
        if (!s.ok()) failed = true;
        ++calls;
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failed) std::fprintf(stderr, "some gRPC calls failed\n");
  return calls / static_cast<double>(seconds);
}

struct Figures {
  double requests_per_second = 0;
  std::string p50, p99;
  std::string errors;
};

// Runs wrk against `url` and reads its summary.
Figures Wrk(const std::string& url, const std::string& key, int seconds, int connections, const std::string& dir) {
  const std::string out = dir + "/wrk.out";
  std::string command = absl::StrCat("wrk --latency -t2 -c", connections, " -d", seconds, "s ",
                                     key.empty() ? "" : absl::StrCat("-H 'Authorization: Bearer ", key, "' "), "'",
                                     url, "' > ", out, " 2>&1");
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "wrk failed (is it installed? deploy/install-deps.sh installs it):\n%s\n",
                 rcp::io::ReadFile(out).value_or("").c_str());
    std::exit(1);
  }
  std::string text = rcp::io::ReadFile(out).value_or("");
  Figures f;
  std::smatch m;
  if (std::regex_search(text, m, std::regex(R"(Requests/sec:\s+([0-9.]+))"))) {
    (void)absl::SimpleAtod(m[1].str(), &f.requests_per_second);
  }
  if (std::regex_search(text, m, std::regex(R"(50%\s+(\S+))"))) f.p50 = m[1];
  if (std::regex_search(text, m, std::regex(R"(99%\s+(\S+))"))) f.p99 = m[1];
  if (std::regex_search(text, m, std::regex(R"(Non-2xx or 3xx responses: ([0-9]+))"))) f.errors = m[1];
  return f;
}

int Flag(int argc, char** argv, const std::string& name, int fallback) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (absl::StartsWith(arg, "--" + name + "=")) return std::atoi(arg.c_str() + name.size() + 3);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int seconds = Flag(argc, argv, "seconds", 10);
  const int connections = Flag(argc, argv, "connections", 16);
  const int meetings = Flag(argc, argv, "meetings", 1000);
  rcp::testing::TempDir dir;
  rcp::testing::DeploymentOptions options;
  options.id = "bali-process.rcp";
  Deployment d(dir.Sub("bali"), options);
  if (absl::Status s = d.Start(); !s.ok()) {
    std::fprintf(stderr, "cannot start the deployment: %s\n", s.ToString().c_str());
    return 1;
  }
  const std::string secretariat = d.Key("bali-secretariat");
  for (int i = 0; i < meetings; ++i) {
    ev::CreateMeetingRequest req;
    req.set_request_id(absl::StrCat("bench-", i));
    ev::Meeting* m = req.mutable_meeting();
    m->add_processes("processes/bali-process");
    m->set_title(absl::StrCat("Working group session ", i));
    m->set_kind(ev::WORKING_GROUP);
    m->set_time_zone("Asia/Makassar");
    *m->mutable_start_time() = google::protobuf::util::TimeUtil::SecondsToTimestamp(1830000000 + int64_t{i} * 7200);
    *m->mutable_end_time() = google::protobuf::util::TimeUtil::SecondsToTimestamp(1830003600 + int64_t{i} * 7200);
    m->set_visibility(rcp::common::v1::MEMBERS);
    ev::Meeting created;
    if (absl::Status s = CallWith(secretariat, [&](auto* c) { return d.events()->CreateMeeting(c, req, &created); });
        !s.ok()) {
      std::fprintf(stderr, "cannot create meeting %d: %s\n", i, s.ToString().c_str());
      return 1;
    }
  }
  const std::string key = d.Key("indonesia");
  const std::string base = absl::StrCat("http://127.0.0.1:", d.http_port());
  struct Case {
    std::string what, path;
  };
  std::vector<Case> cases = {{"GET one meeting", "/v1/processes/bali-process/meetings/som-2027-02"},
                             {"GET a page of 50 meetings", "/v1/meetings?pageSize=50"}};
  std::printf("wrk, %d connections, %d s each; %d meetings; 2 threads of wrk on the same machine\n", connections,
              seconds, meetings);
  for (const Case& c : cases) {
    httplib::Client client("127.0.0.1", d.http_port());
    auto sample = client.Get(c.path.c_str(), {{"Authorization", "Bearer " + key}});
    if (!sample || sample->status != 200) {
      std::fprintf(stderr, "%s: %d\n", c.path.c_str(), sample ? sample->status : 0);
      return 1;
    }
    // The baseline: the same bytes from cpp-httplib, no work behind them.
    httplib::Server statik;
    statik.set_tcp_nodelay(true);  // as the gateway's port
    const std::string body = sample->body;
    statik.Get("/static", [&body](const httplib::Request&, httplib::Response& res) {
      res.set_content(body, "application/json");
    });
    int port = statik.bind_to_any_port("127.0.0.1");
    std::thread serving([&] { statik.listen_after_bind(); });
    Figures baseline = Wrk(absl::StrCat("http://127.0.0.1:", port, "/static"), "", seconds, connections, dir.path());
    statik.stop();
    serving.join();
    Figures api = Wrk(base + c.path, key, seconds, connections, dir.path());
    double grpc = GrpcRate(d, key, c.path, seconds, connections);
    std::printf("%-26s %6zu B | JSON %6.0f req/s p50 %-8s p99 %-8s%s| static %6.0f req/s p50 %-8s| gRPC %6.0f "
                "req/s | JSON/static %.2f, JSON/gRPC %.2f\n",
                c.what.c_str(), body.size(), api.requests_per_second, api.p50.c_str(), api.p99.c_str(),
                api.errors.empty() ? "" : absl::StrCat("(", api.errors, " errors) ").c_str(),
                baseline.requests_per_second, baseline.p50.c_str(), grpc,
                baseline.requests_per_second > 0 ? api.requests_per_second / baseline.requests_per_second : 0.0,
                grpc > 0 ? api.requests_per_second / grpc : 0.0);
  }
  return 0;
}
