#include "sim/cjson_print.hpp"

#include <boost/json/serialize.hpp>

namespace ptalk::sim {
namespace json = boost::json;

namespace {

void print_value(const json::value& v, int depth, std::string& out);

void print_object(const json::object& o, int depth, std::string& out) {
    if (o.empty()) {
        out += "{\n";
        out.append(static_cast<std::size_t>(depth), '\t');
        out += "}";
        return;
    }
    out += "{\n";
    bool first = true;
    for (const auto& kv : o) {
        if (!first) out += ",\n";
        first = false;
        out.append(static_cast<std::size_t>(depth + 1), '\t');
        out += json::serialize(json::string_view(kv.key()));
        out += ":\t";
        print_value(kv.value(), depth + 1, out);
    }
    out += "\n";
    out.append(static_cast<std::size_t>(depth), '\t');
    out += "}";
}

void print_value(const json::value& v, int depth, std::string& out) {
    if (v.is_object()) {
        print_object(v.get_object(), depth, out);
    } else {
        // Scalars and arrays (which device replies never carry) as compact JSON.
        out += json::serialize(v);
    }
}

}  // namespace

std::string cjson_print(const json::object& o) {
    std::string out;
    print_object(o, 0, out);
    return out;
}

}  // namespace ptalk::sim
