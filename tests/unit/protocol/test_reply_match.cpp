#include "protocol/reply_match.hpp"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include "device_frames.hpp"

using namespace ptalk::protocol;
using namespace ptalk::protocol::frames;

namespace {

struct NamedCommand {
    std::string name;
    Command command;
};

OtaOffer offer(std::string version) {
    return {std::move(version), 1048576, std::string(ota_sha256), 2048, 512};
}

// One of each command, plus a second value or form where matching depends on it.
std::vector<NamedCommand> all_commands() {
    return {
        {"request_status", make_request_status()},
        {"set_volume 50", make_set_volume(50).value()},
        {"set_volume 30", make_set_volume(30).value()},
        {"set_brightness 70", make_set_brightness(70).value()},
        {"set_device_name Kitchen", make_set_device_name("Kitchen").value()},
        {"reboot", make_reboot()},
        {"request_ota 1.0.6", make_request_ota(offer("1.0.6")).value()},
        {"request_ota (operator, no version)", make_command("request_ota", {}).value()},
        {"request_ble_config", make_request_ble_config()},
        // Never sent (make_command refuses them), but the matcher must not
        // let any ok reply answer them.
        {"set_wifi", Command{CommandKind::set_wifi, {}}},
        {"set_ws_url", Command{CommandKind::set_ws_url, {}}},
    };
}

std::set<std::string> every_command() {
    std::set<std::string> names;
    for (const auto& c : all_commands())
        names.insert(c.name);
    return names;
}

struct Case {
    std::string_view label;
    std::string_view frame;
    std::set<std::string> answers;  // names of the commands this reply answers
};

void check_matrix(const std::vector<Case>& cases) {
    const auto commands = all_commands();
    for (const auto& c : cases) {
        const Reply r = reply(c.frame);
        for (const auto& cmd : commands) {
            EXPECT_EQ(reply_answers(cmd.command, r), c.answers.contains(cmd.name))
                << "reply '" << c.label << "' vs command '" << cmd.name << "'";
        }
    }
}

}  // namespace

TEST(ReplyMatch, EachOkReplyAnswersOnlyItsOwnCommandInBothForms) {
    check_matrix({
        {"status (documented)", status_documented, {"request_status"}},
        {"status (field)", status_field, {"request_status"}},
        {"volume 50 (documented)", volume_documented, {"set_volume 50"}},
        {"volume 50 (field)", volume_field, {"set_volume 50"}},
        {"brightness 70 (documented)", brightness_documented, {"set_brightness 70"}},
        {"brightness 70 (field)", brightness_field, {"set_brightness 70"}},
        {"name (documented)", name_documented, {"set_device_name Kitchen"}},
        {"name (field)", name_field, {"set_device_name Kitchen"}},
        {"reboot with device_id", reboot_documented, {"reboot"}},
        {"reboot without device_id", reboot_field, {"reboot"}},
        {"request_ota (documented)",
         request_ota_documented,
         {"request_ota 1.0.6", "request_ota (operator, no version)"}},
        {"request_ota ready (field)",
         request_ota_field,
         {"request_ota 1.0.6", "request_ota (operator, no version)"}},
        {"ble config (field)", ble_field, {"request_ble_config"}},
    });
}

TEST(ReplyMatch, ErrorStatusesAnswerTheCommandsTheyCanBelongTo) {
    const std::set<std::string> with_params{
        "set_volume 50",           "set_volume 30",     "set_brightness 70",
        "set_device_name Kitchen", "request_ota 1.0.6", "request_ota (operator, no version)"};
    check_matrix({
        {"wifi not_supported", wifi_not_supported, {"set_wifi"}},
        {"other not_supported", other_not_supported, every_command()},
        {"invalid_param", invalid_param, with_params},
        {"invalid_command", invalid_command, every_command()},
        {"device_busy", device_busy, every_command()},
        {"error", generic_error, every_command()},
        {"unknown status", R"({"status":"exploded"})", every_command()},
    });
}

TEST(ReplyMatch, StatusReplyNeverAnswersASetterEvenWithEqualValues) {
    const Reply r = reply(
        R"({"status":"ok","device_name":"Kitchen","volume":50,"brightness":70,"uptime_sec":9})");
    EXPECT_TRUE(reply_answers(make_request_status(), r));
    EXPECT_FALSE(reply_answers(make_set_volume(50).value(), r));
    EXPECT_FALSE(reply_answers(make_set_brightness(70).value(), r));
    EXPECT_FALSE(reply_answers(make_set_device_name("Kitchen").value(), r));
}

TEST(ReplyMatch, StatusShapeIsRecognisedByUptimeOrByVolumeWithBrightness) {
    EXPECT_TRUE(reply_answers(make_request_status(), reply(R"({"status":"ok","uptime_sec":0})")));
    EXPECT_TRUE(reply_answers(make_request_status(),
                              reply(R"({"status":"ok","volume":5,"brightness":6})")));
    EXPECT_FALSE(reply_answers(make_set_volume(5).value(),
                               reply(R"({"status":"ok","volume":5,"brightness":6})")));
    EXPECT_FALSE(reply_answers(make_request_status(), reply(R"({"status":"ok","volume":5})")));
    EXPECT_FALSE(reply_answers(make_request_status(), reply(R"({"status":"ok"})")));
}

TEST(ReplyMatch, SetterReplyWithAnotherValueIsStale) {
    EXPECT_FALSE(reply_answers(make_set_volume(30).value(), reply(volume_field)));
    EXPECT_FALSE(reply_answers(make_set_brightness(71).value(), reply(brightness_field)));
    EXPECT_FALSE(reply_answers(make_set_device_name("kitchen").value(), reply(name_field)));
    EXPECT_TRUE(reply_answers(make_set_volume(0).value(), reply(R"({"status":"ok","volume":0})")));
}

TEST(ReplyMatch, SetterReplyWithoutItsFieldDoesNotAnswer) {
    EXPECT_FALSE(reply_answers(make_set_volume(50).value(), reply(R"({"status":"ok"})")));
    EXPECT_FALSE(reply_answers(make_set_brightness(50).value(), reply(volume_field)));
    EXPECT_FALSE(reply_answers(make_set_device_name("PTalk").value(), reply(reboot_field)));
}

TEST(ReplyMatch, OperatorBuiltSettersMatchLikeBuilderBuiltOnes) {
    namespace json = boost::json;
    const auto c = make_command("set_volume", json::parse(R"({"volume":50.0})").as_object());
    ASSERT_TRUE(c.has_value());
    EXPECT_TRUE(reply_answers(*c, reply(volume_field)));
}

TEST(ReplyMatch, RequestOtaDocumentedReplyMustNameTheOfferedVersion) {
    const auto c = make_request_ota(offer("1.0.7")).value();
    EXPECT_FALSE(reply_answers(c, reply(request_ota_documented)));
    EXPECT_TRUE(reply_answers(c, reply(request_ota_field)));
}

TEST(ReplyMatch, RebootAckAnswersOnlyReboot) {
    for (auto frame : {reboot_documented, reboot_field}) {
        const Reply r = reply(frame);
        EXPECT_TRUE(reply_answers(make_reboot(), r));
        EXPECT_FALSE(reply_answers(make_request_status(), r));
        EXPECT_FALSE(reply_answers(make_request_ble_config(), r));
    }
}

TEST(ReplyMatch, WifiRefusalNeverAnswersAnotherCommand) {
    const Reply r = reply(wifi_not_supported);
    EXPECT_TRUE(reply_answers(Command{CommandKind::set_wifi, {}}, r));
    for (const auto& c : all_commands()) {
        if (c.command.kind != CommandKind::set_wifi) {
            EXPECT_FALSE(reply_answers(c.command, r)) << c.name;
        }
    }
}

TEST(ReplyMatch, OkRepliesNeverAnswerRefusedCommands) {
    for (auto frame : {status_field, volume_field, reboot_field, ble_field, request_ota_field}) {
        EXPECT_FALSE(reply_answers(Command{CommandKind::set_wifi, {}}, reply(frame)));
        EXPECT_FALSE(reply_answers(Command{CommandKind::set_ws_url, {}}, reply(frame)));
    }
}
