#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "kube/cache/line_splitter.hpp"

using labfleet::kube::is_blank;
using labfleet::kube::LineSplitter;

namespace {

/// Every line `lines` yields now.
std::vector<std::string> drain(LineSplitter& lines) {
    std::vector<std::string> out;
    while (auto line = lines.next()) out.push_back(*line);
    return out;
}

} // namespace

TEST_CASE("LineSplitter cuts lines on newlines, drops a trailing carriage return and skips empty lines") {
    LineSplitter lines;
    lines.append("{\"a\":1}\r\n\n\r\n{\"b\":2}\n");
    CHECK(drain(lines) == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"});
    CHECK(lines.buffered() == 0);
    CHECK_FALSE(lines.finished());
}

TEST_CASE("LineSplitter holds a partial line until its newline arrives, whatever the chunking") {
    const std::string body = "first line\r\nsecond\n\nthird one\n";
    for (std::size_t chunk = 1; chunk <= body.size(); ++chunk) {
        LineSplitter lines;
        std::vector<std::string> got;
        for (std::size_t at = 0; at < body.size(); at += chunk) {
            lines.append(std::string_view(body).substr(at, chunk));
            for (auto& line : drain(lines)) got.push_back(line);
        }
        INFO("chunk size " << chunk);
        CHECK(got == std::vector<std::string>{"first line", "second", "third one"});
    }
}

TEST_CASE("LineSplitter delivers a last line without a newline only once the body has ended") {
    LineSplitter lines;
    lines.append("done\npartial");
    CHECK(drain(lines) == std::vector<std::string>{"done"});
    CHECK(lines.buffered() == 7);
    lines.finish();
    CHECK(lines.next() == std::optional<std::string>("partial"));
    CHECK(lines.next() == std::nullopt);
    CHECK(lines.finished());
}

TEST_CASE("LineSplitter::abandon drops what it holds and ends the body") {
    LineSplitter lines;
    lines.append("complete\nhalf a li");
    lines.abandon();
    CHECK(lines.next() == std::nullopt);
    CHECK(lines.finished());
    CHECK(lines.buffered() == 0);
}

TEST_CASE("is_blank is true only for whitespace") {
    CHECK(is_blank(""));
    CHECK(is_blank(" \t\r"));
    CHECK_FALSE(is_blank(" {}"));
}
