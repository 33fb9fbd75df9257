"""The ``pulumirpc.LanguageRuntime`` service: what the engine asks of a Python language host."""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import tomllib
from typing import TYPE_CHECKING, Optional

import grpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, language_pb2, language_pb2_grpc, plugin_pb2

from . import run_program
from .errors import HostError
from .install import install_dependencies
from .log import debug
from .options import PythonOptions, is_virtualenv, run_python, struct_to_dict
from .packages import normalize_package_name, required_packages
from .processes import Children, stop_process, stream_process
from .rpc import GRPC_OPTIONS, rpc, rpc_stream, unimplemented

if TYPE_CHECKING:  # pragma: no cover
    from .watchdog import EngineWatchdog

# Exit code with which the exec script says "I already showed the user an actionable error".
EXIT_AFTER_USER_ACTIONABLE_MESSAGE = 32
# The program process's script (run by the program's Python, so a file, not an import).
RUN_PROGRAM = os.path.abspath(run_program.__file__)


class PythonLanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    def __init__(self, executor: str, engine_address: str, tracing: str, version: str, watchdog: "EngineWatchdog"):
        self.executor = executor
        self.engine_address = engine_address
        self.tracing = tracing
        self.version = version
        self.watchdog = watchdog

    # Engine connection ------------------------------------------------------------------

    def _engine_log(self, severity: int):
        """A writer that sends text to the engine as ephemeral log lines (shown during installs)."""
        if not self.engine_address:
            return lambda b: sys.stderr.buffer.write(b)
        channel = grpc.insecure_channel(self.engine_address, options=GRPC_OPTIONS)
        engine = engine_pb2_grpc.EngineStub(channel)
        stream_id = int.from_bytes(os.urandom(3), "big")

        def write(data: bytes) -> None:
            engine.Log(
                engine_pb2.LogRequest(
                    severity=severity,
                    message=data.decode(errors="replace"),
                    urn="",
                    streamId=stream_id,
                    ephemeral=True,
                )
            )

        return write

    # RPCs ---------------------------------------------------------------------------------

    @rpc
    def Handshake(self, request, context):
        self.engine_address = request.engine_address
        self.watchdog.watch_engine(self.engine_address)
        return language_pb2.LanguageHandshakeResponse()

    @rpc
    def GetPluginInfo(self, request, context):
        return plugin_pb2.PluginInfo(version=self.version)

    GetRequiredPlugins = unimplemented("GetRequiredPlugins")  # superseded by GetRequiredPackages

    @rpc
    def GetRequiredPackages(self, request, context):
        opts = PythonOptions(request.info)
        self._ensure_venv(opts, request.info.program_directory)
        return language_pb2.GetRequiredPackagesResponse(packages=required_packages(opts))

    def _ensure_venv(self, opts: PythonOptions, cwd: str) -> None:
        # Like the Go host: a configured but missing/empty virtualenv is created and filled
        # from requirements.txt; a non-empty directory that is no venv is left for Run to report.
        venv = opts.virtualenv_path
        if not venv or is_virtualenv(venv):
            return
        if os.path.exists(venv) and not os.path.isdir(venv):
            raise HostError(f"the 'virtualenv' option in Pulumi.yaml is set to {venv!r} but it is not a directory")
        if not os.path.exists(venv) or not os.listdir(venv):
            install_dependencies(opts, cwd, self._engine_log(engine_pb2.INFO), self._engine_log(engine_pb2.ERROR))

    @rpc
    def Run(self, request, context):
        if not self.engine_address:
            raise HostError("when debugging or running explicitly, must call Handshake before Run")
        opts = PythonOptions(request.info)
        if request.attach_debugger:
            return language_pb2.RunResponse(error="attaching a debugger is not supported by this Python language host")
        opts.validate_venv()
        env = opts.environ()
        # The exec script and pulumi.runtime read config from these two variables.
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        if opts.typechecker:
            self._typecheck(opts, env)
        # Through run_program.py: the engine's shutdown interrupts end the program without a traceback.
        command = [opts.python(), RUN_PROGRAM, self.executor] + self._exec_arguments(request)
        debug(5, f"launching {' '.join(command)}")
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            code = Children.wait(Children.popen(command, env=env))
        except OSError as e:
            return language_pb2.RunResponse(error=f"problem executing program (could not run language executor): {e}")
        if code == 0:
            return language_pb2.RunResponse()
        if code == EXIT_AFTER_USER_ACTIONABLE_MESSAGE:
            return language_pb2.RunResponse(bail=True)
        if code == run_program.EXIT_INTERRUPTED:  # stopped while the engine shuts down: the engine reports why
            return language_pb2.RunResponse(error="program interrupted (the engine is shutting down)")
        if code < 0:
            return language_pb2.RunResponse(error=f"program exited unexpectedly: signal {signal.Signals(-code).name}")
        return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {code}")

    def _exec_arguments(self, request) -> list[str]:
        args: list[str] = []

        def add(flag: str, value: str) -> None:
            if value != "":
                args.extend([f"--{flag}", value])

        add("monitor", request.monitor_address)
        add("engine", self.engine_address)
        add("project", request.project)
        add("root_directory", request.info.root_directory)
        add("stack", request.stack)
        add("pwd", request.pwd)
        add("dry_run", "true" if request.dryRun else "false")
        add("parallel", str(request.parallel))
        add("tracing", self.tracing)
        add("organization", request.organization)
        # The engine always names an entry point, "." meaning the program directory's __main__.py.
        args.append(request.info.entry_point or request.program or ".")
        args.extend(request.args)
        return args

    def _typecheck(self, opts: PythonOptions, env: dict) -> None:
        checker = opts.typechecker
        args = ["-m", checker]
        if checker == "mypy" and opts.virtualenv_path:
            args += ["--exclude", os.path.relpath(opts.virtualenv_path, opts.program_dir)]
        args.append(opts.program_dir)
        done = subprocess.run([opts.python()] + args, cwd=opts.program_dir, env=env)
        if done.returncode != 0:
            raise HostError(f"{checker} failed: exit status {done.returncode}")

    @rpc_stream
    def InstallDependencies(self, request, context):
        opts = PythonOptions(request.info)
        if request.use_language_version_tools:
            raise HostError("installing Python itself (pyenv) is not supported by this language host")
        if request.is_plugin and not opts.virtualenv:
            # Plugins never run in the ambient Python (Go host: default "venv").
            opts.virtualenv = "venv"
        messages: "queue.Queue" = queue.Queue()
        failure: list = []

        def work():
            try:
                messages.put(language_pb2.InstallDependenciesResponse(stdout=b"Installing dependencies...\n\n"))
                install_dependencies(
                    opts,
                    request.info.program_directory or request.directory,
                    lambda b: messages.put(language_pb2.InstallDependenciesResponse(stdout=b)),
                    lambda b: messages.put(language_pb2.InstallDependenciesResponse(stderr=b)),
                )
                messages.put(language_pb2.InstallDependenciesResponse(stdout=b"Finished installing dependencies\n\n"))
            except Exception as e:  # noqa: BLE001 - reported below as the stream's error
                failure.append(e)
            finally:
                messages.put(None)

        threading.Thread(target=work, daemon=True).start()
        while (message := messages.get()) is not None:
            yield message
        if failure:
            raise failure[0]

    @rpc
    def RuntimeOptionsPrompts(self, request, context):
        options = struct_to_dict(request.info.options) if request.info.HasField("options") else {}
        prompts = []
        if "toolchain" not in options:
            prompts.append(_one_choice_prompt(
                "toolchain", "The toolchain to use for installing dependencies and running the program",
                stringValue="pip", displayName="pip"))
        elif options.get("toolchain") == "pip" and "virtualenv" not in options:
            prompts.append(_one_choice_prompt("virtualenv", "The virtualenv to use", stringValue="venv"))
        return language_pb2.RuntimeOptionsResponse(prompts=prompts)

    @rpc
    def About(self, request, context):
        opts = PythonOptions(request.info) if request.HasField("info") else PythonOptions(language_pb2.ProgramInfo())
        out = run_python(opts, ["-c", "import sys, platform; print(sys.executable); print(platform.python_version())"])
        executable, version = out.strip().splitlines()[-2:]
        return language_pb2.AboutResponse(executable=executable, version=version)

    @rpc
    def GetProgramDependencies(self, request, context):
        opts = PythonOptions(request.info)
        args = ["-m", "pip", "list", "--format", "json"]
        if not request.transitiveDependencies:
            args.append("--not-required")
        listed = json.JSONDecoder().raw_decode(run_python(opts, args).lstrip())[0]
        return language_pb2.GetProgramDependenciesResponse(
            dependencies=[
                language_pb2.DependencyInfo(name=normalize_package_name(p["name"]), version=p["version"])
                for p in listed
            ]
        )

    @rpc_stream
    def RunPlugin(self, request, context):
        """Run a plugin written in Python (policy packs, Python component providers).

        As the Go host: a directory with __main__.py runs as `python <dir> args...`; otherwise a
        buildable package runs as `python -m pulumi.run.plugin <project name> args...`.
        """
        opts = PythonOptions(request.info)
        if not opts.virtualenv:
            opts.virtualenv = "venv"  # plugins never run in the ambient Python
        root = opts.root
        if os.path.exists(os.path.join(root, "__main__.py")):
            command = [opts.python(), request.info.program_directory] + list(request.args)
        else:
            project_name = _buildable_project_name(root)
            if project_name is None:
                raise HostError("plugin is not runnable, it provides neither __main__.py nor a buildable pyproject.toml")
            command = [opts.python(), "-m", "pulumi.run.plugin", project_name] + list(request.args)
        env = opts.environ()
        for entry in request.env:
            key, _, value = entry.partition("=")
            env[key] = value
        debug(5, f"RunPlugin: {' '.join(command)} in {request.pwd}")
        try:
            proc = Children.popen(
                command, cwd=request.pwd or None, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        except OSError as e:
            raise HostError(f"problem executing plugin program (could not run language executor): {e}") from e
        # When the engine is done with the plugin it cancels this call: stop the process then.
        context.add_callback(lambda: stop_process(proc))
        yield from stream_process(proc, language_pb2.RunPluginResponse)
        code = Children.wait(proc)
        if code != 0:
            # A signal death is -1, as Go's WaitStatus.ExitStatus() reports it.
            yield language_pb2.RunPluginResponse(exitcode=code if code > 0 else -1)



# Code generation, packing and linking need Pulumi's Go codegen, which we do not have; `Template`
# only matters to `pulumi new`; `Cancel` is optional for language hosts (the Go host lacks it too).
for _name in ("Template", "GenerateProgram", "GenerateProject", "GeneratePackage", "Pack", "Link", "Cancel"):
    setattr(PythonLanguageHost, _name, unimplemented(_name))
del _name


def _one_choice_prompt(key: str, description: str, **choice) -> "language_pb2.RuntimeOptionPrompt":
    """A string prompt for option `key` whose one choice (`choice`: the RuntimeOptionValue's fields) is its default."""
    value = language_pb2.RuntimeOptionPrompt.RuntimeOptionValue(promptType=language_pb2.RuntimeOptionPrompt.STRING,
                                                                **choice)
    return language_pb2.RuntimeOptionPrompt(key=key, description=description,
                                            promptType=language_pb2.RuntimeOptionPrompt.STRING,
                                            choices=[value], default=value)


def _buildable_project_name(root: str) -> Optional[str]:
    try:
        with open(os.path.join(root, "pyproject.toml"), "rb") as f:
            pyproject = tomllib.load(f)
    except FileNotFoundError:
        return None
    project = pyproject.get("project") or {}
    build = pyproject.get("build-system") or {}
    if project.get("name") and build.get("build-backend"):
        return project["name"]
    return None
