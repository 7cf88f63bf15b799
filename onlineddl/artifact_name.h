// Names of Vitess's internal ("artifact") tables, as in go/vt/schema/name.go
// and tablegc.go:
//
//   _vt_<hint>_<uuid: 32 hex digits>_<YYYYMMDDhhmmss>_
//   e.g. _vt_hld_6ace8bcef73211ea87e9f875a4d24e90_20200915120410_
//
// with hint vrp (a migration's shadow table) or one of the table-GC states
// hld (hold), prg (purge), evc (evac), drp (drop). For GC tables the
// timestamp is when the table may move on to its next state. Timestamps are
// UTC. Also recognized (never generated): the pre-v20 GC format
// _vt_HOLD_<uuid>_<ts> (PURGE, EVAC, DROP; no trailing '_') and the old
// online-DDL names _<uuid with '_'>_<ts>_(gho|ghc|del|new|vrepl).
//
// The GC lifecycle is hold -> purge -> evac -> drop; a tablet may skip
// states (its table_gc_lifecycle setting), drop is always included.
//
// Thread-safe (pure functions).
#ifndef SIDECUT_ONLINEDDL_ARTIFACT_NAME_H_
#define SIDECUT_ONLINEDDL_ARTIFACT_NAME_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"

namespace sidecut {
namespace onlineddl {

enum class ArtifactHint {
  kShadow,  // "vrp": a vitess migration's shadow (vreplication) table
  kHold,    // "hld": GC hold; data intact, can be renamed back
  kPurge,   // "prg": GC purge; rows are being deleted
  kEvac,    // "evc": GC evac; waiting for its pages to leave the buffer pool
  kDrop,    // "drp": GC drop; to be dropped
};

// The three-letter code: "vrp", "hld", "prg", "evc", "drp".
absl::string_view ArtifactHintCode(ArtifactHint hint);

// The hint for a code ("hld"), or for a GC state name ("HOLD", "purge",
// any case); nullopt if unknown.
absl::optional<ArtifactHint> ArtifactHintFromCode(absl::string_view code);

// Vitess's GC state name: "HOLD", "PURGE", "EVAC", "DROP"; "" for kShadow.
absl::string_view GcStateName(ArtifactHint hint);

// True for hold, purge, evac and drop.
bool IsGcHint(ArtifactHint hint);

// Returns _vt_<hint>_<uuid>_<t as YYYYMMDDhhmmss UTC>_. `uuid` may be a
// migration UUID (with '_'), a dashed UUID or 32 hex digits. Errors
// (InvalidArgument) for a malformed UUID or a time outside years 0..9999.
absl::StatusOr<std::string> ArtifactName(ArtifactHint hint,
                                         absl::string_view uuid, absl::Time t);

struct ParsedArtifactName {
  // The name's hint as written: "vrp", "hld", ... (any three letters or
  // digits in the current format), "HOLD" etc. in the pre-v20 GC format,
  // "gho", "vrepl", ... in old online-DDL names.
  std::string hint_code;
  // The hint, if the code is one of ours (or a pre-v20 GC state).
  absl::optional<ArtifactHint> hint;
  std::string uuid;     // 32 hex digits, as written
  absl::Time time;      // the name's timestamp, read as UTC
  bool legacy = false;  // a pre-v20 GC name or an old online-DDL name
};

// Parses an internal table name in any of the formats above; nullopt if
// `name` is none of them (or its timestamp is not a valid date).
absl::optional<ParsedArtifactName> ParseArtifactName(absl::string_view name);

// True for a table-GC table: hint hld, prg, evc or drp (current or pre-v20
// format).
bool IsGcTableName(absl::string_view name);

// True for any internal table name above (GC, shadow, old online DDL), the
// tables that replication streams and schema tooling should ignore.
bool IsInternalTableName(absl::string_view name);

// Which optional GC states a tablet goes through; drop is always included.
struct GcLifecycle {
  bool hold = true;
  bool purge = true;
  bool evac = true;

  static GcLifecycle All() { return GcLifecycle(); }
};

// Parses a comma-separated list of GC state names ("hold,purge,evac,drop",
// case-insensitive, blanks ignored); states not listed are skipped. Errors
// name an unknown state.
absl::StatusOr<GcLifecycle> ParseGcLifecycle(absl::string_view text);

// The GC state after `hint` in `lifecycle`: hold -> purge -> evac -> drop,
// skipping states the lifecycle leaves out. nullopt after drop and for
// kShadow.
absl::optional<ArtifactHint> NextGcState(
    ArtifactHint hint, const GcLifecycle& lifecycle = GcLifecycle::All());

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_ARTIFACT_NAME_H_
