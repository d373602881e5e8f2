#include "sim/actions.hpp"

namespace ptalk::sim {

std::vector<std::string> Reaction::texts() const {
    std::vector<std::string> out;
    for (const auto& a : actions) {
        if (const auto* s = std::get_if<SendText>(&a)) out.push_back(s->text);
    }
    return out;
}

std::ostream& operator<<(std::ostream& os, const Action& a) {
    struct Printer {
        std::ostream& os;
        void operator()(const SendText& s) const { os << "send " << s.text; }
        void operator()(const Busy& b) const { os << "busy " << b.duration.count() << "ms"; }
        void operator()(const DropLink&) const { os << "drop-link"; }
        void operator()(const Restart&) const { os << "restart"; }
        void operator()(const GoOffline& g) const {
            os << "go-offline";
            if (g.duration) os << " " << g.duration->count() << "ms";
        }
    };
    std::visit(Printer{os}, a);
    return os;
}

std::ostream& operator<<(std::ostream& os, const Reaction& r) {
    os << "{event " << static_cast<int>(r.event);
    if (!r.command.empty()) os << " cmd " << r.command;
    for (const auto& a : r.actions)
        os << "; " << a;
    return os << "}";
}

}  // namespace ptalk::sim
