// rcp-gatewayd: the public door of an RCP Exchange deployment.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/concurrency/thread_pool.h"
#include "common/io/file.h"
#include "common/server/flags.h"
#include "common/server/server.h"
#include "common/server/service_manager.h"
#include "services/gateway/access/authenticator.h"
#include "services/gateway/calendar/calendar_feed.h"
#include "services/gateway/calendar/feed_urls.h"
#include "services/gateway/federation/federation_service.h"
#include "services/gateway/federation/inbound.h"
#include "services/gateway/federation/keyring.h"
#include "services/gateway/federation/peers.h"
#include "services/gateway/federation/pull_server.h"
#include "services/gateway/federation/replicator.h"
#include "services/gateway/federation/trust.h"
#include "services/gateway/gateway_service.h"
#include "services/gateway/public/public_documents.h"
#include "services/gateway/public/public_events.h"
#include "services/gateway/public/public_registry.h"
#include "services/gateway/subscribe/feed_hub.h"
#include "services/gateway/upstream/references.h"
#include "services/gateway/upstream/upstream.h"
#include "services/gateway/web/downloads.h"
#include "services/gateway/web/event_stream.h"
#include "services/gateway/web/http_port.h"
#include "services/gateway/web/json_api.h"
#include "services/gateway/web/portal/portal.h"

ABSL_FLAG(std::string, registry, "127.0.0.1:7101", "address of rcp-registryd");
ABSL_FLAG(std::string, events, "127.0.0.1:7102", "address of rcp-eventsd");
ABSL_FLAG(std::string, documents, "127.0.0.1:7103", "address of rcp-documentsd");
ABSL_FLAG(std::string, upstream_ca, "", "PEM CA of the services' certificates (TLS to the services)");
ABSL_FLAG(std::string, upstream_cert, "", "PEM client certificate presented to the services (mTLS)");
ABSL_FLAG(std::string, upstream_key, "", "PEM key of --upstream_cert");
ABSL_FLAG(std::string, http_listen, "",
          "host:port of the HTTP port (the calendar feed and the JSON API under /v1); empty disables it");
ABSL_FLAG(std::string, public_url, "",
          "the public origin of the HTTP port, as users reach it (default http://<http_listen>): the base of "
          "every absolute link, such as the calendar feed URLs");
ABSL_FLAG(std::string, calendar_secret_file, "", "file with the secret that signs calendar URLs");
ABSL_FLAG(int, http_threads, 32,
          "threads of the HTTP port; each open connection holds one while it is served");
ABSL_FLAG(int64_t, http_max_body_bytes, int64_t{1} << 20, "largest HTTP request body accepted (413 beyond)");
ABSL_FLAG(absl::Duration, http_read_timeout, absl::Seconds(10),
          "an HTTP request must arrive within this (a slow client is disconnected)");
ABSL_FLAG(absl::Duration, http_write_timeout, absl::Seconds(10),
          "an HTTP response must be taken within this");
ABSL_FLAG(absl::Duration, http_keep_alive_timeout, absl::Seconds(5),
          "an idle HTTP keep-alive connection is closed after this");
ABSL_FLAG(int, sse_max_streams, 16,
          "most Server-Sent Event streams (/v1/subscribe) open at once; each holds an HTTP thread, so it must be "
          "below --http_threads");
ABSL_FLAG(int, sse_max_streams_per_key, 4, "most Server-Sent Event streams open at once for one API key");
ABSL_FLAG(absl::Duration, sse_max_lifetime, absl::Hours(1),
          "a Server-Sent Event stream ends after this; its client resumes with Last-Event-ID");
ABSL_FLAG(absl::Duration, auth_cache_ttl, absl::Seconds(10),
          "how long a key's rights are reused: a revoked key stops working within this");
ABSL_FLAG(bool, anonymous_reads, true,
          "callers without a key may read PUBLIC items (gRPC and /v1 alike; the portal's visitors); "
          "false asks every caller for a key");
ABSL_FLAG(absl::Duration, web_session_idle_timeout, absl::Minutes(30),
          "a portal session ends after this long without a request (1m to 24h)");
ABSL_FLAG(absl::Duration, web_session_max_lifetime, absl::Hours(12),
          "a portal session ends this long after signing in, whatever its use (idle timeout to 7 days)");
ABSL_FLAG(absl::Duration, heartbeat_interval, absl::Seconds(15), "Subscribe heartbeat when idle");
ABSL_FLAG(absl::Duration, keyring_refresh_interval, absl::Seconds(10),
          "how often the keyring is read again, so that a rotation made by another replica is signed with");
ABSL_FLAG(std::string, peer_listen, "",
          "host:port of the peer endpoint, where other deployments' gateways pull (mTLS); empty: not served");
ABSL_FLAG(std::string, peer_tls_cert, "",
          "PEM certificate of this deployment at the peer endpoint and to peers "
          "(its DNS name is the deployment id)");
ABSL_FLAG(std::string, peer_tls_key, "", "PEM key of --peer_tls_cert");
ABSL_FLAG(std::string, peer_ca, "", "PEM CA that signs the peers' certificates");
ABSL_FLAG(bool, peer_insecure_loopback, false,
          "tests and demos only: peers talk plaintext on loopback and state their deployment id");
ABSL_FLAG(absl::Duration, pull_heartbeat, absl::Seconds(5),
          "a peer's idle Pull stream gets a heartbeat this often");
ABSL_FLAG(absl::Duration, peer_refresh_interval, absl::Seconds(2),
          "how often the federation peers are read again from the registry (an administrator's change takes "
          "effect within it)");
ABSL_FLAG(
    absl::Duration, federation_lease, absl::Seconds(15),
    "how long a gateway replica's hold on pulling a peer lasts unrenewed; then another replica takes it "
    "(renewed with every checkpoint and heartbeat, so it must exceed --pull_heartbeat of the peers)");
ABSL_FLAG(absl::Duration, federation_max_backoff, absl::Seconds(60),
          "longest wait before pulling again from a peer that is down");
ABSL_FLAG(std::string, keyring_key_file, "",
          "file with the 64 hex digits of the key that seals this deployment's signing keys (the same for "
          "every gateway replica; without it federation is off)");

namespace {

// The sealing key from its file: 64 hex digits.
absl::StatusOr<std::string> ReadSealingKey(const std::string& path) {
  absl::StatusOr<std::string> text = rcp::io::ReadFile(path);
  if (!text.ok()) return text.status();
  std::string hex(absl::StripAsciiWhitespace(*text));
  if (hex.size() != 64 || !std::all_of(hex.begin(), hex.end(), absl::ascii_isxdigit)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "keyring_key_file: ", path, " must hold 64 hex digits (e.g. from `openssl rand -hex 32`)"));
  }
  return absl::HexStringToBytes(hex);
}

// The portal's sign-in, through the authenticator that also reads the
// sessions back (web/ does not reach access/ itself).
class PortalSignIns : public rcp::gateway::web::portal::SignIns {
 public:
  PortalSignIns(rcp::gateway::access::Authenticator* auth, rcp::gateway::access::WebSessionLimits limits)
      : auth_(auth), limits_(limits) {}
  absl::StatusOr<std::string> SignIn(const std::string& key, const std::string& previous_session) override {
    auto signed_in = auth_->SignIn(key, previous_session, limits_);
    if (!signed_in.ok()) return signed_in.status();
    return signed_in->session_id;
  }
  absl::Status SignOut(const std::string& session) override { return auth_->SignOut(session); }
  absl::Status SignOutEverywhere(const std::string& session) override { return auth_->SignOutEverywhere(session); }
  std::string AuthorizationOf(const std::string& session) override { return auth_->SessionAuthorization(session); }

 private:
  rcp::gateway::access::Authenticator* auth_;
  rcp::gateway::access::WebSessionLimits limits_;
};

}  // namespace

int main(int argc, char** argv) {
  rcp::server::Server::BlockSignals();
  rcp::server::ParseFlags(argc, argv, "rcp-gatewayd: the public gateway of RCP Exchange");
  rcp::server::InitLogging("gateway", absl::GetFlag(FLAGS_log_level));

  // The gateway's own port takes public callers: the internal token is what
  // it presents to the services, not what it asks of its callers.
  rcp::server::ServerOptions server_options =
      rcp::server::ServerOptionsFromFlags("gateway", rcp::server::Exposure::kPublic);
  rcp::gateway::GatewayOptions options;
  options.internal_tokens = std::move(server_options.internal_tokens);
  server_options.internal_tokens = nullptr;
  options.credential_reload = server_options.credential_reload;
  options.registry_address = absl::GetFlag(FLAGS_registry);
  options.events_address = absl::GetFlag(FLAGS_events);
  options.documents_address = absl::GetFlag(FLAGS_documents);
  options.upstream_ca_file = absl::GetFlag(FLAGS_upstream_ca);
  options.upstream_cert_file = absl::GetFlag(FLAGS_upstream_cert);
  options.upstream_key_file = absl::GetFlag(FLAGS_upstream_key);
  options.deployment_id = rcp::server::DeploymentIdFromFlags();
  options.auth_cache_ttl = absl::GetFlag(FLAGS_auth_cache_ttl);
  options.heartbeat_interval = absl::GetFlag(FLAGS_heartbeat_interval);
  std::string http_listen = absl::GetFlag(FLAGS_http_listen);
  std::string calendar_secret;
  if (!http_listen.empty()) {
    std::string secret_file = absl::GetFlag(FLAGS_calendar_secret_file);
    if (secret_file.empty()) {
      spdlog::critical(
          "msg=\"--http_listen needs --calendar_secret_file (the calendar feed is served there)\"");
      return 2;
    }
    absl::StatusOr<std::string> secret = rcp::io::ReadFile(secret_file);
    if (!secret.ok()) {
      spdlog::critical("msg=\"cannot read the calendar secret\" error=\"{}\"", secret.status().ToString());
      return 2;
    }
    calendar_secret = std::string(absl::StripAsciiWhitespace(*secret));
  }

  auto upstream = rcp::gateway::upstream::Upstream::Connect(options);
  if (!upstream.ok()) {
    spdlog::critical("msg=\"cannot set up the services' channels\" error=\"{}\"",
                     upstream.status().ToString());
    return 1;
  }
  rcp::Clock* clock = rcp::Clock::Real();
  rcp::ThreadPool pool(absl::GetFlag(FLAGS_handler_threads));
  rcp::gateway::access::Authenticator auth(upstream->get(), clock, options.auth_cache_ttl,
                                           absl::GetFlag(FLAGS_anonymous_reads)
                                               ? rcp::gateway::access::AnonymousCallers::kAdmitted
                                               : rcp::gateway::access::AnonymousCallers::kRefused);
  rcp::gateway::access::WebSessionLimits web_sessions{absl::GetFlag(FLAGS_web_session_idle_timeout),
                                                      absl::GetFlag(FLAGS_web_session_max_lifetime)};
  if (web_sessions.idle_timeout < absl::Minutes(1) || web_sessions.idle_timeout > absl::Hours(24) ||
      web_sessions.max_lifetime < web_sessions.idle_timeout || web_sessions.max_lifetime > absl::Hours(24 * 7)) {
    spdlog::critical("msg=\"web_session_idle_timeout must be 1m to 24h, web_session_max_lifetime from it to 7 days\"");
    return 2;
  }
  PortalSignIns sign_ins(&auth, web_sessions);
  rcp::gateway::upstream::References references(upstream->get());
  rcp::gateway::upstream::Homes homes(upstream->get(), options.deployment_id, clock, options.auth_cache_ttl);
  rcp::gateway::subscribe::FeedHub hub(upstream->get(), &pool, options.feed_log_limit);
  // The services may still be starting, or down: keep trying for as long as
  // it takes. Exiting would only make a cluster that starts all at once
  // crash-loop its gateways, and back off further each time.
  for (absl::Duration wait = absl::Milliseconds(200);; wait = std::min(wait * 2, absl::Seconds(5))) {
    auto started = hub.Start();
    if (started.ok()) break;
    spdlog::warn("msg=\"waiting for the services\" error=\"{}\" retry_in={}", started.ToString(),
                 absl::FormatDuration(wait));
    rcp::server::service_manager::Starting(absl::StrCat("waiting for the services: ", started.message()));
    absl::SleepFor(wait);
  }

  // The deployment's signing keys, shared with the other replicas through
  // the registry (made at the first start of the first gateway).
  std::unique_ptr<rcp::gateway::federation::KeyringManager> keyring;
  if (std::string key_file = absl::GetFlag(FLAGS_keyring_key_file); !key_file.empty()) {
    absl::StatusOr<std::string> sealing_key = ReadSealingKey(key_file);
    if (!sealing_key.ok()) {
      spdlog::critical("msg=\"cannot read the keyring key\" error=\"{}\"", sealing_key.status().ToString());
      return 2;
    }
    keyring = std::make_unique<rcp::gateway::federation::KeyringManager>(
        upstream->get(), options.deployment_id, *sealing_key, clock);
    if (absl::Status loaded = keyring->Load(); !loaded.ok()) {
      spdlog::critical("msg=\"cannot load the deployment's keyring\" error=\"{}\"", loaded.ToString());
      return 1;
    }
    spdlog::info("msg=\"signing key ready\" deployment_id={} key_id={}", options.deployment_id,
                 keyring->current()->key_id());
  } else {
    spdlog::warn("msg=\"federation is off: no --keyring_key_file\" deployment_id={}", options.deployment_id);
  }

  rcp::gateway::upstream::Deps deps{upstream->get(), &auth, &references, &homes, &pool};
  rcp::gateway::PublicRegistry registry(deps);
  rcp::gateway::PublicEvents events(deps);
  rcp::gateway::PublicDocuments documents(deps);
  rcp::gateway::calendar::FeedUrls feed_urls(calendar_secret);
  rcp::gateway::calendar::CalendarFeed calendar(deps, &feed_urls);
  // Bound now, so that the feed URLs the gRPC API hands out name its port;
  // served once the gRPC server it calls into has started.
  std::unique_ptr<rcp::gateway::web::HttpPort> http;
  std::string public_url = absl::GetFlag(FLAGS_public_url);
  if (!http_listen.empty()) {
    rcp::gateway::web::HttpPortOptions http_options;
    http_options.threads = absl::GetFlag(FLAGS_http_threads);
    http_options.max_body_bytes = absl::GetFlag(FLAGS_http_max_body_bytes);
    http_options.read_timeout = absl::GetFlag(FLAGS_http_read_timeout);
    http_options.write_timeout = absl::GetFlag(FLAGS_http_write_timeout);
    http_options.keep_alive_timeout = absl::GetFlag(FLAGS_http_keep_alive_timeout);
    if (http_options.threads < 2 || http_options.max_body_bytes < 1024 ||
        http_options.read_timeout < absl::Seconds(1) || http_options.write_timeout < absl::Seconds(1) ||
        http_options.keep_alive_timeout < absl::Seconds(1)) {
      spdlog::critical(
          "msg=\"the HTTP port needs http_threads >= 2, http_max_body_bytes >= 1024 and timeouts of "
          "at least 1s\"");
      return 2;
    }
    http = std::make_unique<rcp::gateway::web::HttpPort>(http_options);
    if (auto s = http->Bind(http_listen); !s.ok()) {
      spdlog::critical("msg=\"cannot start the HTTP port\" error=\"{}\"", s.ToString());
      return 1;
    }
    calendar.Register(http->server());
    if (public_url.empty()) {
      public_url = absl::StrCat("http://", http_listen.substr(0, http_listen.rfind(':')), ":", http->port());
    } else {
      // Only the public name is answered: scheme://host[:port], no path.
      absl::string_view rest = public_url;
      if (!absl::ConsumePrefix(&rest, "https://") && !absl::ConsumePrefix(&rest, "http://")) rest = "";
      absl::ConsumeSuffix(&rest, "/");
      if (rest.empty() || absl::StrContains(rest, "/") || absl::StrContains(rest, "@")) {
        spdlog::critical("msg=\"public_url: must be http(s)://host[:port], with no path\" public_url={}", public_url);
        return 2;
      }
      const std::string authority(rest);
      public_url = absl::StrCat(public_url.substr(0, public_url.find("://") + 3), authority);
      http->RequireHost(absl::AsciiStrToLower(authority));
    }
    feed_urls.set_base_url(public_url);
  }
  rcp::gateway::GatewayService gateway(deps, &hub, &feed_urls, clock, options.heartbeat_interval);

  // Federation: the peers, the Pull streams served to them, and the pulls
  // from them, when this gateway holds the deployment's keys.
  namespace fed = rcp::gateway::federation;
  fed::PeerDirectory peers(upstream->get(), options.deployment_id, clock,
                           absl::GetFlag(FLAGS_peer_refresh_interval));
  std::unique_ptr<fed::PeerChannels> peer_channels;
  std::unique_ptr<fed::PullServer> pulls;
  std::unique_ptr<fed::Trust> trust;
  std::unique_ptr<fed::SharedParties> shared_parties;
  std::unique_ptr<fed::Inbound> inbound;
  std::unique_ptr<fed::Replicator> replicator;
  std::unique_ptr<rcp::server::Server> peer_server;
  std::unique_ptr<fed::FederationService> peer_federation;
  std::shared_ptr<rcp::gateway::subscribe::FeedListener> wake_pulls;
  fed::PeerTransportOptions transport;
  transport.ca_file = absl::GetFlag(FLAGS_peer_ca);
  transport.insecure_loopback = absl::GetFlag(FLAGS_peer_insecure_loopback);
  transport.credential_reload = server_options.credential_reload;
  if (keyring != nullptr && transport.ca_file.empty() && !transport.insecure_loopback) {
    spdlog::warn(
        "msg=\"no federation peers: give --peer_ca, --peer_tls_cert and --peer_tls_key (or, for tests and "
        "demos, --peer_insecure_loopback)\" deployment_id={}",
        options.deployment_id);
  } else if (keyring != nullptr) {
    transport.cert_file = absl::GetFlag(FLAGS_peer_tls_cert);
    transport.key_file = absl::GetFlag(FLAGS_peer_tls_key);
    auto channels = fed::PeerChannels::Create(transport, options.deployment_id);
    if (!channels.ok()) {
      spdlog::critical("msg=\"cannot set up the peers' channels\" error=\"{}\"",
                       channels.status().ToString());
      return 2;
    }
    peer_channels = *std::move(channels);
    fed::PullOptions pull_options;
    pull_options.heartbeat = absl::GetFlag(FLAGS_pull_heartbeat);
    pull_options.insecure_loopback = transport.insecure_loopback;
    pulls = std::make_unique<fed::PullServer>(upstream->get(), &peers, keyring.get(), clock, pull_options);
    trust = std::make_unique<fed::Trust>(&peers, peer_channels.get(), clock);
    shared_parties = std::make_unique<fed::SharedParties>(upstream->get(), clock,
                                                          absl::GetFlag(FLAGS_peer_refresh_interval));
    inbound = std::make_unique<fed::Inbound>(&peers, trust.get(), shared_parties.get());
    // News in the data services wakes the peers' streams at once.
    class WakePulls : public rcp::gateway::subscribe::FeedListener {
     public:
      explicit WakePulls(fed::PullServer* pulls) : pulls_(pulls) {}
      void Wake() override { pulls_->Wake(); }

     private:
      fed::PullServer* pulls_;
    };
    wake_pulls = std::make_shared<WakePulls>(pulls.get());
    hub.AddListener(wake_pulls);
    if (std::string peer_listen = absl::GetFlag(FLAGS_peer_listen); !peer_listen.empty()) {
      if (transport.ca_file.empty() && !rcp::server::IsLoopbackAddress(peer_listen)) {
        spdlog::critical(
            "msg=\"refusing a peer endpoint beyond loopback without mTLS\" peer_listen={} "
            "hint=\"give --peer_tls_cert, --peer_tls_key and --peer_ca\"",
            peer_listen);
        return 2;
      }
      if (transport.insecure_loopback) {
        spdlog::warn(
            "msg=\"peers are accepted without TLS, by the id they state (--peer_insecure_loopback): for "
            "tests and demos only\"");
      }
      rcp::server::ServerOptions peer_options;
      peer_options.service_name = "gateway-peers";
      peer_options.listen_address = peer_listen;
      peer_options.tls_cert_file = transport.cert_file;
      peer_options.tls_key_file = transport.key_file;
      peer_options.tls_client_ca_file = transport.ca_file;
      peer_options.grace_period = server_options.grace_period;
      peer_options.credential_reload = server_options.credential_reload;
      peer_server = std::make_unique<rcp::server::Server>(peer_options);
      peer_federation = std::make_unique<fed::FederationService>(deps, keyring.get(), pulls.get());
      peer_server->AddService(peer_federation.get());
    }
  }
  rcp::gateway::federation::FederationService federation(deps, keyring.get(), pulls.get());
  rcp::gateway::federation::FederationAdminService federation_admin(deps, keyring.get());

  std::unique_ptr<rcp::gateway::web::JsonApi> json_api;
  std::unique_ptr<rcp::gateway::web::EventStreams> event_streams;
  std::unique_ptr<rcp::gateway::web::Downloads> downloads;
  std::unique_ptr<rcp::gateway::web::portal::Portal> portal;
  rcp::server::Server server(server_options);
  server.AddService(&registry);
  server.AddService(&events);
  server.AddService(&documents);
  server.AddService(&gateway);
  server.AddService(&federation);
  server.AddService(&federation_admin);
  server.AddGauge("rcp_gateway_subscribers", "open Subscribe streams",
                  [&gateway] { return static_cast<double>(gateway.subscriptions().count()); });
  if (http != nullptr) {
    http->ExportMetrics(&server.metrics());
    server.AddGauge("rcp_http_event_streams", "open Server-Sent Event streams (/v1/subscribe)", [&event_streams] {
      return event_streams == nullptr ? 0.0 : static_cast<double>(event_streams->open_count());
    });
  }
  // Every certificate the gateway presents, so that one nearing its end
  // alerts (deploy/observability), whichever port or peer it is shown to.
  for (const std::string& cert : {options.upstream_cert_file, transport.cert_file}) {
    if (!cert.empty()) server.WatchCertificateExpiry(cert);
  }
  server.OnShutdown([&] {
    gateway.subscriptions().CloseAll();
    if (replicator != nullptr) replicator->Stop();
    if (pulls != nullptr) pulls->Stop();
    if (peer_server != nullptr) peer_server->Shutdown();
    hub.Stop();
    // Streams first: each holds an HTTP thread that Stop waits for.
    if (event_streams != nullptr) event_streams->CloseAll();
    if (http != nullptr) http->Stop();
  });
  if (auto s = server.Start(); !s.ok()) {
    spdlog::critical("msg=\"cannot start\" error=\"{}\"", s.ToString());
    return 1;
  }
  if (http != nullptr) {
    auto api = rcp::gateway::web::JsonApi::Create(server.InProcessChannel());
    if (!api.ok()) {
      spdlog::critical("msg=\"cannot set up the JSON API\" error=\"{}\"", api.status().ToString());
      return 1;
    }
    json_api = *std::move(api);
    rcp::gateway::web::EventStreamOptions sse;
    sse.max_streams = absl::GetFlag(FLAGS_sse_max_streams);
    sse.max_streams_per_key = absl::GetFlag(FLAGS_sse_max_streams_per_key);
    sse.max_lifetime = absl::GetFlag(FLAGS_sse_max_lifetime);
    if (sse.max_streams < 1 || sse.max_streams >= absl::GetFlag(FLAGS_http_threads) || sse.max_streams_per_key < 1 ||
        sse.max_lifetime < absl::Seconds(1)) {
      spdlog::critical("msg=\"sse_max_streams must be at least 1 and below http_threads, sse_max_streams_per_key at "
                       "least 1, sse_max_lifetime at least 1s\"");
      return 2;
    }
    event_streams = std::make_unique<rcp::gateway::web::EventStreams>(server.InProcessChannel(), sse);
    downloads = std::make_unique<rcp::gateway::web::Downloads>(server.InProcessChannel());
    // Before the API's catch-all of /v1.
    event_streams->Register(http->server());
    downloads->Register(http->server());
    json_api->Register(http->server());
    rcp::gateway::web::portal::PortalOptions portal_options;
    portal_options.public_url = public_url;
    portal_options.session_idle_timeout = web_sessions.idle_timeout;
    portal_options.session_max_lifetime = web_sessions.max_lifetime;
    portal = std::make_unique<rcp::gateway::web::portal::Portal>(server.InProcessChannel(), portal_options,
                                                                 &sign_ins, downloads.get());
    portal->Register(http->server());
    http->Serve();
  }
  if (peer_server != nullptr) {
    if (auto s = peer_server->Start(); !s.ok()) {
      spdlog::critical("msg=\"cannot start the peer endpoint\" error=\"{}\"", s.ToString());
      return 1;
    }
  }
  if (inbound != nullptr) {
    fed::ReplicatorOptions replicator_options;
    replicator_options.replica_id = fed::NewReplicaId();
    replicator_options.max_backoff = absl::GetFlag(FLAGS_federation_max_backoff);
    replicator_options.lease = absl::GetFlag(FLAGS_federation_lease);
    if (replicator_options.lease < absl::Seconds(1)) {
      spdlog::critical("msg=\"--federation_lease must be at least 1s\" federation_lease={}",
                       absl::FormatDuration(replicator_options.lease));
      return 1;
    }
    replicator =
        std::make_unique<fed::Replicator>(upstream->get(), &peers, peer_channels.get(), inbound.get(), clock,
                                          replicator_options, &server.metrics());
    replicator->Start();
    spdlog::info("msg=\"federation on\" deployment_id={} replica={}", options.deployment_id,
                 replicator_options.replica_id);
  }
  std::atomic<bool> stop{false};
  const absl::Duration keyring_refresh = absl::GetFlag(FLAGS_keyring_refresh_interval);
  std::thread ticker([&] {
    absl::Time keyring_read = clock->Now();
    while (!stop) {
      absl::SleepFor(absl::Seconds(1));
      gateway.subscriptions().Tick();
      // Another replica may have rotated the keys: sign with the current one.
      if (keyring != nullptr && clock->Now() - keyring_read >= keyring_refresh) {
        keyring_read = clock->Now();
        if (absl::Status s = keyring->Refresh(); !s.ok()) {
          spdlog::warn("msg=\"cannot refresh the keyring\" error=\"{}\"", s.ToString());
        }
      }
    }
  });
  server.WaitForSignal();
  stop = true;
  ticker.join();
  return 0;
}
