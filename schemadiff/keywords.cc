#include "schemadiff/keywords.h"

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace sidecut {
namespace schemadiff {
namespace {

// Words that are quoted when used as identifiers: MySQL's reserved words
// and the non-reserved words that DDL and expressions give a meaning to
// (plus S3, which Vitess treats as a keyword).
constexpr absl::string_view kKeywords = R"(
_armscii8 _ascii _big5 _binary _cp1250 _cp1251 _cp1256 _cp1257 _cp850 _cp852
_cp866 _cp932 _dec8 _eucjpms _euckr _gb18030 _gb2312 _gbk _geostd8 _greek
_hebrew _hp8 _keybcs2 _koi8r _koi8u _latin1 _latin2 _latin5 _latin7 _macce
_macroman _sjis _swe7 _tis620 _ucs2 _ujis _utf16 _utf16le _utf32 _utf8
_utf8mb3 _utf8mb4 accessible action add after against algorithm all alter
always analyze and array as asc ascii asensitive auto_increment
autoextend_size avg_row_length before begin between bigint binary bit blob
bool boolean both by byte call cascade cascaded case cast channel change
char character charset check checksum coalesce code collate collation column
column_format columns comment commit committed compact compressed
compression condition connection constraint continue convert copy create
cross csv cume_dist current current_date current_time current_timestamp
current_user cursor data database databases date datetime day day_hour
day_microsecond day_minute day_second deallocate dec decimal declare default
definer delay_key_write delayed delete dense_rank desc describe
deterministic directory disable discard disk distinct distinctrow div do
double drop dumpfile duplicate dynamic each else elseif empty enable
enclosed encryption end enforced engine engine_attribute engines enum error
escape escaped event except exchange exclusive execute exists exit expansion expire
explain export extended extract false fetch fields first first_value fixed
float float4 float8 flush following for force foreign format from full
fulltext function general generated geomcollection geometry
geometrycollection get global grant group group_concat grouping groups
gtid_executed hash having header high_priority hosts hour hour_microsecond
hour_minute hour_second if ignore import in index indexes infile inout inner
inplace insensitive insert insert_method instant int int1 int2 int3 int4
int8 integer intersect interval into invisible invoker io_after_gtids is isolation
iterate join json json_array json_array_append json_array_insert
json_contains json_contains_path json_depth json_extract json_insert
json_keys json_length json_merge json_merge_patch json_merge_preserve
json_object json_overlaps json_pretty json_quote json_remove json_replace
json_schema_valid json_schema_validation_report json_search json_set
json_storage_free json_storage_size json_table json_type json_unquote
json_valid json_value key key_block_size keys kill lag language last
last_insert_id last_value lateral lead leading leave left less level like
limit linear lines linestring list load local localtime localtimestamp lock
logs long longblob longtext loop low_priority ltrim master_bind match
max_rows maxvalue mediumblob mediumint mediumtext member memory merge
microsecond middleint min_rows minute minute_microsecond minute_second mod
mode modifies modify month multilinestring multipoint multipolygon name
names natural nchar nested next no no_write_to_binlog none not now nth_value
ntile null nulls numeric of off offset on only open optimize optimizer_costs
option optionally or order ordinality out outer outfile over overwrite
pack_keys parser partial partition partitioning partitions password path
percent_rank plugins point polygon preceding precision prepare primary
privileges procedure processlist quarter query range rank ratio read
read_write reads real rebuild recursive redundant references regexp relay
release remove rename reorganize repair repeat repeatable replace require
resignal respect restrict return returning revoke right rlike rollback row
row_format row_number rows rtrim s3 savepoint schema schemas second
second_microsecond secondary_engine_attribute security select sensitive
separator sequence serializable session set share shared show signal signed
simple slow smallint spatial specific sql sql_big_result sql_cache
sql_calc_found_rows sql_no_cache sql_small_result sqlexception sqlstate
sqlwarning srid ssl start starting stats_auto_recalc stats_persistent
stats_sample_pages status storage stored straight_join stream subpartition
subpartitions substr substring system table table_name tables tablespace
temporary temptable terminated text than then time timestamp timestampadd
timestampdiff tinyblob tinyint tinytext to traditional trailing transaction
tree trigger triggers trim true truncate unbounded uncommitted undefined
undo unicode union unique unlock unsigned update upgrade usage use user
user_resources using utc_date utc_time utc_timestamp validation values
varbinary varchar varcharacter variables varying view virtual visible
warnings weight_string when where while window with without work write xor
year year_month zerofill
)";

// MariaDB 10.11's reserved words MySQL does not reserve (each refused as a
// bare column name by the server, measured): an identifier spelled so is
// quoted, or the statement fails (or, for current_role in an expression,
// calls the function). Not DUAL: the printer writes FROM DUAL as a name.
constexpr absl::string_view kMariadbReserved = R"(
current_role delete_domain_id do_domain_ids ignore_domain_ids
master_ssl_verify_server_cert page_checksum parse_vcol_expr purge
ref_system_id
)";

constexpr absl::string_view kTypeNames = R"(
bit tinyint smallint mediumint middleint int int1 int2 int3 int4 int8
integer bigint real double float float4 float8 decimal dec numeric fixed
bool boolean serial date time timestamp datetime year char varchar nchar
nvarchar binary varbinary tinyblob blob mediumblob longblob tinytext text
mediumtext longtext json enum set geometry point linestring polygon
multipoint multilinestring multipolygon geometrycollection geomcollection
vector uuid inet4 inet6 long character
)";

constexpr absl::string_view kLowercasedFunctions = R"(
current_timestamp current_date current_time current_user localtime
localtimestamp now utc_date utc_time utc_timestamp cast convert trim ltrim
rtrim substr substring extract timestampadd timestampdiff group_concat
weight_string last_insert_id point linestring polygon multipoint
multilinestring multipolygon geometrycollection json_array
json_array_append json_array_insert json_contains json_contains_path
json_depth json_extract json_insert json_keys json_length json_merge
json_merge_patch json_merge_preserve json_object json_overlaps json_pretty
json_quote json_remove json_replace json_schema_valid
json_schema_validation_report json_search json_set json_storage_free
json_storage_size json_type json_unquote json_valid json_value count sum
avg min max bit_and bit_or bit_xor std stddev stddev_pop stddev_samp
var_pop var_samp variance
)";

constexpr absl::string_view kExpressionKeywords = R"(
and or not xor null true false is in like regexp rlike between case when
then else end as div mod interval binary collate escape exists distinct
unsigned signed array returning select from where group by having order
limit offset join inner left right outer cross natural on using union all
asc desc with for update lock share mode straight_join separator over
partition rows range preceding following unbounded current row sounds
member of char date time timestamp datetime decimal json nchar integer
double float real year month day hour minute second microsecond week
quarter maxvalue leading trailing both except intersect
)";

absl::flat_hash_set<std::string>* BuildSet(absl::string_view words) {
  auto* set = new absl::flat_hash_set<std::string>();
  for (absl::string_view w :
       absl::StrSplit(words, absl::ByAnyChar(" \n"), absl::SkipEmpty())) {
    set->insert(std::string(w));
  }
  return set;
}

bool Contains(const absl::flat_hash_set<std::string>& set,
              absl::string_view word) {
  return set.contains(absl::AsciiStrToLower(word));
}

}  // namespace

bool IsKeyword(absl::string_view word) {
  static const auto* set = BuildSet(kKeywords);
  return Contains(*set, word);
}

bool IsMariadbReserved(absl::string_view word) {
  static const auto* set = BuildSet(kMariadbReserved);
  return Contains(*set, word);
}

bool IsTypeName(absl::string_view word) {
  static const auto* set = BuildSet(kTypeNames);
  return Contains(*set, word);
}

bool IsLowercasedFunction(absl::string_view word) {
  static const auto* set = BuildSet(kLowercasedFunctions);
  return Contains(*set, word);
}

bool IsExpressionKeyword(absl::string_view word) {
  static const auto* set = BuildSet(kExpressionKeywords);
  return Contains(*set, word);
}

}  // namespace schemadiff
}  // namespace sidecut
