#include "mysql/vitess_rows.h"

#include "gtest/gtest.h"
#include "mysql/column_types.h"

namespace sidecut {
namespace mysql {
namespace {

TEST(VitessRowsTest, RowRoundTripWithNulls) {
  Row r({std::string("1"), absl::nullopt, std::string(""), std::string("abc")});
  query::Row q = ToVitessRow(r);
  ASSERT_EQ(q.lengths_size(), 4);
  EXPECT_EQ(q.lengths(0), 1);
  EXPECT_EQ(q.lengths(1), -1);
  EXPECT_EQ(q.lengths(2), 0);
  EXPECT_EQ(q.values(), "1abc");
  EXPECT_EQ(FromVitessRow(q).values(), r.values());
}

TEST(VitessRowsTest, FieldsFromTableMap) {
  TableMap m;
  m.database = "d";
  m.table = "t";
  ColumnDef id;
  id.type = kTypeLong;
  id.is_unsigned = true;
  id.nullable = false;
  id.name = "id";
  ColumnDef vb;
  vb.type = kTypeVarchar;
  vb.collation = kBinaryCollation;
  vb.name = "vb";
  ColumnDef tx;
  tx.type = kTypeBlob;
  tx.collation = 45;
  tx.name = "tx";
  m.columns = {id, vb, tx};
  m.primary_key = {0};
  std::vector<query::Field> f = VitessFields(m);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].type(), query::UINT32);
  EXPECT_EQ(f[0].flags() & 2u, 2u);  // PRI_KEY_FLAG
  EXPECT_EQ(f[0].flags() & 1u, 1u);  // NOT_NULL_FLAG
  EXPECT_EQ(f[1].type(), query::VARBINARY);
  EXPECT_EQ(f[2].type(), query::TEXT);
  EXPECT_EQ(f[2].charset(), 45u);
  EXPECT_EQ(f[2].database(), "d");
}

}  // namespace
}  // namespace mysql
}  // namespace sidecut
