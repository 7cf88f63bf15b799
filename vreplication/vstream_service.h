// VStreamService: the gRPC side of change-data capture (Vitess's
// queryservice.Query VStream and VStreamRows) for one database of the
// tablet's mysqld. Status conversion to gRPC happens here only.
#ifndef SIDECUT_VREPLICATION_VSTREAM_SERVICE_H_
#define SIDECUT_VREPLICATION_VSTREAM_SERVICE_H_

#include <string>

#include "mysql/connection.h"
#include "proto/queryservice.grpc.pb.h"
#include "util/clock.h"

namespace sidecut {
namespace vreplication {

class VStreamService final : public queryservice::Query::Service {
 public:
  VStreamService(mysql::ConnectParams params, std::string db, Clock* clock)
      : params_(std::move(params)), db_(std::move(db)), clock_(clock) {}

  grpc::Status VStream(
      grpc::ServerContext* context, const binlogdata::VStreamRequest* request,
      grpc::ServerWriter<binlogdata::VStreamResponse>* writer) override;

  grpc::Status VStreamRows(
      grpc::ServerContext* context,
      const binlogdata::VStreamRowsRequest* request,
      grpc::ServerWriter<binlogdata::VStreamRowsResponse>* writer) override;

 private:
  mysql::ConnectParams params_;
  std::string db_;
  Clock* clock_;
};

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_VSTREAM_SERVICE_H_
