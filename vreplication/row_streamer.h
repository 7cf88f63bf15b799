// StreamRows: VStreamRows — the rows of one table from a consistent
// snapshot, in key order after an optional lastpk, with the snapshot's GTID
// so a client can continue with VStream from exactly there.
#ifndef SIDECUT_VREPLICATION_ROW_STREAMER_H_
#define SIDECUT_VREPLICATION_ROW_STREAMER_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "mysql/connection.h"
#include "mysql/result.h"
#include "proto/binlogdata.pb.h"
#include "proto/query.pb.h"

namespace sidecut {
namespace vreplication {

// Streams `request.query` ("select * from t" or "select a, b from t") of
// database `db`. The first response carries fields, pkfields and gtid; the
// following ones carry up to `batch_rows` rows each and their lastpk.
// `send` returning an error stops the stream.
absl::Status StreamRows(
    const mysql::ConnectParams& params, const std::string& db,
    const binlogdata::VStreamRowsRequest& request, size_t batch_rows,
    const std::function<absl::Status(const binlogdata::VStreamRowsResponse&)>&
        send);

// A result-set column as query.Field.
query::Field VitessFieldOf(const mysql::Field& f);

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_ROW_STREAMER_H_
