// A TCP proxy on loopback that can cut the link it carries, for partition
// tests: Cut() closes every connection and refuses new ones (as a network
// that drops the link), Heal() lets them through again.
#ifndef RCP_TESTS_E2E_HARNESS_TCP_PROXY_H_
#define RCP_TESTS_E2E_HARNESS_TCP_PROXY_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace rcp::testing {

class TcpProxy {
 public:
  // Forwards 127.0.0.1:<port()> to `target` ("127.0.0.1:1234").
  explicit TcpProxy(std::string target);
  ~TcpProxy();

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void Cut();
  void Heal();
  // Caps each direction of every connection at `bytes_per_second` (0: no
  // cap), so a test can catch a transfer in the middle however fast the
  // machine is.
  void Throttle(int64_t bytes_per_second) { rate_ = bytes_per_second; }

 private:
  void Accept();
  void Pipe(int from, int to);

  std::string target_host_;
  int target_port_ = 0;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> cut_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> rate_{0};
  std::mutex mu_;
  std::set<int> open_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace rcp::testing

#endif  // RCP_TESTS_E2E_HARNESS_TCP_PROXY_H_
