#include "schemadiff/ddl_parse_conformance.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "schemadiff/corpus_path.h"
#include "schemadiff/json_lite.h"
#include "schemadiff/parser.h"
#include "schemadiff/printer.h"
#include "util/status_macros.h"

namespace sidecut {
namespace schemadiff {
namespace {

std::string StringField(const JsonValue& obj, absl::string_view key) {
  const JsonValue* v = obj.Find(key);
  return v != nullptr && v->is_string() ? v->text : std::string();
}

absl::StatusOr<std::string> ParseAndPrint(absl::string_view sql,
                                          const ParseOptions& options,
                                          OutputMode mode, bool multiple) {
  if (multiple) {
    SC_ASSIGN_OR_RETURN(std::vector<Statement> stmts,
                        ParseStatements(sql, options));
    std::vector<std::string> printed;
    for (const Statement& s : stmts) printed.push_back(Print(s, mode));
    return absl::StrJoin(printed, ";\n");
  }
  SC_ASSIGN_OR_RETURN(Statement stmt, ParseStatement(sql, options));
  return Print(stmt, mode);
}

CaseVerdict Verdict(bool pass, std::string detail) {
  CaseVerdict v;
  v.pass = pass;
  v.detail = std::move(detail);
  return v;
}

CaseVerdict RunRoundTrip(const DdlParseCase& c, const ParseOptions& options,
                         OutputMode mode, bool multiple) {
  absl::StatusOr<std::string> first =
      ParseAndPrint(c.input, options, mode, multiple);
  if (!first.ok()) return Verdict(false, std::string(first.status().message()));
  absl::StatusOr<std::string> second =
      ParseAndPrint(*first, options, mode, multiple);
  if (!second.ok()) {
    return Verdict(false, absl::StrCat("printed form does not parse: ",
                                       second.status().message()));
  }
  if (*first != *second) {
    return Verdict(false, absl::StrCat("round trip differs: got ", *second,
                                       " want ", *first));
  }
  return Verdict(true, "round trip (corpus has no expected output)");
}

void PrintSummary(const ConformanceSummary& s, std::ostream& out) {
  out << "(" << s.round_trip_only
      << " of the passes are round-trip checks of cases without an expected "
         "output)\n";
  out << s.passed << " passed, " << s.failed << " failed, " << s.skipped
      << " skipped (mysql-only syntax)\n";
}

absl::Status RunFile(const std::string& path, std::ostream& out,
                     ConformanceSummary* summary) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read corpus file ", path));
  }
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    absl::StatusOr<DdlParseCase> c = DecodeDdlParseCase(line);
    if (!c.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_no, ": ", c.status().message()));
    }
    CaseVerdict v = RunDdlParseCase(*c);
    if (v.skipped) {
      ++summary->skipped;
      out << "SKIP " << c->id
          << " (mysql-only: " << absl::StrJoin(c->mysql_only_syntax_hints, ",")
          << "; would " << (v.pass ? "pass" : "fail") << ")\n";
    } else if (v.pass) {
      ++summary->passed;
      if (c->output_mode != "" && !c->output) ++summary->round_trip_only;
      out << "PASS " << c->id << "\n";
    } else {
      ++summary->failed;
      out << "FAIL " << c->id << ": " << v.detail << "\n";
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DdlParseCase> DecodeDdlParseCase(absl::string_view json_line) {
  SC_ASSIGN_OR_RETURN(JsonValue obj, ParseJson(json_line));
  if (obj.type != JsonValue::Type::kObject) {
    return absl::InvalidArgumentError("case is not a JSON object");
  }
  DdlParseCase c;
  c.id = StringField(obj, "id");
  c.input = StringField(obj, "input");
  c.output_mode = StringField(obj, "output_mode");
  c.parse_mode = StringField(obj, "parse_mode");
  const JsonValue* output = obj.Find("output");
  if (output != nullptr && output->is_string()) c.output = output->text;
  if (const JsonValue* hints = obj.Find("mysql_only_syntax_hints")) {
    for (const JsonValue& h : hints->array) {
      c.mysql_only_syntax_hints.push_back(h.text);
    }
  }
  return c;
}

CaseVerdict RunDdlParseCase(const DdlParseCase& c) {
  ParseOptions options;
  options.strict = c.parse_mode == "ParseStrictDDL";
  bool multiple = c.parse_mode == "ParseMultiple";
  OutputMode mode = c.output_mode == "CanonicalString" ? OutputMode::kCanonical
                                                       : OutputMode::kString;
  CaseVerdict v;
  if (!c.output && c.output_mode.empty()) {
    absl::StatusOr<std::string> got =
        ParseAndPrint(c.input, options, mode, multiple);
    v = got.ok() ? Verdict(false, absl::StrCat("got ", *got, " want an error"))
                 : Verdict(true, std::string(got.status().message()));
  } else if (!c.output) {
    v = RunRoundTrip(c, options, mode, multiple);
  } else {
    absl::StatusOr<std::string> got =
        ParseAndPrint(c.input, options, mode, multiple);
    if (!got.ok()) {
      v = Verdict(false, absl::StrCat("got error ", got.status().message(),
                                      " want ", *c.output));
    } else {
      v = Verdict(*got == *c.output,
                  absl::StrCat("got ", *got, " want ", *c.output));
    }
  }
  v.skipped = !c.mysql_only_syntax_hints.empty();
  return v;
}

absl::StatusOr<ConformanceSummary> RunDdlParseConformance(
    const std::string& path, std::ostream& out) {
  SC_ASSIGN_OR_RETURN(std::vector<std::string> files, CorpusFiles(path));
  ConformanceSummary summary;
  for (const std::string& f : files) {
    SC_RETURN_IF_ERROR(RunFile(f, out, &summary));
  }
  PrintSummary(summary, out);
  return summary;
}

}  // namespace schemadiff
}  // namespace sidecut
