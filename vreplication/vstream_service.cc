#include "vreplication/vstream_service.h"

#include "util/grpc_status.h"
#include "vreplication/row_streamer.h"
#include "vreplication/vstreamer.h"

namespace sidecut {
namespace vreplication {

grpc::Status VStreamService::VStream(
    grpc::ServerContext* context, const binlogdata::VStreamRequest* request,
    grpc::ServerWriter<binlogdata::VStreamResponse>* writer) {
  auto streamer = VStreamer::Create(
      params_, db_, request->filter(),
      request->position().empty() ? "current" : request->position(), clock_);
  if (!streamer.ok()) return ToGrpc(streamer.status());
  while (!context->IsCancelled()) {
    absl::StatusOr<std::vector<binlogdata::VEvent>> events =
        (*streamer)->Next();
    if (!events.ok()) return ToGrpc(events.status());
    binlogdata::VStreamResponse resp;
    for (auto& e : *events) *resp.add_events() = std::move(e);
    if (!writer->Write(resp)) break;  // client went away
  }
  return grpc::Status::OK;
}

grpc::Status VStreamService::VStreamRows(
    grpc::ServerContext* context, const binlogdata::VStreamRowsRequest* request,
    grpc::ServerWriter<binlogdata::VStreamRowsResponse>* writer) {
  absl::Status s =
      StreamRows(params_, db_, *request, 1000,
                 [&](const binlogdata::VStreamRowsResponse& r) -> absl::Status {
                   if (context->IsCancelled() || !writer->Write(r)) {
                     return absl::CancelledError("client cancelled");
                   }
                   return absl::OkStatus();
                 });
  return ToGrpc(s);
}

}  // namespace vreplication
}  // namespace sidecut
