// The kinds of resource: one table, names matched to kinds by their shape,
// and the process a name lies in.
#include "common/resource/kinds.h"

#include <gtest/gtest.h>

#include <set>

namespace rcp::resource {
namespace {

TEST(Kinds, OneEntryPerKindInTheEnumsOrderWithUniqueNames) {
  std::set<std::string> names;
  for (size_t i = 0; i < Kinds().size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(Kinds()[i].kind), i);
    EXPECT_TRUE(names.insert(Kinds()[i].name).second) << Kinds()[i].name;
    EXPECT_EQ(KindNamed(Kinds()[i].name), &Kinds()[i]);
  }
  EXPECT_EQ(KindNamed("no_such_kind"), nullptr);
  EXPECT_EQ(InfoOf(Kind::kMeeting).service, Service::kEvents);
  EXPECT_EQ(InfoOf(Kind::kDocument).service, Service::kDocuments);
  EXPECT_EQ(InfoOf(Kind::kFocalPoint).service, Service::kRegistry);
  EXPECT_FALSE(InfoOf(Kind::kUpload).in_change_feed);
}

TEST(Kinds, NamesAreMatchedByTheirWholeShape) {
  auto kind = [](const char* name) {
    const KindInfo* k = KindOfName(name);
    return k == nullptr ? std::string("none") : std::string(k->name);
  };
  EXPECT_EQ(kind("processes/bali-process"), "process");
  EXPECT_EQ(kind("processes/bali-process/meetings/som-2027-02"), "meeting");
  EXPECT_EQ(kind("processes/igc/documents/report"), "document");
  EXPECT_EQ(kind("processes/bali-process/chairTerms/t1"), "chair_term");
  EXPECT_EQ(kind("processes/bali-process/focalPoints/f"), "focal_point");
  EXPECT_EQ(kind("processes/bali-process/memberships/idn"), "membership");
  EXPECT_EQ(kind("parties/IDN"), "party");
  EXPECT_EQ(kind("apiKeys/abc"), "api_key");
  EXPECT_EQ(kind("federationPeers/colombo.rcp"), "federation_peer");
  EXPECT_EQ(kind("uploads/u1"), "upload");
  for (const char* bad : {"", "processes", "processes/", "processes//meetings/x", "processes/x/meetings/",
                          "processes/x/meetings/y/z", "processes/x/unknown/y", "parties", "/parties/IDN"}) {
    EXPECT_EQ(kind(bad), "none") << bad;
  }
}

TEST(Kinds, ProcessOfAName) {
  EXPECT_EQ(ProcessOf("processes/bali-process/meetings/som-2027-02"), "processes/bali-process");
  EXPECT_EQ(ProcessOf("processes/bali-process"), "processes/bali-process");
  EXPECT_EQ(ProcessOf("processes/bali-process/documents/x/languages/fr"), "processes/bali-process");
  EXPECT_EQ(ProcessOf("parties/IDN"), "");
  EXPECT_EQ(ProcessOf("apiKeys/abc"), "");
  EXPECT_EQ(ProcessOf(""), "");
  EXPECT_EQ(ProcessOf("processes"), "");
  EXPECT_EQ(ProcessOf("processes/"), "");
  EXPECT_EQ(ProcessOf("processes//x"), "");
  EXPECT_EQ(ServiceName(Service::kRegistry), std::string("registry"));
}

}  // namespace
}  // namespace rcp::resource
