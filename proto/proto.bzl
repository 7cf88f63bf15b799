"""sidecut_proto_library: compiles .proto files with Debian's protoc (offline).

Runs the system protoc (and grpc_cpp_plugin for services) in a genrule and
wraps the generated code in a cc_library. Protos import each other by their
workspace path ("proto/query.proto"); generated headers are included the same
way ("proto/query.pb.h").
"""

def sidecut_proto_library(name, srcs, deps = [], grpc = False):
    """Defines <name> (cc_library) and <name>_srcs (filegroup of the .proto).

    Args:
      name: the cc_library's name.
      srcs: .proto files in this package.
      deps: other sidecut_proto_library targets imported by srcs.
      grpc: also generate gRPC service code.
    """
    hdrs = [s[:-len(".proto")] + ".pb.h" for s in srcs]
    ccs = [s[:-len(".proto")] + ".pb.cc" for s in srcs]
    if grpc:
        hdrs += [s[:-len(".proto")] + ".grpc.pb.h" for s in srcs]
        ccs += [s[:-len(".proto")] + ".grpc.pb.cc" for s in srcs]
    native.filegroup(name = name + "_srcs", srcs = srcs + [d + "_srcs" for d in deps])
    grpc_flags = ""
    if grpc:
        grpc_flags = "--grpc_out=$(GENDIR) --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin "
    native.genrule(
        name = name + "_gen",
        srcs = srcs + [name + "_srcs"],
        outs = hdrs + ccs,
        cmd = ("/usr/bin/protoc -I. -I/usr/include --cpp_out=$(GENDIR) " +
               grpc_flags + " ".join(["$(location %s)" % s for s in srcs])),
    )
    native.cc_library(
        name = name,
        srcs = ccs,
        hdrs = hdrs,
        copts = ["-Wno-unused-parameter"],
        deps = deps + ["//third_party:protobuf"] + (["//third_party:grpc"] if grpc else []),
    )
