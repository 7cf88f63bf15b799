// Filter rules: "select id, name, 0 as x from t where ..." parsed into the
// pieces VReplication needs: the source table, the select items (plain
// column references or expressions with an alias), and the WHERE text.
// Expressions are kept as SQL text and evaluated by the server; column
// references inside them are located (ExprTemplate) so binlog values can be
// substituted for them.
//
// Thread-safe (pure functions).
#ifndef SIDECUT_VREPLICATION_FILTER_H_
#define SIDECUT_VREPLICATION_FILTER_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace sidecut {
namespace vreplication {

struct SelectItem {
  bool star = false;   // "*": every source column, in order
  std::string expr;    // SQL text of the expression
  std::string column;  // set when expr is a plain column reference
  std::string alias;   // the target column name (explicit or implied)
};

struct FilterSpec {
  std::string source_table;
  std::vector<SelectItem> items;
  std::string where;  // "" = no WHERE
};

// Parses `filter` for the rule matching target `match`. An empty filter
// means "select * from <match>". Errors name the problem and the filter.
absl::StatusOr<FilterSpec> ParseFilter(absl::string_view match,
                                       absl::string_view filter);

// Orders table (or database) names as the server compares them: folded
// to lower case when it folds them (lower_case_table_names 1 or 2), else
// byte for byte. Transparent: a look-up by string_view copies nothing.
struct TableNameLess {
  using is_transparent = void;
  bool fold = false;
  bool operator()(absl::string_view a, absl::string_view b) const;
};

// Whether a statement run with default database `session_db` may act on
// database `db`: it ran there, or it names `db` in a qualified name
// (`db`.t). Unparsable text is assumed to be relevant.
bool StatementTouchesDatabase(absl::string_view statement,
                              absl::string_view session_db,
                              absl::string_view db);

// Whether `statement` names table `table` (as an identifier, quoted or
// not, case-insensitively), other than as the first part of a dotted name
// (a database named like it). Unparsable text is assumed to name it.
bool StatementMentionsTable(absl::string_view statement,
                            absl::string_view table);

// A table: its database and name.
struct WrittenTable {
  std::string database;
  std::string table;
};

// If `statement` is one single-table INSERT, REPLACE, UPDATE or DELETE,
// the table it writes (in database `session_db` where not qualified):
// whatever else it names (its columns, the tables a subquery reads), it
// changes only that table (and what the table's triggers change).
// nullopt for any other statement, unparsable text included.
absl::optional<WrittenTable> SingleTableWritten(absl::string_view statement,
                                                absl::string_view session_db);

// Whether DDL `statement` may change table `table`'s structure or name:
// CREATE/ALTER/DROP/RENAME/TRUNCATE of a TABLE, or CREATE/DROP INDEX, that
// names it. DDL on events, triggers, views, routines, databases or users
// does not (even when an event is named like the table).
bool DdlChangesTable(absl::string_view statement, absl::string_view table);
// The same for table `table` of database `db`, the statement run with
// default database `session_db`: a table of another database named like it
// (`CREATE TABLE other.t`, `ALTER TABLE other.t ...`) does not count.
bool DdlChangesTable(absl::string_view statement, absl::string_view session_db,
                     absl::string_view db, absl::string_view table);

// Whether `statement` drops database `db` (DROP DATABASE, or CREATE OR
// REPLACE DATABASE, which drops it first). True for unparsable text.
bool DdlDropsDatabase(absl::string_view statement, absl::string_view db);

// If `statement` is a RENAME TABLE (run with default database
// `session_db`) renaming `db`.`table`: the quoted, qualified name it
// renames it to (`d`.`t`).
absl::optional<std::string> RenamedTo(absl::string_view statement,
                                      absl::string_view session_db,
                                      absl::string_view db,
                                      absl::string_view table);

// An expression with its references to source columns located.
class ExprTemplate {
 public:
  // Locates references to any of `columns` (case-insensitive, optionally
  // qualified as table.column) in `expr`.
  static absl::StatusOr<ExprTemplate> Parse(
      absl::string_view expr, const std::vector<std::string>& columns);

  // Returns the expression with each reference replaced by
  // `literal(column_index)`.
  std::string Render(const std::function<std::string(int)>& literal) const;

  // The source column indexes the expression reads.
  std::vector<int> Columns() const;

  // The source column the expression is, when it is a bare reference to
  // one (blanks around it aside); -1 otherwise.
  int BareColumn() const;

 private:
  struct Segment {
    std::string text;  // used when column < 0
    int column = -1;
  };
  std::vector<Segment> segments_;
};

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_FILTER_H_
