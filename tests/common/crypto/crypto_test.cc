// common/crypto against published test vectors (FIPS 180-2, RFC 4231).
#include "common/crypto/crypto.h"

#include <gtest/gtest.h>

#include <string>

namespace rcp::crypto {
namespace {

TEST(Sha256Test, KnownDigests) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256Test, StreamedEqualsWhole) {
  std::string data = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  Sha256 sha;
  sha.Update(data.substr(0, 7));
  std::string partial = sha.HexDigest();  // more may be added after
  sha.Update(data.substr(7));
  EXPECT_EQ(partial, Sha256Hex(data.substr(0, 7)));
  EXPECT_EQ(sha.HexDigest(), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha.HexDigest(), Sha256Hex(data));
}

TEST(HexEncodeTest, TwoLowercaseDigitsAByte) {
  EXPECT_EQ(HexEncode(std::string("\x00\x0f\xa5\xff", 4)), "000fa5ff");
  EXPECT_EQ(HexEncode(""), "");
}

TEST(HmacSha256Test, Rfc4231TestCase2) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace rcp::crypto
