"""tools/engine/language_host/servicer.py over real gRPC: the RPCs the engine calls, and the program's command line."""

import sys
import threading
from concurrent import futures

import grpc
import pytest
from pulumi.runtime.proto import language_pb2, language_pb2_grpc
from google.protobuf import empty_pb2

from tools.engine.language_host.servicer import PythonLanguageHost, _buildable_project_name
from tools.engine.language_host.watchdog import EngineWatchdog
from tests.tools.engine.language_host.test_language_host_options import info


@pytest.fixture
def host():
    stop = threading.Event()
    servicer = PythonLanguageHost("/bin/exec-script", "", "", "3.272.0", EngineWatchdog(stop))
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield language_pb2_grpc.LanguageRuntimeStub(channel), servicer
    finally:
        stop.set()
        channel.close()
        server.stop(grace=None)


def test_plugin_info_and_handshake(host):
    stub, servicer = host
    assert stub.GetPluginInfo(empty_pb2.Empty()).version == "3.272.0"
    stub.Handshake(language_pb2.LanguageHandshakeRequest(engine_address="127.0.0.1:9"))
    assert servicer.engine_address == "127.0.0.1:9"


def test_run_before_handshake_is_an_rpc_error(host):
    stub, _ = host
    with pytest.raises(grpc.RpcError) as failure:
        stub.Run(language_pb2.RunRequest(info=info()))
    assert failure.value.code() == grpc.StatusCode.UNKNOWN
    assert "must call Handshake before Run" in failure.value.details()


@pytest.mark.parametrize("method, request_type", [
    ("GetRequiredPlugins", language_pb2.GetRequiredPluginsRequest), ("Pack", language_pb2.PackRequest),
    ("GenerateProgram", language_pb2.GenerateProgramRequest), ("Cancel", empty_pb2.Empty),
])
def test_what_needs_pulumis_go_codegen_answers_unimplemented(host, method, request_type):
    stub, _ = host
    with pytest.raises(grpc.RpcError) as failure:
        getattr(stub, method)(request_type())
    assert failure.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_runtime_option_prompts_offer_pip_then_a_virtualenv(host):
    stub, _ = host
    first = stub.RuntimeOptionsPrompts(language_pb2.RuntimeOptionsRequest(info=info()))
    assert [(p.key, p.default.stringValue) for p in first.prompts] == [("toolchain", "pip")]
    second = stub.RuntimeOptionsPrompts(language_pb2.RuntimeOptionsRequest(info=info(toolchain="pip")))
    assert [(p.key, p.default.stringValue) for p in second.prompts] == [("virtualenv", "venv")]


def test_about_and_dependencies_come_from_the_programs_python(host):
    stub, _ = host
    about = stub.About(language_pb2.AboutRequest(info=info(virtualenv=sys.prefix)))
    assert about.version == "%d.%d.%d" % sys.version_info[:3]
    listed = stub.GetProgramDependencies(language_pb2.GetProgramDependenciesRequest(
        info=info(virtualenv=sys.prefix), transitiveDependencies=True))
    assert "pulumi" in {d.name for d in listed.dependencies}


def test_program_command_line_matches_the_exec_scripts_flags():
    servicer = PythonLanguageHost("/bin/exec", "127.0.0.1:7", "trace.json", "3.272.0", watchdog=None)
    request = language_pb2.RunRequest(monitor_address="127.0.0.1:8", project="p", stack="s", pwd="/w",
                                      dryRun=True, parallel=4, organization="org", args=["a"],
                                      info=language_pb2.ProgramInfo(root_directory="/r", entry_point="."))
    assert servicer._exec_arguments(request) == [
        "--monitor", "127.0.0.1:8", "--engine", "127.0.0.1:7", "--project", "p", "--root_directory", "/r",
        "--stack", "s", "--pwd", "/w", "--dry_run", "true", "--parallel", "4", "--tracing", "trace.json",
        "--organization", "org", ".", "a"]


def test_buildable_plugin_projects(tmp_path):
    assert _buildable_project_name(str(tmp_path)) is None
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "pol"\n')
    assert _buildable_project_name(str(tmp_path)) is None
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "pol"\n[build-system]\nbuild-backend = "x"\n')
    assert _buildable_project_name(str(tmp_path)) == "pol"
