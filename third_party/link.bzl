"""Link flags shared by third_party/BUILD.bazel and standalone binaries."""

# Abseil 20220623 (libabsl-dev), dependents before their dependencies.
ABSL_LIBS = [
    "absl_status",
    "absl_statusor",
    "absl_cord",
    "absl_cordz_info",
    "absl_cord_internal",
    "absl_cordz_functions",
    "absl_cordz_handle",
    "absl_exponential_biased",
    "absl_str_format_internal",
    "absl_synchronization",
    "absl_graphcycles_internal",
    "absl_stacktrace",
    "absl_symbolize",
    "absl_debugging_internal",
    "absl_demangle_internal",
    "absl_malloc_internal",
    "absl_time",
    "absl_civil_time",
    "absl_time_zone",
    "absl_strings",
    "absl_strings_internal",
    "absl_flags_parse",
    "absl_flags_usage",
    "absl_flags_usage_internal",
    "absl_flags_internal",
    "absl_flags_marshalling",
    "absl_flags_reflection",
    "absl_flags_config",
    "absl_flags_program_name",
    "absl_flags_private_handle_accessor",
    "absl_flags_commandlineflag",
    "absl_flags_commandlineflag_internal",
    "absl_random_distributions",
    "absl_random_seed_sequences",
    "absl_random_internal_pool_urbg",
    "absl_random_internal_randen",
    "absl_random_internal_randen_hwaes",
    "absl_random_internal_randen_hwaes_impl",
    "absl_random_internal_randen_slow",
    "absl_random_internal_platform",
    "absl_random_internal_seed_material",
    "absl_random_seed_gen_exception",
    "absl_raw_hash_set",
    "absl_hashtablez_sampler",
    "absl_hash",
    "absl_city",
    "absl_low_level_hash",
    "absl_bad_optional_access",
    "absl_bad_variant_access",
    "absl_strerror",
    "absl_int128",
    "absl_base",
    "absl_spinlock_wait",
    "absl_throw_delegate",
    "absl_raw_logging_internal",
    "absl_log_severity",
]

# Linkopts for a binary that links neither gRPC nor protobuf (whose Debian
# builds link Abseil's shared libraries): Abseil and the MariaDB connector
# (with OpenSSL and zlib) and the C++ runtime
# are linked from Debian's static archives, symbols bind lazily, and only the
# shared libraries actually used are recorded. A command-line tool such as
# sidecut_schemadiff then starts in a few milliseconds instead of mapping and
# binding 60 shared libraries. A binary's own linkopts precede those of its
# dependencies, so the archives resolve every Abseil symbol before the
# dependencies' -labsl_* flags are seen (and, being unneeded, dropped).
STANDALONE_LINKOPTS = [
    # A position-dependent executable has no relative relocations for the
    # dynamic loader to apply (tens of thousands here, each page touched
    # copied): a third of the start-up time of a static-heavy binary.
    "-no-pie",
    "-Wl,-z,lazy",
    "-Wl,--as-needed",
    "-Wl,-Bstatic",
    "-Wl,--start-group",
    "-lmariadb",
    "-lssl",
    "-lcrypto",
    "-lz",
] + ["-l" + lib for lib in ABSL_LIBS] + [
    "-lstdc++",
    "-Wl,--end-group",
    "-Wl,-Bdynamic",
    "-static-libgcc",
]
