#include "common/mirror/mirror_store.h"

#include <gmock/gmock.h>
#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"

namespace rcp::mirror {
namespace {

using ::google::protobuf::StringValue;
using ::rcp::common::v1::Change;
using ::rcp::testing::IsOk;
using ::rcp::testing::IsOkAndHolds;
using ::rcp::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using R = fv1::ApplyMirrorsResponse;

constexpr char kBali[] = "federationPeers/bali-process.rcp";
constexpr char kColombo[] = "federationPeers/colombo-process.rcp";

StringValue Str(const std::string& s) {
  StringValue v;
  v.set_value(s);
  return v;
}

// A store with one kind, "note" (a StringValue in "notes"), whose values
// are indexed in "notes_by_value" by a write_beside hook.
class MirrorStoreTest : public ::testing::Test {
 protected:
  MirrorStoreTest() { Open(); }

  void Open() {
    mirrors_.reset();
    store_.reset();
    storage::StoreOptions o;
    o.path = dir_.Sub("db");
    o.store_name = "test";
    o.column_families = MirrorStore::ColumnFamilies();
    o.column_families.push_back("notes");
    o.column_families.push_back("notes_by_value");
    auto store = storage::Store::Open(o);
    ASSERT_THAT(store, IsOk());
    store_ = std::move(*store);
    KindSpec note;
    note.kind = "note";
    note.cf = "notes";
    note.prototype = &StringValue::default_instance();
    note.write_beside = [](storage::Transaction& txn, const google::protobuf::Message* before,
                           const google::protobuf::Message* after, const fv1::Item*) {
      if (before) txn.Delete("notes_by_value", static_cast<const StringValue*>(before)->value());
      if (after) txn.Put("notes_by_value", static_cast<const StringValue*>(after)->value(), "");
      return absl::OkStatus();
    };
    mirrors_ = std::make_unique<MirrorStore>(store_.get(), MirrorOptions{"events", {note}});
  }

  // A mirror item `name` = `value` of `origin` at (epoch, revision).
  static fv1::MirrorItem Item(const std::string& name, const std::string& value, uint64_t revision,
                              uint64_t epoch = 1, const std::string& origin = "colombo-process.rcp") {
    fv1::MirrorItem m;
    m.mutable_envelope()->set_origin(origin);
    m.mutable_envelope()->set_store("events");
    m.mutable_envelope()->set_epoch(epoch);
    m.mutable_envelope()->set_revision(revision);
    m.mutable_envelope()->set_key_id("ed25519:0000000000000001");
    m.mutable_envelope()->set_signature(absl::StrCat("sig-", name, "-", revision));
    m.mutable_item()->set_name(name);
    m.mutable_item()->set_kind("note");
    m.mutable_item()->mutable_value()->PackFrom(Str(value));
    return m;
  }
  static fv1::MirrorItem Deleted(const std::string& name, uint64_t revision) {
    fv1::MirrorItem m = Item(name, "", revision);
    m.mutable_item()->clear_value();
    m.mutable_item()->set_deleted(true);
    return m;
  }

  absl::StatusOr<R> Apply(std::vector<fv1::MirrorItem> items, const std::string& source = kColombo,
                          uint64_t generation = 1) {
    fv1::ApplyMirrorsRequest req;
    req.set_source(source);
    req.set_generation(generation);
    for (auto& i : items) *req.add_items() = std::move(i);
    return mirrors_->Apply(req);
  }
  absl::StatusOr<R> Withdraw(const std::string& name, const std::string& source) {
    fv1::WithdrawMirrorsRequest req;
    req.set_source(source);
    req.add_withdrawals()->set_name(name);
    req.mutable_withdrawals(0)->set_kind("note");
    return mirrors_->Withdraw(req);
  }
  std::vector<R::Outcome> Outcomes(const absl::StatusOr<R>& r) {
    std::vector<R::Outcome> out;
    if (r.ok()) {
      for (int o : r->outcomes()) out.push_back(static_cast<R::Outcome>(o));
    }
    return out;
  }
  // The change records after `after`.
  std::vector<Change> ChangesAfter(uint64_t after) {
    std::vector<Change> out;
    uint64_t through = 0;
    EXPECT_THAT(store_->ReadChanges(after, 1000, &out, &through), IsOk());
    return out;
  }
  std::string Value(const std::string& name) {
    StringValue v;
    absl::Status s = store_->Get("notes", name, &v);
    return s.ok() ? v.value() : std::string("<") + std::string(absl::StatusCodeToString(s.code())) + ">";
  }
  bool Indexed(const std::string& value) { return store_->Get("notes_by_value", value).ok(); }

  rcp::testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<MirrorStore> mirrors_;
};

TEST_F(MirrorStoreTest, AppliesANewMirrorWithItsOriginEnvelopeAndSource) {
  auto r = Apply({Item("processes/colombo-process/meetings/m", "labour ministers", 7)});
  EXPECT_THAT(Outcomes(r), ElementsAre(R::APPLIED));
  EXPECT_EQ(Value("processes/colombo-process/meetings/m"), "labour ministers");
  EXPECT_TRUE(Indexed("labour ministers"));
  std::vector<Change> changes = ChangesAfter(0);
  ASSERT_THAT(changes, SizeIs(1));
  EXPECT_EQ(changes[0].operation(), Change::CREATED);
  EXPECT_EQ(changes[0].origin(), "colombo-process.rcp");
  EXPECT_EQ(changes[0].principal(), kColombo);
  fv1::Envelope envelope;
  ASSERT_TRUE(envelope.ParseFromString(changes[0].envelope()));
  EXPECT_EQ(envelope.revision(), 7u);
  RCP_ASSERT_OK_AND_ASSIGN(fv1::MirrorState state, mirrors_->StateOf("processes/colombo-process/meetings/m"));
  ASSERT_THAT(state.sources(), SizeIs(1));
  EXPECT_EQ(state.sources(0).source(), kColombo);
  EXPECT_EQ(state.sources(0).generation(), 1u);
}

TEST_F(MirrorStoreTest, TheNewestVersionWinsAndARepeatWritesNoChangeRecord) {
  const std::string m = "processes/colombo-process/meetings/m";
  ASSERT_THAT(Apply({Item(m, "v7", 7)}), IsOk());
  uint64_t after_first = store_->revision();
  EXPECT_THAT(Outcomes(Apply({Item(m, "v7", 7)})), ElementsAre(R::UNCHANGED));
  EXPECT_EQ(store_->revision(), after_first);
  EXPECT_THAT(Outcomes(Apply({Item(m, "v5", 5)})), ElementsAre(R::STALE));
  EXPECT_EQ(Value(m), "v7");
  EXPECT_EQ(store_->revision(), after_first);
  EXPECT_THAT(Outcomes(Apply({Item(m, "v9", 9)})), ElementsAre(R::APPLIED));
  EXPECT_EQ(Value(m), "v9");
  EXPECT_FALSE(Indexed("v7"));
  EXPECT_TRUE(Indexed("v9"));
  std::vector<Change> changes = ChangesAfter(after_first);
  ASSERT_THAT(changes, SizeIs(1));
  EXPECT_EQ(changes[0].operation(), Change::UPDATED);
  StringValue before;
  ASSERT_TRUE(changes[0].previous_value().UnpackTo(&before));
  EXPECT_EQ(before.value(), "v7");
}

TEST_F(MirrorStoreTest, ANewEpochIsNewerWhateverItsRevision) {
  // The origin was restored from a backup: its revisions start lower.
  const std::string m = "processes/colombo-process/meetings/m";
  ASSERT_THAT(Apply({Item(m, "before the restore", 150, /*epoch=*/1)}), IsOk());
  EXPECT_THAT(Outcomes(Apply({Item(m, "after the restore", 101, /*epoch=*/2)})), ElementsAre(R::APPLIED));
  EXPECT_EQ(Value(m), "after the restore");
  EXPECT_THAT(Outcomes(Apply({Item(m, "replayed", 150, /*epoch=*/1)})), ElementsAre(R::STALE));
  EXPECT_EQ(Value(m), "after the restore");
}

TEST_F(MirrorStoreTest, NeverOverwritesThisDeploymentsOwnItemAndWritesNothingOfTheBatch) {
  ASSERT_THAT(store_->Write({"apiKeys/a"}, {"processes/bali-process/meetings/own"},
                            [](storage::Transaction& txn) {
                              txn.Put("notes", "processes/bali-process/meetings/own", Str("ours"));
                              txn.RecordChange("processes/bali-process/meetings/own", "note", Change::CREATED,
                                               Str("ours"));
                              return absl::OkStatus();
                            }),
              IsOk());
  uint64_t before = store_->revision();
  EXPECT_THAT(Apply({Item("processes/colombo-process/meetings/fine", "x", 3),
                     Item("processes/bali-process/meetings/own", "theirs", 3)}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("items[1]: processes/bali-process/meetings/own is this deployment's own item")));
  EXPECT_EQ(Value("processes/bali-process/meetings/own"), "ours");
  EXPECT_EQ(Value("processes/colombo-process/meetings/fine"), "<NOT_FOUND>");
  EXPECT_EQ(store_->revision(), before);
}

TEST_F(MirrorStoreTest, ADeletionLeavesATombstoneThatRefusesVersionsAtOrBelowIt) {
  const std::string m = "processes/colombo-process/focalPoints/phl";
  ASSERT_THAT(Apply({Item(m, "v3", 3)}), IsOk());
  uint64_t before = store_->revision();
  EXPECT_THAT(Outcomes(Apply({Deleted(m, 4)})), ElementsAre(R::APPLIED));
  EXPECT_EQ(Value(m), "<NOT_FOUND>");
  EXPECT_FALSE(Indexed("v3"));
  std::vector<Change> changes = ChangesAfter(before);
  ASSERT_THAT(changes, SizeIs(1));
  EXPECT_EQ(changes[0].operation(), Change::DELETED);
  EXPECT_TRUE(changes[0].tombstone());
  // Replays of old versions, by anyone, are dropped.
  EXPECT_THAT(Outcomes(Apply({Item(m, "v3", 3)}, kBali)), ElementsAre(R::STALE));
  EXPECT_THAT(Outcomes(Apply({Deleted(m, 4)})), ElementsAre(R::STALE));
  EXPECT_EQ(Value(m), "<NOT_FOUND>");
  // A newer version brings it back.
  EXPECT_THAT(Outcomes(Apply({Item(m, "v5", 5)})), ElementsAre(R::APPLIED));
  EXPECT_EQ(Value(m), "v5");
  EXPECT_EQ(ChangesAfter(store_->revision() - 1)[0].operation(), Change::CREATED);
  // A deletion of something never held keeps a tombstone, with no record.
  before = store_->revision();
  EXPECT_THAT(Outcomes(Apply({Deleted("processes/colombo-process/focalPoints/npl", 8)})),
              ElementsAre(R::APPLIED));
  EXPECT_EQ(store_->revision(), before);
  EXPECT_THAT(Outcomes(Apply({Item("processes/colombo-process/focalPoints/npl", "v7", 7)})),
              ElementsAre(R::STALE));
}

TEST_F(MirrorStoreTest, AMirrorGoesWithItsLastSourceAndLeavesNoFloor) {
  const std::string m = "processes/colombo-process/meetings/m";
  ASSERT_THAT(Apply({Item(m, "v7", 7)}, kColombo), IsOk());
  ASSERT_THAT(Apply({Item(m, "v7", 7)}, kBali), IsOk());  // the same, relayed
  uint64_t before = store_->revision();
  EXPECT_THAT(Outcomes(Withdraw(m, kColombo)), ElementsAre(R::KEPT));
  EXPECT_EQ(Value(m), "v7");
  EXPECT_EQ(store_->revision(), before);
  EXPECT_THAT(Outcomes(Withdraw(m, kColombo)), ElementsAre(R::KEPT));  // again: nothing held from it
  EXPECT_THAT(Outcomes(Withdraw(m, kBali)), ElementsAre(R::REMOVED));
  EXPECT_EQ(Value(m), "<NOT_FOUND>");
  EXPECT_FALSE(Indexed("v7"));
  EXPECT_THAT(mirrors_->StateOf(m), StatusIs(absl::StatusCode::kNotFound, HasSubstr("no mirror")));
  std::vector<Change> changes = ChangesAfter(before);
  ASSERT_THAT(changes, SizeIs(1));
  EXPECT_EQ(changes[0].operation(), Change::WITHDRAWN);
  EXPECT_EQ(changes[0].origin(), "colombo-process.rcp");
  StringValue last;
  ASSERT_TRUE(changes[0].value().UnpackTo(&last));  // the gateway tells who had it
  EXPECT_EQ(last.value(), "v7");
  // No floor: it may be shared again, at the same version.
  EXPECT_THAT(Outcomes(Apply({Item(m, "v7", 7)})), ElementsAre(R::APPLIED));
  EXPECT_EQ(Value(m), "v7");
}

TEST_F(MirrorStoreTest, APurgeRemovesWhatASourceGaveBeforeItsSnapshotAndResumesByPage) {
  std::vector<fv1::MirrorItem> first;
  for (int i = 0; i < 5; ++i) first.push_back(Item(absl::StrCat("processes/colombo-process/meetings/m", i), "v", 1));
  ASSERT_THAT(Apply(first, kColombo, /*generation=*/10), IsOk());
  ASSERT_THAT(Apply({Item("processes/colombo-process/meetings/m3", "v", 1)}, kBali, 4), IsOk());
  // The snapshot of generation 20 contained m1 and m3 only.
  ASSERT_THAT(Apply({Item("processes/colombo-process/meetings/m1", "v", 1),
                     Item("processes/colombo-process/meetings/m3", "v", 1)},
                    kColombo, 20),
              IsOk());
  fv1::PurgeMirrorsRequest purge;
  purge.set_source(kColombo);
  purge.set_below_generation(20);
  purge.set_max_items(2);
  int removed = 0, calls = 0;
  do {
    RCP_ASSERT_OK_AND_ASSIGN(fv1::PurgeMirrorsResponse r, mirrors_->Purge(purge));
    removed += r.removed();
    purge.set_page_token(r.next_page_token());
    ++calls;
  } while (!purge.page_token().empty() && calls < 10);
  EXPECT_EQ(removed, 3);  // m0, m2 and m4, which only Colombo gave, before its snapshot
  EXPECT_EQ(Value("processes/colombo-process/meetings/m0"), "<NOT_FOUND>");
  EXPECT_EQ(Value("processes/colombo-process/meetings/m1"), "v");
  EXPECT_EQ(Value("processes/colombo-process/meetings/m2"), "<NOT_FOUND>");
  EXPECT_EQ(Value("processes/colombo-process/meetings/m3"), "v");
  EXPECT_EQ(Value("processes/colombo-process/meetings/m4"), "<NOT_FOUND>");
  RCP_ASSERT_OK_AND_ASSIGN(fv1::MirrorState m3, mirrors_->StateOf("processes/colombo-process/meetings/m3"));
  EXPECT_THAT(m3.sources(), SizeIs(2));
  EXPECT_GT(calls, 1);
}

TEST_F(MirrorStoreTest, TheSameVersionSignedAgainReplacesTheEnvelopeForRelaysOnly) {
  const std::string m = "processes/colombo-process/meetings/m";
  ASSERT_THAT(Apply({Item(m, "v7", 7)}), IsOk());
  uint64_t before = store_->revision();
  fv1::MirrorItem resigned = Item(m, "v7", 7);
  resigned.mutable_envelope()->set_key_id("ed25519:0000000000000002");
  resigned.mutable_envelope()->set_signature("new signature");
  resigned.set_current_key(true);
  EXPECT_THAT(Outcomes(Apply({resigned})), ElementsAre(R::UNCHANGED));
  std::vector<Change> changes = ChangesAfter(before);
  ASSERT_THAT(changes, SizeIs(1));
  EXPECT_TRUE(changes[0].envelope_only());
  RCP_ASSERT_OK_AND_ASSIGN(fv1::MirrorState state, mirrors_->StateOf(m));
  EXPECT_EQ(state.envelope().key_id(), "ed25519:0000000000000002");
  // The old key's envelope again (a relay that still holds it): kept out.
  before = store_->revision();
  EXPECT_THAT(Outcomes(Apply({Item(m, "v7", 7)})), ElementsAre(R::UNCHANGED));
  EXPECT_THAT(ChangesAfter(before), IsEmpty());
  RCP_ASSERT_OK_AND_ASSIGN(state, mirrors_->StateOf(m));
  EXPECT_EQ(state.envelope().key_id(), "ed25519:0000000000000002");
}

// Each stream seals its own envelope of a version (its registry position
// differs): in a mesh every mirror gets several. Swapping them would make
// every relay's feed churn without end.
TEST_F(MirrorStoreTest, AnotherEnvelopeOfTheSameVersionAndKeyChangesNothing) {
  const std::string m = "processes/colombo-process/meetings/m";
  fv1::MirrorItem first = Item(m, "v7", 7);
  first.set_current_key(true);
  ASSERT_THAT(Apply({first}), IsOk());
  uint64_t before = store_->revision();
  fv1::MirrorItem other = first;
  other.mutable_envelope()->set_registry_revision(first.envelope().registry_revision() + 5);
  other.mutable_envelope()->set_signature("sealed for another stream");
  EXPECT_THAT(Outcomes(Apply({other})), ElementsAre(R::UNCHANGED));
  EXPECT_THAT(ChangesAfter(before), IsEmpty());
  RCP_ASSERT_OK_AND_ASSIGN(fv1::MirrorState state, mirrors_->StateOf(m));
  EXPECT_EQ(state.envelope().signature(), first.envelope().signature());
}

TEST_F(MirrorStoreTest, TheSameNameTwiceInOneBatchIsAppliedInOrder) {
  const std::string m = "processes/colombo-process/meetings/m";
  auto r = Apply({Item(m, "v1", 1), Item(m, "v2", 2), Item(m, "v1", 1)});
  EXPECT_THAT(Outcomes(r), ElementsAre(R::APPLIED, R::APPLIED, R::STALE));
  EXPECT_EQ(Value(m), "v2");
  EXPECT_FALSE(Indexed("v1"));
  EXPECT_THAT(ChangesAfter(0), SizeIs(2));
}

TEST_F(MirrorStoreTest, RefusesMalformedRequestsNamingTheField) {
  fv1::MirrorItem wrong_kind = Item("processes/x/meetings/m", "v", 1);
  wrong_kind.mutable_item()->set_kind("meeting");
  EXPECT_THAT(Apply({wrong_kind}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("items[0].item.kind")));
  fv1::MirrorItem wrong_type = Item("processes/x/meetings/m", "v", 1);
  wrong_type.mutable_item()->mutable_value()->PackFrom(google::protobuf::Int64Value());
  EXPECT_THAT(Apply({wrong_type}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("google.protobuf.StringValue")));
  EXPECT_THAT(Apply({Item("processes/x/meetings/m", "v", 1)}, "peers/x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("source")));
  EXPECT_EQ(store_->revision(), 0u);
}

TEST_F(MirrorStoreTest, ListsOwnItemsWithTheirRevisionAndMirrorsWithTheirStateByPage) {
  for (const char* own : {"processes/bali-process/meetings/a", "processes/bali-process/meetings/c"}) {
    ASSERT_THAT(store_->Write({"apiKeys/a"}, {own},
                              [&](storage::Transaction& txn) {
                                txn.Put("notes", own, Str("ours"));
                                txn.RecordChange(own, "note", Change::CREATED, Str("ours"));
                                return absl::OkStatus();
                              }),
                IsOk());
  }
  ASSERT_THAT(Apply({Item("processes/colombo-process/meetings/b", "theirs", 40)}), IsOk());
  fv1::ListItemsRequest req;
  req.set_page_size(2);
  RCP_ASSERT_OK_AND_ASSIGN(fv1::ListItemsResponse first, mirrors_->ListItems(req));
  ASSERT_THAT(first.items(), SizeIs(2));
  EXPECT_EQ(first.items(0).item().name(), "processes/bali-process/meetings/a");
  EXPECT_EQ(first.items(0).revision(), 1u);
  EXPECT_FALSE(first.items(0).has_mirror());
  EXPECT_EQ(first.items(1).item().name(), "processes/bali-process/meetings/c");
  EXPECT_EQ(first.items(1).revision(), 2u);
  EXPECT_EQ(first.position().revision(), 3u);
  EXPECT_EQ(first.position().epoch(), store_->epoch());
  ASSERT_FALSE(first.next_page_token().empty());
  // Written meanwhile: the listing goes on from where it was.
  ASSERT_THAT(Apply({Item("processes/colombo-process/meetings/d", "later", 41)}), IsOk());
  req.set_page_token(first.next_page_token());
  RCP_ASSERT_OK_AND_ASSIGN(fv1::ListItemsResponse second, mirrors_->ListItems(req));
  ASSERT_THAT(second.items(), SizeIs(2));
  EXPECT_EQ(second.items(0).item().name(), "processes/colombo-process/meetings/b");
  EXPECT_EQ(second.items(0).mirror().envelope().revision(), 40u);
  StringValue v;
  ASSERT_TRUE(second.items(0).item().value().UnpackTo(&v));
  EXPECT_EQ(v.value(), "theirs");
  EXPECT_EQ(second.position().revision(), 3u);  // the listing's base, as on its first page
  EXPECT_TRUE(second.next_page_token().empty());

  RCP_ASSERT_OK_AND_ASSIGN(fv1::DigestItemsResponse digest, mirrors_->Digest());
  ASSERT_THAT(digest.origins(), SizeIs(2));
  EXPECT_EQ(digest.origins(0).origin(), "");
  EXPECT_EQ(digest.origins(0).items(), 2u);
  EXPECT_EQ(digest.origins(1).origin(), "colombo-process.rcp");
  EXPECT_EQ(digest.origins(1).items(), 2u);
  // The digest is of names and versions: the same set gives the same one.
  RCP_ASSERT_OK_AND_ASSIGN(fv1::DigestItemsResponse again, mirrors_->Digest());
  EXPECT_EQ(again.origins(1).digest(), digest.origins(1).digest());
  ASSERT_THAT(Apply({Item("processes/colombo-process/meetings/d", "newer", 42)}), IsOk());
  RCP_ASSERT_OK_AND_ASSIGN(fv1::DigestItemsResponse changed, mirrors_->Digest());
  EXPECT_NE(changed.origins(1).digest(), digest.origins(1).digest());
}

TEST_F(MirrorStoreTest, MirrorsAndTheirStateSurviveReopening) {
  const std::string m = "processes/colombo-process/meetings/m";
  ASSERT_THAT(Apply({Item(m, "v7", 7)}), IsOk());
  ASSERT_THAT(Apply({Deleted("processes/colombo-process/meetings/gone", 9)}), IsOk());
  Open();
  EXPECT_EQ(Value(m), "v7");
  EXPECT_THAT(Outcomes(Apply({Item(m, "v7", 7)})), ElementsAre(R::UNCHANGED));
  EXPECT_THAT(Outcomes(Apply({Item("processes/colombo-process/meetings/gone", "v8", 8)})),
              ElementsAre(R::STALE));
  RCP_ASSERT_OK_AND_ASSIGN(fv1::ListItemsResponse all, mirrors_->ListItems({}));
  EXPECT_THAT(all.items(), SizeIs(1));  // tombstones are not items
}

}  // namespace
}  // namespace rcp::mirror
