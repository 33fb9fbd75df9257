"""The Pulumi engine this project runs on: see tools/engine/README.md.

``tools.engine.testing`` gives tests the real CLI (built by tools/scripts/install-engine.sh) and an offline
environment for it.
"""
