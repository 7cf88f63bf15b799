#include "onlineddl/artifact_name.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "onlineddl/migration_uuid.h"

namespace sidecut {
namespace onlineddl {
namespace {

constexpr char kTimestampFormat[] = "%Y%m%d%H%M%S";
constexpr size_t kTimestampLen = 14;
constexpr size_t kCondensedUuidLen = 32;

struct HintInfo {
  ArtifactHint hint;
  const char* code;
  const char* gc_state;
};

constexpr HintInfo kHints[] = {
    {ArtifactHint::kShadow, "vrp", ""},
    {ArtifactHint::kHold, "hld", "HOLD"},
    {ArtifactHint::kPurge, "prg", "PURGE"},
    {ArtifactHint::kEvac, "evc", "EVAC"},
    {ArtifactHint::kDrop, "drp", "DROP"},
};

const HintInfo& InfoOf(ArtifactHint hint) {
  for (const HintInfo& h : kHints) {
    if (h.hint == hint) return h;
  }
  return kHints[0];
}

bool AllOf(absl::string_view s, bool (*pred)(unsigned char)) {
  for (char c : s) {
    if (!pred(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsHex(absl::string_view s) { return AllOf(s, absl::ascii_isxdigit); }
bool IsDigits(absl::string_view s) { return AllOf(s, absl::ascii_isdigit); }
bool IsAlnum(absl::string_view s) { return AllOf(s, absl::ascii_isalnum); }

// Parses YYYYMMDDhhmmss (UTC); rejects dates that do not exist.
absl::optional<absl::Time> ParseTimestamp(absl::string_view ts) {
  if (ts.size() != kTimestampLen || !IsDigits(ts)) return absl::nullopt;
  auto field = [ts](size_t pos, size_t len) {
    int v = 0;
    for (char c : ts.substr(pos, len)) v = v * 10 + (c - '0');
    return v;
  };
  int year = field(0, 4), month = field(4, 2), day = field(6, 2);
  int hour = field(8, 2), minute = field(10, 2), second = field(12, 2);
  absl::CivilSecond civil(year, month, day, hour, minute, second);
  // CivilSecond normalizes out-of-range fields (Feb 30 -> Mar 1); reject.
  if (civil.year() != year || civil.month() != month || civil.day() != day ||
      civil.hour() != hour || civil.minute() != minute ||
      civil.second() != second) {
    return absl::nullopt;
  }
  return absl::FromCivil(civil, absl::UTCTimeZone());
}

// Reads "<uuid32>_<ts>" followed by `suffix`; fills uuid and time.
bool ParseUuidAndTime(absl::string_view rest, absl::string_view suffix,
                      ParsedArtifactName* out) {
  if (rest.size() != kCondensedUuidLen + 1 + kTimestampLen + suffix.size()) {
    return false;
  }
  absl::string_view uuid = rest.substr(0, kCondensedUuidLen);
  if (!IsHex(uuid) || rest[kCondensedUuidLen] != '_' ||
      rest.substr(kCondensedUuidLen + 1 + kTimestampLen) != suffix) {
    return false;
  }
  absl::optional<absl::Time> t =
      ParseTimestamp(rest.substr(kCondensedUuidLen + 1, kTimestampLen));
  if (!t.has_value()) return false;
  out->uuid = std::string(uuid);
  out->time = *t;
  return true;
}

// _vt_<3 alnum>_<uuid32>_<ts>_
absl::optional<ParsedArtifactName> ParseCurrentFormat(absl::string_view name) {
  if (!absl::ConsumePrefix(&name, "_vt_") || name.size() < 4 ||
      name[3] != '_' || !IsAlnum(name.substr(0, 3))) {
    return absl::nullopt;
  }
  ParsedArtifactName out;
  out.hint_code = std::string(name.substr(0, 3));
  if (!ParseUuidAndTime(name.substr(4), "_", &out)) return absl::nullopt;
  for (const HintInfo& h : kHints) {
    if (out.hint_code == h.code) out.hint = h.hint;
  }
  return out;
}

// _vt_(HOLD|PURGE|EVAC|DROP)_<uuid32>_<ts>
absl::optional<ParsedArtifactName> ParseLegacyGcFormat(absl::string_view name) {
  if (!absl::ConsumePrefix(&name, "_vt_")) return absl::nullopt;
  for (const HintInfo& h : kHints) {
    absl::string_view rest = name;
    if (*h.gc_state == '\0' || !absl::ConsumePrefix(&rest, h.gc_state) ||
        !absl::ConsumePrefix(&rest, "_")) {
      continue;
    }
    ParsedArtifactName out;
    if (!ParseUuidAndTime(rest, "", &out)) return absl::nullopt;
    out.hint_code = h.gc_state;
    out.hint = h.hint;
    out.legacy = true;
    return out;
  }
  return absl::nullopt;
}

// _<8>_<4>_<4>_<4>_<12>_<ts>_(gho|ghc|del|new|vrepl)
absl::optional<ParsedArtifactName> ParseOldOnlineDdlFormat(
    absl::string_view name) {
  constexpr size_t kUuidLen = 36;
  if (!absl::ConsumePrefix(&name, "_") ||
      name.size() < kUuidLen + 1 + kTimestampLen + 1 ||
      !IsValidMigrationUuid(name.substr(0, kUuidLen)) ||
      name[kUuidLen] != '_' || name[kUuidLen + 1 + kTimestampLen] != '_') {
    return absl::nullopt;
  }
  absl::string_view suffix = name.substr(kUuidLen + 1 + kTimestampLen + 1);
  if (suffix != "gho" && suffix != "ghc" && suffix != "del" &&
      suffix != "new" && suffix != "vrepl") {
    return absl::nullopt;
  }
  absl::optional<absl::Time> t =
      ParseTimestamp(name.substr(kUuidLen + 1, kTimestampLen));
  if (!t.has_value()) return absl::nullopt;
  ParsedArtifactName out;
  out.hint_code = std::string(suffix);
  if (suffix == "vrepl") out.hint = ArtifactHint::kShadow;
  out.uuid = CondenseUuid(name.substr(0, kUuidLen));
  out.time = *t;
  out.legacy = true;
  return out;
}

}  // namespace

absl::string_view ArtifactHintCode(ArtifactHint hint) {
  return InfoOf(hint).code;
}

absl::optional<ArtifactHint> ArtifactHintFromCode(absl::string_view code) {
  for (const HintInfo& h : kHints) {
    if (code == h.code ||
        (*h.gc_state != '\0' && absl::EqualsIgnoreCase(code, h.gc_state))) {
      return h.hint;
    }
  }
  return absl::nullopt;
}

absl::string_view GcStateName(ArtifactHint hint) {
  return InfoOf(hint).gc_state;
}

bool IsGcHint(ArtifactHint hint) { return hint != ArtifactHint::kShadow; }

absl::StatusOr<std::string> ArtifactName(ArtifactHint hint,
                                         absl::string_view uuid, absl::Time t) {
  std::string condensed = CondenseUuid(uuid);
  if (condensed.size() != kCondensedUuidLen || !IsHex(condensed)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid UUID '", uuid, "' for an artifact table name: ",
                     "expected 32 hex digits, optionally grouped with '_' or "
                     "'-' (e.g. a0638f6b_ec7b_11ea_9bf8_000d3a9b8a9a)"));
  }
  absl::CivilSecond civil = absl::ToCivilSecond(t, absl::UTCTimeZone());
  if (civil.year() < 0 || civil.year() > 9999) {
    return absl::InvalidArgumentError(
        absl::StrCat("time ", absl::FormatTime(t),
                     " cannot be written as YYYYMMDDhhmmss in an artifact "
                     "table name"));
  }
  return absl::StrCat(
      "_vt_", ArtifactHintCode(hint), "_", condensed, "_",
      absl::FormatTime(kTimestampFormat, t, absl::UTCTimeZone()), "_");
}

absl::optional<ParsedArtifactName> ParseArtifactName(absl::string_view name) {
  if (auto parsed = ParseCurrentFormat(name)) return parsed;
  if (auto parsed = ParseLegacyGcFormat(name)) return parsed;
  return ParseOldOnlineDdlFormat(name);
}

bool IsGcTableName(absl::string_view name) {
  absl::optional<ParsedArtifactName> parsed = ParseArtifactName(name);
  return parsed.has_value() && parsed->hint.has_value() &&
         IsGcHint(*parsed->hint);
}

bool IsInternalTableName(absl::string_view name) {
  return ParseArtifactName(name).has_value();
}

absl::StatusOr<GcLifecycle> ParseGcLifecycle(absl::string_view text) {
  GcLifecycle lifecycle;
  lifecycle.hold = lifecycle.purge = lifecycle.evac = false;
  for (absl::string_view token : absl::StrSplit(text, ',')) {
    token = absl::StripAsciiWhitespace(token);
    if (token.empty()) continue;
    if (absl::EqualsIgnoreCase(token, "hold")) {
      lifecycle.hold = true;
    } else if (absl::EqualsIgnoreCase(token, "purge")) {
      lifecycle.purge = true;
    } else if (absl::EqualsIgnoreCase(token, "evac")) {
      lifecycle.evac = true;
    } else if (!absl::EqualsIgnoreCase(token, "drop")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown table GC state '", token, "' in lifecycle '", text,
          "'; expected a comma-separated list of hold, purge, "
          "evac, drop"));
    }
  }
  return lifecycle;
}

absl::optional<ArtifactHint> NextGcState(ArtifactHint hint,
                                         const GcLifecycle& lifecycle) {
  switch (hint) {
    case ArtifactHint::kHold:
      if (lifecycle.purge) return ArtifactHint::kPurge;
      return NextGcState(ArtifactHint::kPurge, lifecycle);
    case ArtifactHint::kPurge:
      if (lifecycle.evac) return ArtifactHint::kEvac;
      return NextGcState(ArtifactHint::kEvac, lifecycle);
    case ArtifactHint::kEvac:
      return ArtifactHint::kDrop;
    case ArtifactHint::kDrop:
    case ArtifactHint::kShadow:
      return absl::nullopt;
  }
  return absl::nullopt;
}

}  // namespace onlineddl
}  // namespace sidecut
