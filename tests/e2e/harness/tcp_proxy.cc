#include "tests/e2e/harness/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

namespace rcp::testing {

TcpProxy::TcpProxy(std::string target) {
  size_t colon = target.rfind(':');
  target_host_ = target.substr(0, colon);
  target_port_ = std::stoi(target.substr(colon + 1));
  listener_ = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  listen(listener_, 64);
  socklen_t len = sizeof(addr);
  getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { Accept(); });
}

TcpProxy::~TcpProxy() {
  stopping_ = true;
  shutdown(listener_, SHUT_RDWR);
  close(listener_);
  Cut();
  acceptor_.join();
  for (auto& t : threads_) t.join();
}

void TcpProxy::Cut() {
  cut_ = true;
  std::lock_guard<std::mutex> lock(mu_);
  for (int fd : open_) shutdown(fd, SHUT_RDWR);
}

void TcpProxy::Heal() { cut_ = false; }

void TcpProxy::Accept() {
  while (!stopping_) {
    int client = accept(listener_, nullptr, nullptr);
    if (client < 0) {
      if (stopping_) return;
      continue;
    }
    if (cut_) {
      close(client);  // the link is down: the connection dies at once
      continue;
    }
    int upstream = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(target_port_));
    inet_pton(AF_INET, target_host_.c_str(), &addr.sin_addr);
    if (connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      close(upstream);
      close(client);
      continue;
    }
    int one = 1;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::lock_guard<std::mutex> lock(mu_);
    open_.insert(client);
    open_.insert(upstream);
    threads_.emplace_back([this, client, upstream] {
      Pipe(client, upstream);
      std::lock_guard<std::mutex> l(mu_);
      open_.erase(client);
      open_.erase(upstream);
      close(client);
      close(upstream);
    });
  }
}

void TcpProxy::Pipe(int a, int b) {
  char buffer[64 * 1024];
  pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
  while (!stopping_ && !cut_) {
    if (poll(fds, 2, 200) < 0) return;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents & (POLLERR | POLLHUP | POLLNVAL)) return;
      if (!(fds[i].revents & POLLIN)) continue;
      ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
      if (n <= 0) return;
      int to = i == 0 ? b : a;
      for (ssize_t off = 0; off < n;) {
        ssize_t w = write(to, buffer + off, static_cast<size_t>(n - off));
        if (w <= 0) return;
        off += w;
      }
      if (int64_t rate = rate_; rate > 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(n * 1000000 / rate));
      }
    }
  }
}

}  // namespace rcp::testing
