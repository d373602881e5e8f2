#include "protocol/error.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

using namespace ptalk::protocol;

TEST(ProtocolError, EveryCodeHasItsOwnMessage) {
    std::set<std::string> messages;
    const int first = static_cast<int>(error::empty_frame);
    const int last = static_cast<int>(error::image_too_large);
    for (int e = first; e <= last; ++e) {
        const auto ec = make_error_code(static_cast<error>(e));
        EXPECT_NE(ec.message(), "unknown protocol error") << e;
        messages.insert(ec.message());
    }
    EXPECT_EQ(messages.size(), static_cast<std::size_t>(last - first + 1));
}

TEST(ProtocolError, ValuesOutsideTheEnumHaveAFallbackMessage) {
    EXPECT_EQ(protocol_category().message(0), "unknown protocol error");
    EXPECT_EQ(protocol_category().message(9999), "unknown protocol error");
}

TEST(ProtocolError, CategoryIsNamedAndUnique) {
    EXPECT_STREQ(protocol_category().name(), "ptalk.protocol");
    EXPECT_EQ(&protocol_category(), &make_error_code(error::invalid_json).category());
}

TEST(ProtocolError, EnumConvertsImplicitlyToErrorCode) {
    const boost::system::error_code ec = error::crc_mismatch;
    EXPECT_TRUE(ec.failed());
    EXPECT_EQ(ec, make_error_code(error::crc_mismatch));
    EXPECT_NE(ec, make_error_code(error::invalid_json));
}

TEST(ProtocolError, ResultCarriesTheErrorCode) {
    const result<int> r = error::out_of_range;
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), make_error_code(error::out_of_range));
    const result<int> ok = 5;
    EXPECT_EQ(ok.value(), 5);
}
