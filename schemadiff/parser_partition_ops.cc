// ALTER TABLE partition operations (ADD PARTITION, REORGANIZE, ...).
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "schemadiff/parser_internal.h"
#include "util/status_macros.h"

namespace sidecut {
namespace schemadiff {
namespace internal {
namespace {

// name, name, ... or ALL
absl::Status ParseNamesOrAll(Parser* p, PartitionSpec* spec) {
  if (p->AcceptWord("all")) {
    spec->all = true;
    return absl::OkStatus();
  }
  do {
    SC_ASSIGN_OR_RETURN(std::string n, p->ParseIdent("partition name"));
    spec->names.push_back(std::move(n));
  } while (p->AcceptOp(","));
  return absl::OkStatus();
}

absl::Status ParseValidation(Parser* p, PartitionSpec* spec) {
  if (p->AcceptWords({"with", "validation"})) {
    spec->with_validation = true;
  } else if (p->AcceptWords({"without", "validation"})) {
    spec->with_validation = false;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PartitionSpec> Parser::ParsePartitionSpec() {
  PartitionSpec spec;
  if (Peek().IsWord("partition")) {
    spec.action = "partition by";
    SC_ASSIGN_OR_RETURN(spec.partition_by, ParsePartitionBy());
    return spec;
  }
  spec.action = absl::AsciiStrToLower(Next().text);
  if (spec.action == "remove" || spec.action == "upgrade") {
    SC_RETURN_IF_ERROR(ExpectWord("partitioning"));
    return spec;
  }
  SC_RETURN_IF_ERROR(ExpectWord("partition"));
  if (spec.action == "add") {
    SC_ASSIGN_OR_RETURN(spec.definitions, ParsePartitionDefinitions());
  } else if (spec.action == "coalesce") {
    SC_ASSIGN_OR_RETURN(spec.number, ParseNumber("partition count"));
  } else if (spec.action == "exchange") {
    SC_ASSIGN_OR_RETURN(std::string n, ParseIdent("partition name"));
    spec.names.push_back(std::move(n));
    SC_RETURN_IF_ERROR(ExpectWords({"with", "table"}));
    SC_ASSIGN_OR_RETURN(spec.table, ParseTableName());
    SC_RETURN_IF_ERROR(ParseValidation(this, &spec));
  } else if (spec.action == "reorganize") {
    SC_RETURN_IF_ERROR(ParseNamesOrAll(this, &spec));
    SC_RETURN_IF_ERROR(ExpectWord("into"));
    SC_ASSIGN_OR_RETURN(spec.definitions, ParsePartitionDefinitions());
  } else {
    SC_RETURN_IF_ERROR(ParseNamesOrAll(this, &spec));
    if (spec.action == "discard" || spec.action == "import") {
      SC_RETURN_IF_ERROR(ExpectWord("tablespace"));
    }
  }
  return spec;
}

}  // namespace internal
}  // namespace schemadiff
}  // namespace sidecut
