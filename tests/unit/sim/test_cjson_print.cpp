#include "sim/cjson_print.hpp"

#include <gtest/gtest.h>

using ptalk::sim::cjson_print;

TEST(CjsonPrint, FormatsLikeCjsonPrint) {
    boost::json::object o{{"status", "ok"}, {"volume", 44}, {"device_id", "24a160ff3b9c"}};
    EXPECT_EQ(
        cjson_print(o),
        "{\n\t\"status\":\t\"ok\",\n\t\"volume\":\t44,\n\t\"device_id\":\t\"24a160ff3b9c\"\n}");
}

TEST(CjsonPrint, NestsAndEscapes) {
    boost::json::object o{{"a", boost::json::object{{"b", "x\"y"}}}, {"e", boost::json::object{}}};
    EXPECT_EQ(cjson_print(o), "{\n\t\"a\":\t{\n\t\t\"b\":\t\"x\\\"y\"\n\t},\n\t\"e\":\t{\n\t}\n}");
}
