#include "services/gateway/federation/replicator.h"

#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <optional>
#include <random>

#include "absl/strings/str_cat.h"
#include "common/crypto/crypto.h"
#include "common/status/status.h"
#include "common/time/timestamp.h"
#include "rcp/federation/v1/federation.grpc.pb.h"
#include "services/gateway/federation/envelopes.h"

namespace rcp::gateway::federation {
namespace {

namespace reg = ::rcp::registry::v1;
using fv1::PeerState;
using resource::Service;
using Verdict = Admission::Verdict;

constexpr absl::Duration kCallDeadline = absl::Seconds(30);

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

}  // namespace

std::string NewReplicaId() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  return absl::StrCat(host, "/", getpid(), "/", crypto::RandomToken(4));
}

// ---------------------------------------------------------------- metrics

struct Replicator::Metrics {
  explicit Metrics(prometheus::Registry* registry)
      : connected(prometheus::BuildGauge()
                      .Name("rcp_federation_peer_connected")
                      .Help("1 while a Pull stream from the peer is open on this replica")
                      .Register(*registry)),
        lag_revisions(prometheus::BuildGauge()
                          .Name("rcp_federation_peer_lag_revisions")
                          .Help("the peer's store revisions not yet applied here (all stores)")
                          .Register(*registry)),
        lag_seconds(prometheus::BuildGauge()
                        .Name("rcp_federation_origin_lag_seconds")
                        .Help("age of the newest head of an origin applied from the peer")
                        .Register(*registry)),
        rejected(prometheus::BuildGauge()
                     .Name("rcp_federation_peer_rejected_envelopes")
                     .Help("envelopes from the peer refused (their source stalls)")
                     .Register(*registry)),
        applied(prometheus::BuildGauge()
                    .Name("rcp_federation_peer_applied_entries")
                    .Help("entries from the peer applied here")
                    .Register(*registry)) {}

  void Report(const fv1::PeerStatus& s, absl::Time now) {
    const std::map<std::string, std::string> peer{{"peer", s.peer()}};
    connected.Add(peer).Set(s.connected() ? 1 : 0);
    lag_revisions.Add(peer).Set(static_cast<double>(s.lag_revisions()));
    rejected.Add(peer).Set(static_cast<double>(s.rejected_envelopes()));
    applied.Add(peer).Set(static_cast<double>(s.applied_entries()));
    for (const auto& o : s.origins()) {
      lag_seconds.Add({{"peer", s.peer()}, {"origin", o.origin()}}).Set(Seconds(now - FromTimestamp(o.head_time())));
    }
  }

  prometheus::Family<prometheus::Gauge>& connected;
  prometheus::Family<prometheus::Gauge>& lag_revisions;
  prometheus::Family<prometheus::Gauge>& lag_seconds;
  prometheus::Family<prometheus::Gauge>& rejected;
  prometheus::Family<prometheus::Gauge>& applied;
};

// ----------------------------------------------------------------- puller

// Pulls one peer, on a thread of its own, for as long as it is configured.
class Replicator::Puller {
 public:
  Puller(Replicator* owner, FederationPeer peer) : owner_(owner), peer_(std::move(peer)), name_(peer_.name()) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Puller() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      if (stream_ != nullptr) stream_->TryCancel();
    }
    thread_.join();
  }
  // The peer's entry changed (an administrator's edit): used from the next
  // stream on. A change of address ends the current one.
  void Update(const FederationPeer& peer) {
    absl::MutexLock lock(&mu_);
    if (peer.address() != peer_.address() && stream_ != nullptr) stream_->TryCancel();
    peer_ = peer;
  }
  bool holds_lease() const { return holds_lease_.load(); }
  // This deployment's stores are at `epochs` now: a stream begun in other
  // epochs (a store restored from a backup meanwhile) ends, and the next
  // one starts from a snapshot.
  void FollowLocalEpochs(const LocalEpochs& epochs) {
    absl::MutexLock lock(&mu_);
    if (!streamed_epochs_.has_value() || *streamed_epochs_ == epochs || stream_ == nullptr) return;
    spdlog::warn("msg=\"a store of this deployment is in a new epoch: the stream from the peer ends\" peer={}",
                 name_);
    stream_->TryCancel();
  }

 private:
  FederationPeer peer() {
    absl::MutexLock lock(&mu_);
    return peer_;
  }
  bool stopping() {
    absl::MutexLock lock(&mu_);
    return stopping_;
  }
  // Sleeps `d`, or less when stopping.
  void Sleep(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), d);
  }

  void Run();
  // Reads the state and takes or renews the lease; false when another
  // replica holds it.
  bool Lease(PeerState* state);
  // Writes `state` (renewing the lease) where it was read; ABORTED when
  // another replica took the lease meanwhile.
  absl::Status Checkpoint(PeerState* state);
  // Resets the checkpoint (so that the peer sends a snapshot) when a store
  // of this deployment is in another epoch than the one it was made in.
  absl::Status CheckLocalEpochs(PeerState* state);
  absl::Status Stream(PeerState* state, bool* delivered);
  absl::Status ApplyResponse(const FederationPeer& peer, const fv1::PullResponse& resp, PeerState* state);
  absl::Status Purge(uint64_t below_generation);
  void Stall(PeerState* state, const absl::Status& why, bool rejected);

  Replicator* owner_;
  absl::Mutex mu_;
  FederationPeer peer_ ABSL_GUARDED_BY(mu_);
  const std::string name_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* stream_ ABSL_GUARDED_BY(mu_) = nullptr;
  // The epochs of this deployment's stores when the current stream began.
  std::optional<LocalEpochs> streamed_epochs_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> holds_lease_{false};
  std::thread thread_;
};

bool Replicator::Puller::Lease(PeerState* state) {
  upstream::Upstream* up = owner_->upstream_;
  reg::GetPeerStateRequest get;
  get.set_peer(name_);
  PeerState current;
  grpc::Status s =
      up->WithRetry({}, nullptr, [&](grpc::ClientContext* c) { return up->registry()->GetPeerState(c, get, &current); });
  if (!s.ok()) return false;
  const absl::Time now = owner_->clock_->Now();
  if (!current.lease_holder().empty() && current.lease_holder() != owner_->options_.replica_id &&
      FromTimestamp(current.lease_expire_time()) > now) {
    holds_lease_ = false;
    return false;
  }
  *state = current;
  state->set_peer(name_);
  return Checkpoint(state).ok();
}

absl::Status Replicator::Puller::Checkpoint(PeerState* state) {
  upstream::Upstream* up = owner_->upstream_;
  state->set_lease_holder(owner_->options_.replica_id);
  *state->mutable_lease_expire_time() = ToTimestamp(owner_->clock_->Now() + owner_->options_.lease);
  state->mutable_status()->set_peer(name_);
  reg::UpdatePeerStateRequest req;
  *req.mutable_state() = *state;
  req.set_etag(state->etag());
  PeerState stored;
  // Once: a compare-and-set that timed out may have been made; the next
  // lease read settles it.
  grpc::ClientContext c;
  up->Prepare(&c, {});
  grpc::Status s = up->registry()->UpdatePeerState(&c, req, &stored);
  if (!s.ok()) {
    // Fenced: another replica took the lease (this one stalled past it) and
    // wrote since; what this one would record is refused, and it reads the
    // state again before it pulls.
    if (s.error_code() == grpc::StatusCode::ABORTED && holds_lease_.exchange(false)) {
      spdlog::warn("msg=\"lost the lease on a peer to another replica: this replica's checkpoint was refused\" "
                   "peer={} replica={} error=\"{}\"",
                   name_, owner_->options_.replica_id, s.error_message());
    }
    return FromGrpcStatus(s);
  }
  *state = std::move(stored);
  holds_lease_ = true;
  if (owner_->metrics_ != nullptr) owner_->metrics_->Report(state->status(), owner_->clock_->Now());
  return absl::OkStatus();
}

void Replicator::Puller::Stall(PeerState* state, const absl::Status& why, bool rejected) {
  fv1::PeerStatus* status = state->mutable_status();
  status->set_connected(false);
  status->set_last_error(std::string(why.message()));
  *status->mutable_last_error_time() = ToTimestamp(owner_->clock_->Now());
  if (rejected) status->set_rejected_envelopes(status->rejected_envelopes() + 1);
  spdlog::warn("msg=\"replication from a peer stalls\" peer={} rejected={} error=\"{}\"", name_, rejected,
               why.ToString());
  (void)Checkpoint(state);
}

absl::Status Replicator::Puller::CheckLocalEpochs(PeerState* state) {
  RCP_ASSIGN_OR_RETURN(LocalEpochs now, owner_->ReadLocalEpochs());
  auto& recorded = *state->mutable_local_epochs();
  bool restored = false;
  for (Service s : resource::kServices) {
    auto it = recorded.find(resource::ServiceName(s));
    // None recorded: a checkpoint older than this field, or the first.
    restored = restored || (it != recorded.end() && it->second != now[static_cast<size_t>(s)]);
  }
  bool changed = restored || recorded.size() != resource::kServices.size();
  if (restored) {
    // Mirrors the restored store lost come again; those it kept are
    // replaced by the snapshot's generation, and what the peer withdrew
    // meanwhile goes with the purge that ends the snapshot.
    spdlog::warn("msg=\"a store of this deployment was restored: replication from the peer starts from a snapshot\" "
                 "peer={}",
                 name_);
    state->clear_cursor();
    state->clear_registry_heads();
  }
  for (Service s : resource::kServices) recorded[resource::ServiceName(s)] = now[static_cast<size_t>(s)];
  if (changed) RCP_RETURN_IF_ERROR(Checkpoint(state));
  absl::MutexLock lock(&mu_);
  streamed_epochs_ = now;
  return absl::OkStatus();
}

absl::Status Replicator::Puller::Purge(uint64_t below_generation) {
  upstream::Upstream* up = owner_->upstream_;
  for (Service s : resource::kServices) {
    fv1::PurgeMirrorsRequest req;
    req.set_source(name_);
    req.set_below_generation(below_generation);
    do {
      fv1::PurgeMirrorsResponse resp;
      grpc::Status st =
          up->WithRetry({}, nullptr, [&](grpc::ClientContext* c) { return up->replica(s)->PurgeMirrors(c, req, &resp); });
      if (!st.ok()) return FromGrpcStatus(st);
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
  }
  return absl::OkStatus();
}

absl::Status Replicator::Puller::ApplyResponse(const FederationPeer& peer, const fv1::PullResponse& resp,
                                               PeerState* state) {
  // What the response's entries come to, per service, in order; nothing is
  // applied unless every entry is admitted.
  struct Run {
    bool withdrawals = false;
    fv1::ApplyMirrorsRequest apply;
    fv1::WithdrawMirrorsRequest withdraw;
  };
  std::array<std::vector<Run>, resource::kServices.size()> runs;
  auto run_for = [&](Service s, bool withdrawals) -> Run& {
    auto& list = runs[static_cast<size_t>(s)];
    if (list.empty() || list.back().withdrawals != withdrawals) {
      list.emplace_back();
      list.back().withdrawals = withdrawals;
      list.back().apply.set_source(name_);
      list.back().apply.set_generation(resp.generation());
      list.back().withdraw.set_source(name_);
    }
    return list.back();
  };
  std::map<std::string, uint64_t> heads(state->registry_heads().begin(), state->registry_heads().end());
  std::map<std::string, fv1::OriginStatus> origins;
  for (const auto& o : state->status().origins()) origins[o.origin()] = o;
  // The newest head of each origin in the response, kept for relays once
  // the registry entries before it are applied.
  std::map<std::string, fv1::Envelope> new_heads;
  std::vector<SignatureVerdict> verdicts = owner_->inbound_->VerifyEnvelopes(resp);
  uint64_t applied = 0;
  for (int i = 0; i < resp.entries_size(); ++i) {
    const fv1::PullEntry& entry = resp.entries(i);
    if (entry.has_withdrawal()) {
      WithdrawalAdmission a = owner_->inbound_->AdmitWithdrawal(peer, entry.withdrawal());
      if (!a.apply) continue;
      *run_for(a.service, true).withdraw.add_withdrawals() = a.withdrawal;
      ++applied;
      continue;
    }
    Admission a = owner_->inbound_->Admit(peer, entry.envelope(), verdicts[i], heads);
    if (a.verdict == Verdict::kRefuse) {
      Stall(state, a.why, /*rejected=*/true);
      return a.why;
    }
    if (a.verdict == Verdict::kDrop) continue;
    if (a.head) {
      const std::string& origin = entry.envelope().origin();
      heads[origin] = std::max(heads[origin], a.head_registry);
      fv1::OriginStatus& o = origins[origin];
      if (!o.has_head_time() || FromTimestamp(a.head_time) >= FromTimestamp(o.head_time())) {
        o.set_origin(origin);
        *o.mutable_head_positions() = a.head_positions;
        *o.mutable_head_time() = a.head_time;
      }
      auto& newest = new_heads[origin];
      if (newest.revision() < entry.envelope().revision()) newest = entry.envelope();
      continue;
    }
    *run_for(a.service, false).apply.add_items() = std::move(a.mirror);
    ++applied;
  }
  // The registry first: events and documents depend on it; then the heads
  // that vouch for it (a relay of their items sends them first).
  upstream::Upstream* up = owner_->upstream_;
  for (Service s : resource::kServices) {
    if (s == Service::kEvents) {
      for (const auto& [origin, head] : new_heads) {
        reg::PutFederationHeadRequest put;
        *put.mutable_head() = head;
        fv1::Envelope kept;
        grpc::Status st = up->WithRetry(
            {}, nullptr, [&](grpc::ClientContext* c) { return up->registry()->PutFederationHead(c, put, &kept); });
        if (!st.ok()) {
          absl::Status why = FromGrpcStatus(st);
          Stall(state, why, /*rejected=*/false);
          return why;
        }
      }
    }
    for (const Run& run : runs[static_cast<size_t>(s)]) {
      fv1::ApplyMirrorsResponse done;
      grpc::Status st = up->WithRetry({}, nullptr, [&](grpc::ClientContext* c) {
        return run.withdrawals ? up->replica(s)->WithdrawMirrors(c, run.withdraw, &done)
                               : up->replica(s)->ApplyMirrors(c, run.apply, &done);
      });
      if (!st.ok()) {
        absl::Status why = FromGrpcStatus(st);
        // A service that refuses the mirror (this deployment's own item
        // under that name) stalls the source as a bad envelope does.
        bool refused = st.error_code() == grpc::StatusCode::FAILED_PRECONDITION ||
                       st.error_code() == grpc::StatusCode::INVALID_ARGUMENT;
        why = absl::Status(why.code(), absl::StrCat("applying to ", resource::ServiceName(s), ": ", why.message()));
        Stall(state, why, refused);
        return why;
      }
    }
  }
  // Durable: the checkpoint may move past it.
  fv1::PeerStatus* status = state->mutable_status();
  status->set_connected(true);
  status->set_applied_entries(status->applied_entries() + applied);
  if (applied > 0) *status->mutable_last_applied_time() = ToTimestamp(owner_->clock_->Now());
  *status->mutable_source_positions() = resp.source_positions();
  *status->mutable_applied_positions() = resp.positions();
  uint64_t lag = 0;
  for (const auto& src : resp.source_positions()) {
    for (const auto& at : resp.positions()) {
      if (at.store() == src.store() && src.revision() > at.revision()) lag += src.revision() - at.revision();
    }
  }
  status->set_lag_revisions(lag);
  status->clear_origins();
  const absl::Time now = owner_->clock_->Now();
  for (auto& [origin, o] : origins) {
    o.set_lag_seconds(Seconds(now - FromTimestamp(o.head_time())));
    *status->add_origins() = o;
  }
  status->clear_last_error();
  status->clear_last_error_time();
  state->clear_registry_heads();
  for (const auto& [origin, revision] : heads) (*state->mutable_registry_heads())[origin] = revision;
  state->set_generation(resp.generation());
  if (resp.snapshot_complete()) {
    // Durable first, with the purge pending: a crash during it resumes it.
    state->set_cursor(resp.cursor());
    state->set_purge_generation(resp.generation());
    RCP_RETURN_IF_ERROR(Checkpoint(state));
    RCP_RETURN_IF_ERROR(Purge(resp.generation()));
    state->set_purge_generation(0);
    // Through `state` again: Checkpoint replaced the message `status` was in.
    state->mutable_status()->set_snapshot_generation(resp.generation());
  }
  state->set_cursor(resp.cursor());
  return Checkpoint(state);
}

absl::Status Replicator::Puller::Stream(PeerState* state, bool* delivered) {
  FederationPeer peer = this->peer();
  RCP_ASSIGN_OR_RETURN(auto channel, owner_->channels_->ChannelTo(peer));
  auto stub = fv1::Federation::NewStub(channel);
  grpc::ClientContext context;
  owner_->channels_->Prepare(&context, absl::InfiniteDuration());
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::CancelledError("stopping");
    stream_ = &context;
  }
  fv1::PullRequest req;
  req.set_cursor(state->cursor());
  auto reader = stub->Pull(&context, req);
  fv1::PullResponse resp;
  absl::Status result;
  while (reader->Read(&resp)) {
    result = ApplyResponse(this->peer(), resp, state);
    if (!result.ok()) {
      context.TryCancel();
      break;
    }
    *delivered = true;
  }
  grpc::Status finished = reader->Finish();
  {
    absl::MutexLock lock(&mu_);
    stream_ = nullptr;
  }
  if (!result.ok()) return result;
  return FromGrpcStatus(finished);
}

void Replicator::Puller::Run() {
  std::mt19937_64 random(std::random_device{}());
  absl::Duration backoff = owner_->options_.min_backoff;
  while (!stopping()) {
    PeerState state;
    if (!Lease(&state)) {
      Sleep(owner_->options_.lease / 3);
      continue;
    }
    absl::Status result;
    bool delivered = false;
    if (state.purge_generation() != 0) {
      result = Purge(state.purge_generation());
      if (result.ok()) {
        state.set_purge_generation(0);
        result = Checkpoint(&state);
      }
    }
    if (result.ok()) result = CheckLocalEpochs(&state);
    if (result.ok()) result = Stream(&state, &delivered);
    if (stopping()) break;
    if (!result.ok() && state.status().last_error() != result.message()) {
      // A connection that failed (a stall recorded its own error).
      state.mutable_status()->set_connected(false);
      state.mutable_status()->set_last_error(std::string(result.message()));
      *state.mutable_status()->mutable_last_error_time() = ToTimestamp(owner_->clock_->Now());
      (void)Checkpoint(&state);
    }
    if (delivered) backoff = owner_->options_.min_backoff;
    // Jittered, so that replicas and peers coming back together spread out.
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    Sleep(backoff * jitter(random));
    backoff = std::min(backoff * 2, owner_->options_.max_backoff);
  }
  holds_lease_ = false;
}

// ------------------------------------------------------------- replicator

Replicator::Replicator(upstream::Upstream* upstream, PeerDirectory* peers, PeerChannels* channels, Inbound* inbound,
                       Clock* clock, ReplicatorOptions options, prometheus::Registry* metrics)
    : upstream_(upstream),
      peers_(peers),
      channels_(channels),
      inbound_(inbound),
      clock_(clock),
      options_(std::move(options)),
      metrics_(metrics != nullptr ? std::make_unique<Metrics>(metrics) : nullptr) {}

Replicator::~Replicator() { Stop(); }

void Replicator::Start() {
  supervisor_ = std::thread([this] { Supervise(); });
  fetcher_ = std::thread([this] { FetchContent(); });
}

void Replicator::Stop() {
  std::map<std::string, std::unique_ptr<Puller>> pullers;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    pullers.swap(pullers_);
  }
  pullers.clear();  // each joins its thread
  if (supervisor_.joinable()) supervisor_.join();
  if (fetcher_.joinable()) fetcher_.join();
}

absl::StatusOr<Replicator::LocalEpochs> Replicator::ReadLocalEpochs() {
  LocalEpochs epochs{};
  for (Service s : resource::kServices) {
    fv1::Position position;
    grpc::ClientContext c;
    upstream_->Prepare(&c, {});
    grpc::Status st = upstream_->replica(s)->GetPosition(&c, fv1::GetPositionRequest(), &position);
    if (!st.ok()) {
      return absl::UnavailableError(absl::StrCat(resource::ServiceName(s), ": ", st.error_message()));
    }
    epochs[static_cast<size_t>(s)] = position.epoch();
  }
  return epochs;
}

bool Replicator::HoldsLease(const std::string& peer_name) {
  absl::MutexLock lock(&mu_);
  auto it = pullers_.find(peer_name);
  return it != pullers_.end() && it->second->holds_lease();
}

void Replicator::Forget(const PeerState& stale) {
  PeerState state = stale;
  const absl::Time now = clock_->Now();
  if (!state.lease_holder().empty() && state.lease_holder() != options_.replica_id &&
      FromTimestamp(state.lease_expire_time()) > now) {
    return;  // another replica is at it
  }
  state.set_lease_holder(options_.replica_id);
  *state.mutable_lease_expire_time() = ToTimestamp(now + options_.lease);
  state.set_purge_generation(UINT64_MAX);
  reg::UpdatePeerStateRequest take;
  *take.mutable_state() = state;
  take.set_etag(state.etag());
  PeerState taken;
  grpc::ClientContext c;
  upstream_->Prepare(&c, {});
  if (!upstream_->registry()->UpdatePeerState(&c, take, &taken).ok()) return;
  for (Service s : resource::kServices) {
    fv1::PurgeMirrorsRequest req;
    req.set_source(state.peer());
    req.set_below_generation(UINT64_MAX);
    do {
      fv1::PurgeMirrorsResponse resp;
      grpc::Status st = upstream_->WithRetry(
          {}, nullptr, [&](grpc::ClientContext* cc) { return upstream_->replica(s)->PurgeMirrors(cc, req, &resp); });
      if (!st.ok()) return;  // the next tick resumes (the state is still there)
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
  }
  reg::DeletePeerStateRequest del;
  del.set_peer(state.peer());
  reg::DeleteResponse deleted;
  (void)upstream_->WithRetry(
      {}, nullptr, [&](grpc::ClientContext* cc) { return upstream_->registry()->DeletePeerState(cc, del, &deleted); });
  spdlog::info("msg=\"removed what a peer no longer configured gave\" peer={}", state.peer());
}

void Replicator::Supervise() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.tick)) return;
    }
    std::vector<FederationPeer> peers = peers_->Peers();
    std::map<std::string, FederationPeer> wanted;
    for (const auto& p : peers) {
      if (p.enabled() && !p.send_only() && !p.address().empty()) wanted[p.name()] = p;
    }
    std::vector<std::unique_ptr<Puller>> retired;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      for (auto it = pullers_.begin(); it != pullers_.end();) {
        if (!wanted.count(it->first)) {
          retired.push_back(std::move(it->second));
          it = pullers_.erase(it);
        } else {
          it->second->Update(wanted[it->first]);
          ++it;
        }
      }
      for (auto& [name, peer] : wanted) {
        if (!pullers_.count(name)) pullers_[name] = std::make_unique<Puller>(this, peer);
      }
    }
    retired.clear();  // joined outside the lock
    if (!wanted.empty()) {
      absl::StatusOr<LocalEpochs> epochs = ReadLocalEpochs();
      absl::MutexLock lock(&mu_);
      for (auto& [name, puller] : pullers_) {
        if (epochs.ok()) puller->FollowLocalEpochs(*epochs);
      }
    }
    // States of peers no longer configured at all: what they gave goes.
    reg::ListPeerStatesResponse states;
    grpc::Status s = upstream_->WithRetry(
        {}, nullptr, [&](grpc::ClientContext* c) { return upstream_->registry()->ListPeerStates(c, {}, &states); });
    if (!s.ok()) continue;
    for (const auto& state : states.states()) {
      bool configured = false;
      for (const auto& p : peers) configured = configured || p.name() == state.peer();
      if (!configured) Forget(state);
    }
  }
}

void Replicator::FetchContent() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.tick)) return;
    }
    rcp::documents::v1::ListContentFetchesRequest list;
    list.set_page_size(20);
    rcp::documents::v1::ListContentFetchesResponse pending;
    grpc::Status s = upstream_->WithRetry({}, nullptr, [&](grpc::ClientContext* c) {
      return upstream_->documents()->ListContentFetches(c, list, &pending);
    });
    if (!s.ok()) continue;
    for (const auto& fetch : pending.fetches()) {
      for (const auto& source : fetch.sources()) {
        // From a peer this replica pulls: one replica fetches each.
        if (!HoldsLease(source)) continue;
        std::optional<FederationPeer> peer = peers_->Find(absl::string_view(source).substr(16));
        if (!peer.has_value()) continue;
        absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = channels_->ChannelTo(*peer);
        if (!channel.ok()) continue;
        auto stub = fv1::Federation::NewStub(*channel);
        grpc::ClientContext context;
        channels_->Prepare(&context, absl::Hours(1));
        fv1::FetchContentRequest req;
        req.set_document(fetch.document());
        req.set_language(fetch.language());
        req.set_version(fetch.version());
        req.set_offset(fetch.received_bytes());
        auto reader = stub->FetchContent(&context, req);
        fv1::ContentChunk chunk;
        int64_t offset = fetch.received_bytes();
        bool done = false;
        absl::Status failed;
        while (reader->Read(&chunk)) {
          // One chunk in memory at a time: written before the next is read.
          rcp::documents::v1::WriteFetchedContentRequest write;
          write.set_sha256(fetch.sha256());
          write.set_offset(offset);
          write.set_data(std::move(*chunk.mutable_data()));
          rcp::documents::v1::ContentFetch progress;
          grpc::Status w = upstream_->WithRetry({}, nullptr, [&](grpc::ClientContext* c) {
            return upstream_->documents()->WriteFetchedContent(c, write, &progress);
          });
          if (!w.ok()) {
            failed = FromGrpcStatus(w);
            context.TryCancel();
            break;
          }
          offset += static_cast<int64_t>(write.data().size());
          done = progress.done();
          {
            absl::MutexLock lock(&mu_);
            if (stopping_) context.TryCancel();
          }
        }
        grpc::Status finished = reader->Finish();
        if (!failed.ok() || (!done && !finished.ok())) {
          spdlog::warn("msg=\"content fetch failed\" document={} sha256={} source={} error=\"{}\"", fetch.document(),
                       fetch.sha256(), source, failed.ok() ? finished.error_message() : failed.ToString());
          continue;  // another source, or the next tick
        }
        if (done) break;
      }
    }
  }
}

}  // namespace rcp::gateway::federation
