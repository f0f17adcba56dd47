// The portal's languages: negotiation from Accept-Language, a catalogue
// with every word in all three, and dates in the meeting's zone across a
// daylight-saving change.
#include "services/gateway/web/portal/i18n.h"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <set>

namespace rcp::gateway::web::portal {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp At(const char* rfc3339) {
  google::protobuf::Timestamp t;
  EXPECT_TRUE(TimeUtil::FromString(rfc3339, &t)) << rfc3339;
  return t;
}

TEST(NegotiateLanguage, TheBrowsersBestChoiceAmongEnglishFrenchAndSpanish) {
  EXPECT_EQ(NegotiateLanguage(""), "en");
  EXPECT_EQ(NegotiateLanguage("fr-CH, fr;q=0.9, en;q=0.8"), "fr");
  EXPECT_EQ(NegotiateLanguage("es-MX,es;q=0.9"), "es");
  EXPECT_EQ(NegotiateLanguage("de-DE, es;q=0.5"), "es");
  EXPECT_EQ(NegotiateLanguage("en;q=0.1, fr;q=0.9"), "fr");
  EXPECT_EQ(NegotiateLanguage("de, ja"), "en");
  EXPECT_EQ(NegotiateLanguage("garbage;;;q=x"), "en");
}

TEST(Text, EveryWordInEveryLanguage) {
  for (const std::string& key : TextKeys()) {
    std::set<std::string> seen;
    for (const std::string& lang : InterfaceLanguages()) {
      const std::string words = Text(lang, key);
      EXPECT_FALSE(words.empty()) << key << " in " << lang;
      EXPECT_NE(words, key) << key << " in " << lang;
    }
  }
  EXPECT_EQ(Text("fr", "nav.calendar"), "Calendrier");
  EXPECT_EQ(Text("es", "status.POSTPONED"), "Aplazada");
  EXPECT_EQ(Text("fr", "no.such.key"), "no.such.key");
}

TEST(Dates, InTheMeetingsZoneWithItsOffsetAcrossADaylightSavingChange) {
  // Geneva: CET (UTC+1) before 28 March 2027, CEST (UTC+2) after.
  const auto before = At("2027-03-27T08:00:00Z");
  const auto after = At("2027-03-29T08:00:00Z");
  EXPECT_EQ(ZoneAndOffset(before, "Europe/Zurich"), "Europe/Zurich, UTC+01:00");
  EXPECT_EQ(ZoneAndOffset(after, "Europe/Zurich"), "Europe/Zurich, UTC+02:00");
  EXPECT_EQ(FormatTime("en", before, "Europe/Zurich"), FormatTime("en", At("2027-03-27T08:00:00Z"), "Europe/Zurich"));
  EXPECT_NE(FormatTime("fr", before, "Europe/Zurich").find("09:00"), std::string::npos)
      << FormatTime("fr", before, "Europe/Zurich");
  EXPECT_NE(FormatTime("fr", after, "Europe/Zurich").find("10:00"), std::string::npos)
      << FormatTime("fr", after, "Europe/Zurich");
  EXPECT_EQ(ZoneAndOffset(before, "Asia/Makassar"), "Asia/Makassar, UTC+08:00");
  EXPECT_EQ(ZoneAndOffset(before, "America/Mexico_City"), "America/Mexico_City, UTC-06:00");
  EXPECT_EQ(ZoneAndOffset(before, "Asia/Kathmandu"), "Asia/Kathmandu, UTC+05:45");
  // The language writes the date.
  const std::string en = FormatDateTime("en", before, "Europe/Zurich");
  const std::string fr = FormatDateTime("fr", before, "Europe/Zurich");
  const std::string es = FormatDateTime("es", before, "Europe/Zurich");
  EXPECT_NE(en.find("March"), std::string::npos) << en;
  EXPECT_NE(fr.find("mars"), std::string::npos) << fr;
  EXPECT_NE(es.find("marzo"), std::string::npos) << es;
  rcp::common::v1::Date day;
  day.set_year(2005);
  day.set_month(4);
  day.set_day(14);
  EXPECT_NE(FormatDate("en", day).find("April 14, 2005"), std::string::npos) << FormatDate("en", day);
  EXPECT_NE(FormatDate("fr", day).find("14 avril 2005"), std::string::npos) << FormatDate("fr", day);
}

}  // namespace
}  // namespace rcp::gateway::web::portal
