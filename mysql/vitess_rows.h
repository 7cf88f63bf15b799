// Conversion of decoded binlog rows and table maps to Vitess's query.Row and
// query.Field (what VStream clients receive).
//
// Thread-safe (pure functions).
#ifndef SIDECUT_MYSQL_VITESS_ROWS_H_
#define SIDECUT_MYSQL_VITESS_ROWS_H_

#include <vector>

#include "mysql/result.h"
#include "mysql/row_event.h"
#include "proto/query.pb.h"

namespace sidecut {
namespace mysql {

// The Vitess type of a binlog column.
query::Type VitessType(const ColumnDef& col);

// query.Field per column of `map` (name, type, table, database, charset,
// flags); `org_name` equals `name`.
std::vector<query::Field> VitessFields(const TableMap& map);

// A row as query.Row: lengths (-1 for NULL) and concatenated values.
query::Row ToVitessRow(const Row& row);

// And back.
Row FromVitessRow(const query::Row& row);

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_VITESS_ROWS_H_
