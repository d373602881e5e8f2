// ptalk job start|show|list|cancel against a real server and fleet (issue 6).
#include <boost/json/parse.hpp>

#include "support/cli_fixture.hpp"

namespace ptalk::test {
namespace {

class Jobs : public CliFixture {};

TEST_F(Jobs, ConfigJobOverTheFleetWatchedToTheEnd) {
    auto r = ptalk({"job", "start", "config", "--volume", "17", "--online", "--watch"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("finished"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("failed 0"), std::string::npos) << r.out;
    for (std::size_t i = 0; i < fleet_size; ++i)
        EXPECT_EQ(device(i).settings.volume, 17) << id(i);
    r = ptalk({"--json", "job", "list"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("\"action\":\"config\""), std::string::npos) << r.out;
}

TEST_F(Jobs, ShowHasARowPerDeviceAndUnknownJobsAreSaidSo) {
    auto r = ptalk({"--json", "job", "start", "status", "--device", id(0), "--device", id(1)});
    ASSERT_EQ(r.code, 0) << r.err;
    const auto jid = std::to_string(boost::json::parse(r.out).at("id").as_int64());
    ASSERT_TRUE(eventually(
        [&] {
            return ptalk({"job", "show", jid}).out.find("finished") != std::string::npos;
        },
        10s));
    r = ptalk({"job", "show", jid});
    EXPECT_NE(r.out.find(id(0)), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(id(1)), std::string::npos) << r.out;
    EXPECT_NE(ptalk({"job", "show", "999"}).code, 0);
    EXPECT_EQ(ptalk({"job", "start", "config", "--all"}).code, 2);  // nothing to set
}

}  // namespace
}  // namespace ptalk::test
