#include "protocol/utf8.hpp"

#include <string>

#include <gtest/gtest.h>

#include "test_support.hpp"

#include "protocol/error.hpp"

using namespace ptalk::protocol;
using namespace ptalk::protocol::test;
using namespace ptalk::protocol::detail;

TEST(IsValidUtf8, AcceptsEveryEncodingLength) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("ascii"));
    EXPECT_TRUE(is_valid_utf8("\xc3\xbc"));          // U+00FC
    EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac"));      // U+20AC
    EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x8e\xa4"));  // U+1F3A4
    EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
    EXPECT_TRUE(is_valid_utf8("\xef\xbf\xbf"));      // U+FFFF
    EXPECT_TRUE(is_valid_utf8(std::string("a\0b", 3)));
}

TEST(IsValidUtf8, RejectsMalformedSequences) {
    for (const char* s : {
             "\x80",              // lone continuation byte
             "\xbf",              // lone continuation byte
             "\xc3",              // truncated two-byte sequence
             "\xe2\x82",          // truncated three-byte sequence
             "\xf0\x9f\x8e",      // truncated four-byte sequence
             "\xc3\x28",          // bad continuation
             "\xc0\xaf",          // overlong '/'
             "\xc1\xbf",          // overlong
             "\xe0\x80\xaf",      // overlong
             "\xf0\x80\x80\xaf",  // overlong
             "\xed\xa0\x80",      // U+D800, a surrogate
             "\xed\xbf\xbf",      // U+DFFF, a surrogate
             "\xf4\x90\x80\x80",  // past U+10FFFF
             "\xf8\x88\x80\x80\x80",
             "\xfe",
             "\xff",
         }) {
        EXPECT_FALSE(is_valid_utf8(s)) << testing::PrintToString(s);
        EXPECT_FALSE(is_valid_utf8(std::string("ok ") + s + " ok")) << testing::PrintToString(s);
    }
}

TEST(CheckPrintableText, PrintableTextPasses) {
    for (const char* s : {"", "START", "Küche", "\xc2\xa0", "\xf0\x9f\x8e\xa4", "~"})
        EXPECT_FALSE(check_printable_text(s)) << s;
}

TEST(CheckPrintableText, ControlCharactersAreInvalidText) {
    EXPECT_EQ(check_printable_text(std::string("\0", 1)), err(error::invalid_text));
    for (const char* s :
         {"\x01", "a\tb", "a\nb", "\r", "\x1f", "\x7f", "\xc2\x80", "\xc2\x85", "\xc2\x9f"}) {
        EXPECT_EQ(check_printable_text(s), err(error::invalid_text)) << testing::PrintToString(s);
    }
}

TEST(CheckPrintableText, InvalidUtf8IsReportedAsSuch) {
    EXPECT_EQ(check_printable_text("ab\xff"), err(error::invalid_utf8));
    EXPECT_EQ(check_printable_text("\xed\xa0\x80"), err(error::invalid_utf8));
}

TEST(CheckPrintableText, TheFirstProblemDecides) {
    EXPECT_EQ(check_printable_text("\x01\xff"), err(error::invalid_text));
    EXPECT_EQ(check_printable_text("\xff\x01"), err(error::invalid_utf8));
}
