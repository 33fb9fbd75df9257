"""The scan gate: reads a scanner's report and the committed waivers, fails on what must be fixed.

A finding fails the gate when it has a fix (a version that removes it), its severity is at or above
the threshold (default HIGH), and no unexpired waiver in security/waivers.yaml covers it. An expired
waiver fails the gate by itself, matched or not, so it is renewed or deleted rather than left behind, and
so does a dependency the scanner could not audit (pip-audit's skipped ones): unknown is not clean.
Findings without a fix are listed but do not fail: nothing in this repository can remove them, and a
fix appearing upstream turns them into failures on the next scan.

Scanners' own exit codes are not used: trivy-action ignores `exit-code` with SARIF output and SARIF
keeps every severity unless asked otherwise, and pip-audit rates nothing. So the gate reads the report.
"""
