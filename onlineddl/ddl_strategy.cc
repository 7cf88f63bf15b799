#include "onlineddl/ddl_strategy.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {
namespace {

// The flags of a strategy string, decoded.
struct Flags {
  bool declarative = false;
  bool singleton = false;
  bool singleton_context = false;
  bool singleton_table = false;
  bool allow_zero_in_date = false;
  bool postpone_launch = false;
  bool postpone_completion = false;
  bool in_order_completion = false;
  bool allow_concurrent = false;
  bool prefer_instant_ddl = false;
  bool fast_range_rotation = false;
  bool analyze_table = false;
  bool allow_foreign_keys = false;
  bool skip_topo = false;     // legacy Vitess flag, accepted and ignored
  bool whole_schema = false;  // Sidecut: --declarative of a whole schema
  absl::optional<absl::Duration> cut_over_threshold;
  absl::optional<absl::Duration> force_cut_over_after;
  absl::optional<absl::Duration> retain_artifacts;
};

struct BoolFlag {
  const char* name;
  bool Flags::*member;
};

constexpr BoolFlag kBoolFlags[] = {
    {"allow-concurrent", &Flags::allow_concurrent},
    {"allow-zero-in-date", &Flags::allow_zero_in_date},
    {"analyze-table", &Flags::analyze_table},
    {"declarative", &Flags::declarative},
    {"fast-range-rotation", &Flags::fast_range_rotation},
    {"in-order-completion", &Flags::in_order_completion},
    {"postpone-completion", &Flags::postpone_completion},
    {"postpone-launch", &Flags::postpone_launch},
    {"prefer-instant-ddl", &Flags::prefer_instant_ddl},
    {"singleton", &Flags::singleton},
    {"singleton-context", &Flags::singleton_context},
    {"singleton-table", &Flags::singleton_table},
    {"skip-topo", &Flags::skip_topo},
    {"unsafe-allow-foreign-keys", &Flags::allow_foreign_keys},
    {"whole-schema", &Flags::whole_schema},
};

struct DurationFlag {
  const char* name;
  absl::optional<absl::Duration> Flags::*member;
};

constexpr DurationFlag kDurationFlags[] = {
    {"cut-over-threshold", &Flags::cut_over_threshold},
    {"force-cut-over-after", &Flags::force_cut_over_after},
    {"retain-artifacts", &Flags::retain_artifacts},
};

std::string SupportedFlagList() {
  std::vector<std::string> names;
  for (const BoolFlag& f : kBoolFlags) {
    if (absl::string_view(f.name) != "skip-topo") {
      names.push_back(absl::StrCat("--", f.name));
    }
  }
  for (const DurationFlag& f : kDurationFlags) {
    names.push_back(absl::StrCat("--", f.name, "=<duration>"));
  }
  return absl::StrJoin(names, ", ");
}

// Splits `text` into words like a POSIX shell (and Go's google/shlex, which
// Vitess uses): whitespace separates words; '...' is literal; "..." and a
// bare backslash escape the next character; '#' at the start of a word
// comments out the rest of the line.
absl::StatusOr<std::vector<std::string>> ShellSplit(absl::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  size_t i = 0;
  auto unterminated = [&](absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid DDL strategy options '", text, "': ", what));
  };
  while (i < text.size()) {
    char c = text[i];
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '#' && !in_word) {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '\\') {
      if (i + 1 >= text.size()) return unterminated("trailing backslash");
      word.push_back(text[i + 1]);
      in_word = true;
      i += 2;
    } else if (c == '\'') {
      size_t end = text.find('\'', i + 1);
      if (end == absl::string_view::npos) {
        return unterminated("unterminated single quote");
      }
      absl::StrAppend(&word, text.substr(i + 1, end - i - 1));
      in_word = true;
      i = end + 1;
    } else if (c == '"') {
      ++i;
      while (true) {
        if (i >= text.size()) return unterminated("unterminated double quote");
        if (text[i] == '"') break;
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        word.push_back(text[i]);
        ++i;
      }
      in_word = true;
      ++i;
    } else {
      word.push_back(c);
      in_word = true;
      ++i;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

// Vitess accepts a flag value that is itself quoted ("--x=\"1m\"").
absl::string_view Unquote(absl::string_view v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') &&
      v.back() == v.front()) {
    return v.substr(1, v.size() - 2);
  }
  return v;
}

absl::Status ApplyDurationFlag(const DurationFlag& flag, absl::string_view raw,
                               Flags* flags) {
  absl::string_view value = Unquote(raw);
  if (value.empty()) {  // Vitess: an empty value means "not set"
    flags->*flag.member = absl::nullopt;
    return absl::OkStatus();
  }
  absl::StatusOr<absl::Duration> d = ParseGoDuration(value);
  if (!d.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid value for --", flag.name, ": ", d.status().message()));
  }
  if (*d < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid value for --", flag.name, ": '", value,
                     "' is negative; give a duration of 0 or more"));
  }
  if (flag.member == &Flags::cut_over_threshold) {
    absl::Status range = ValidateCutOverThreshold(*d).status();
    if (!range.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid value for --", flag.name, ": ", range.message()));
    }
  }
  flags->*flag.member = *d;
  return absl::OkStatus();
}

// Decodes one word. Unknown words are appended to `unknown`.
absl::Status ApplyWord(const std::string& word, Flags* flags,
                       std::vector<std::string>* unknown) {
  absl::string_view rest = word;
  if (!absl::ConsumePrefix(&rest, "-")) {
    unknown->push_back(word);
    return absl::OkStatus();
  }
  absl::ConsumePrefix(&rest, "-");
  size_t eq = rest.find('=');
  absl::string_view name = rest.substr(0, eq);
  bool has_value = eq != absl::string_view::npos;
  for (const BoolFlag& f : kBoolFlags) {
    if (name != f.name) continue;
    if (has_value) {
      return absl::InvalidArgumentError(
          absl::StrCat("DDL strategy flag --", f.name, " takes no value; ",
                       "write '--", f.name, "' instead of '", word, "'"));
    }
    flags->*f.member = true;
    return absl::OkStatus();
  }
  for (const DurationFlag& f : kDurationFlags) {
    if (name != f.name) continue;
    if (!has_value) {
      return absl::InvalidArgumentError(absl::StrCat(
          "DDL strategy flag --", f.name, " needs a value: write --", f.name,
          "=<duration>, ", "e.g. --", f.name, "=15s"));
    }
    return ApplyDurationFlag(f, rest.substr(eq + 1), flags);
  }
  if (name == "vreplication-test-suite") {
    return absl::InvalidArgumentError(
        "DDL strategy flag --vreplication-test-suite is for Vitess's own CI "
        "and is not supported; remove it");
  }
  unknown->push_back(word);
  return absl::OkStatus();
}

absl::StatusOr<Flags> ParseFlags(Strategy strategy, absl::string_view options) {
  SC_ASSIGN_OR_RETURN(std::vector<std::string> words, ShellSplit(options));
  Flags flags;
  std::vector<std::string> unknown;
  for (const std::string& word : words) {
    SC_RETURN_IF_ERROR(ApplyWord(word, &flags, &unknown));
  }
  if (!unknown.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid flags for ", StrategyName(strategy),
                     " strategy: ", absl::StrJoin(unknown, " "),
                     "; supported flags are ", SupportedFlagList()));
  }
  if (flags.whole_schema && !flags.declarative) {
    return absl::InvalidArgumentError(
        "--whole-schema describes a --declarative deployment (the desired "
        "CREATE statements are the whole schema: tables and views absent "
        "from them are dropped); add --declarative");
  }
  if (flags.declarative && strategy != Strategy::kVitess) {
    // A deployment computes its changes and cuts them over together through
    // online DDL; 'direct' would run the desired CREATE statements as they
    // are, and 'mysql' has no gate to cut over at.
    return absl::InvalidArgumentError(absl::StrCat(
        "--declarative is not supported in '", StrategyName(strategy),
        "' strategy: a declarative deployment runs through online DDL; use "
        "'vitess' strategy"));
  }
  if (flags.declarative && flags.prefer_instant_ddl) {
    // An ALTER applied instantly at launch would apply alone, out of the
    // deployment's order and before its gate.
    return absl::InvalidArgumentError(
        "--prefer-instant-ddl does not combine with --declarative: a "
        "deployment applies all its changes together at its gate");
  }
  if (strategy == Strategy::kMysql) {
    // Vitess fails such migrations when it reviews them; reject up front.
    const char* unsupported =
        flags.postpone_completion  ? "--postpone-completion"
        : flags.allow_zero_in_date ? "--allow-zero-in-date"
                                   : nullptr;
    if (unsupported != nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(unsupported, " is not supported in 'mysql' strategy; ",
                       "use 'vitess' strategy or drop the flag"));
    }
  }
  return flags;
}

// Flags of a setting; a setting that does not validate has no flags.
Flags FlagsOf(const DdlStrategySetting& s) {
  absl::StatusOr<Flags> flags = ParseFlags(s.strategy, s.options);
  return flags.ok() ? *flags : Flags();
}

}  // namespace

absl::string_view StrategyName(Strategy strategy) {
  switch (strategy) {
    case Strategy::kVitess:
      return "vitess";
    case Strategy::kMysql:
      return "mysql";
    case Strategy::kDirect:
      return "direct";
  }
  return "unknown";
}

absl::StatusOr<Strategy> ParseStrategyName(absl::string_view name) {
  if (name.empty() || absl::EqualsIgnoreCase(name, "direct")) {
    return Strategy::kDirect;
  }
  if (absl::EqualsIgnoreCase(name, "vitess") ||
      absl::EqualsIgnoreCase(name, "online")) {
    return Strategy::kVitess;
  }
  if (absl::EqualsIgnoreCase(name, "mysql")) return Strategy::kMysql;
  if (absl::EqualsIgnoreCase(name, "gh-ost") ||
      absl::EqualsIgnoreCase(name, "pt-osc")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "online DDL strategy '", name,
        "' is not supported (Vitess dropped gh-ost and pt-osc); use 'vitess'"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown online DDL strategy '", name,
      "'; expected vitess (or its alias online), mysql or direct"));
}

absl::StatusOr<absl::Duration> ParseGoDuration(absl::string_view text) {
  // absl::ParseDuration follows Go's syntax, plus "inf"; Go also spells
  // microseconds with a micro sign.
  std::string normalized =
      absl::StrReplaceAll(text, {{"\xC2\xB5s", "us"}, {"\xCE\xBCs", "us"}});
  absl::Duration d;
  if (absl::StrContains(normalized, "inf") ||
      !absl::ParseDuration(normalized, &d)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", text, "' is not a duration; use a number with a unit, ",
        "e.g. 500ms, 10s, 1m30s or 2h (units: ns, us, ms, s, m, h)"));
  }
  return d;
}

absl::StatusOr<absl::Duration> ValidateCutOverThreshold(absl::Duration d) {
  if (d == absl::ZeroDuration()) return kDefaultCutOverThreshold;
  if (d < kMinCutOverThreshold || d > kMaxCutOverThreshold) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cut-over threshold ", absl::FormatDuration(d),
        " is out of range: allowed ",
        absl::FormatDuration(kMinCutOverThreshold), "..",
        absl::FormatDuration(kMaxCutOverThreshold), " (0 means the ",
        absl::FormatDuration(kDefaultCutOverThreshold), " default)"));
  }
  return d;
}

absl::StatusOr<DdlStrategySetting> DdlStrategySetting::Parse(
    absl::string_view text) {
  // Like Vitess's `^(\S+)\s+(.*)$`: the first word names the strategy, the
  // rest are its options.
  text = absl::StripAsciiWhitespace(text);
  size_t space = 0;
  while (space < text.size() &&
         !absl::ascii_isspace(static_cast<unsigned char>(text[space]))) {
    ++space;
  }
  return FromColumns(text.substr(0, space),
                     absl::StripLeadingAsciiWhitespace(text.substr(space)));
}

absl::StatusOr<DdlStrategySetting> DdlStrategySetting::FromColumns(
    absl::string_view strategy, absl::string_view options) {
  DdlStrategySetting setting;
  SC_ASSIGN_OR_RETURN(setting.strategy, ParseStrategyName(strategy));
  setting.options = std::string(options);
  SC_RETURN_IF_ERROR(setting.Validate());
  return setting;
}

absl::Status DdlStrategySetting::Validate() const {
  return ParseFlags(strategy, options).status();
}

std::string DdlStrategySetting::ToString() const {
  if (options.empty()) return std::string(StrategyName(strategy));
  return absl::StrCat(StrategyName(strategy), " ", options);
}

absl::StatusOr<DdlStrategySetting> DdlStrategySetting::Without(
    std::initializer_list<absl::string_view> flags) const {
  SC_ASSIGN_OR_RETURN(std::vector<std::string> words, ShellSplit(options));
  std::vector<std::string> kept;
  for (const std::string& w : words) {
    absl::string_view name = w;
    if (absl::ConsumePrefix(&name, "-")) absl::ConsumePrefix(&name, "-");
    name = name.substr(0, name.find('='));
    if (std::find(flags.begin(), flags.end(), name) != flags.end()) continue;
    // Quoted for ShellSplit again where it needs it.
    const bool plain =
        !w.empty() && std::all_of(w.begin(), w.end(), [](char c) {
          return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                 absl::StrContains("-_=.:/+,@%", c);
        });
    kept.push_back(
        plain
            ? w
            : absl::StrCat("'", absl::StrReplaceAll(w, {{"'", "'\\''"}}), "'"));
  }
  DdlStrategySetting out = *this;
  out.options = absl::StrJoin(kept, " ");
  SC_RETURN_IF_ERROR(out.Validate());
  return out;
}

bool DdlStrategySetting::IsDeclarative() const {
  return FlagsOf(*this).declarative;
}
bool DdlStrategySetting::IsWholeSchema() const {
  return FlagsOf(*this).whole_schema;
}
bool DdlStrategySetting::IsSingleton() const {
  return FlagsOf(*this).singleton;
}
bool DdlStrategySetting::IsSingletonContext() const {
  return FlagsOf(*this).singleton_context;
}
bool DdlStrategySetting::IsSingletonTable() const {
  return FlagsOf(*this).singleton_table;
}
bool DdlStrategySetting::IsAllowZeroInDate() const {
  return FlagsOf(*this).allow_zero_in_date;
}
bool DdlStrategySetting::IsPostponeLaunch() const {
  return FlagsOf(*this).postpone_launch;
}
bool DdlStrategySetting::IsPostponeCompletion() const {
  return FlagsOf(*this).postpone_completion;
}
bool DdlStrategySetting::IsInOrderCompletion() const {
  return FlagsOf(*this).in_order_completion;
}
bool DdlStrategySetting::IsAllowConcurrent() const {
  return FlagsOf(*this).allow_concurrent;
}
bool DdlStrategySetting::IsPreferInstantDdl() const {
  return FlagsOf(*this).prefer_instant_ddl;
}
bool DdlStrategySetting::IsFastRangeRotation() const {
  return FlagsOf(*this).fast_range_rotation;
}
bool DdlStrategySetting::IsAnalyzeTable() const {
  return FlagsOf(*this).analyze_table;
}
bool DdlStrategySetting::IsAllowForeignKeys() const {
  return FlagsOf(*this).allow_foreign_keys;
}

absl::Duration DdlStrategySetting::CutOverThreshold() const {
  absl::optional<absl::Duration> d = FlagsOf(*this).cut_over_threshold;
  if (!d.has_value() || *d == absl::ZeroDuration()) {
    return kDefaultCutOverThreshold;
  }
  return *d;
}

absl::optional<absl::Duration> DdlStrategySetting::ForceCutOverAfter() const {
  absl::optional<absl::Duration> d = FlagsOf(*this).force_cut_over_after;
  if (d.has_value() && *d == absl::ZeroDuration()) return absl::nullopt;
  return d;
}

absl::optional<absl::Duration> DdlStrategySetting::RetainArtifacts() const {
  absl::optional<absl::Duration> d = FlagsOf(*this).retain_artifacts;
  if (d.has_value() && *d == absl::ZeroDuration()) return absl::nullopt;
  return d;
}

int64_t DdlStrategySetting::RetainArtifactsSeconds() const {
  const absl::optional<absl::Duration> d = RetainArtifacts();
  if (!d.has_value()) return 0;
  return absl::ToInt64Seconds(absl::Ceil(*d, absl::Seconds(1)));
}

bool operator==(const DdlStrategySetting& a, const DdlStrategySetting& b) {
  return a.strategy == b.strategy && a.options == b.options;
}

}  // namespace onlineddl
}  // namespace sidecut
