#include "services/gateway/federation/pull_server.h"

#include <spdlog/spdlog.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/time/timestamp.h"
#include "services/gateway/access/peers.h"
#include "services/gateway/federation/envelopes.h"
#include "services/gateway/federation/share.h"

namespace rcp::gateway::federation {
namespace {

using rcp::common::v1::Change;
using resource::Kind;
using resource::Service;

constexpr size_t kStores = resource::kServices.size();
constexpr size_t kRegistry = static_cast<size_t>(Service::kRegistry);
constexpr absl::Duration kCallDeadline = absl::Seconds(30);

size_t IndexOf(Service s) { return static_cast<size_t>(s); }

uint64_t NowMicros(Clock* clock) { return static_cast<uint64_t>(absl::ToUnixMicros(clock->Now())); }

// What one stream knows while it runs: the peer, every peer (for
// recipients), the signing key.
struct Context {
  FederationPeer peer;
  std::string peer_id;
  std::string self;
  std::vector<FederationPeer> all;
  std::shared_ptr<const SigningKey> key;
  PullCursor* cursor;
};

fv1::PullEntry EnvelopeEntry(fv1::Envelope envelope) {
  fv1::PullEntry e;
  *e.mutable_envelope() = std::move(envelope);
  return e;
}

fv1::PullEntry WithdrawalEntry(fv1::Withdrawal w) {
  fv1::PullEntry e;
  *e.mutable_withdrawal() = std::move(w);
  return e;
}

}  // namespace

PullServer::PullServer(upstream::Upstream* upstream, PeerDirectory* peers, KeyringManager* keyring, Clock* clock,
                       PullOptions options)
    : upstream_(upstream), peers_(peers), keyring_(keyring), clock_(clock), options_(options) {}

PullServer::~PullServer() { Stop(); }

void PullServer::Stop() { threads_.Stop(); }

void PullServer::Wake() {
  absl::MutexLock lock(&mu_);
  for (auto& [peer, signal] : pulls_) signal->Wake();
}

absl::StatusOr<FederationPeer> PullServer::PeerOf(const grpc::ServerContextBase& context) {
  RCP_ASSIGN_OR_RETURN(access::PeerIdentity identity, access::PeerOf(context, options_.insecure_loopback));
  for (const auto& name : identity.names) {
    std::optional<FederationPeer> peer = peers_->Find(name);
    if (peer.has_value() && access::IsPeer(identity, name, peer->credential_fingerprint())) return *peer;
  }
  return absl::PermissionDeniedError(absl::StrCat(identity.names.empty() ? std::string("the caller") : identity.names[0],
                                                  " is not a peer of ", peers_->self()));
}

namespace {

// The store positions of this deployment now.
absl::Status ReadPositions(upstream::Upstream* up, std::array<fv1::Position, kStores>* out) {
  for (Service s : resource::kServices) {
    grpc::Status st = up->WithRetry({}, nullptr, [&](grpc::ClientContext* c) {
      return up->replica(s)->GetPosition(c, fv1::GetPositionRequest(), &(*out)[IndexOf(s)]);
    });
    if (!st.ok()) return FromGrpcStatus(st);
  }
  return absl::OkStatus();
}

fv1::Head OwnHead(const PullCursor& cursor, Clock* clock) {
  fv1::Head head;
  for (Service s : resource::kServices) {
    fv1::StorePosition* p = head.add_positions();
    p->set_store(resource::ServiceName(s));
    p->set_epoch(cursor.epochs[IndexOf(s)]);
    p->set_revision(cursor.positions[IndexOf(s)]);
  }
  *head.mutable_time() = ToTimestamp(clock->Now());
  return head;
}

void SetPositions(const std::array<fv1::Position, kStores>& source, const PullCursor& cursor,
                  fv1::PullResponse* resp) {
  for (Service s : resource::kServices) {
    fv1::StorePosition* p = resp->add_source_positions();
    p->set_store(resource::ServiceName(s));
    p->set_epoch(source[IndexOf(s)].epoch());
    p->set_revision(source[IndexOf(s)].revision());
    fv1::StorePosition* at = resp->add_positions();
    at->set_store(resource::ServiceName(s));
    at->set_epoch(cursor.epochs[IndexOf(s)]);
    at->set_revision(cursor.positions[IndexOf(s)]);
  }
}

// Every content version of one of this deployment's documents.
absl::Status AddContentVersions(upstream::Upstream* up, fv1::Item* item) {
  rcp::documents::v1::ListContentVersionsRequest req;
  req.set_document(item->name());
  rcp::documents::v1::ListContentVersionsResponse resp;
  grpc::Status s = up->WithRetry(
      {}, nullptr, [&](grpc::ClientContext* c) { return up->documents()->ListContentVersions(c, req, &resp); });
  if (s.error_code() == grpc::StatusCode::NOT_FOUND) return absl::OkStatus();  // deleted meanwhile
  if (!s.ok()) return FromGrpcStatus(s);
  for (auto& v : *resp.mutable_versions()) *item->add_content_versions() = std::move(v);
  return absl::OkStatus();
}

// The entries one change record of `service` makes for the peer.
absl::Status EntriesOf(upstream::Upstream* up, const Context& ctx, Service service, const Change& change,
                       uint64_t registry_revision, fv1::PullResponse* resp) {
  const resource::KindInfo* kind = resource::KindNamed(change.kind());
  if (kind == nullptr || !Travels(kind->kind)) return absl::OkStatus();
  if (kind->kind == Kind::kParty && resource::IsStateId(resource::PartyId("", change.name()).value_or(""))) {
    return absl::OkStatus();  // every deployment has the states
  }
  std::optional<Shape> shape = ShapeOf(change.kind(), change.name(), change.value());
  if (!shape.has_value()) return absl::OkStatus();
  if (!change.origin().empty()) {
    // Another deployment's item: relayed as its origin signed it.
    if (change.origin() == ctx.peer_id) return absl::OkStatus();
    if (change.operation() == Change::WITHDRAWN) {
      if (Shares(ctx.peer, *shape)) {
        *resp->add_entries() =
            WithdrawalEntry(WithdrawalOf(change.name(), change.kind(), change.origin(), Version{}));
      }
      return absl::OkStatus();
    }
    fv1::Envelope envelope;
    if (!envelope.ParseFromString(change.envelope())) {
      return absl::DataLossError(absl::StrCat("the envelope of mirror ", change.name(), " (revision ",
                                              change.revision(), ") is unreadable"));
    }
    if (MayRelay(ctx.peer, *shape, envelope)) {
      *resp->add_entries() = EnvelopeEntry(std::move(envelope));
      return absl::OkStatus();
    }
    if (change.operation() == Change::UPDATED && change.has_previous_value()) {
      std::optional<Shape> before = ShapeOf(change.kind(), change.name(), change.previous_value());
      if (before.has_value() && Shares(ctx.peer, *before)) {
        *resp->add_entries() = WithdrawalEntry(WithdrawalOf(change.name(), change.kind(), envelope));
      }
    }
    return absl::OkStatus();
  }
  if (change.operation() == Change::WITHDRAWN || change.envelope_only()) return absl::OkStatus();
  const Version version{resource::ServiceName(service), ctx.cursor->epochs[IndexOf(service)], change.revision()};
  if (Shares(ctx.peer, *shape)) {
    fv1::Item item = ItemOfChange(change);
    if (kind->kind == Kind::kDocument && !item.deleted()) RCP_RETURN_IF_ERROR(AddContentVersions(up, &item));
    *resp->add_entries() = EnvelopeEntry(SealItem(*ctx.key, ctx.self, version, item,
                                                  service == Service::kRegistry ? 0 : registry_revision,
                                                  RecipientsOf(ctx.all, *shape)));
    return absl::OkStatus();
  }
  if (change.operation() == Change::UPDATED && change.has_previous_value()) {
    std::optional<Shape> before = ShapeOf(change.kind(), change.name(), change.previous_value());
    if (before.has_value() && Shares(ctx.peer, *before)) {
      *resp->add_entries() = WithdrawalEntry(WithdrawalOf(change.name(), change.kind(), ctx.self, version));
    }
  }
  return absl::OkStatus();
}

// The entry one stored item (a snapshot's) makes for the peer, if any.
absl::Status EntryOfItem(const Context& ctx, Service service, fv1::StoredItem stored, uint64_t registry_revision,
                         fv1::PullResponse* resp) {
  const fv1::Item& item = stored.item();
  const resource::KindInfo* kind = resource::KindNamed(item.kind());
  if (kind == nullptr || !Travels(kind->kind)) return absl::OkStatus();
  if (kind->kind == Kind::kParty && resource::IsStateId(resource::PartyId("", item.name()).value_or(""))) {
    return absl::OkStatus();
  }
  std::optional<Shape> shape = ShapeOf(item.kind(), item.name(), item.value());
  if (!shape.has_value()) return absl::OkStatus();
  if (stored.has_mirror()) {
    if (MayRelay(ctx.peer, *shape, stored.mirror().envelope())) {
      *resp->add_entries() = EnvelopeEntry(std::move(*stored.mutable_mirror()->mutable_envelope()));
    }
    return absl::OkStatus();
  }
  if (!Shares(ctx.peer, *shape)) return absl::OkStatus();
  const Version version{resource::ServiceName(service), ctx.cursor->epochs[IndexOf(service)], stored.revision()};
  *resp->add_entries() =
      EnvelopeEntry(SealItem(*ctx.key, ctx.self, version, item, service == Service::kRegistry ? 0 : registry_revision,
                             RecipientsOf(ctx.all, *shape)));
  return absl::OkStatus();
}

// Other origins' newest heads, as this deployment keeps them for relays.
absl::StatusOr<std::map<std::string, fv1::Envelope>> RelayedHeads(upstream::Upstream* up) {
  rcp::registry::v1::ListFederationHeadsResponse resp;
  grpc::Status s = up->WithRetry({}, nullptr, [&](grpc::ClientContext* c) {
    return up->registry()->ListFederationHeads(c, {}, &resp);
  });
  if (!s.ok()) return FromGrpcStatus(s);
  std::map<std::string, fv1::Envelope> out;
  for (auto& h : *resp.mutable_heads()) out[h.origin()] = std::move(h);
  return out;
}

// The heads the peer is to receive with `entries` (or with a heartbeat:
// every origin's but its own): those of the origins of the relayed items
// that depend on a registry, before them.
absl::Status AddRelayedHeads(upstream::Upstream* up, const Context& ctx, bool all,
                             std::vector<fv1::PullEntry>* entries) {
  std::set<std::string> origins;
  for (const auto& e : *entries) {
    if (e.has_envelope() && e.envelope().origin() != ctx.self && e.envelope().store() != "registry") {
      origins.insert(e.envelope().origin());
    }
  }
  if (!all && origins.empty()) return absl::OkStatus();
  RCP_ASSIGN_OR_RETURN(auto heads, RelayedHeads(up));
  std::vector<fv1::PullEntry> with;
  for (auto& [origin, head] : heads) {
    if (origin == ctx.peer_id || origin == ctx.self || (!all && !origins.count(origin))) continue;
    with.push_back(EnvelopeEntry(std::move(head)));
  }
  for (auto& e : *entries) with.push_back(std::move(e));
  *entries = std::move(with);
  return absl::OkStatus();
}

absl::Status ReadChangesOf(upstream::Upstream* up, Service s, uint64_t after, int max, fv1::ReadChangesResponse* out) {
  fv1::ReadChangesRequest req;
  req.set_after_revision(after);
  req.set_max_changes(max);
  grpc::Status st =
      up->WithRetry({}, nullptr, [&](grpc::ClientContext* c) { return up->replica(s)->ReadChanges(c, req, out); });
  return st.ok() ? absl::OkStatus() : FromGrpcStatus(st);
}

}  // namespace

grpc::ServerWriteReactor<fv1::PullResponse>* PullServer::Pull(grpc::CallbackServerContext* context,
                                                              const fv1::PullRequest* request) {
  std::string cursor = request->cursor();
  return ProducerStream<fv1::PullResponse>::Start(
      &threads_, [this, context, cursor](ProducerStream<fv1::PullResponse>* out) -> grpc::Status {
        if (keyring_ == nullptr || keyring_->current() == nullptr) {
          return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "federation is off on this gateway");
        }
        absl::StatusOr<FederationPeer> peer = PeerOf(*context);
        if (!peer.ok()) {
          if (absl::IsPermissionDenied(peer.status())) {
            // Nothing is shared with it: it drops what it holds from here.
            fv1::PullResponse empty;
            empty.set_generation(NowMicros(clock_));
            empty.set_snapshot_begin(true);
            empty.set_snapshot_complete(true);
            out->Write(empty);
          }
          return ToGrpcStatus(peer.status());
        }
        if (!peer->enabled()) {
          fv1::PullResponse empty;
          empty.set_generation(NowMicros(clock_));
          empty.set_snapshot_begin(true);
          empty.set_snapshot_complete(true);
          out->Write(empty);
          return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                              absl::StrCat(peer->name(), " is disabled at ", peers_->self(), ": it is sent nothing"));
        }
        const std::string id = PeerId(*peer);
        {
          absl::MutexLock lock(&mu_);
          auto& open = pulls_[id];
          if (open != nullptr) open->Cancel();  // the peer reconnected
          open = out->signal();
        }
        grpc::Status status = ServePull(out, id, cursor);
        {
          absl::MutexLock lock(&mu_);
          auto it = pulls_.find(id);
          if (it != pulls_.end() && it->second == out->signal()) pulls_.erase(it);
        }
        return status;
      });
}

grpc::Status PullServer::ServePull(ProducerStream<fv1::PullResponse>* out, const std::string& peer_id,
                                   const std::string& cursor_text) {
  std::array<fv1::Position, kStores> source;
  if (absl::Status s = ReadPositions(upstream_, &source); !s.ok()) return ToGrpcStatus(s);
  PullCursor cursor;
  bool fresh = cursor_text.empty();
  if (!fresh) {
    absl::StatusOr<PullCursor> decoded = DecodePullCursor(cursor_text);
    if (!decoded.ok()) return ToGrpcStatus(decoded.status());
    cursor = *std::move(decoded);
  }
  std::optional<FederationPeer> peer = peers_->Find(peer_id);
  if (!peer.has_value()) return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "not a peer any more");
  const int revocations = RevokedKeys(keyring_->public_keys());
  const std::string rules = RulesFingerprint(*peer);
  // The certificate it was admitted with: a new pin re-admits it.
  const std::string pinned = peer->credential_fingerprint();
  if (!fresh) {
    bool holds = cursor.rules == rules && cursor.revocations == static_cast<uint64_t>(revocations);
    for (Service s : resource::kServices) {
      const fv1::Position& p = source[IndexOf(s)];
      holds = holds && cursor.epochs[IndexOf(s)] == p.epoch() &&
              (cursor.snapshot || cursor.positions[IndexOf(s)] >= p.compacted_revision()) &&
              cursor.positions[IndexOf(s)] <= p.revision();
    }
    fresh = !holds;
  }
  bool begin = false;
  // A snapshot from now, of the stores as they are now.
  auto restart = [&]() -> absl::Status {
    RCP_RETURN_IF_ERROR(ReadPositions(upstream_, &source));
    cursor = PullCursor();
    cursor.generation = NowMicros(clock_);
    cursor.revocations = static_cast<uint64_t>(revocations);
    cursor.rules = rules;
    for (Service s : resource::kServices) cursor.epochs[IndexOf(s)] = source[IndexOf(s)].epoch();
    cursor.snapshot = true;
    begin = true;
    return absl::OkStatus();
  };
  if (fresh) {
    if (absl::Status s = restart(); !s.ok()) return ToGrpcStatus(s);
  }

  Context ctx;
  ctx.peer_id = peer_id;
  ctx.self = peers_->self();
  ctx.cursor = &cursor;
  // Every heartbeat carries every head, busy or idle, so that lag shows.
  absl::Time last_heads = absl::InfinitePast();
  while (!out->signal()->cancelled()) {
    // Administrators' changes reach a stream within the directory's refresh.
    peer = peers_->Find(peer_id);
    if (!peer.has_value() || !peer->enabled() || RulesFingerprint(*peer) != rules ||
        peer->credential_fingerprint() != pinned || RevokedKeys(keyring_->public_keys()) != revocations) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "the share rules or keys changed; pull again from the last cursor");
    }
    ctx.peer = *peer;
    ctx.all = peers_->Peers();
    ctx.key = keyring_->current();
    fv1::PullResponse resp;
    resp.set_generation(cursor.generation);
    resp.set_snapshot_begin(std::exchange(begin, false));
    if (cursor.snapshot) {
      const Service store = resource::kServices[cursor.snapshot_store];
      fv1::ListItemsRequest req;
      req.set_page_size(options_.batch);
      req.set_page_token(cursor.snapshot_page);
      fv1::ListItemsResponse page;
      grpc::Status st = upstream_->WithRetry(
          {}, nullptr, [&](grpc::ClientContext* c) { return upstream_->replica(store)->ListItems(c, req, &page); });
      if (!st.ok()) return st;
      if (page.position().epoch() != cursor.epochs[IndexOf(store)]) {
        // The store was restored meanwhile.
        if (absl::Status s = restart(); !s.ok()) return ToGrpcStatus(s);
        continue;
      }
      // The live feed resumes from the store's position when its listing began.
      cursor.positions[IndexOf(store)] = page.position().revision();
      for (auto& item : *page.mutable_items()) {
        if (absl::Status s = EntryOfItem(ctx, store, std::move(item), cursor.positions[kRegistry], &resp); !s.ok()) {
          return ToGrpcStatus(s);
        }
      }
      cursor.snapshot_page = page.next_page_token();
      if (cursor.snapshot_page.empty()) {
        if (store == Service::kRegistry) {
          // The registry is complete up to its base: what events and
          // documents depend on has been sent, this deployment's and the
          // others' it relays.
          std::vector<fv1::PullEntry> heads;
          if (absl::Status s = AddRelayedHeads(upstream_, ctx, /*all=*/true, &heads); !s.ok()) return ToGrpcStatus(s);
          heads.push_back(EnvelopeEntry(SealHead(*ctx.key, ctx.self, OwnHead(cursor, clock_))));
          for (auto& h : heads) *resp.add_entries() = std::move(h);
        }
        if (++cursor.snapshot_store == kStores) {
          cursor.snapshot = false;
          cursor.snapshot_store = 0;
          resp.set_snapshot_complete(true);
        }
      }
    } else {
      // Events and documents first: whatever the registry's position is
      // after them, it is at or after their commits.
      std::array<fv1::ReadChangesResponse, kStores> read;
      absl::Status failed;
      bool restored = false;  // a store of another epoch: restored meanwhile
      for (Service s : {Service::kEvents, Service::kDocuments}) {
        failed = ReadChangesOf(upstream_, s, cursor.positions[IndexOf(s)], options_.batch, &read[IndexOf(s)]);
        if (!failed.ok()) break;
        restored = restored || read[IndexOf(s)].position().epoch() != cursor.epochs[IndexOf(s)];
      }
      fv1::Position registry_now;
      if (failed.ok()) {
        grpc::Status st = upstream_->WithRetry({}, nullptr, [&](grpc::ClientContext* c) {
          return upstream_->replica(Service::kRegistry)->GetPosition(c, fv1::GetPositionRequest(), &registry_now);
        });
        if (!st.ok()) failed = FromGrpcStatus(st);
      }
      // The registry, up to there (in steps of a batch).
      bool registry_caught_up = false;
      while (failed.ok() && !registry_caught_up && resp.entries_size() < options_.batch) {
        fv1::ReadChangesResponse reg;
        failed = ReadChangesOf(upstream_, Service::kRegistry, cursor.positions[kRegistry], options_.batch, &reg);
        if (!failed.ok()) break;
        if (reg.position().epoch() != cursor.epochs[kRegistry]) {
          restored = true;
          break;
        }
        for (const auto& c : reg.changes()) {
          failed = EntriesOf(upstream_, ctx, Service::kRegistry, c, 0, &resp);
          if (!failed.ok()) break;
        }
        cursor.positions[kRegistry] = std::max(cursor.positions[kRegistry], reg.through_revision());
        registry_caught_up = cursor.positions[kRegistry] >= registry_now.revision() || reg.changes().empty();
      }
      if (absl::IsFailedPrecondition(failed) || absl::IsOutOfRange(failed) || restored) {
        // Trimmed past the cursor, or a store restored (its revisions are
        // another epoch's): a snapshot instead.
        if (absl::Status s = restart(); !s.ok()) return ToGrpcStatus(s);
        continue;
      }
      if (!failed.ok()) return ToGrpcStatus(failed);
      if (registry_caught_up) {
        fv1::PullResponse dependent;
        for (Service s : {Service::kEvents, Service::kDocuments}) {
          for (const auto& c : read[IndexOf(s)].changes()) {
            if (absl::Status st = EntriesOf(upstream_, ctx, s, c, cursor.positions[kRegistry], &dependent); !st.ok()) {
              return ToGrpcStatus(st);
            }
          }
          cursor.positions[IndexOf(s)] = std::max(cursor.positions[IndexOf(s)], read[IndexOf(s)].through_revision());
        }
        if (dependent.entries_size() > 0) {
          // The heads first (this deployment's, and those of the origins
          // relayed), then what depends on the registries they cover.
          std::vector<fv1::PullEntry> entries(dependent.entries().begin(), dependent.entries().end());
          if (absl::Status st = AddRelayedHeads(upstream_, ctx, /*all=*/false, &entries); !st.ok()) {
            return ToGrpcStatus(st);
          }
          *resp.add_entries() = EnvelopeEntry(SealHead(*ctx.key, ctx.self, OwnHead(cursor, clock_)));
          for (auto& e : entries) *resp.add_entries() = std::move(e);
        }
      }
      if (resp.entries_size() == 0 && clock_->Now() - last_heads < options_.heartbeat) {
        // Nothing to send (changes that are not the peer's still moved the
        // cursor; the heartbeat carries it).
        out->signal()->WaitFor(std::min(options_.heartbeat, absl::Seconds(1)));
        continue;
      }
      if (clock_->Now() - last_heads >= options_.heartbeat) {
        // A heartbeat: every head, so that lag shows (and a relay that
        // withholds shows as stale).
        last_heads = clock_->Now();
        std::vector<fv1::PullEntry> heads;
        if (absl::Status s = AddRelayedHeads(upstream_, ctx, /*all=*/true, &heads); !s.ok()) return ToGrpcStatus(s);
        heads.push_back(EnvelopeEntry(SealHead(*ctx.key, ctx.self, OwnHead(cursor, clock_))));
        for (auto& h : heads) *resp.add_entries() = std::move(h);
      }
    }
    if (absl::Status s = ReadPositions(upstream_, &source); !s.ok()) return ToGrpcStatus(s);
    SetPositions(source, cursor, &resp);
    resp.set_cursor(EncodePullCursor(cursor));
    if (!out->Write(resp)) break;
  }
  return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the stream ended; pull again from the last cursor");
}

grpc::ServerWriteReactor<fv1::ContentChunk>* PullServer::FetchContent(grpc::CallbackServerContext* context,
                                                                      const fv1::FetchContentRequest* request) {
  fv1::FetchContentRequest req = *request;
  return ProducerStream<fv1::ContentChunk>::Start(
      &threads_, [this, context, req](ProducerStream<fv1::ContentChunk>* out) -> grpc::Status {
        absl::StatusOr<FederationPeer> peer = PeerOf(*context);
        if (!peer.ok()) return ToGrpcStatus(peer.status());
        if (!peer->enabled()) return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "disabled");
        return ServeFetch(out, *peer, req);
      });
}

grpc::Status PullServer::ServeFetch(ProducerStream<fv1::ContentChunk>* out, const FederationPeer& peer,
                                    const fv1::FetchContentRequest& request) {
  if (absl::Status s = resource::ParseName("document", request.document(), "processes/*/documents/*").status();
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  // Authorized as a download by this peer: only what it is shared.
  fv1::GetItemRequest get;
  get.set_name(request.document());
  get.set_kind("document");
  fv1::StoredItem stored;
  grpc::Status st = upstream_->WithRetry({}, nullptr, [&](grpc::ClientContext* c) {
    return upstream_->replica(Service::kDocuments)->GetItem(c, get, &stored);
  });
  const grpc::Status hidden(grpc::StatusCode::NOT_FOUND, absl::StrCat(request.document(), " not found"));
  if (st.error_code() == grpc::StatusCode::NOT_FOUND) return hidden;
  if (!st.ok()) return st;
  std::optional<Shape> shape = ShapeOf(stored.item().kind(), stored.item().name(), stored.item().value());
  bool shared = shape.has_value() &&
                (stored.has_mirror() ? MayRelay(peer, *shape, stored.mirror().envelope()) : Shares(peer, *shape));
  if (!shared) return hidden;
  rcp::documents::v1::DownloadRequest download;
  download.set_document(request.document());
  download.set_language(request.language());
  download.set_version(request.version());
  download.set_offset(request.offset());
  grpc::ClientContext c;
  upstream_->Prepare(&c, {}, nullptr, /*streaming=*/true);
  auto reader = upstream_->documents()->Download(&c, download);
  rcp::documents::v1::DownloadChunk chunk;
  bool first = true;
  while (reader->Read(&chunk)) {
    if (out->signal()->cancelled()) {
      c.TryCancel();
      break;
    }
    fv1::ContentChunk piece;
    piece.set_offset(chunk.offset());
    piece.set_data(std::move(*chunk.mutable_data()));
    if (first) {
      piece.set_size_bytes(chunk.version().size_bytes());
      piece.set_sha256(chunk.version().sha256());
      first = false;
    }
    if (!out->Write(piece)) {
      c.TryCancel();
      break;
    }
  }
  grpc::Status status = reader->Finish();
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return hidden;
  return status;
}

}  // namespace rcp::gateway::federation
