"""Tier components of the procurement platform and the typed stack config they are built from.

`components.config` reads and validates the stack config once; `components.naming` derives every
physical name. The tier components themselves (issue 7) are composed by `components.platform`.
"""
