"""``python -m ops.report``: the brief's targets measured from the vendors over a window (deploy history, Render
metrics, backup manifests, the restore test's record, the stack's monitoring), each shown against its target.

targets.py holds the targets (once); records.py the plain records the vendors' answers become; measures.py the
pure computations; metrics.py turns Render's /metrics answers into buckets; markdown.py writes the report with
charts; collect.py reads through ops/readings (the readers ops.status uses; read-only); __main__.py is the command.
"""
