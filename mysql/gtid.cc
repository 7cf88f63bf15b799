#include "mysql/gtid.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "util/status_macros.h"

namespace sidecut {
namespace mysql {
namespace {

constexpr char kMariadbPrefix[] = "MariaDB/";
constexpr char kMysqlPrefix[] = "MySQL56/";

bool IsHex(char c) {
  return absl::ascii_isxdigit(static_cast<unsigned char>(c));
}

// Validates and canonicalizes a dashed UUID (8-4-4-4-12 hex digits).
absl::StatusOr<std::string> CanonicalUuid(absl::string_view s) {
  s = absl::StripAsciiWhitespace(s);
  static constexpr int kDash[] = {8, 13, 18, 23};
  bool ok = s.size() == 36;
  for (size_t i = 0; ok && i < s.size(); ++i) {
    bool dash =
        std::find(std::begin(kDash), std::end(kDash), i) != std::end(kDash);
    ok = dash ? s[i] == '-' : IsHex(s[i]);
  }
  if (!ok)
    return absl::InvalidArgumentError(absl::StrCat("invalid UUID '", s, "'"));
  return absl::AsciiStrToLower(s);
}

// Sorts and merges overlapping or adjacent intervals in place.
void Normalize(std::vector<MysqlGtidSet::Interval>* v) {
  std::sort(v->begin(), v->end(),
            [](const auto& a, const auto& b) { return a.start < b.start; });
  std::vector<MysqlGtidSet::Interval> out;
  for (const auto& iv : *v) {
    if (!out.empty() && iv.start <= out.back().end + 1) {
      out.back().end = std::max(out.back().end, iv.end);
    } else {
      out.push_back(iv);
    }
  }
  *v = std::move(out);
}

}  // namespace

absl::StatusOr<MariadbGtid> MariadbGtid::Parse(absl::string_view s) {
  s = absl::StripAsciiWhitespace(s);
  std::vector<absl::string_view> parts = absl::StrSplit(s, '-');
  MariadbGtid g;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &g.domain) ||
      !absl::SimpleAtoi(parts[1], &g.server) ||
      !absl::SimpleAtoi(parts[2], &g.seq) || absl::StartsWith(parts[0], "+") ||
      absl::StartsWith(parts[2], "+")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid MariaDB GTID '", s, "': want domain-server-sequence"));
  }
  return g;
}

std::string MariadbGtid::ToString() const {
  return absl::StrCat(domain, "-", server, "-", seq);
}

absl::StatusOr<MariadbGtidPos> MariadbGtidPos::Parse(absl::string_view s) {
  MariadbGtidPos pos;
  s = absl::StripAsciiWhitespace(s);
  if (s.empty()) return pos;
  for (absl::string_view part : absl::StrSplit(s, ',')) {
    SC_ASSIGN_OR_RETURN(MariadbGtid g, MariadbGtid::Parse(part));
    if (!pos.by_domain_.emplace(g.domain, g).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid MariaDB GTID position '", s, "': domain ",
                       g.domain, " appears twice"));
    }
  }
  return pos;
}

std::string MariadbGtidPos::ToString() const {
  std::vector<std::string> parts;
  for (const auto& [d, g] : by_domain_) parts.push_back(g.ToString());
  return absl::StrJoin(parts, ",");
}

bool MariadbGtidPos::ContainsGtid(const MariadbGtid& gtid) const {
  auto it = by_domain_.find(gtid.domain);
  return it != by_domain_.end() && it->second.seq >= gtid.seq;
}

bool MariadbGtidPos::Contains(const MariadbGtidPos& other) const {
  for (const auto& [d, g] : other.by_domain_) {
    if (!ContainsGtid(g)) return false;
  }
  return true;
}

MariadbGtidPos MariadbGtidPos::Union(const MariadbGtidPos& other) const {
  MariadbGtidPos out = *this;
  for (const auto& [d, g] : other.by_domain_) {
    auto it = out.by_domain_.find(d);
    if (it == out.by_domain_.end() || it->second.seq < g.seq) {
      out.by_domain_[d] = g;
    }
  }
  return out;
}

MariadbGtidPos MariadbGtidPos::Subtract(const MariadbGtidPos& other) const {
  MariadbGtidPos out;
  for (const auto& [d, g] : by_domain_) {
    if (!other.ContainsGtid(g)) out.by_domain_[d] = g;
  }
  return out;
}

absl::StatusOr<MysqlGtidSet> MysqlGtidSet::Parse(absl::string_view s) {
  MysqlGtidSet set;
  s = absl::StripAsciiWhitespace(s);
  if (s.empty()) return set;
  for (absl::string_view part : absl::StrSplit(s, ',')) {
    part = absl::StripAsciiWhitespace(part);
    std::vector<absl::string_view> fields = absl::StrSplit(part, ':');
    SC_ASSIGN_OR_RETURN(std::string uuid, CanonicalUuid(fields[0]));
    if (fields.size() < 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid MySQL GTID set '", s, "': '", part, "' has no intervals"));
    }
    for (size_t i = 1; i < fields.size(); ++i) {
      std::pair<absl::string_view, absl::string_view> se =
          absl::StrSplit(fields[i], absl::MaxSplits('-', 1));
      Interval iv{0, 0};
      bool ok = absl::SimpleAtoi(se.first, &iv.start);
      iv.end = iv.start;
      if (ok && !se.second.empty()) ok = absl::SimpleAtoi(se.second, &iv.end);
      if (!ok || iv.start < 1 || iv.end < iv.start) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid MySQL GTID set '", s, "': bad interval '",
                         fields[i], "'"));
      }
      set.sets_[uuid].push_back(iv);
    }
  }
  for (auto& [uuid, v] : set.sets_) Normalize(&v);
  return set;
}

std::string MysqlGtidSet::ToString() const {
  std::vector<std::string> parts;
  for (const auto& [uuid, v] : sets_) {
    std::string p = uuid;
    for (const Interval& iv : v) {
      if (iv.start == iv.end) {
        absl::StrAppend(&p, ":", iv.start);
      } else {
        absl::StrAppend(&p, ":", iv.start, "-", iv.end);
      }
    }
    parts.push_back(std::move(p));
  }
  return absl::StrJoin(parts, ",");
}

bool MysqlGtidSet::ContainsGtid(absl::string_view uuid, int64_t gno) const {
  auto it = sets_.find(std::string(uuid));
  if (it == sets_.end()) return false;
  for (const Interval& iv : it->second) {
    if (gno >= iv.start && gno <= iv.end) return true;
  }
  return false;
}

bool MysqlGtidSet::Contains(const MysqlGtidSet& other) const {
  for (const auto& [uuid, theirs] : other.sets_) {
    auto it = sets_.find(uuid);
    if (it == sets_.end()) return false;
    for (const Interval& t : theirs) {
      bool covered = false;
      for (const Interval& m : it->second) {
        if (m.start <= t.start && t.end <= m.end) {
          covered = true;
          break;
        }
      }
      if (!covered) return false;
    }
  }
  return true;
}

MysqlGtidSet MysqlGtidSet::Union(const MysqlGtidSet& other) const {
  MysqlGtidSet out = *this;
  for (const auto& [uuid, v] : other.sets_) {
    auto& mine = out.sets_[uuid];
    mine.insert(mine.end(), v.begin(), v.end());
    Normalize(&mine);
  }
  return out;
}

MysqlGtidSet MysqlGtidSet::Subtract(const MysqlGtidSet& other) const {
  MysqlGtidSet out;
  for (const auto& [uuid, mine] : sets_) {
    auto it = other.sets_.find(uuid);
    if (it == other.sets_.end()) {
      out.sets_[uuid] = mine;
      continue;
    }
    std::vector<Interval> rest;
    for (Interval iv : mine) {
      for (const Interval& cut : it->second) {  // sorted, disjoint
        if (cut.end < iv.start || cut.start > iv.end) continue;
        if (cut.start > iv.start) rest.push_back({iv.start, cut.start - 1});
        iv.start = cut.end + 1;
        if (iv.start > iv.end) break;
      }
      if (iv.start <= iv.end) rest.push_back(iv);
    }
    if (!rest.empty()) out.sets_[uuid] = std::move(rest);
  }
  return out;
}

void MysqlGtidSet::Add(absl::string_view uuid, int64_t gno) {
  AddInterval(uuid, {gno, gno});
}

void MysqlGtidSet::AddInterval(absl::string_view uuid, Interval iv) {
  auto& v = sets_[std::string(uuid)];
  v.push_back(iv);
  Normalize(&v);
}

std::string FormatUuid(absl::string_view raw16) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < raw16.size() && i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    unsigned char c = static_cast<unsigned char>(raw16[i]);
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

absl::StatusOr<Position> Position::Parse(absl::string_view s) {
  s = absl::StripAsciiWhitespace(s);
  if (s.empty()) return Position();
  if (absl::ConsumePrefix(&s, kMariadbPrefix)) {
    SC_ASSIGN_OR_RETURN(MariadbGtidPos p, MariadbGtidPos::Parse(s));
    return Position(std::move(p));
  }
  if (absl::ConsumePrefix(&s, kMysqlPrefix)) {
    SC_ASSIGN_OR_RETURN(MysqlGtidSet p, MysqlGtidSet::Parse(s));
    return Position(std::move(p));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid position '", s, "': want MariaDB/<gtid list> or MySQL56/<set>"));
}

std::string Position::GtidText() const {
  switch (flavor_) {
    case Flavor::kMariadb:
      return mariadb_.ToString();
    case Flavor::kMysql56:
      return mysql_.ToString();
    case Flavor::kNone:
      break;
  }
  return "";
}

std::string Position::ToString() const {
  switch (flavor_) {
    case Flavor::kMariadb:
      return absl::StrCat(kMariadbPrefix, mariadb_.ToString());
    case Flavor::kMysql56:
      return absl::StrCat(kMysqlPrefix, mysql_.ToString());
    case Flavor::kNone:
      break;
  }
  return "";
}

bool Position::empty() const {
  return flavor_ == Flavor::kNone ||
         (flavor_ == Flavor::kMariadb ? mariadb_.empty() : mysql_.empty());
}

bool Position::AtLeast(const Position& other) const {
  if (other.empty()) return true;
  if (flavor_ != other.flavor_) return false;
  return flavor_ == Flavor::kMariadb ? mariadb_.Contains(other.mariadb_)
                                     : mysql_.Contains(other.mysql_);
}

absl::StatusOr<Position> Position::Union(const Position& other) const {
  if (other.flavor_ == Flavor::kNone) return *this;
  if (flavor_ == Flavor::kNone) return other;
  if (flavor_ != other.flavor_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot combine positions of different flavors: ", ToString(), " and ",
        other.ToString()));
  }
  if (flavor_ == Flavor::kMariadb) {
    return Position(mariadb_.Union(other.mariadb_));
  }
  return Position(mysql_.Union(other.mysql_));
}

bool Position::operator==(const Position& o) const {
  if (empty() && o.empty()) return true;
  return flavor_ == o.flavor_ && mariadb_ == o.mariadb_ && mysql_ == o.mysql_;
}

}  // namespace mysql
}  // namespace sidecut
