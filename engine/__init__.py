"""The Pulumi engine this project runs on: see engine/README.md.

``engine.testing`` gives tests the real CLI (built by scripts/install-engine.sh) and an offline
environment for it.
"""
