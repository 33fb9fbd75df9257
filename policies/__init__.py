"""The procurement platform's CrossGuard policy pack (pulumi-policy), run by `--policy-pack policies`.

`policies/__main__.py` is what the engine starts; the rules live in small modules here so tests can
import them as `policies.<module>` and call their validate functions with constructed arguments.
"""
