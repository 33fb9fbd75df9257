"""Pulumi language host for Python programs (the `pulumi-language-python` plugin).

Why this exists: Pulumi's own host is a Go program in the module
`github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3`, which the Go module proxy
this project can reach does not serve at any version (see tools/engine/README.md). This host speaks
the same `pulumirpc.LanguageRuntime` gRPC protocol, using the stubs generated inside the pinned
`pulumi` wheel, and behaves like the Go host: it runs programs through the official
`pulumi-language-python-exec` script that sits next to it, so the program side is Pulumi's own.

Protocol with the engine: the engine starts this file with optional flags and the engine's
gRPC address as the last argument; we print the port we serve on as the first stdout line.
Everything the program writes to stdout/stderr goes to our stdout/stderr, which the engine
shows as program output. RPCs we do not implement answer UNIMPLEMENTED (the engine has
fallbacks for the optional ones); we never pretend.

Layout (tests mirror it under tests/tools/engine/language_host/):

- `cli`: start-up: the engine's command line, the gRPC server, the port on stdout, shutdown
- `servicer`: the `LanguageRuntime` RPCs; `rpc`: gRPC limits and error mapping
- `options`: runtime options of Pulumi.yaml and the program's Python (virtualenv)
- `packages`: the resource plugins the program's packages declare (GetRequiredPackages)
- `install`: virtualenv creation and pip (InstallDependencies)
- `processes`: child processes: tracked, streamed, stopped at shutdown
- `watchdog`: the host's lifetime: it exits when the engine is gone
- `errors`, `log`: HostError, diagnostics on request

The executable is `tools/engine/pulumi-language-python`, a thin script that puts the directory holding
this package on sys.path. tools/scripts/install-engine.sh copies both into the engine's bin dir and
rewrites the script's first line to the interpreter of a dedicated virtualenv that holds the
pinned `pulumi` package (for grpc and the generated stubs), so this host does not depend on the
program's virtualenv. Modules import each other relatively: the package is `tools.engine.language_host`
in the repository (tests) and `language_host` in the bin dir.
"""
