"""The mock harness records what a program really registers, and emulates the CLI's config handoff."""
import textwrap

import pytest

from tests.mock_harness import Secret, read_stack_config, run_program, secret_placeholder

PROJECT_YAML = """\
name: demo
runtime: python
config:
  size:
    type: integer
    default: 2
  label:
    type: string
  settings:
    type: object
    default: {}
"""

PROGRAM = '''
import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class Provider(ResourceProvider):
    def create(self, props):
        return CreateResult("x", props)


class Thing(Resource, module="demo", name="Thing"):
    def __init__(self, name, props, opts=None):
        super().__init__(Provider(), name, props, opts)


class Group(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("demo:index:Group", name, None, opts)
        cfg = pulumi.Config()
        self.db = Thing(f"{name}-db", {"size": cfg.get_int("size"), "password": cfg.require_secret("password")},
                        pulumi.ResourceOptions(parent=self, protect=True, additional_secret_outputs=["url"],
                                               ignore_changes=["size"]))
        self.app = Thing(f"{name}-app", {"nested": {"token": pulumi.Output.secret("t"), "plain": 1}},
                         pulumi.ResourceOptions(parent=self, depends_on=[self.db], retain_on_delete=True))
        self.register_outputs({})


group = Group("main")
if pulumi.Config().get("fail"):
    raise ValueError("boom")
pulumi.export("label", pulumi.Config().require("label"))
pulumi.export("settings", pulumi.Config().get_object("settings"))
pulumi.export("password", pulumi.Config().require_secret("password"))
'''


@pytest.fixture
def project(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text(PROJECT_YAML)
    (tmp_path / "__main__.py").write_text(PROGRAM)
    (tmp_path / "Pulumi.dev.yaml").write_text(textwrap.dedent("""\
        config:
          demo:label: hello
          demo:settings:
            enabled: true
            limits: [1, 2]
          demo:password:
            secure: v1:abc:def
          other:region: eu
        """))
    return tmp_path


def test_config_is_merged_with_defaults_and_stringified_like_the_cli(project):
    config = read_stack_config("dev", root=project)
    assert config.project == "demo"
    assert config.values["demo:size"] == "2"  # Pulumi.yaml default
    assert config.values["demo:settings"] == '{"enabled": true, "limits": [1, 2]}'
    assert config.values["other:region"] == "eu"
    assert config.values["demo:password"] == secret_placeholder("demo:password", "v1:abc:def")
    assert config.secret_keys == {"demo:password"}


def test_remove_and_overrides(project):
    config = read_stack_config("dev", root=project, remove=["demo:label"],
                               overrides={"demo:size": 5, "demo:password": "plain", "demo:token": Secret("s")})
    assert "demo:label" not in config.values
    assert config.values["demo:size"] == "5"
    assert config.secret_keys == {"demo:token"}  # an override replaces the stored secrecy too


def test_records_types_names_parents_options_and_secrets(project):
    run = run_program("dev", root=project)
    assert run.error is None
    group = run.one("demo:index:Group", "main")
    db = run.one("pulumi-python:dynamic/demo:Thing", "main-db")
    app = run.one("pulumi-python:dynamic/demo:Thing", "main-app")
    assert group.parent == run.stack_urn and not group.custom
    assert db.parent == group.urn and app.parent == group.urn
    assert {r.name for r in run.children_of(group)} == {"main-db", "main-app"}
    assert db.urn == "urn:pulumi:dev::demo::demo:index:Group$pulumi-python:dynamic/demo:Thing::main-db"
    assert db.protect is True and app.protect in (None, False)
    assert app.retain_on_delete is True
    assert db.additional_secret_outputs == ("url",)
    assert db.ignore_changes == ("size",)
    assert app.depends_on == (db.urn,)
    assert db.inputs["size"] == 2
    assert db.is_secret("password") and not db.is_secret("size")
    assert app.inputs["nested"] == {"token": "t", "plain": 1}
    # The SDK sends a value holding a secret Output as one secret; the harness records what was sent.
    assert "nested" in app.secret_paths and app.is_secret("nested.token")
    assert "__provider" in db.inputs  # the pickled provider: building under mocks proves it pickles


def test_records_stack_outputs_and_their_secrecy(project):
    run = run_program("dev", root=project)
    assert run.outputs["label"] == "hello"
    assert run.outputs["settings"] == {"enabled": True, "limits": [1, 2]}
    assert run.outputs["password"] == secret_placeholder("demo:password", "v1:abc:def")
    assert run.secret_outputs == {"password"}


def test_a_failing_program_is_reported_and_raised_unless_allowed(project):
    run = run_program("dev", root=project, overrides={"demo:fail": "yes"}, allow_error=True)
    assert isinstance(run.error, ValueError) and str(run.error) == "boom"
    assert run.outputs == {}
    with pytest.raises(ValueError, match="boom"):
        run_program("dev", root=project, overrides={"demo:fail": "yes"})


def test_runs_are_isolated(project):
    first = run_program("dev", root=project)
    second = run_program("dev", root=project, overrides={"demo:label": "again"})
    assert first.urns == second.urns and len(second.resources) == 3
    assert second.outputs["label"] == "again"


def test_preview_leaves_unknowns_unknown(project):
    run = run_program("dev", root=project, preview=True)
    assert run.one("demo:index:Group", "main").parent == run.stack_urn


def test_resource_outputs_hook_and_stack_references(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(textwrap.dedent('''
        import pulumi
        ref = pulumi.StackReference("acme/procurement/staging")
        pulumi.export("digest", ref.get_output("backend_image_digest"))
        res = pulumi.CustomResource("demo:index:Svc", "svc", {"name": "x", "url": None})
        pulumi.export("url", res.url)
    '''))
    run = run_program("dev", root=tmp_path,
                      stack_references={"acme/procurement/staging": {"backend_image_digest": "ghcr.io/a/b@sha256:1"}},
                      resource_outputs=lambda args: {"url": f"https://{args.name}.onrender.com"})
    assert run.outputs["digest"] == "ghcr.io/a/b@sha256:1"
    assert run.outputs["url"] == "https://svc.onrender.com"
    ref = run.one("pulumi:pulumi:StackReference")
    assert ref.read and ref.id == "acme/procurement/staging"
