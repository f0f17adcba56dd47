// The parts of a download decided without I/O: which Range is answered in
// part (RFC 9110 §14), which content shows in place, and how the file is
// named (RFC 6266). The HTTP answers themselves: json_api_e2e_test.
#include "services/gateway/web/downloads.h"

#include <gtest/gtest.h>

namespace rcp::gateway::web {
namespace {

void ExpectPart(absl::string_view header, int64_t size, int64_t offset, int64_t length) {
  RangeRequest r = ParseRange(header, size);
  EXPECT_EQ(r.kind, RangeRequest::kPart) << header;
  EXPECT_EQ(r.range.offset, offset) << header;
  EXPECT_EQ(r.range.length, length) << header;
}

TEST(ParseRange, OneRangeIsAnsweredInPartClippedToTheContent) {
  ExpectPart("bytes=0-9", 100, 0, 10);
  ExpectPart("bytes=90-", 100, 90, 10);
  ExpectPart("bytes=90-1000", 100, 90, 10);  // the end past the content is clipped
  ExpectPart("bytes=-10", 100, 90, 10);      // the last ten
  ExpectPart("bytes=-1000", 100, 0, 100);    // a suffix longer than the content: all of it
  ExpectPart("bytes=99-99", 100, 99, 1);
  ExpectPart(" bytes=5-5 ", 100, 5, 1);
}

TEST(ParseRange, PastTheEndIsUnsatisfiable) {
  EXPECT_EQ(ParseRange("bytes=100-", 100).kind, RangeRequest::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=100-200", 100).kind, RangeRequest::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=-0", 100).kind, RangeRequest::kUnsatisfiable);
}

TEST(ParseRange, WhatThisServerIgnoresGetsTheWholeBody) {
  for (const char* header : {"", "bytes=0-1,5-6", "bytes=0-1, 5-6", "items=0-5", "bytes=", "bytes=-",
                             "bytes=9-3", "bytes=a-b", "bytes=+1-2", "bytes=1--2", "bytes=0x10-"}) {
    EXPECT_EQ(ParseRange(header, 100).kind, RangeRequest::kWhole) << header;
  }
  // An empty body has no range to give.
  EXPECT_EQ(ParseRange("bytes=0-", 0).kind, RangeRequest::kWhole);
}

TEST(ShowsInline, PdfPlainTextAndRasterImagesOnly) {
  for (const char* type : {"application/pdf", "text/plain; charset=utf-8", "TEXT/PLAIN", "image/png",
                           "image/jpeg", "image/gif", "image/webp"}) {
    EXPECT_TRUE(ShowsInline(type)) << type;
  }
  for (const char* type : {"text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/xml",
                           "text/javascript", "application/octet-stream",
                           "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "",
                           "text/plain-but-not", "text/html; x=text/plain"}) {
    EXPECT_FALSE(ShowsInline(type)) << type;
  }
}

TEST(ContentDisposition, NamedBySymbolAndLanguageInlineOrAttachment) {
  EXPECT_EQ(ContentDisposition("GCIM-IOM/RCP/2005/1", "en", "text/plain; charset=utf-8"),
            "inline; filename=\"GCIM-IOM-RCP-2005-1.en.txt\"");
  EXPECT_EQ(ContentDisposition("BALI/SOM/2027/2/Rev.1", "fr", "application/pdf"),
            "inline; filename=\"BALI-SOM-2027-2-Rev.1.fr.pdf\"");
  EXPECT_EQ(ContentDisposition("BALI/SOM/2027/3", "en", "text/html"),
            "attachment; filename=\"BALI-SOM-2027-3.en.html\"");
  EXPECT_EQ(ContentDisposition("BALI/SOM/2027/4", "en", "image/svg+xml"),
            "attachment; filename=\"BALI-SOM-2027-4.en.svg\"");
  EXPECT_EQ(ContentDisposition("X/1", "en", "application/x-unknown"), "attachment; filename=\"X-1.en.bin\"");
  // Quotes, backslashes and separators never reach the quoted name.
  EXPECT_EQ(ContentDisposition("A\"B\\C;D", "en", "application/pdf"), "inline; filename=\"A_B_C_D.en.pdf\"");
  // Beyond ASCII: an ASCII fallback and the UTF-8 name (RFC 8187).
  EXPECT_EQ(ContentDisposition("ÉTUDE/1", "zh-Hans", "application/pdf"),
            "inline; filename=\"__TUDE-1.zh-Hans.pdf\"; filename*=UTF-8''%C3%89TUDE-1.zh-Hans.pdf");
}

}  // namespace
}  // namespace rcp::gateway::web
