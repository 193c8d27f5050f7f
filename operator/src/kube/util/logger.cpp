#include "kube/util/logger.hpp"

#include <charconv>
#include <cmath>
#include <iostream>

#include "kube/meta/time_format.hpp"

namespace labfleet::kube {
namespace {

const SystemClock system_clock_instance;

void append_json_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xf];
            } else {
                out += ch;
            }
        }
    }
    out += '"';
}

/// Text values are quoted when a reader would otherwise mis-split them.
bool needs_quotes(std::string_view s) {
    if (s.empty()) return true;
    for (const char ch : s) {
        if (ch == ' ' || ch == '=' || ch == '"' || ch == '\\' || static_cast<unsigned char>(ch) < 0x20) return true;
    }
    return false;
}

void append_text_string(std::string& out, std::string_view s) {
    if (needs_quotes(s)) append_json_string(out, s);
    else out += s;
}

template <class T>
void append_number(std::string& out, T value) {
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, ec == std::errc{} ? end : buf);
}

void append_value(std::string& out, const LogField::Value& value, LogFormat format) {
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string_view>) {
                format == LogFormat::Json ? append_json_string(out, v) : append_text_string(out, v);
            } else if constexpr (std::is_same_v<T, bool>) {
                out += v ? "true" : "false";
            } else if constexpr (std::is_same_v<T, double>) {
                if (std::isfinite(v)) append_number(out, v);
                else format == LogFormat::Json ? append_json_string(out, std::to_string(v)) : void(out += std::to_string(v));
            } else {
                append_number(out, v);
            }
        },
        value);
}

/// Appends one key/value; JSON pairs start with ',' and text pairs with ' '.
void append_field(std::string& out, std::string_view key, const LogField::Value& value, LogFormat format) {
    if (format == LogFormat::Json) {
        out += ',';
        append_json_string(out, key);
        out += ':';
    } else {
        out += ' ';
        out += key;
        out += '=';
    }
    append_value(out, value, format);
}

std::unique_ptr<Logger>& default_slot() {
    static std::unique_ptr<Logger> slot = std::make_unique<Logger>();
    return slot;
}

} // namespace

std::string_view to_string(LogLevel level) {
    switch (level) {
    case LogLevel::Error: return "error";
    case LogLevel::Warn: return "warn";
    case LogLevel::Info: return "info";
    case LogLevel::Debug: return "debug";
    }
    return "unknown";
}

std::optional<LogLevel> parse_log_level(std::string_view text) {
    if (text == "error") return LogLevel::Error;
    if (text == "warn" || text == "warning") return LogLevel::Warn;
    if (text == "info") return LogLevel::Info;
    if (text == "debug") return LogLevel::Debug;
    return std::nullopt;
}

std::optional<LogFormat> parse_log_format(std::string_view text) {
    if (text == "json") return LogFormat::Json;
    if (text == "text") return LogFormat::Text;
    return std::nullopt;
}

Logger::Logger(std::string name, LogLevel level, LogFormat format, std::ostream* out, const Clock* clock)
    : sink_(std::make_shared<LogSink>(out ? *out : std::cerr, level, format,
                                      clock ? *clock : static_cast<const Clock&>(system_clock_instance))),
      name_(std::move(name)) {}

Logger Logger::named(std::string_view child) const {
    Logger copy = *this;
    if (!copy.name_.empty()) copy.name_ += '.';
    copy.name_ += child;
    return copy;
}

Logger Logger::with(std::initializer_list<LogField> fields) const {
    Logger copy = *this;
    for (const LogField& f : fields) append_field(copy.bound_, f.key, f.value, sink_->format);
    return copy;
}

void Logger::write(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) const {
    const LogFormat format = sink_->format;
    std::string line;
    line.reserve(128 + msg.size());
    const std::string ts = format_rfc3339_micro(sink_->clock.now());
    if (format == LogFormat::Json) {
        line += "{\"ts\":";
        append_json_string(line, ts);
        line += ",\"level\":";
        append_json_string(line, to_string(level));
        if (!name_.empty()) {
            line += ",\"logger\":";
            append_json_string(line, name_);
        }
        line += ",\"msg\":";
        append_json_string(line, msg);
    } else {
        line += "ts=";
        line += ts;
        line += " level=";
        line += to_string(level);
        if (!name_.empty()) {
            line += " logger=";
            append_text_string(line, name_);
        }
        line += " msg=";
        append_text_string(line, msg);
    }
    line += bound_;
    for (const LogField& f : fields) append_field(line, f.key, f.value, format);
    if (format == LogFormat::Json) line += '}';
    line += '\n';

    const std::lock_guard lock(sink_->write_mutex);
    sink_->out.write(line.data(), static_cast<std::streamsize>(line.size()));
    sink_->out.flush();
}

const Logger& default_logger() { return *default_slot(); }

void set_default_logger(Logger logger) { default_slot() = std::make_unique<Logger>(std::move(logger)); }

} // namespace labfleet::kube
