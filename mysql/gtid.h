// GTID positions for both server flavors, as immutable-style value types.
//
//  - MariaDB: a GTID is domain-server-seq; a position holds one GTID per
//    domain ("0-1-5,1-2-7"). Contains compares sequence numbers per domain.
//  - MySQL 5.6+: a GTID set maps source UUIDs to interval lists
//    ("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7-9").
//  - Position wraps either, with Vitess's string form: "MariaDB/0-1-5" or
//    "MySQL56/<set>". An empty position ("") is the zero value.
//
// Thread-compatible value types.
#ifndef SIDECUT_MYSQL_GTID_H_
#define SIDECUT_MYSQL_GTID_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sidecut {
namespace mysql {

struct MariadbGtid {
  uint32_t domain = 0;
  uint32_t server = 0;
  uint64_t seq = 0;

  static absl::StatusOr<MariadbGtid> Parse(absl::string_view s);
  std::string ToString() const;
  bool operator==(const MariadbGtid& o) const {
    return domain == o.domain && server == o.server && seq == o.seq;
  }
};

class MariadbGtidPos {
 public:
  MariadbGtidPos() = default;
  // Parses "d-s-n[,d-s-n...]" (whitespace allowed around commas; "" = empty).
  // Two GTIDs of one domain are an error.
  static absl::StatusOr<MariadbGtidPos> Parse(absl::string_view s);

  // Comma-separated, ordered by domain.
  std::string ToString() const;
  bool empty() const { return by_domain_.empty(); }
  const std::map<uint32_t, MariadbGtid>& gtids() const { return by_domain_; }

  // True if every domain of `other` is here with a sequence >= other's.
  bool Contains(const MariadbGtidPos& other) const;
  bool ContainsGtid(const MariadbGtid& gtid) const;
  // Per domain, the GTID with the higher sequence.
  MariadbGtidPos Union(const MariadbGtidPos& other) const;
  // The domains where this position is ahead of `other` (or absent there).
  MariadbGtidPos Subtract(const MariadbGtidPos& other) const;
  // Records `gtid` as the latest of its domain.
  void Update(const MariadbGtid& gtid) { by_domain_[gtid.domain] = gtid; }

  bool operator==(const MariadbGtidPos& o) const {
    return by_domain_ == o.by_domain_;
  }
  bool operator!=(const MariadbGtidPos& o) const { return !(*this == o); }

 private:
  std::map<uint32_t, MariadbGtid> by_domain_;
};

class MysqlGtidSet {
 public:
  // Inclusive interval [start, end] of transaction numbers (start >= 1).
  struct Interval {
    int64_t start;
    int64_t end;
    bool operator==(const Interval& o) const {
      return start == o.start && end == o.end;
    }
  };

  MysqlGtidSet() = default;
  // Parses MySQL's text form: "uuid:1-5:7,uuid2:3" (newlines allowed after
  // commas, as @@gtid_executed prints them; "" = empty). Overlapping and
  // adjacent intervals are merged.
  static absl::StatusOr<MysqlGtidSet> Parse(absl::string_view s);

  // Canonical text: lower-case UUIDs in order, merged intervals, "," between.
  std::string ToString() const;
  bool empty() const { return sets_.empty(); }

  bool Contains(const MysqlGtidSet& other) const;
  bool ContainsGtid(absl::string_view uuid, int64_t gno) const;
  MysqlGtidSet Union(const MysqlGtidSet& other) const;
  MysqlGtidSet Subtract(const MysqlGtidSet& other) const;
  // Adds one transaction. `uuid` must be canonical (lower-case, dashed).
  void Add(absl::string_view uuid, int64_t gno);
  // Adds an interval for `uuid`.
  void AddInterval(absl::string_view uuid, Interval iv);

  const std::map<std::string, std::vector<Interval>>& sets() const {
    return sets_;
  }
  bool operator==(const MysqlGtidSet& o) const { return sets_ == o.sets_; }
  bool operator!=(const MysqlGtidSet& o) const { return !(*this == o); }

 private:
  std::map<std::string, std::vector<Interval>> sets_;
};

// Formats 16 raw bytes as a canonical lower-case dashed UUID.
std::string FormatUuid(absl::string_view raw16);

enum class Flavor { kNone, kMariadb, kMysql56 };

class Position {
 public:
  Position() = default;
  explicit Position(MariadbGtidPos p)
      : flavor_(Flavor::kMariadb), mariadb_(std::move(p)) {}
  explicit Position(MysqlGtidSet s)
      : flavor_(Flavor::kMysql56), mysql_(std::move(s)) {}

  // Parses Vitess's encoding: "MariaDB/<pos>", "MySQL56/<set>", or "".
  static absl::StatusOr<Position> Parse(absl::string_view s);

  // "MariaDB/0-1-5", "MySQL56/uuid:1-5", or "" for the zero position.
  std::string ToString() const;
  // The bare GTID text without the flavor prefix.
  std::string GtidText() const;

  Flavor flavor() const { return flavor_; }
  bool empty() const;
  const MariadbGtidPos& mariadb() const { return mariadb_; }
  const MysqlGtidSet& mysql() const { return mysql_; }

  // True if this position includes every transaction of `other`. The empty
  // position is contained in every position. Different flavors: false.
  bool AtLeast(const Position& other) const;
  // Union of two positions of the same flavor (or one empty).
  absl::StatusOr<Position> Union(const Position& other) const;

  bool operator==(const Position& o) const;
  bool operator!=(const Position& o) const { return !(*this == o); }

 private:
  Flavor flavor_ = Flavor::kNone;
  MariadbGtidPos mariadb_;
  MysqlGtidSet mysql_;
};

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_GTID_H_
