#include "onlineddl/migration_uuid.h"

#include <cstdint>
#include <string>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace sidecut {
namespace onlineddl {
namespace {

// 100 ns intervals between the Gregorian epoch (1582-10-15) and the Unix
// epoch, the offset of version-1 UUID timestamps.
constexpr uint64_t kGregorianToUnix100ns = 0x01B21DD213814000ULL;
constexpr uint64_t kMaxTimestamp = (uint64_t{1} << 60) - 1;

uint64_t UuidTimestamp(absl::Time now) {
  const absl::Time gregorian_epoch =
      absl::UnixEpoch() -
      absl::Nanoseconds(static_cast<int64_t>(kGregorianToUnix100ns)) * 100;
  if (now <= gregorian_epoch) return 0;
  absl::Duration rem;
  int64_t ticks =
      absl::IDivDuration(now - gregorian_epoch, absl::Nanoseconds(100), &rem);
  uint64_t ts = static_cast<uint64_t>(ticks);
  return ts > kMaxTimestamp ? kMaxTimestamp : ts;
}

}  // namespace

std::string CreateMigrationUuid(absl::Time now, uint64_t random) {
  uint64_t ts = UuidTimestamp(now);
  uint32_t time_low = static_cast<uint32_t>(ts & 0xffffffff);
  uint32_t time_mid = static_cast<uint32_t>((ts >> 32) & 0xffff);
  uint32_t time_hi_version =
      static_cast<uint32_t>((ts >> 48) & 0x0fff) | 0x1000;  // version 1
  uint32_t clock_seq = static_cast<uint32_t>(random >> 48) & 0x3fff;
  uint32_t clock_seq_variant = clock_seq | 0x8000;  // RFC 4122 variant
  uint64_t node = (random & 0xffffffffffffULL) | 0x010000000000ULL;
  return absl::StrFormat("%08x_%04x_%04x_%04x_%012x", time_low, time_mid,
                         time_hi_version, clock_seq_variant, node);
}

std::string CreateMigrationUuid() {
  absl::BitGen gen;
  return CreateMigrationUuid(absl::Now(), absl::Uniform<uint64_t>(gen));
}

bool IsValidMigrationUuid(absl::string_view uuid) {
  static constexpr int kGroups[] = {8, 4, 4, 4, 12};
  size_t pos = 0;
  for (int g = 0; g < 5; ++g) {
    if (g > 0) {
      if (pos >= uuid.size() || uuid[pos] != '_') return false;
      ++pos;
    }
    for (int i = 0; i < kGroups[g]; ++i, ++pos) {
      if (pos >= uuid.size() ||
          !absl::ascii_isxdigit(static_cast<unsigned char>(uuid[pos]))) {
        return false;
      }
    }
  }
  return pos == uuid.size();
}

std::string CondenseUuid(absl::string_view uuid) {
  std::string out;
  out.reserve(uuid.size());
  for (char c : uuid) {
    if (c != '_' && c != '-') out.push_back(c);
  }
  return out;
}

absl::optional<absl::Time> MigrationUuidTime(absl::string_view uuid) {
  if (!IsValidMigrationUuid(uuid)) return absl::nullopt;
  std::string hex = CondenseUuid(uuid);
  uint64_t time_low = 0, time_mid = 0, time_hi = 0;
  if (!absl::SimpleHexAtoi(hex.substr(0, 8), &time_low) ||
      !absl::SimpleHexAtoi(hex.substr(8, 4), &time_mid) ||
      !absl::SimpleHexAtoi(hex.substr(12, 4), &time_hi)) {
    return absl::nullopt;
  }
  if ((time_hi >> 12) != 1) return absl::nullopt;  // not version 1
  uint64_t ts = ((time_hi & 0x0fff) << 48) | (time_mid << 32) | time_low;
  int64_t since_unix =
      static_cast<int64_t>(ts) - static_cast<int64_t>(kGregorianToUnix100ns);
  return absl::UnixEpoch() + absl::Nanoseconds(since_unix) * 100;
}

}  // namespace onlineddl
}  // namespace sidecut
