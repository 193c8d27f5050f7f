#pragma once
// Logger: structured logs, one line per record, as JSON objects
// ({"ts","level","logger","msg",...key/values}) or logfmt-like text.
// The level check is one atomic load, so a disabled record costs nothing
// beyond building its arguments; guard expensive ones with enabled().

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "kube/util/clock.hpp"

namespace labfleet::kube {

enum class LogLevel { Error = 0, Warn = 1, Info = 2, Debug = 3 };
enum class LogFormat { Json, Text };

std::string_view to_string(LogLevel level);
/// "error"|"warn"|"info"|"debug" (also "warning"); nullopt otherwise.
std::optional<LogLevel> parse_log_level(std::string_view text);
/// "json"|"text"; nullopt otherwise.
std::optional<LogFormat> parse_log_format(std::string_view text);

/// One key/value of a record. Borrows strings: valid for the logging call only.
struct LogField {
    using Value = std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool>;

    template <class T>
    LogField(std::string_view k, const T& v) : key(k), value(to_value(v)) {}

    std::string_view key;
    Value value;

private:
    template <class T>
    static Value to_value(const T& v) {
        if constexpr (std::is_same_v<T, bool>) return v;
        else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) return static_cast<std::int64_t>(v);
        else if constexpr (std::is_integral_v<T>) return static_cast<std::uint64_t>(v);
        else if constexpr (std::is_floating_point_v<T>) return static_cast<double>(v);
        else return std::string_view{v};
    }
};

/// Where records go; shared by a logger and the loggers derived from it.
struct LogSink {
    LogSink(std::ostream& out, LogLevel level, LogFormat format, const Clock& clock)
        : out(out), level(static_cast<int>(level)), format(format), clock(clock) {}
    std::ostream& out;
    std::atomic<int> level;
    LogFormat format;
    const Clock& clock;
    std::mutex write_mutex;  // a record is written whole even if two threads log
};

class Logger {
public:
    /// Logs at `level` and above to `out` (std::cerr by default). `out` and
    /// `clock` must outlive every logger derived from this one.
    explicit Logger(std::string name = "", LogLevel level = LogLevel::Info, LogFormat format = LogFormat::Json,
                    std::ostream* out = nullptr, const Clock* clock = nullptr);

    bool enabled(LogLevel level) const {
        return static_cast<int>(level) <= sink_->level.load(std::memory_order_relaxed);
    }
    /// Changes the level of this logger and of every logger sharing its sink.
    void set_level(LogLevel level) { sink_->level.store(static_cast<int>(level), std::memory_order_relaxed); }

    /// A child logger named "parent.child", sharing the sink and bound values.
    Logger named(std::string_view child) const;
    /// A logger that adds these key/values to every record.
    Logger with(std::initializer_list<LogField> fields) const;

    void log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {}) const {
        if (enabled(level)) write(level, msg, fields);
    }
    void error(std::string_view msg, std::initializer_list<LogField> fields = {}) const { log(LogLevel::Error, msg, fields); }
    void warn(std::string_view msg, std::initializer_list<LogField> fields = {}) const { log(LogLevel::Warn, msg, fields); }
    void info(std::string_view msg, std::initializer_list<LogField> fields = {}) const { log(LogLevel::Info, msg, fields); }
    void debug(std::string_view msg, std::initializer_list<LogField> fields = {}) const { log(LogLevel::Debug, msg, fields); }

    const std::string& name() const { return name_; }

private:
    void write(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) const;

    std::shared_ptr<LogSink> sink_;
    std::string name_;
    std::string bound_;  // bound key/values, already rendered in the sink's format
};

/// The process-wide logger used where none is passed in; info/json to stderr
/// until set_default_logger is called at startup (before other threads run).
const Logger& default_logger();
void set_default_logger(Logger logger);

} // namespace labfleet::kube
