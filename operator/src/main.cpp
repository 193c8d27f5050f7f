// labfleet-operator: parse options, build the manager, run.
#include <iostream>
#include <string_view>

int main(int argc, char** argv) {
    const std::string_view command = argc > 1 ? argv[1] : "";
    if (command == "version") {
        std::cout << "labfleet-operator " << LABFLEET_VERSION << "\n";
        return 0;
    }
    std::cerr << "usage: labfleet-operator run|plan|version [flags]\n";
    return 2;
}
