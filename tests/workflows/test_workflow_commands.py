"""Every command the workflows run is documented in docs/reference/workflows.md and exercised by a test here.

The workflows' commands are their `run:` lines plus the CLI command each `pulumi/actions` step
stands for (workflow_files.pulumi_commands). The doc lists exactly those (plus the workflow lint);
EXERCISED names, for each, the test that runs it for real on this machine.
"""
from __future__ import annotations

import ast
import re
import subprocess

from tests.workflows.workflow_files import ROOT, pulumi_commands, run_commands

LINT = "bash tools/scripts/lint-workflows.sh"
STACK = r"acme-procurement/procurement/(staging|production)"
EXERCISED = {
    r"bash \.ci/run": ["tests/workflows/test_workflow_commands.py::test_ci_entry_point_runs_the_test_suite"],
    r'\.venv/bin/python -m components\.config\.stack_file "Pulumi\.\$STACK_NAME\.yaml"': [
        "tests/components/test_config_stack_file.py::test_a_yaml_mistake_is_named_at_the_line_the_parser_stopped",
        "tests/components/test_config_stack_file.py::test_committed_stack_files_pass"],
    r"make venv": ["tests/workflows/test_workflow_commands.py::test_make_venv_provides_the_program_and_the_pack"],
    rf"pulumi preview --stack {STACK} --policy-pack policies": [
        "tests/policies/test_policy_pack_engine.py::test_bad_program_reports_each_dynamic_rule",
        "tests/policies/test_policy_pack_engine.py::test_good_program_goes_up_as_production_and_passes_every_rule"],
    rf"pulumi up --stack {STACK} --policy-pack policies": [
        "tests/policies/test_policy_pack_engine.py::test_good_program_goes_up_as_production_and_passes_every_rule",
        "tests/workflows/test_delivery_runbooks.py::test_promotion_deploys_the_digest_the_source_stack_exports"],
    r'pulumi config set procurement:backendImageDigest "\$BACKEND_IMAGE_DIGEST" --stack "\$STACK"': [
        "tests/workflows/test_delivery_runbooks.py::test_rollback_by_digest_changes_only_the_image_with_one_deploy_per_service",
        "tests/workflows/test_delivery_runbooks.py::"
        "test_promotion_deploys_the_digest_its_preview_resolved_though_the_source_moved_on"],
    r'bash tools/scripts/image-digest\.sh --pin "\$ROLLBACK_DIGEST" --from-stack "\$SOURCE_STACK"': [
        "tests/workflows/test_delivery_runbooks.py::"
        "test_promotion_deploys_the_digest_its_preview_resolved_though_the_source_moved_on"],
    r'bash tools/scripts/image-digest\.sh --pin "\$DISPATCHED_DIGEST"': [
        "tests/workflows/test_workflow_scripts.py::test_a_dispatched_digest_is_validated_before_staging_pins_it"],
    r'bash tools/scripts/stack-environment\.sh "\$STACK_NAME" procurement/preview --in-place': [
        "tests/workflows/test_workflow_scripts.py::test_pr_preview_imports_the_preview_environment_and_changes_nothing_else",
        "tests/components/test_config_real_cli.py::test_file_backend_check_stops_exactly_where_the_docs_say"],
    rf"pulumi preview --stack {STACK} --refresh --expect-no-changes --policy-pack policies": [
        "tests/workflows/test_delivery_runbooks.py::test_drift_check_fails_on_an_out_of_band_change_and_passes_once_undone"],
    re.escape(LINT): ["tests/workflows/test_workflows.py::test_workflows_pass_actionlint"],
    r"bash tools/scripts/backup-image\.sh": [
        "tests/workflows/test_backup_image.py::test_the_backup_image_is_built_from_its_dockerfile_and_reported_by_digest"],
    r'bash tools/scripts/image-scan\.sh "\$IMAGE"': [
        "tests/workflows/test_image_scan.py::test_the_scan_gates_the_report_of_exactly_that_digest",
        "tests/workflows/test_image_scan.py::test_an_archive_without_the_pinned_checksum_never_runs"],
    r"bash tools/scripts/dependency-audit\.sh": [
        "tests/workflows/test_dependency_audit.py::test_the_audit_gates_both_locks_reports",
        "tests/workflows/test_dependency_audit.py::test_no_report_from_pip_audit_is_exit_2_not_a_pass"],
    # In the workflows through the stack's ESC environment (`pulumi env run`), which needs Pulumi Cloud; the
    # commands themselves run here against the sandbox.
    r'pulumi env run acme-procurement/procurement/production -- \.venv/bin/python -m ops\.restore_point '
    r'--stack "\$STACK"': [
        "tests/tools/sandbox/test_sandbox_supabase_restore_points.py::"
        "test_the_restore_point_command_waits_for_available_and_names_the_undo"],
    r"pulumi env run acme-procurement/procurement/backup-check -- \.venv/bin/python -m ops\.backup check "
    r"--max-age-hours 26": ["tests/ops/test_restore_drill.py::test_restore_drill_backup_destroy_restore_verify_converge",
                            "tests/ops/test_backup_program.py::test_check_fails_on_a_missing_or_stale_backup",
                            "tests/ops/test_backup_program.py::test_check_fails_on_a_truncated_or_swapped_object"],
    r"pulumi env run acme-procurement/procurement/restore-test -- \.venv/bin/python -m ops\.restore_test": [
        "tests/ops/test_restore_test.py::test_restore_test_passes_on_a_good_backup_fails_on_a_corrupted_one"],
    r"pulumi env run acme-procurement/procurement/production -- \.venv/bin/python -m ops\.report --stack "
    r"acme-procurement/procurement/production --since 7d --markdown report\.md": [
        "tests/ops/report/test_report_collect.py::test_the_command_exits_1_on_a_missed_target_and_writes_json_and_markdown",
        "tests/ops/report/test_report_collect.py::test_the_command_exits_0_when_nothing_is_missed"],
    # Review stacks: the ops.review CLI's own tests (tests/ops/review, the sandbox and a scripted pulumi).
    r'pulumi env run acme-procurement/procurement/review -- \.venv/bin/python -m ops\.review up --pr "\$PR" '
    r'--base staging --head-branch "\$HEAD_BRANCH" --max-wait 3000 2> \.\./up\.err': [
        "tests/ops/review/test_review_cli.py::test_up_selects_derives_counts_and_runs_up",
        "tests/ops/review/test_review_cli.py::test_up_without_the_budget_exits_75_naming_the_command"],
    r'pulumi env run acme-procurement/procurement/review -- \.venv/bin/python -m ops\.review down --pr "\$PR"': [
        "tests/ops/review/test_review_cli.py::test_down_destroys_then_removes_an_existing_stack"],
    r'pulumi env run acme-procurement/procurement/review -- \.venv/bin/python -m ops\.review sweep --base staging --open .*': [
        "tests/ops/review/test_review_cli.py::test_sweep_removes_the_closed_and_the_orphans_and_keeps_the_open"],
    r'bash tools/scripts/review-comment\.sh "\$PR" (creating|destroyed|result \.\./up\.err)': [
        "tests/workflows/test_workflow_scripts.py::test_the_review_comment_is_edited_in_place_and_says_the_outcome"],
    r"bash tools/scripts/pg-client\.sh 17": [
        "tests/workflows/test_pg_client.py::test_a_new_enough_pg_restore_is_used_and_a_wrong_key_installs_nothing"],
}


def documented_commands() -> list[str]:
    """The first bash block of docs/reference/workflows.md, one command a line, trailing comments dropped."""
    section = (ROOT / "docs" / "reference" / "workflows.md").read_text()
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    return [re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines() if line.strip()]


def workflow_commands() -> set[str]:
    return run_commands() | pulumi_commands()


def test_docs_list_exactly_what_the_workflows_run():
    documented = documented_commands()
    assert len(documented) == len(set(documented))
    assert set(documented) == workflow_commands() | {LINT}


def test_each_command_is_exercised_by_an_existing_test():
    for command in workflow_commands() | {LINT}:
        patterns = [p for p in EXERCISED if re.fullmatch(p, command)]
        assert len(patterns) == 1, (command, patterns)
        for node in EXERCISED[patterns[0]]:
            path, name = node.split("::")
            tree = ast.parse((ROOT / path).read_text())
            assert name in {f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}, node


def test_ci_entry_point_runs_the_test_suite():
    # The `test` job runs .ci/run, the same entry point as this machine's CI; it ends in `make test`.
    script = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
              if line.strip() and not line.strip().startswith("#")]
    assert script[-1] == "make test"
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test: venv\b", makefile, re.M)


def test_make_venv_provides_the_program_and_the_pack():
    done = subprocess.run(["make", "venv"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    # What the preview jobs need from it: the program's SDKs and the policy pack's library.
    check = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c",
                            "import pulumi, pulumi_policy, pulumi_cloudflare, pulumi_github, pulumi_docker; "
                            "print(pulumi_policy.__name__)"], capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.strip() == "pulumi_policy", check.stderr
