"""Pulumi language host for Python programs (the `pulumi-language-python` plugin).

Ours because the Go module proxy serves Pulumi's Go host at no version; this one speaks the same
`pulumirpc.LanguageRuntime` protocol with the stubs of the pinned `pulumi` wheel and runs programs through
Pulumi's own `pulumi-language-python-exec`. RPCs we do not implement answer UNIMPLEMENTED; we never pretend.
The protocol, the modules (one concern each) and the executable: tools/engine/README.md, "Why the Python
language host is ours". Modules import each other relatively: the package is `tools.engine.language_host` in the
repository (tests) and `language_host` in the engine's bin dir, run by a dedicated virtualenv.
"""
