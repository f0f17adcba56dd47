// The templates' escaping rules: every attribute double-quoted, and
// unescaped output ({{{…}}} or {{&…}}) only for cmark-gfm's HTML, whose
// variables end in _html. Then what rendering does with hostile strings.
#include <gtest/gtest.h>

#include <mstch/mstch.hpp>
#include <regex>

#include "services/gateway/web/portal/assets.h"

namespace rcp::gateway::web::portal {
namespace {

TEST(Templates, UnescapedOutputIsOnlyCmarksHtml) {
  const std::regex unescaped(R"(\{\{\{\s*([^}\s]+)\s*\}\}\}|\{\{&\s*([^}\s]+)\s*\}\})");
  int templates = 0;
  for (const auto& [name, text] : PortalAssets()) {
    if (name.size() < 9 || name.substr(name.size() - 9) != ".mustache") continue;
    ++templates;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), unescaped); it != std::sregex_iterator(); ++it) {
      std::string variable = (*it)[1].matched ? (*it)[1].str() : (*it)[2].str();
      EXPECT_TRUE(variable.size() > 5 && variable.substr(variable.size() - 5) == "_html")
          << name << ": {{{" << variable << "}}} is not cmark-gfm's output";
    }
  }
  EXPECT_GE(templates, 5);
}

TEST(Templates, EveryAttributeIsDoubleQuoted) {
  // Within each tag, once the double-quoted values are taken out, no "="
  // may be left: it would start an unquoted (or single-quoted) value.
  const std::regex tag(R"(<[a-zA-Z][^>]*>)");
  const std::regex quoted(R"(=("[^"]*"))");
  int tags = 0;
  for (const auto& [name, text] : PortalAssets()) {
    if (name.size() < 9 || name.substr(name.size() - 9) != ".mustache") continue;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), tag); it != std::sregex_iterator(); ++it) {
      ++tags;
      const std::string bare = std::regex_replace(it->str(), quoted, "");
      EXPECT_EQ(bare.find('='), std::string::npos) << name << ": " << it->str();
      EXPECT_EQ(bare.find('\''), std::string::npos) << name << ": " << it->str();
    }
  }
  EXPECT_GT(tags, 50);
}

TEST(Templates, HostileStringsRenderAsInertText) {
  const std::string hostile = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>\u202Egnp.exe";
  std::string html = mstch::render(R"(<a href="/x" title="{{v}}">{{v}}</a>)", mstch::map{{"v", hostile}});
  EXPECT_EQ(html.find("<script>"), std::string::npos) << html;
  EXPECT_EQ(html.find("<img"), std::string::npos) << html;
  EXPECT_EQ(html.find("\"'>"), std::string::npos) << "a quote closed the attribute: " << html;
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos) << html;
}

}  // namespace
}  // namespace rcp::gateway::web::portal
