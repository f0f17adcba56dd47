#include "services/gateway/gateway_service.h"

#include <openssl/hmac.h>

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/resource/resource.h"
#include "common/status/status.h"

namespace rcp::gateway {

namespace v1 = ::rcp::gateway::v1;

namespace {

constexpr size_t kEventsPerMessage = 64;

const std::set<std::string>& KnownKinds() {
  static const auto* kinds =
      new std::set<std::string>{"process", "party",    "membership", "chair_term",     "focal_point",
                                "meeting", "document", "api_key",    "federation_peer"};
  return *kinds;
}

}  // namespace

// One Subscribe stream. Owned by itself (self_) from its creation until
// OnDone, whatever happens in between.
class Subscriber : public grpc::ServerWriteReactor<v1::SubscribeResponse>,
                   public FeedListener,
                   public std::enable_shared_from_this<Subscriber> {
 public:
  Subscriber(FeedHub* hub, absl::Duration heartbeat) : hub_(hub), heartbeat_(heartbeat) {}

  void KeepAliveUntilDone(std::shared_ptr<Subscriber> self) {
    std::lock_guard<std::mutex> lock(mu_);
    self_ = std::move(self);
  }

  // Runs on the pool after authentication.
  void Begin(PrincipalPtr principal, std::string key, const v1::SubscribeRequest& request) {
    std::lock_guard<std::mutex> lock(mu_);
    principal_ = std::move(principal);
    key_ = std::move(key);
    processes_.insert(request.processes().begin(), request.processes().end());
    kinds_.insert(request.kinds().begin(), request.kinds().end());
    last_send_ = absl::Now();
    checked_ = last_send_;
    started_ = true;
  }

  // Whether the key is due to be authenticated again: a stream lives longer
  // than the authentication cache, and must not outlive its key's
  // revocation or expiry, nor keep rights the party lost.
  bool RecheckDue(absl::Time now, absl::Duration interval) {
    std::lock_guard<std::mutex> lock(mu_);
    return started_ && !finished_ && now - checked_ >= interval;
  }
  std::string key() {
    std::lock_guard<std::mutex> lock(mu_);
    return key_;
  }
  void Rechecked(const absl::StatusOr<PrincipalPtr>& principal, absl::Time now) {
    std::lock_guard<std::mutex> lock(mu_);
    checked_ = now;
    if (principal.ok()) {
      principal_ = *principal;
    } else if (absl::IsUnauthenticated(principal.status())) {
      FinishLocked(absl::UnauthenticatedError(
          absl::StrCat("subscription ended: the key is no longer valid: ", principal.status().message())));
    }  // else the registry is unreachable: keep going, try again later
  }

  void StartAt(const Cursor& cursor) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      position_ = cursor;
      // The first message confirms the subscription and its cursor.
      heartbeat_due_ = true;
    }
    Wake();
  }

  void Fail(const absl::Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    FinishLocked(status);
  }

  void Wake() override { Pump(); }

  void Tick(absl::Time now) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!started_ || now - last_send_ < heartbeat_) return;
      heartbeat_due_ = true;
    }
    Pump();
  }

  void Close(absl::string_view reason) {
    std::lock_guard<std::mutex> lock(mu_);
    FinishLocked(absl::UnavailableError(
        absl::StrCat("subscription ended: ", reason, "; reconnect with your last cursor")));
  }

  void OnWriteDone(bool ok) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
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
    std::lock_guard<std::mutex> lock(mu_);
    FinishLocked(absl::CancelledError("cancelled"));
  }

  void OnDone() override {
    hub_->RemoveListener(this);
    std::shared_ptr<Subscriber> self;
    std::lock_guard<std::mutex> lock(mu_);
    self.swap(self_);  // freed when this returns and no hub thread holds it
  }

 private:
  // Sends the next batch this subscriber may see, or a heartbeat, when no
  // write is in flight. Never blocks: reads the hub's in-memory logs.
  void Pump() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_ || writing_ || finished_) return;
    response_.Clear();
    Cursor next = position_;
    std::vector<std::string> processes;
    // Changes the subscriber may not see cost no message: read on while
    // a full batch was filtered out, or they would wait for the next wake.
    bool more = true;
    while (more && response_.events_size() == 0) {
      more = false;
      for (int s = 0; s < kFeedServices && response_.events_size() < static_cast<int>(kEventsPerMessage);
           ++s) {
        std::vector<storage::ChangePtr> changes;
        uint64_t through = 0;
        bool behind = false;
        hub_->Read(s, next.revisions[s], kEventsPerMessage, /*backfill=*/!caught_up_[s], &changes, &through,
                   &behind);
        if (behind) {
          if (caught_up_[s]) {
            FinishLocked(
                absl::UnavailableError("subscription ended: the subscriber fell behind the gateway's buffer; "
                                       "reconnect with your last "
                                       "cursor"));
            return;
          }
          absl::Status failed = hub_->BackfillError(s, next.revisions[s]);
          if (!failed.ok()) {
            absl::Status out = failed;
            if (absl::IsFailedPrecondition(failed)) {
              out = absl::FailedPreconditionError(
                  absl::StrCat("cursor: is older than the ", kFeedServiceNames[s],
                               " service keeps; list again, then subscribe without a cursor"));
              rcp::common::v1::ResyncRequired detail;
              if (GetDetail(failed, &detail)) AttachDetail(out, detail);
            }
            FinishLocked(out);
            return;
          }
          continue;  // woken when the backfill is done
        }
        caught_up_[s] = true;
        bool consumed_all = true;
        for (const auto& c : changes) {
          if (response_.events_size() >= static_cast<int>(kEventsPerMessage)) {
            consumed_all = false;  // the rest goes in the next message
            break;
          }
          next.revisions[s] = c->revision();
          if (!kinds_.empty() && !kinds_.count(c->kind())) continue;
          policy::Delivery delivery = policy::DeliveryOf(*principal_, kFeedServiceNames[s], *c, &processes);
          if (delivery == policy::Delivery::kNone) continue;
          if (!processes_.empty()) {
            bool wanted = false;
            for (const auto& p : processes) wanted = wanted || processes_.count(p);
            if (!wanted) continue;
          }
          auto* e = response_.add_events();
          e->set_service(kFeedServiceNames[s]);
          if (delivery == policy::Delivery::kWithdrawal) {
            policy::Withdrawal(*c, e->mutable_change());
          } else {
            *e->mutable_change() = *c;
            e->mutable_change()->clear_previous_value();  // internal
          }
        }
        // Only past changes actually looked at: a message that filled up
        // midway must not skip the rest of this batch.
        if (consumed_all) {
          next.revisions[s] = std::max(next.revisions[s], through);
          more = more || changes.size() == kEventsPerMessage;
        }
      }
    }
    position_ = next;
    if (response_.events_size() == 0 && !heartbeat_due_) {
      // Nothing to say; filtered-out progress rides on the next message.
      return;
    }
    heartbeat_due_ = false;
    response_.set_cursor(EncodeCursor(position_));
    last_send_ = absl::Now();
    writing_ = true;
    StartWrite(&response_);
  }

  // Finishes the stream once; while a write is in flight, when it is done
  // (gRPC allows no Finish with a write outstanding).
  void FinishLocked(const absl::Status& status) {
    if (finished_) return;
    if (writing_) {
      if (pending_end_.ok()) pending_end_ = status;
      return;
    }
    finished_ = true;
    Finish(ToGrpcStatus(status));
  }

  FeedHub* hub_;
  absl::Duration heartbeat_;
  std::mutex mu_;
  absl::Status pending_end_;
  std::shared_ptr<Subscriber> self_;
  PrincipalPtr principal_;
  std::string key_;
  absl::Time checked_;
  std::set<std::string> processes_;
  std::set<std::string> kinds_;
  Cursor position_;
  std::array<bool, kFeedServices> caught_up_{};
  v1::SubscribeResponse response_;
  bool started_ = false;
  bool writing_ = false;
  bool finished_ = false;
  bool heartbeat_due_ = false;
  absl::Time last_send_;
};

std::vector<std::shared_ptr<Subscriber>> GatewayService::LiveSubscribers() const {
  std::lock_guard<std::mutex> lock(subscribers_mu_);
  auto& all = subscribers_;
  std::vector<std::shared_ptr<Subscriber>> live;
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&](const std::weak_ptr<Subscriber>& w) {
                             auto s = w.lock();
                             if (!s) return true;
                             live.push_back(std::move(s));  // `s` is empty after this
                             return false;
                           }),
            all.end());
  return live;
}

std::string CalendarSignature(const std::string& secret, const std::string& key_name,
                              const std::vector<std::string>& processes) {
  std::string message = absl::StrCat(key_name, "\n", absl::StrJoin(processes, ","));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len && out.size() < 40; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 0xf]);
  }
  return out;
}

grpc::ServerUnaryReactor* GatewayService::WhoAmI(grpc::CallbackServerContext* context,
                                                 const v1::WhoAmIRequest*,
                                                 rcp::registry::v1::Principal* response) {
  return f_.Serve(context, [=](const policy::Principal& p) {
    *response = p;
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* GatewayService::GetCalendarUrl(grpc::CallbackServerContext* context,
                                                         const v1::GetCalendarUrlRequest* request,
                                                         v1::CalendarUrl* response) {
  return f_.Serve(context, [=](const policy::Principal& p) -> absl::Status {
    const auto& options = *f_.deps().options;
    if (options.calendar_secret.empty() || options.calendar_base_url.empty()) {
      return absl::FailedPreconditionError(
          "the calendar feed is not enabled on this gateway (--calendar_listen)");
    }
    std::vector<std::string> processes(request->processes().begin(), request->processes().end());
    for (size_t i = 0; i < processes.size(); ++i) {
      RCP_RETURN_IF_ERROR(
          rcp::resource::ProcessId(absl::StrCat("processes[", i, "]"), processes[i]).status());
    }
    std::string key_id = p.api_key().substr(p.api_key().find('/') + 1);
    std::string url =
        absl::StrCat(options.calendar_base_url, "/calendar/", key_id, "/",
                     CalendarSignature(options.calendar_secret, p.api_key(), processes), ".ics");
    if (!processes.empty()) {
      std::vector<std::string> ids;
      for (const auto& proc : processes) ids.push_back(proc.substr(proc.find('/') + 1));
      absl::StrAppend(&url, "?processes=", absl::StrJoin(ids, ","));
    }
    response->set_url(url);
    return absl::OkStatus();
  });
}

grpc::ServerWriteReactor<v1::SubscribeResponse>* GatewayService::Subscribe(
    grpc::CallbackServerContext* context, const v1::SubscribeRequest* request) {
  auto subscriber = std::make_shared<Subscriber>(hub_, f_.deps().options->heartbeat_interval);
  subscriber->KeepAliveUntilDone(subscriber);
  {
    std::lock_guard<std::mutex> lock(subscribers_mu_);
    subscribers_.push_back(subscriber);
  }
  auto* raw = subscriber.get();
  v1::SubscribeRequest req = *request;
  FeedHub* hub = hub_;
  Authenticator* auth = f_.deps().auth;
  // Read here: once the client cancels, the stream may finish and its
  // context go before the pool runs the task.
  auto key = Authenticator::KeyOf(context);
  f_.deps().pool->Schedule([subscriber, req, hub, auth, key] {
    if (!key.ok()) return subscriber->Fail(key.status());
    auto principal = auth->AuthenticateKey(*key);
    if (!principal.ok()) return subscriber->Fail(principal.status());
    for (int i = 0; i < req.processes_size(); ++i) {
      auto ok = rcp::resource::ProcessId(absl::StrCat("processes[", i, "]"), req.processes(i));
      if (!ok.ok()) return subscriber->Fail(ok.status());
    }
    for (int i = 0; i < req.kinds_size(); ++i) {
      if (!KnownKinds().count(req.kinds(i))) {
        return subscriber->Fail(InvalidField(
            absl::StrCat("kinds[", i, "]"),
            absl::StrCat("'", req.kinds(i),
                         "' is not an entity kind; known: ", absl::StrJoin(KnownKinds(), ", "))));
      }
    }
    Cursor start = hub->Head();
    if (!req.cursor().empty()) {
      auto cursor = DecodeCursor(req.cursor());
      if (!cursor.ok()) return subscriber->Fail(cursor.status());
      start = *cursor;
    }
    subscriber->Begin(*principal, *key, req);
    hub->AddListener(subscriber);
    subscriber->StartAt(start);
  });
  return raw;
}

void GatewayService::CloseSubscriptions() {
  for (auto& s : LiveSubscribers()) s->Close("the gateway is shutting down");
}

size_t GatewayService::subscriber_count() const { return LiveSubscribers().size(); }

void GatewayService::Tick() {
  absl::Time now = absl::Now();
  absl::Duration recheck = f_.deps().options->auth_cache_ttl;
  std::vector<std::shared_ptr<Subscriber>> due;
  for (auto& s : LiveSubscribers()) {
    s->Tick(now);
    if (s->RecheckDue(now, recheck)) due.push_back(std::move(s));
  }
  // Open streams are authenticated again every auth_cache_ttl, each key
  // once per round (from the cache when fresh), on the pool.
  if (due.empty() || recheck_running_->exchange(true)) return;
  Authenticator* auth = f_.deps().auth;
  f_.deps().pool->Schedule([due = std::move(due), auth, now, running = recheck_running_] {
    std::map<std::string, absl::StatusOr<PrincipalPtr>> by_key;
    for (const auto& s : due) {
      std::string key = s->key();
      auto it = by_key.find(key);
      if (it == by_key.end()) it = by_key.emplace(key, auth->AuthenticateKey(key)).first;
      s->Rechecked(it->second, now);  // the tick's time: due again a TTL of ticks later
    }
    *running = false;
  });
}

}  // namespace rcp::gateway
