#include "services/gateway/subscribe/subscriptions.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "services/gateway/subscribe/delivery.h"

namespace rcp::gateway::subscribe {

namespace v1 = ::rcp::gateway::v1;

namespace {

// FAILED_PRECONDITION with ResyncRequired when `position` counts `service`'s
// revisions in another epoch than the store's now: the store was restored
// from a backup, so changes the position says were delivered may be gone,
// and new ones may reuse their revisions. Resuming could only be wrong.
absl::Status CheckEpoch(const Cursor& position, Service service, uint64_t epoch) {
  if (position.epoch(service) == epoch) return absl::OkStatus();
  absl::Status out = absl::FailedPreconditionError(absl::StrCat(
      "cursor: the ", resource::ServiceName(service),
      " service was restored from a backup since this cursor was issued; list again, then subscribe "
      "without a cursor"));
  rcp::common::v1::ResyncRequired detail;
  detail.set_requested_revision(position.at(service));
  AttachDetail(out, detail);
  return out;
}

constexpr size_t kEventsPerMessage = 64;

absl::Status ValidateRequest(const v1::SubscribeRequest& req) {
  for (int i = 0; i < req.processes_size(); ++i) {
    RCP_RETURN_IF_ERROR(
        rcp::resource::ProcessId(absl::StrCat("processes[", i, "]"), req.processes(i)).status());
  }
  for (int i = 0; i < req.kinds_size(); ++i) {
    const resource::KindInfo* kind = resource::KindNamed(req.kinds(i));
    if (kind == nullptr || !kind->in_change_feed) {
      std::vector<std::string> known;
      for (const auto& k : resource::Kinds()) {
        if (k.in_change_feed) known.push_back(k.name);
      }
      return InvalidField(
          absl::StrCat("kinds[", i, "]"),
          absl::StrCat("'", req.kinds(i), "' is not an entity kind; known: ", absl::StrJoin(known, ", ")));
    }
  }
  return absl::OkStatus();
}

}  // namespace

// One Subscribe stream. Owned by itself (self_) from its creation until
// OnDone, whatever happens in between.
class Subscriber : public grpc::ServerWriteReactor<v1::SubscribeResponse>,
                   public FeedListener,
                   public std::enable_shared_from_this<Subscriber> {
 public:
  // `recheck_now(self)` reads the subscriber's key again from the registry,
  // off the hub's threads, and hands the answer to Rechecked.
  Subscriber(FeedHub* hub, Clock* clock, absl::Duration heartbeat,
             std::function<void(std::shared_ptr<Subscriber>)> recheck_now)
      : hub_(hub), clock_(clock), heartbeat_(heartbeat), recheck_now_(std::move(recheck_now)) {}

  void KeepAliveUntilDone(std::shared_ptr<Subscriber> self) {
    absl::MutexLock lock(&mu_);
    self_ = std::move(self);
  }

  // Runs on the pool after authentication.
  void Begin(access::PrincipalPtr principal, std::string key, const v1::SubscribeRequest& request) {
    absl::MutexLock lock(&mu_);
    principal_ = std::move(principal);
    key_ = std::move(key);
    processes_.insert(request.processes().begin(), request.processes().end());
    kinds_.insert(request.kinds().begin(), request.kinds().end());
    last_send_ = clock_->Now();
    checked_ = last_send_;
    started_ = true;
  }

  // Whether the key is due to be authenticated again: a stream lives longer
  // than the authentication cache, and must not outlive its key's
  // revocation or expiry, nor keep rights the party lost.
  bool RecheckDue(absl::Time now, absl::Duration interval) {
    absl::MutexLock lock(&mu_);
    return started_ && !finished_ && now - checked_ >= interval;
  }
  std::string key() {
    absl::MutexLock lock(&mu_);
    return key_;
  }
  void Rechecked(const absl::StatusOr<access::PrincipalPtr>& principal, absl::Time now) {
    bool resume;
    {
      absl::MutexLock lock(&mu_);
      checked_ = now;
      // Held back for new rights: go on once they are known (a registry
      // that does not answer is asked again at the next tick).
      resume = rights_changed_ && principal.ok();
      recheck_scheduled_ = false;
      if (principal.ok()) {
        principal_ = *principal;
        rights_changed_ = false;
      } else if (absl::IsUnauthenticated(principal.status())) {
        FinishLocked(absl::UnauthenticatedError(
            absl::StrCat("subscription ended: the key is no longer valid: ", principal.status().message())));
      }  // else the registry is unreachable: keep going, try again later
    }
    if (resume) Pump();
  }

  void StartAt(const Cursor& cursor) {
    {
      absl::MutexLock lock(&mu_);
      position_ = cursor;
      // The first message confirms the subscription and its cursor.
      heartbeat_due_ = true;
    }
    Wake();
  }

  void Fail(const absl::Status& status) {
    absl::MutexLock lock(&mu_);
    FinishLocked(status);
  }

  void Wake() override { Pump(); }

  void Tick(absl::Time now) {
    {
      absl::MutexLock lock(&mu_);
      if (!started_ || now - last_send_ < heartbeat_) return;
      heartbeat_due_ = true;
    }
    Pump();
  }

  void Close(absl::string_view reason) {
    absl::MutexLock lock(&mu_);
    FinishLocked(absl::UnavailableError(
        absl::StrCat("subscription ended: ", reason, "; reconnect with your last cursor")));
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) pending_end_ = absl::CancelledError("the client went away");
      if (!pending_end_.ok()) {
        FinishLocked(pending_end_);
        return;
      }
    }
    Pump();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    FinishLocked(absl::CancelledError("cancelled"));
  }

  void OnDone() override {
    hub_->RemoveListener(this);
    std::shared_ptr<Subscriber> self;
    absl::MutexLock lock(&mu_);
    self.swap(self_);  // freed when this returns and no hub thread holds it
  }

 private:
  // Sends the next batch this subscriber may see, or a heartbeat, when no
  // write is in flight. Never blocks: reads the hub's in-memory logs.
  void Pump() {
    absl::MutexLock lock(&mu_);
    if (!started_ || writing_ || finished_) return;
    if (rights_changed_) {
      // Nothing after a change of the party's rights is judged by the rights
      // before it: its key is read again first, then the stream goes on.
      RecheckNowLocked();
      return;
    }
    response_.Clear();
    Cursor next = position_;
    // Changes the subscriber may not see cost no message: read on while
    // a full batch was filtered out, or they would wait for the next wake.
    bool more = true;
    while (more && response_.events_size() == 0) {
      more = false;
      for (Service s : resource::kServices) {
        if (response_.events_size() >= static_cast<int>(kEventsPerMessage) || rights_changed_) break;
        bool full = false;
        if (!ReadService(s, &next, &full)) return;
        more = more || full;
      }
      if (rights_changed_) more = false;
    }
    position_ = next;
    if (rights_changed_) RecheckNowLocked();
    if (response_.events_size() == 0 && !heartbeat_due_) {
      // Nothing to say; filtered-out progress rides on the next message.
      return;
    }
    heartbeat_due_ = false;
    response_.set_cursor(EncodeCursor(position_));
    last_send_ = clock_->Now();
    writing_ = true;
    StartWrite(&response_);
  }

  // Adds what the subscriber may see of `service`'s changes after `next`
  // to the message, and moves `next` past what it looked at. `*full`: a
  // whole batch was read (more may be waiting). False when the stream was
  // finished (fell behind, or its cursor is too old).
  bool ReadService(Service s, Cursor* next, bool* full) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    size_t i = static_cast<size_t>(s);
    if (absl::Status restored = CheckEpoch(*next, s, hub_->Epoch(s)); !restored.ok()) {
      FinishLocked(restored);
      return false;
    }
    std::vector<ChangePtr> changes;
    uint64_t through = 0;
    bool behind = false;
    hub_->Read(s, next->at(s), kEventsPerMessage, /*backfill=*/!caught_up_[i], &changes, &through, &behind);
    if (behind) {
      if (caught_up_[i]) {
        FinishLocked(
            absl::UnavailableError("subscription ended: the subscriber fell behind the gateway's buffer; "
                                   "reconnect with your last cursor"));
        return false;
      }
      absl::Status failed = hub_->BackfillError(s, next->at(s));
      if (failed.ok()) return true;  // woken when the backfill is done
      absl::Status out = failed;
      if (absl::IsFailedPrecondition(failed)) {
        out = absl::FailedPreconditionError(
            absl::StrCat("cursor: is older than the ", resource::ServiceName(s),
                         " service keeps; list again, then subscribe without a cursor"));
        rcp::common::v1::ResyncRequired detail;
        if (GetDetail(failed, &detail)) AttachDetail(out, detail);
      }
      FinishLocked(out);
      return false;
    }
    caught_up_[i] = true;
    bool consumed_all = true;
    std::vector<std::string> processes;
    for (const auto& c : changes) {
      if (response_.events_size() >= static_cast<int>(kEventsPerMessage)) {
        consumed_all = false;  // the rest goes in the next message
        break;
      }
      next->at(s) = c->revision();
      // Its party joined or left a process, or a chair term: this change is
      // delivered by the rights it changes, and what follows waits for them.
      const bool rights = s == Service::kRegistry && ChangesRightsOf(*c, principal_->party());
      if (rights) {
        rights_changed_ = true;
        consumed_all = false;
      }
      if (!kinds_.empty() && !kinds_.count(c->kind())) {
        if (rights) break;
        continue;
      }
      Delivery delivery = DeliveryOf(*principal_, s, *c, &processes);
      if (!processes_.empty()) {
        bool wanted = false;
        for (const auto& p : processes) wanted = wanted || processes_.count(p);
        if (!wanted) delivery = Delivery::kNone;
      }
      if (delivery == Delivery::kNone) {
        if (rights) break;
        continue;
      }
      auto* e = response_.add_events();
      e->set_service(resource::ServiceName(s));
      if (delivery == Delivery::kWithdrawal) {
        Withdrawal(*c, e->mutable_change());
      } else {
        *e->mutable_change() = *c;
        e->mutable_change()->clear_previous_value();  // internal
        e->mutable_change()->clear_envelope();        // for relays
      }
      if (rights) break;
    }
    // Only past changes actually looked at: a message that filled up
    // midway must not skip the rest of this batch.
    if (consumed_all) {
      next->at(s) = std::max(next->at(s), through);
      *full = changes.size() == kEventsPerMessage;
    }
    return true;
  }

  // Finishes the stream once; while a write is in flight, when it is done
  // (gRPC allows no Finish with a write outstanding).
  void FinishLocked(const absl::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    if (writing_) {
      if (pending_end_.ok()) pending_end_ = status;
      return;
    }
    finished_ = true;
    Finish(ToGrpcStatus(status));
  }

  void RecheckNowLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (recheck_scheduled_ || self_ == nullptr) return;
    recheck_scheduled_ = true;
    recheck_now_(self_);
  }

  // Whether `change` (a registry change) moves the rights of `party`: a
  // membership or chair term of it, before or after.
  static bool ChangesRightsOf(const rcp::common::v1::Change& change, const std::string& party) {
    auto names = [&](const google::protobuf::Any& value) {
      if (change.kind() == "membership") {
        rcp::registry::v1::Membership m;
        return value.UnpackTo(&m) && m.party() == party;
      }
      if (change.kind() == "chair_term") {
        rcp::registry::v1::ChairTerm t;
        return value.UnpackTo(&t) && t.party() == party;
      }
      return false;
    };
    return names(change.value()) || (change.has_previous_value() && names(change.previous_value()));
  }

  FeedHub* const hub_;
  Clock* const clock_;
  const absl::Duration heartbeat_;
  const std::function<void(std::shared_ptr<Subscriber>)> recheck_now_;
  bool rights_changed_ ABSL_GUARDED_BY(mu_) = false;
  bool recheck_scheduled_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex mu_;
  absl::Status pending_end_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<Subscriber> self_ ABSL_GUARDED_BY(mu_);
  access::PrincipalPtr principal_ ABSL_GUARDED_BY(mu_);
  std::string key_ ABSL_GUARDED_BY(mu_);
  absl::Time checked_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> processes_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> kinds_ ABSL_GUARDED_BY(mu_);
  Cursor position_ ABSL_GUARDED_BY(mu_);
  std::array<bool, resource::kServices.size()> caught_up_ ABSL_GUARDED_BY(mu_){};
  v1::SubscribeResponse response_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool heartbeat_due_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_send_ ABSL_GUARDED_BY(mu_);
};

Subscriptions::Subscriptions(FeedHub* hub, upstream::Forwarder* forwarder, Clock* clock,
                             absl::Duration heartbeat)
    : hub_(hub), forwarder_(forwarder), clock_(clock), heartbeat_(heartbeat) {}

std::vector<std::shared_ptr<Subscriber>> Subscriptions::Live() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::shared_ptr<Subscriber>> live;
  subscribers_.erase(std::remove_if(subscribers_.begin(), subscribers_.end(),
                                    [&](const std::weak_ptr<Subscriber>& w) {
                                      auto s = w.lock();
                                      if (!s) return true;
                                      live.push_back(std::move(s));
                                      return false;
                                    }),
                     subscribers_.end());
  return live;
}

grpc::ServerWriteReactor<v1::SubscribeResponse>* Subscriptions::Open(grpc::CallbackServerContext* context,
                                                                     const v1::SubscribeRequest* request) {
  access::Authenticator* auth = forwarder_->deps().auth;
  ThreadPool* pool = forwarder_->deps().pool;
  Clock* clock = clock_;
  auto subscriber = std::make_shared<Subscriber>(
      hub_, clock_, heartbeat_, [auth, pool, clock](std::shared_ptr<Subscriber> s) {
        pool->Schedule([s = std::move(s), auth, clock] { s->Rechecked(auth->AuthenticateKeyNow(s->key()), clock->Now()); });
      });
  subscriber->KeepAliveUntilDone(subscriber);
  {
    absl::MutexLock lock(&mu_);
    subscribers_.push_back(subscriber);
  }
  auto* raw = subscriber.get();
  v1::SubscribeRequest req = *request;
  FeedHub* hub = hub_;
  upstream::Forwarder* forwarder = forwarder_;
  // Read here: once the client cancels, the stream may finish and its
  // context go before the pool runs the task.
  auto key = access::Authenticator::KeyOf(context);
  forwarder->deps().pool->Schedule([subscriber, req, hub, forwarder, key] {
    if (!key.ok()) return subscriber->Fail(key.status());
    absl::StatusOr<access::PrincipalPtr> principal = forwarder->AuthorizeKey("Subscribe", *key, req);
    if (!principal.ok()) return subscriber->Fail(principal.status());
    if (absl::Status bad = ValidateRequest(req); !bad.ok()) return subscriber->Fail(bad);
    Cursor start = hub->Head();
    if (!req.cursor().empty()) {
      auto cursor = DecodeCursor(req.cursor());
      if (!cursor.ok()) return subscriber->Fail(cursor.status());
      for (Service s : resource::kServices) {
        // A cursor of the layout before epochs counts in the current one.
        if (cursor->epoch(s) == 0) cursor->epoch(s) = start.epoch(s);
        if (absl::Status restored = CheckEpoch(*cursor, s, start.epoch(s)); !restored.ok()) {
          return subscriber->Fail(restored);
        }
      }
      start = *cursor;
    }
    subscriber->Begin(*principal, *key, req);
    hub->AddListener(subscriber);
    subscriber->StartAt(start);
  });
  return raw;
}

void Subscriptions::CloseAll() {
  for (auto& s : Live()) s->Close("the gateway is shutting down");
}

size_t Subscriptions::count() const { return Live().size(); }

void Subscriptions::Tick() {
  absl::Time now = clock_->Now();
  access::Authenticator* auth = forwarder_->deps().auth;
  absl::Duration recheck = auth->ttl();
  std::vector<std::shared_ptr<Subscriber>> due;
  for (auto& s : Live()) {
    s->Tick(now);
    if (s->RecheckDue(now, recheck)) due.push_back(std::move(s));
  }
  // Open streams are authenticated again every TTL, each key once per
  // round (from the cache when fresh), on the pool.
  if (due.empty() || recheck_running_->exchange(true)) return;
  forwarder_->deps().pool->Schedule([due = std::move(due), auth, now, running = recheck_running_] {
    std::map<std::string, absl::StatusOr<access::PrincipalPtr>> by_key;
    for (const auto& s : due) {
      std::string key = s->key();
      auto it = by_key.find(key);
      if (it == by_key.end()) it = by_key.emplace(key, auth->AuthenticateKey(key)).first;
      s->Rechecked(it->second, now);  // the tick's time: due again a TTL of ticks later
    }
    *running = false;
  });
}

}  // namespace rcp::gateway::subscribe
