#include "sim/state_file.hpp"

#include <fstream>

#include <gtest/gtest.h>

using namespace ptalk::sim;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
    auto dir =
        fs::temp_directory_path() / ("ptalk-sim-test-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    return dir;
}

}  // namespace

TEST(StateFile, RoundTripsSettingsAcrossInstances) {
    auto dir = fresh_dir("roundtrip");
    {
        StateFile f(dir);
        f.load();
        EXPECT_FALSE(f.find("24a160000001"));
        f.put("24a160000001", DeviceSettings{"Kitchen", 33, 20, "1.0.6"});
        EXPECT_TRUE(f.flush());
    }
    StateFile again(dir);
    again.load();
    auto s = again.find("24a160000001");
    ASSERT_TRUE(s);
    EXPECT_EQ(*s, (DeviceSettings{"Kitchen", 33, 20, "1.0.6"}));
    EXPECT_FALSE(fs::exists(again.path().string() + ".tmp"));
    fs::remove_all(dir);
}

TEST(StateFile, ACorruptFileMeansDefaults) {
    auto dir = fresh_dir("corrupt");
    fs::create_directories(dir);
    StateFile f(dir);
    std::ofstream(f.path()) << "{not json";
    f.load();
    EXPECT_FALSE(f.find("24a160000001"));
    fs::remove_all(dir);
}

TEST(StateFile, NoDirectoryMeansNoPersistence) {
    StateFile f({});
    f.put("24a160000001", DeviceSettings{});
    EXPECT_TRUE(f.flush());
    EXPECT_FALSE(f.enabled());
}

TEST(DeviceSettings, OldOrPartialEntriesKeepDefaults) {
    auto s = settings_from_json(boost::json::object{{"volume", 10}, {"device_name", 5}});
    EXPECT_EQ(s.volume, 10);
    EXPECT_EQ(s.name, "PTalk");
    EXPECT_EQ(s.brightness, 100);
}
