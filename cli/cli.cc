#include "cli/cli.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/types/optional.h"
#include "cli/args.h"
#include "cli/live_schema_source.h"
#include "cli/progress.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "mysql/quoting.h"
#include "onlineddl/ddl_strategy.h"
#include "onlineddl/migration_uuid.h"
#include "proto/sidecut_tablet.grpc.pb.h"
#include "schemadiff/schemadiff_cli.h"

namespace sidecut {
namespace cli {
namespace {

using Stub = sidecut::OnlineDDL::Stub;

constexpr char kUsage[] =
    "usage: sidecut [--server=HOST:PORT] <command> ...\n"
    "  ApplySchema --ddl-strategy=S (--sql=SQL ... | --sql-file=F)\n"
    "      [--migration-context=C] [--uuid=U[,U...]] [--wait [--poll-ms=500]]\n"
    "      [--json] <keyspace>\n"
    "  OnlineDDL show <keyspace> <uuid|all|recent|<status>> [--json]\n"
    "      [--order=asc|desc] [--limit=N]\n"
    "  Deployment show|complete|cancel|revert <keyspace> <context> [--wait]\n"
    "  OnlineDDL complete|cancel|launch|cleanup|force-cutover|unthrottle\n"
    "      <keyspace> <uuid|all>\n"
    "  OnlineDDL throttle <keyspace> <uuid|all> [--ratio=R] [--expire=DUR]\n"
    "  OnlineDDL retry|revert|wait <keyspace> <uuid>\n"
    "  schemadiff --from=A --to=B [--json]   (A, B: .sql file, directory,\n"
    "      or mysql://user[:password]@host[:port]/db)\n";

// Flags that take a value ("--server=h:p" or "--server h:p").
const std::set<std::string>& ValueFlags() {
  static const auto* const flags = new std::set<std::string>{
      "server", "ddl-strategy", "sql",   "sql-file", "migration-context",
      "uuid",   "order",        "limit", "ratio",    "poll-ms",
      "expire"};
  return *flags;
}

// Whether `arg` is one of ValueFlags() written without "=" (its value is
// the next argument).
bool TakesNextArg(absl::string_view arg) {
  if (!absl::StartsWith(arg, "--") || absl::StrContains(arg, '=')) {
    return false;
  }
  std::string name(arg.substr(2));
  std::replace(name.begin(), name.end(), '_', '-');
  return ValueFlags().count(name) > 0;
}

class Cli {
 public:
  Cli(std::ostream& out, std::ostream& err, const CliOptions& o)
      : out_(out), err_(err), o_(o) {}

  int Run(const std::vector<std::string>& argv) {
    absl::StatusOr<Args> args =
        ParseArgs(argv, {"wait", "json", "help"}, ValueFlags());
    if (!args.ok()) return Usage(args.status().message());
    args_ = *args;
    if (args_.Has("poll-ms")) {
      int ms = 0;
      if (!absl::SimpleAtoi(args_.Get("poll-ms"), &ms) || ms <= 0) {
        return Usage("--poll-ms takes a positive number of milliseconds");
      }
      o_.poll = absl::Milliseconds(ms);
    }
    if (args_.Has("limit") && !absl::SimpleAtoi(args_.Get("limit"), &limit_)) {
      return Usage("--limit takes a number");
    }
    if (args_.Has("ratio") && (!absl::SimpleAtod(args_.Get("ratio"), &ratio_) ||
                               !(ratio_ > 0 && ratio_ <= 1))) {
      // 0 would not throttle (RATIO 0 in Vitess); unthrottle does that.
      return Usage(
          "--ratio takes a number above 0 and at most 1 (to stop throttling, "
          "use unthrottle)");
    }
    if (args_.Has("expire")) {
      absl::StatusOr<absl::Duration> d =
          onlineddl::ParseGoDuration(args_.Get("expire"));
      if (!d.ok() || *d <= absl::ZeroDuration()) {
        return Usage(
            "--expire takes a duration above 0 (\"30m\", \"2h\"): how long "
            "the throttle lasts");
      }
      expire_ = *d;
    }
    const std::string order = absl::AsciiStrToLower(args_.Get("order", "asc"));
    if (order == "desc" || order == "descending") {
      descending_ = true;
    } else if (order != "asc" && order != "ascending") {
      return Usage("--order is ascending or descending");
    }
    if (args_.Has("help")) return Usage("");
    if (args_.positional.empty()) return Usage("a command is needed");
    channel_ = grpc::CreateChannel(args_.Get("server", "127.0.0.1:15999"),
                                   grpc::InsecureChannelCredentials());
    stub_ = sidecut::OnlineDDL::NewStub(channel_);
    const std::string cmd = absl::AsciiStrToLower(args_.positional[0]);
    if (cmd == "applyschema") return ApplySchema();
    if (cmd == "onlineddl") return OnlineDdl();
    if (cmd == "deployment") return DeploymentCmd();
    return Usage(absl::StrCat("unknown command ", args_.positional[0]));
  }

 private:
  int Usage(absl::string_view why) {
    if (!why.empty()) err_ << "sidecut: " << why << "\n";
    err_ << kUsage;
    return why.empty() ? 0 : 2;
  }
  int Fail(const grpc::Status& s) {
    // Not answered (gRPC's own deadline, or no connection): the request
    // may have reached the server, which may still act on it. (A server's
    // own refusal with those codes says what it did: "nothing was done",
    // "not the leader".)
    const std::string& m = s.error_message();
    const bool refused = absl::StrContains(m, "nothing was done") ||
                         absl::StrContains(m, "nothing prepared") ||
                         absl::StrContains(m, "leader");
    if (!refused && (s.error_code() == grpc::StatusCode::UNAVAILABLE ||
                     s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)) {
      err_ << "sidecut: " << s.error_message()
           << " (no answer: whether the server acted on the request is not "
              "known; look with OnlineDDL show)\n";
      return 3;
    }
    err_ << "sidecut: " << s.error_message() << "\n";
    return 1;
  }
  // `deadline`: ApplySchema runs a direct-strategy ALTER before it answers.
  std::unique_ptr<grpc::ClientContext> Context(
      std::chrono::seconds deadline = std::chrono::seconds(60)) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + deadline);
    return ctx;
  }

  int ApplySchema() {
    if (args_.positional.size() != 2) return Usage("ApplySchema <keyspace>");
    vtctldata::ApplySchemaRequest req;
    req.set_keyspace(args_.positional[1]);
    for (const std::string& sql : args_.GetAll("sql")) req.add_sql(sql);
    for (const std::string& path : args_.GetAll("sql-file")) {
      // A file, or a directory of *.sql files (in name order) submitted as
      // one request (one deployment with --declarative).
      std::vector<std::string> files;
      std::error_code ec;
      if (std::filesystem::is_directory(path, ec)) {
        for (const auto& e : std::filesystem::directory_iterator(path, ec)) {
          if (e.path().extension() == ".sql") files.push_back(e.path());
        }
        std::sort(files.begin(), files.end());
      } else {
        files.push_back(path);
      }
      std::string all;
      for (const std::string& file : files) {
        std::ifstream in(file);
        if (!in) return Usage(absl::StrCat("cannot read ", file));
        std::stringstream text;
        text << in.rdbuf();
        // On a line of its own: a file ending in a "-- comment" without
        // a newline would swallow it, merging the next file's statement.
        absl::StrAppend(&all, text.str(), "\n;\n");
      }
      if (all.empty()) return Usage(absl::StrCat("no .sql files in ", path));
      req.add_sql(all);
    }
    if (req.sql_size() == 0) return Usage("give --sql or --sql-file");
    // SHOW VITESS_MIGRATIONS prints its result set.
    if (req.sql_size() == 1 &&
        absl::StartsWithIgnoreCase(
            absl::StripLeadingAsciiWhitespace(req.sql(0)), "show")) {
      MigrationCommandRequest creq;
      creq.set_keyspace(req.keyspace());
      creq.set_sql(req.sql(0));
      MigrationCommandResponse cresp;
      grpc::Status s =
          stub_->ExecuteMigrationCommand(Context().get(), creq, &cresp);
      if (!s.ok()) return Fail(s);
      if (args_.Has("json")) return PrintJson(ResultJson(cresp.result()));
      PrintResult(cresp.result());
      return 0;
    }
    req.set_ddl_strategy(args_.Get("ddl-strategy", "direct"));
    req.set_migration_context(args_.Get("migration-context"));
    // --uuid U1,U2 or repeated, as vtctldclient's --uuid list.
    for (const std::string& list : args_.GetAll("uuid")) {
      for (absl::string_view u : absl::StrSplit(list, ',', absl::SkipEmpty())) {
        req.add_uuid_list(std::string(absl::StripAsciiWhitespace(u)));
      }
    }
    vtctldata::ApplySchemaResponse resp;
    grpc::Status s =
        stub_->ApplySchema(Context(std::chrono::hours(24)).get(), req, &resp);
    if (!s.ok()) return Fail(s);
    std::vector<std::string> uuids(resp.uuid_list().begin(),
                                   resp.uuid_list().end());
    if (!args_.Has("wait")) {
      if (args_.Has("json")) return PrintJson(resp);
      for (const std::string& u : uuids) out_ << u << "\n";
      return 0;
    }
    return Wait(req.keyspace(), uuids);
  }

  // Tab-separated rows under a header of field names.
  void PrintResult(const query::QueryResult& r) {
    std::vector<std::string> names;
    for (const query::Field& f : r.fields()) names.push_back(f.name());
    out_ << absl::StrJoin(names, "\t") << "\n";
    for (const query::Row& row : r.rows()) {
      std::vector<std::string> cells = Cells(row);
      out_ << absl::StrJoin(cells, "\t") << "\n";
    }
  }

  // A result set as {"fields": [names], "rows": [{name: value}]} (NULL as
  // null), for jq.
  static google::protobuf::Struct ResultJson(const query::QueryResult& r) {
    google::protobuf::Struct out;
    google::protobuf::ListValue* names =
        (*out.mutable_fields())["fields"].mutable_list_value();
    for (const query::Field& f : r.fields()) {
      names->add_values()->set_string_value(f.name());
    }
    google::protobuf::ListValue* rows =
        (*out.mutable_fields())["rows"].mutable_list_value();
    for (const query::Row& row : r.rows()) {
      google::protobuf::Struct* o = rows->add_values()->mutable_struct_value();
      const std::vector<std::string> cells = Cells(row);
      for (int i = 0; i < row.lengths_size() && i < r.fields_size(); ++i) {
        google::protobuf::Value& v = (*o->mutable_fields())[r.fields(i).name()];
        if (row.lengths(i) < 0) {
          v.set_null_value(google::protobuf::NULL_VALUE);
        } else {
          v.set_string_value(cells[static_cast<size_t>(i)]);
        }
      }
    }
    return out;
  }

  template <typename Msg>
  int PrintJson(const Msg& msg) {
    std::string json;
    google::protobuf::util::JsonPrintOptions o;
    o.add_whitespace = true;
    o.preserve_proto_field_names = true;
    google::protobuf::util::MessageToJsonString(msg, &json, o);
    out_ << json;
    return 0;
  }

  // Polls until every migration has ended or waits for a DBA (its launch
  // or completion postponed); 1 if any failed or was cancelled, 3 if the
  // server stayed unreachable for o_.patience.
  // Progress goes to stdout, or to stderr with --json, whose stdout is the
  // migrations' final state as one GetSchemaMigrationsResponse.
  // `answered`: the server answered this run's request before the wait.
  int Wait(const std::string& keyspace, const std::vector<std::string>& uuids,
           bool answered = true) {
    const bool json = args_.Has("json");
    std::ostream& progress = json ? err_ : out_;
    const bool tty = json ? o_.tty_err : o_.tty;
    std::map<std::string, ProgressLine> lines;
    std::map<std::string, std::string> last;
    std::vector<vtctldata::SchemaMigration> final_state;
    // Since when the server cannot be reached (a tablet restarting, a
    // controller failing over): polling goes on meanwhile.
    absl::optional<absl::Time> unreachable_since;
    while (true) {
      final_state.clear();
      bool settled = true;
      // A migration that failed or was cancelled on one shard is over for
      // the keyspace, though it waits postponed on the others.
      bool ended_on_a_shard = false;
      std::string tty_line;  // every migration's line, one terminal line
      grpc::Status unreachable;
      for (const std::string& u : uuids) {
        vtctldata::GetSchemaMigrationsRequest req;
        req.set_keyspace(keyspace);
        req.set_uuid(u);
        vtctldata::GetSchemaMigrationsResponse resp;
        grpc::Status s =
            stub_->GetSchemaMigrations(Context().get(), req, &resp);
        if (s.error_code() == grpc::StatusCode::UNAVAILABLE ||
            s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
          // Connected but answered so (a controller between leaders):
          // the server is there.
          answered |= channel_->GetState(false) == GRPC_CHANNEL_READY;
          unreachable = s;
          break;
        }
        if (!s.ok()) return Fail(s);
        answered = true;
        if (resp.migrations_size() == 0) {
          err_ << "sidecut: migration " << u << " not found\n";
          return 1;
        }
        // One row per shard when the server is a controller.
        const bool sharded = resp.migrations_size() > 1;
        for (const vtctldata::SchemaMigration& m : resp.migrations()) {
          final_state.push_back(m);
          settled &= IsTerminal(m) || !WaitsOnADba(m).empty();
          ended_on_a_shard |=
              sharded && (m.status() == vtctldata::SchemaMigration::FAILED ||
                          m.status() == vtctldata::SchemaMigration::CANCELLED);
          const std::string key = absl::StrCat(u, "/", m.shard());
          std::string line = lines[key].Render(m, absl::Now());
          if (sharded) line = absl::StrCat("[", m.shard(), "] ", line);
          if (tty) {
            absl::StrAppend(&tty_line, tty_line.empty() ? "" : " | ", line);
          } else if (line != last[key]) {
            progress << line << "\n" << std::flush;  // live through pipes too
          }
          last[key] = line;
        }
      }
      if (!unreachable.ok()) {
        const absl::Time now = absl::Now();
        const absl::Duration patience =
            answered ? o_.patience
                     : std::min(o_.patience, o_.first_contact_patience);
        if (!unreachable_since.has_value()) {
          unreachable_since = now;
          if (tty) progress << "\n";
          err_ << "sidecut: " << unreachable.error_message()
               << "; still watching (for up to "
               << absl::FormatDuration(patience) << ")\n"
               << std::flush;
        } else if (now - *unreachable_since >= patience && !answered) {
          err_ << "sidecut: no answer from the server for "
               << absl::FormatDuration(now - *unreachable_since) << " ("
               << unreachable.error_message() << "); is --server right?\n";
          return 3;
        } else if (now - *unreachable_since >= patience) {
          err_ << "sidecut: lost the server for "
               << absl::FormatDuration(now - *unreachable_since) << " ("
               << unreachable.error_message()
               << "); the migration(s) may still run: sidecut OnlineDDL show "
               << keyspace << " " << absl::StrJoin(uuids, " ") << "\n";
          return 3;
        }
        std::this_thread::sleep_for(absl::ToChronoMilliseconds(o_.poll));
        continue;
      }
      unreachable_since.reset();
      if (tty) progress << "\r" << FitWidth(tty_line) << "\033[K" << std::flush;
      if (settled || ended_on_a_shard) break;
      std::this_thread::sleep_for(absl::ToChronoMilliseconds(o_.poll));
    }
    if (tty) progress << "\n";
    int rc = 0;
    for (const vtctldata::SchemaMigration& m : final_state) {
      if (m.status() != vtctldata::SchemaMigration::COMPLETE &&
          (IsTerminal(m) || WaitsOnADba(m).empty())) {
        rc = 1;
      }
    }
    if (json) {
      vtctldata::GetSchemaMigrationsResponse all;
      for (const vtctldata::SchemaMigration& m : final_state) {
        *all.add_migrations() = m;
      }
      PrintJson(all);
      return rc;
    }
    for (const vtctldata::SchemaMigration& m : final_state) {
      out_ << m.uuid() << " ";
      if (!m.shard().empty()) out_ << "shard " << m.shard() << " ";
      out_ << StatusName(m);
      const std::string dba = WaitsOnADba(m);
      if (!dba.empty() && IsDeployment(keyspace, m.migration_context())) {
        // Its deployment's gate applies it: the member's own verbs are
        // refused.
        out_ << ": its deployment waits to be completed; run: sidecut "
                "Deployment complete "
             << keyspace << " " << m.migration_context();
      } else if (!dba.empty()) {
        out_ << ": its " << (dba == "launch" ? "launch" : "completion")
             << " is postponed; run: sidecut OnlineDDL " << dba << " "
             << keyspace << " " << m.uuid();
      } else if (!m.message().empty()) {
        out_ << ": " << m.message();
      }
      out_ << "\n";
    }
    return rc;
  }

  // `line` cut to the terminal's width (whole UTF-8 characters).
  std::string FitWidth(const std::string& line) const {
    if (o_.width <= 1 || line.size() < static_cast<size_t>(o_.width)) {
      return line;
    }
    size_t cut = static_cast<size_t>(o_.width) - 1;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    return line.substr(0, cut);
  }

  int OnlineDdl() {
    if (args_.positional.size() < 3 ||
        (args_.positional.size() < 4 &&
         absl::AsciiStrToLower(args_.positional[1]) != "show")) {
      return Usage("OnlineDDL <action> <keyspace> <uuid|all>");
    }
    const std::string action = absl::AsciiStrToLower(args_.positional[1]);
    const std::string keyspace = args_.positional[2];
    const std::string target =
        args_.positional.size() > 3 ? args_.positional[3] : "all";
    if (args_.positional.size() > 4) {
      return Usage(absl::StrCat("OnlineDDL ", action,
                                " takes one migration; extra argument(s): ",
                                absl::StrJoin(args_.positional.begin() + 4,
                                              args_.positional.end(), " ")));
    }
    const bool one = onlineddl::IsValidMigrationUuid(target);
    // --wait follows one migration to its end after a verb that moves it
    // on; elsewhere it would be ignored silently.
    if (args_.Has("wait") && action != "wait" &&
        !(one &&
          (action == "complete" || action == "retry" || action == "launch" ||
           action == "force-cutover" || action == "revert"))) {
      return Usage(
          "--wait follows one migration (a UUID) after complete, retry, "
          "launch, force-cutover or revert");
    }
    if ((args_.Has("ratio") || args_.Has("expire")) && action != "throttle") {
      return Usage("--ratio and --expire go with throttle");
    }
    if (action == "show") return Show(keyspace, target);
    if (action == "wait") {
      if (!one) {
        return Usage(
            absl::StrCat("wait takes a migration UUID, not '", target, "'"));
      }
      return Wait(keyspace, {target}, /*answered=*/false);
    }
    if (action == "revert") {
      if (!onlineddl::IsValidMigrationUuid(target)) {
        return Usage(
            absl::StrCat("revert takes a migration UUID, not '", target, "'"));
      }
      if (args_.Has("ddl-strategy") || args_.Has("uuid")) {
        // The command carries neither: they were dropped silently.
        return Usage(
            "OnlineDDL revert takes no --ddl-strategy or --uuid; send REVERT "
            "VITESS_MIGRATION '<uuid>' with ApplySchema --ddl-strategy=... "
            "[--uuid=...] for those");
      }
      MigrationCommandRequest req;
      req.set_keyspace(keyspace);
      req.set_sql(
          absl::StrCat("REVERT VITESS_MIGRATION ", mysql::QuoteString(target)));
      req.set_migration_context(args_.Get("migration-context"));
      MigrationCommandResponse resp;
      grpc::Status s =
          stub_->ExecuteMigrationCommand(Context().get(), req, &resp);
      if (!s.ok()) return Fail(s);
      std::vector<std::string> uuids(resp.uuids().begin(), resp.uuids().end());
      if (args_.Has("wait")) return Wait(keyspace, uuids);
      if (args_.Has("json")) return PrintJson(resp);
      for (const std::string& u : uuids) out_ << u << "\n";
      return 0;
    }
    if (action == "throttle" || action == "unthrottle") {
      ThrottleRequest req;
      req.set_keyspace(keyspace);
      req.set_uuid(target);
      req.set_ratio(ratio_);  // 0 (no --ratio): fully throttled
      if (expire_ > absl::ZeroDuration()) {
        absl::Duration nanos;
        req.mutable_expire()->set_seconds(
            absl::IDivDuration(expire_, absl::Seconds(1), &nanos));
        req.mutable_expire()->set_nanos(
            static_cast<int32_t>(absl::ToInt64Nanoseconds(nanos)));
      }
      ThrottleResponse resp;
      grpc::Status s =
          action == "throttle"
              ? stub_->ThrottleSchemaMigration(Context().get(), req, &resp)
              : stub_->UnthrottleSchemaMigration(Context().get(), req, &resp);
      return Affected(s, resp);
    }
    return Command(action, keyspace, target);
  }

  // Whether `context` names a deployment on the server (false if it cannot
  // tell).
  bool IsDeployment(const std::string& keyspace, const std::string& context) {
    if (context.empty() || absl::StrContains(context, "'") ||
        absl::StrContains(context, "\\")) {
      return false;
    }
    MigrationCommandRequest req;
    req.set_keyspace(keyspace);
    req.set_sql(absl::StrCat("SHOW DEPLOYMENT '", context, "'"));
    MigrationCommandResponse resp;
    return stub_->ExecuteMigrationCommand(Context().get(), req, &resp).ok() &&
           resp.result().rows_size() > 0;
  }

  // Deployment show|complete|cancel|revert <keyspace> <context> [--wait]:
  // runs the verb, then (with --wait) shows the deployment until it ends.
  int DeploymentCmd() {
    if (args_.positional.size() != 4) {
      return Usage(
          "Deployment show|complete|cancel|revert <keyspace> <context>");
    }
    std::string verb = absl::AsciiStrToLower(args_.positional[1]);
    const std::string first_verb = verb;
    std::string context = args_.positional[3];
    // DEPLOYMENT '<context>' takes the context as written, unescaped.
    if (absl::StrContains(context, "'") || absl::StrContains(context, "\\")) {
      return Usage(
          "Deployment: a context with a quote or a backslash cannot be named");
    }
    std::string shown;  // the status last shown while waiting
    while (true) {
      MigrationCommandRequest req;
      req.set_keyspace(args_.positional[2]);
      req.set_sql(absl::StrCat(verb, " DEPLOYMENT '", context, "'"));
      MigrationCommandResponse resp;
      grpc::Status s =
          stub_->ExecuteMigrationCommand(Context().get(), req, &resp);
      if (!s.ok()) return Fail(s);
      // Row 0 is the deployment itself: id = context, then status.
      std::string status;
      if (resp.result().rows_size() > 0) {
        std::vector<std::string> cells = Cells(resp.result().rows(0));
        if (cells.size() > 4) {
          context = cells[1];  // a revert shows the new deployment
          status = cells[4];
        }
      }
      const bool done =
          status == "complete" || status == "failed" || status == "cancelled";
      if (!args_.Has("wait") || done) {
        if (args_.Has("json")) {
          PrintJson(ResultJson(resp.result()));
        } else {
          PrintResult(resp.result());
        }
        if (status == "failed") return 1;
        // Waited for: the end the verb asked for (a cancel's is cancelled).
        if (args_.Has("wait")) {
          return status == (first_verb == "cancel" ? "cancelled" : "complete")
                     ? 0
                     : 1;
        }
        return 0;
      }
      // Each change once; with --json, stdout is the JSON alone.
      if (status != shown) {
        (args_.Has("json") ? err_ : out_)
            << "deployment " << context << " " << status << "\n"
            << std::flush;
        shown = status;
      }
      verb = "show";
      std::this_thread::sleep_for(absl::ToChronoMilliseconds(o_.poll));
    }
  }

  static std::vector<std::string> Cells(const query::Row& row) {
    std::vector<std::string> cells;
    size_t at = 0;
    for (int64_t len : row.lengths()) {
      if (len < 0) {
        cells.push_back("NULL");
        continue;
      }
      cells.push_back(row.values().substr(at, static_cast<size_t>(len)));
      at += static_cast<size_t>(len);
    }
    return cells;
  }

  // A verb's answer: how many migrations it changed per shard (with
  // --json, the response as JSON).
  template <typename Resp>
  int Affected(const grpc::Status& s, const Resp& resp) {
    if (!s.ok()) return Fail(s);
    if (args_.Has("json")) return PrintJson(resp);
    for (const auto& [shard, n] : resp.rows_affected_by_shard()) {
      out_ << "shard " << shard << ": " << n << " migration(s) affected\n";
    }
    return 0;
  }

  int Command(const std::string& action, const std::string& keyspace,
              const std::string& uuid) {
#define SIDECUT_CLI_COMMAND(name, rpc)                                         \
  if (action == name) {                                                        \
    vtctldata::rpc##SchemaMigrationRequest req;                                \
    req.set_keyspace(keyspace);                                                \
    req.set_uuid(uuid);                                                        \
    vtctldata::rpc##SchemaMigrationResponse resp;                              \
    grpc::Status s = stub_->rpc##SchemaMigration(Context().get(), req, &resp); \
    if (s.ok() && args_.Has("wait")) return Wait(keyspace, {uuid});            \
    return Affected(s, resp);                                                  \
  }
    SIDECUT_CLI_COMMAND("complete", Complete)
    SIDECUT_CLI_COMMAND("cancel", Cancel)
    SIDECUT_CLI_COMMAND("retry", Retry)
    SIDECUT_CLI_COMMAND("launch", Launch)
    SIDECUT_CLI_COMMAND("cleanup", Cleanup)
    SIDECUT_CLI_COMMAND("force-cutover", ForceCutOver)
#undef SIDECUT_CLI_COMMAND
    return Usage(absl::StrCat("unknown OnlineDDL action ", action));
  }

  int Show(const std::string& keyspace, const std::string& target) {
    vtctldata::GetSchemaMigrationsRequest req;
    req.set_keyspace(keyspace);
    vtctldata::SchemaMigration::Status st;
    if (target == "recent") {
      req.mutable_recent()->set_seconds(7 * 24 * 3600);
    } else if (vtctldata::SchemaMigration::Status_Parse(
                   absl::AsciiStrToUpper(target), &st)) {
      req.set_status(st);
    } else if (onlineddl::IsValidMigrationUuid(target)) {
      req.set_uuid(target);
    } else if (target != "all") {
      req.set_migration_context(target);  // as vtctldclient does
    }
    if (descending_) req.set_order(vtctldata::DESCENDING);
    req.set_limit(limit_);  // 0: no limit
    vtctldata::GetSchemaMigrationsResponse resp;
    grpc::Status s = stub_->GetSchemaMigrations(Context().get(), req, &resp);
    if (!s.ok()) return Fail(s);
    if (args_.Has("json")) return PrintJson(resp);
    PrintTable({resp.migrations().begin(), resp.migrations().end()}, out_);
    return 0;
  }

  std::ostream& out_;
  std::ostream& err_;
  CliOptions o_;
  Args args_;
  // --limit, --ratio, --expire and --order, checked once in Run.
  uint64_t limit_ = 0;
  double ratio_ = 0;
  absl::Duration expire_;  // --expire; 0: until unthrottled
  bool descending_ = false;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stub> stub_;
};

}  // namespace

int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err, const CliOptions& options) {
  // The command: the first argument neither a flag nor a flag's value
  // ("--server h:p schemadiff").
  auto cmd = args.begin();
  while (cmd != args.end() && absl::StartsWith(*cmd, "-")) {
    if (TakesNextArg(*cmd) && cmd + 1 != args.end()) ++cmd;
    ++cmd;
  }
  if (cmd != args.end() && absl::AsciiStrToLower(*cmd) == "schemadiff") {
    // Offline (files, directories) or against a live server; no sidecutd.
    std::vector<std::string> rest;
    for (auto it = args.begin(); it != args.end(); ++it) {
      if (it == cmd || absl::StartsWith(*it, "--server=")) continue;
      if (*it == "--server") {
        if (it + 1 != args.end() && it + 1 != cmd) ++it;  // its value too
        continue;
      }
      rest.push_back(*it);
    }
    return schemadiff::RunSchemadiffCli(rest, out, err, LoadLiveSchema);
  }
  Cli cli(out, err, options);
  return cli.Run(args);
}

}  // namespace cli
}  // namespace sidecut
