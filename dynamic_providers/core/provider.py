"""The declarative base provider every Render/Supabase resource provider subclasses.

A subclass declares *what* the resource is (``fields``, ``output_names``, ``kind``, ``api``) and implements a few
small hooks that talk to the API; the base implements Pulumi's protocol once (check, diff with removals, create by
natural key with adoption and recovery of a lost response, owed work, read, update, delete). Provider objects are
pickled into the state, so they hold only class-level declarations and ``HttpOptions``. The semantics, hook by
hook: dynamic_providers/core/README.md, "Declarative base provider" and "Removal and restores".
"""
from __future__ import annotations

import dataclasses
import os
from typing import Any, Callable, ClassVar, Mapping, Optional

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from . import plan_detail
from .errors import NotFoundError
from . import progress
from .fields import (
    NO_LIVE_SETTING,
    UNKNOWN,
    REVERT_TO_PRIOR,
    WARN,
    Field,
    canonical,
    contains_unknown,
    integral,
    is_missing,
    kind_ok,
    normalise_unknowns,
    same,
)
from . import sdk_patches
from .host import start_watch
from .lookup_retry import look_up_then_retry
from .api_settings import ApiSettings, env_secret, fingerprint
from .transport import HttpOptions, Transport

ADOPT = "adopt"
_ADOPT_FIELD = Field(kind=bool, default=False, managed=False,
                     doc="Take over an existing object with the same natural key instead of failing.")
_RUNTIME_SLOT = "_configured"
# An input check() derives (never declared by a program): +1 each time one of ``revision_fields``
# will be written, whether the program changed it or a refresh found it changed out of band. A
# deploy that lists it in its triggers therefore follows every write that must reach running
# instances, restores of drift included; as an input it is known in a preview, so the plan shows it.
REVISION = "revision"
_REVISION_FIELD = Field(kind=int, managed=False, doc="Writes of values running instances use (see REVISION).")
# Output holding the live values of ``to_prior`` fields from before we managed the object (taken at
# create/adopt): what removing such a field restores. State written before it existed has none.
PRIOR = "prior"
# How a user of this project sets adopt=True without editing code (docs/how-to/adopt-existing-objects.md;
# tools/scripts/recover.sh writes it after an interrupted update).
ADOPT_HINT = ("set adopt=True on this resource (here: add its logical name to the config key "
              "procurement:adopt); after an interrupted update the recovery does that for you: "
              "bash tools/scripts/recover.sh --stack <stack> (local: bash tools/scripts/local-stack.sh recover)")


class AdoptionRequiredError(Exception):
    """An object with the same natural key exists and ``adopt`` is not set."""

    concise = True  # the message says what exists and what to run: no traceback (core/sdk_patches.py)


class DeclarativeProvider(ResourceProvider):
    """Base class; see the module docstring. Subclasses set the class attributes and hooks."""

    api: ClassVar[ApiSettings]
    kind: ClassVar[str] = "object"  # human name for messages: "Render service"
    fields: ClassVar[Mapping[str, Field]] = {}
    output_names: ClassVar[tuple[str, ...]] = ()  # computed outputs (never inputs)
    secret_output_names: ClassVar[tuple[str, ...]] = ()  # computed outputs that are secret
    supports_adopt: ClassVar[bool] = True  # False when there is no natural key
    delete_before_replace: ClassVar[bool] = True
    create_attempts: ClassVar[int] = 3  # tries of an ambiguous create (each after a lookup)
    adopt_alternative: ClassVar[str] = "choose another name"  # ends the "already exists" message
    # Secrets read from the environment at call time: fingerprint field -> (field naming the
    # environment variable, what the secret is for, in words). Both fields must be declared.
    env_secrets: ClassVar[Mapping[str, tuple[str, str]]] = {}
    # Work ``pending_changes`` reports -> the output recording it, which a plan shows as changing.
    owed_outputs: ClassVar[Mapping[str, str]] = {}
    # Inputs running instances only see after a deploy: their writes count in ``revision`` (REVISION).
    revision_fields: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if any(f.on_remove is not None and f.on_remove.mode == REVERT_TO_PRIOR for f in cls.fields.values()) \
                and PRIOR not in cls.output_names:
            cls.output_names = tuple(cls.output_names) + (PRIOR,)

    def __init__(self, http: Optional[HttpOptions] = None) -> None:
        super().__init__()
        self.http = http or HttpOptions()

    # ---------------------------------------------------------------- declarations, derived
    @classmethod
    def all_fields(cls) -> dict[str, Field]:
        merged = dict(cls.fields)
        if cls.supports_adopt:
            merged.setdefault(ADOPT, _ADOPT_FIELD)
        if cls.revision_fields:
            merged.setdefault(REVISION, _REVISION_FIELD)
        return merged

    @classmethod
    def secret_names(cls) -> list[str]:
        """Names for ``additional_secret_outputs``: secret inputs and secret computed outputs."""
        return [n for n, f in cls.fields.items() if f.secret] + list(cls.secret_output_names)

    # ---------------------------------------------------------------- hooks (override)
    def prepare(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Defaults that depend on other inputs. Runs in check before validation; may see unknowns."""
        return inputs

    def validate(self, inputs: dict[str, Any]) -> list[CheckFailure]:
        """Cross-field validation. Runs in check; values may be ``fields.UNKNOWN`` in preview."""
        return []

    def describe(self, inputs: Mapping[str, Any]) -> str:
        """The natural key in words, for messages (``"'api' (owner tea-1, type web_service)"``)."""
        return repr(inputs.get("name"))

    def find_existing(self, api: Transport, inputs: Mapping[str, Any]) -> Any:
        """The live object with this natural key, or None. Default: no natural key."""
        return None

    def find_created(self, api: Transport, inputs: Mapping[str, Any]) -> Any:
        """After an ambiguous create failure: the object our create may have made, or None.
        Default: ``find_existing``. Override for objects without a natural key (e.g. deploys)."""
        return self.find_existing(api, inputs)

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> Any:
        """Creates the object with one non-idempotent call; returns the live object."""
        raise NotImplementedError

    def after_create(self, api: Transport, id_: str, live: Any, inputs: Mapping[str, Any]) -> Any:
        """Follow-up calls after the create (returns the live object). Failure rolls back.

        Also runs after a recovered create (``live`` is then what ``find_created`` returned): the
        create was made from these inputs, but its follow-ups never ran."""
        return live

    def after_takeover(self, api: Transport, id_: str, live: Any, inputs: Mapping[str, Any]) -> Any:
        """After an adopted object was converged: what create would still do for it (e.g. wait until
        a deploy it took over has finished). Returns the live object. Default: nothing."""
        return live

    def pending_changes(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> set[str]:
        """Work still owed although no managed input changed (e.g. a deploy that failed or whose
        answer was lost after a write). ``olds`` is the whole state (inputs and outputs), ``news``
        the new inputs; no API calls. The names returned count as changes in diff and reach
        ``update_remote`` in ``changed``. Default: nothing owed."""
        return set()

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> Any:
        """The live object; raise NotFoundError (or return None) when it is gone."""
        raise NotImplementedError

    def update_remote(self, api: Transport, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
                      changed: set[str]) -> Any:
        """Applies the ``changed`` fields (never empty) and returns the live object.

        ``olds`` holds the old inputs plus the previous computed outputs (``output_names``)."""
        raise NotImplementedError

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def id_of(self, live: Any) -> str:
        return live["id"] if isinstance(live, Mapping) else live.id

    def live_inputs(self, live: Any) -> dict[str, Any]:
        """Observable input fields from the live object, in the inputs' shape. Fields left out are
        treated as not observable (read keeps their last known value)."""
        return {}

    def live_outputs(self, live: Any) -> dict[str, Any]:
        """Computed outputs (keys from ``output_names``) from the live object."""
        return {}

    def live_before_create(self, api: Transport, inputs: Mapping[str, Any]) -> Any:
        """For objects that exist before our "create" writes them (settings of a project): the live
        object before the write, so ``prior`` holds what removing a field restores. Default: None
        (a created object's prior is what the API chose for the fields we did not declare)."""
        return None

    # ---------------------------------------------------------------- plumbing
    def configure(self, req: ConfigureRequest) -> None:
        # Inside the engine's provider process: exit when the CLI dies (host.py), then the SDK patches
        # (version check, one-line errors, detailed diffs, more than 4 calls at once: sdk_patches.py).
        start_watch()
        sdk_patches.install()
        # Only the base URL: tokens are read from the environment per call, never from config.
        setattr(self, _RUNTIME_SLOT, self.api.pick(req.config))

    def __getstate__(self) -> dict:
        # Nothing configure()d reaches the pickled provider in the state.
        state = dict(self.__dict__)
        state.pop(_RUNTIME_SLOT, None)
        return state

    def transport(self) -> Transport:
        """A fresh transport for one provider call (token read from the environment now, never stored)."""
        configured = getattr(self, _RUNTIME_SLOT, None)
        options = self.http
        wait = self.api.max_rate_limit_wait(configured)
        if wait is not None:
            options = dataclasses.replace(options, max_rate_limit_wait=wait)
        return self.api.transport(configured, options=options, wait_setting=self.api.wait_setting(),
                                  credential_hint=self.api.auth_hint)

    def env_secret(self, inputs: Mapping[str, Any], fingerprint_field: str) -> str:
        """The current value of an ``env_secrets`` secret, read from the environment now."""
        variable_field, purpose = self.env_secrets[fingerprint_field]
        return env_secret(inputs[variable_field], purpose)

    def _fingerprint_env_secrets(self, olds: Mapping[str, Any], inputs: dict[str, Any]) -> None:
        """check(): each ``env_secrets`` fingerprint from the variable's current value; without the
        variable (a preview that has no credentials) the last known fingerprint, so nothing changes."""
        for fingerprint_field, (variable_field, _) in self.env_secrets.items():
            variable = inputs.get(variable_field)
            value = os.environ.get(variable, "").strip() if isinstance(variable, str) and variable else ""
            if value:
                inputs[fingerprint_field] = fingerprint(variable, value)
            else:
                inputs[fingerprint_field] = olds.get(fingerprint_field)

    @staticmethod
    def _stored_revision(olds: Mapping[str, Any]) -> Optional[int]:
        """The state's revision; None when the state was written before revisions existed."""
        old = olds.get(REVISION)
        return int(old) if isinstance(old, (int, float)) and not isinstance(old, bool) else None

    def _revision(self, olds: Mapping[str, Any], inputs: Mapping[str, Any]) -> Any:
        """``olds``' revision, +1 when a declared ``revision_fields`` value differs from the old (or
        refreshed) one, i.e. when update will write it; 0 while there was no such write. Never None:
        a preview cannot tell a None output from an unknown one (the SDK resolves both as unknown),
        and a Deploy whose triggers hold an unknown revision would be announced as replaced."""
        old = self._stored_revision(olds)
        fields = self.all_fields()
        for name in sorted(self.revision_fields):
            new = inputs.get(name)
            if new is None:
                continue
            if contains_unknown(new):
                return UNKNOWN  # may change: the plan says so
            if not same(fields[name], olds.get(name), new):
                return (old or 0) + 1
        return old or 0

    def inputs_of(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The declared inputs found in a property bag (drops ``__provider`` and outputs)."""
        return {name: integral(props.get(name)) for name in self.all_fields()}

    def changed_fields(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> tuple[set[str], set[str]]:
        """(changed, replaced) managed field names between old state and new inputs."""
        changed: set[str] = set()
        replaced: set[str] = set()
        for name, spec in self.all_fields().items():
            if not spec.managed:
                continue
            new = news.get(name)
            if new is None:
                continue  # unset: the API keeps whatever it has
            if contains_unknown(new) or not same(spec, olds.get(name), new):
                changed.add(name)
                if spec.replace:
                    replaced.add(name)
        return changed, replaced

    def removals(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> tuple[dict[str, Any], set[str], list[str]]:
        """Applies ``Field.on_remove`` to every field we set (``olds``: the state) that ``news`` no
        longer declares. Returns (news with revert targets filled in, names dropped with a warning,
        the warnings). A missing or partial ``prior`` (older state) falls back to the documented
        default, else warns."""
        prior = olds.get(PRIOR)
        prior = prior if isinstance(prior, Mapping) else {}
        out = dict(news)
        dropped: set[str] = set()
        warnings: list[str] = []
        for name, spec in self.fields.items():
            if not spec.managed or spec.required or spec.on_remove is None:
                continue
            old = olds.get(name)
            if news.get(name) is not None or old is None or contains_unknown(news.get(name)):
                continue
            rule = spec.on_remove
            if rule.mode == NO_LIVE_SETTING:
                continue
            target = rule.target(prior.get(name))
            if not is_missing(target):
                out[name] = target
                continue
            dropped.add(name)
            live = "(secret)" if spec.secret else repr(integral(old))
            reason = rule.why if rule.mode == WARN else (
                f"no value from before it was managed is known and the API documents no default ({rule.why})"
                if rule.why else "no value from before it was managed is known and the API documents no default")
            warnings.append(f"removing '{name}' does not revert it on {self.kind} {self.describe(news)}: {reason}. "
                            f"The live value stays {live} and is no longer managed.")
        return out, dropped, warnings

    def prior_of(self, live: Any, skip: Mapping[str, Any] = {}) -> dict[str, Any]:
        """Live values of the ``to_prior`` fields (non-secret, observable), minus the names in ``skip``
        that are set (what we declared ourselves is no "before")."""
        observed = self.live_inputs(live)
        return {name: integral(observed[name]) for name, spec in self.fields.items()
                if spec.on_remove is not None and spec.on_remove.mode == REVERT_TO_PRIOR and not spec.secret
                and not spec.write_only and observed.get(name) is not None and skip.get(name) is None}

    def _with_prior(self, outs: dict[str, Any], prior: Any) -> dict[str, Any]:
        if PRIOR in self.output_names:
            outs[PRIOR] = prior if isinstance(prior, Mapping) else None
        return outs

    def outputs_for(self, live: Any, inputs: Mapping[str, Any]) -> dict[str, Any]:
        outs = {name: inputs.get(name) for name in self.all_fields()}
        computed = self.live_outputs(live)
        outs.update({k: computed.get(k) for k in self.output_names})
        return outs

    # ---------------------------------------------------------------- Pulumi protocol
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        olds, news = normalise_unknowns(olds), normalise_unknowns(news)
        fields = self.all_fields()
        failures: list[CheckFailure] = []
        for key in news:
            if key.startswith("__") or key in fields or key in self.output_names:
                continue
            failures.append(CheckFailure(key, f"unknown property '{key}' for a {self.kind}"))
        inputs: dict[str, Any] = {}
        for name, spec in fields.items():
            value = integral(news.get(name))
            if value is None and spec.has_default:
                value = spec.default_value()
            inputs[name] = value
        inputs = self.prepare(inputs)
        self._fingerprint_env_secrets(olds, inputs)
        if self.revision_fields:
            inputs[REVISION] = self._revision(olds, inputs)
        for name, spec in fields.items():
            value = inputs.get(name)
            if value is None:
                if spec.required:
                    failures.append(CheckFailure(name, f"'{name}' is required for a {self.kind}"))
                continue
            if contains_unknown(value):
                continue
            if not kind_ok(spec.kind, value):
                failures.append(CheckFailure(
                    name, f"'{name}' must be a {spec.kind.__name__}, got {type(value).__name__}"))
                continue
            if spec.choices is not None and value not in spec.choices:
                shown = "the given value" if spec.secret else repr(value)
                failures.append(CheckFailure(
                    name, f"'{name}' must be one of {', '.join(map(str, spec.choices))}; {shown} is not"))
        if not failures:
            failures.extend(self.validate(inputs))
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        olds, news = normalise_unknowns(olds), normalise_unknowns(news)
        old_inputs = self.inputs_of(olds)
        targets, dropped, warnings = self.removals(olds, self.inputs_of(news))
        for warning in warnings:
            progress.warn(warning)
        changed, replaced = self.changed_fields(old_inputs, targets)
        if self._records_revision(olds, targets):
            changed.add(REVISION)
        owed = self.pending_changes(olds, targets)  # what update will write, reverts included
        # What the plan shows (plan_detail.py says why the base computes it); a field dropped with a
        # warning shows as removed.
        detail = plan_detail.detailed_diff(self.all_fields(), old_inputs, targets, changed | dropped, replaced)
        for name in sorted(owed - changed):
            detail.update(plan_detail.owed(self.owed_outputs.get(name, name)))
        plan_detail.offer(detail, sorted({path.split(".")[0].split("[")[0] for path in detail}))
        changed |= owed
        return DiffResult(
            changes=bool(changed or dropped),
            replaces=sorted(replaced),
            stables=[],
            delete_before_replace=bool(replaced) and self.delete_before_replace,
        )

    def _records_revision(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        """State written before revisions existed (no ``revision``) gets one at the next update, with
        no API call. Until then a preview would read the missing output as unknown (a same step
        hands back the old outputs), so every Deploy whose triggers carry it would be announced as
        replaced while the update replaces none; as an update, the plan shows the recorded value."""
        return bool(self.revision_fields) and self._stored_revision(olds) is None \
            and isinstance(news.get(REVISION), int)

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.inputs_of(props)
        api = self.transport()
        existing = self.find_existing(api, inputs)
        if existing is not None:
            if not inputs.get(ADOPT):
                raise AdoptionRequiredError(
                    f"A {self.kind} {self.describe(inputs)} already exists ({self.id_of(existing)}). "
                    f"Refusing to take it over silently: {ADOPT_HINT} to manage the existing object, "
                    f"or {self.adopt_alternative}.")
            prior = self.prior_of(existing)  # the live values before we converge it
            id_, live = self._converge(api, existing, inputs)
            live = self.after_takeover(api, id_, live, inputs)
            return CreateResult(id_, self._with_prior(self.outputs_for(live, inputs), prior))

        # A recovered create (only its answer was lost) was made from these inputs: like a normal
        # one, it still needs its follow-up steps, which never ran.
        before = self.live_before_create(api, inputs) if PRIOR in self.output_names else None
        live, _recovered = self._create_safely(api, inputs)
        id_ = self.id_of(live)
        # Before: all its values (it existed). Created: what the API chose for what we left unset.
        prior = self.prior_of(before) if before is not None else self.prior_of(live, skip=inputs)
        try:
            live = self.after_create(api, id_, live, inputs)
        except Exception as exc:
            # Leave no orphan behind: Pulumi will not record an object whose create failed.
            try:
                self.delete_remote(api, id_, inputs)
            except NotFoundError:
                pass
            except Exception as cleanup_exc:  # report both; the object needs manual cleanup
                raise RuntimeError(
                    f"{self.kind} {self.describe(inputs)} was created as {id_} but setting it up failed "
                    f"({exc}) and rolling it back failed too ({cleanup_exc}); delete it, or "
                    f"{ADOPT_HINT} and re-run") from exc
            raise
        return CreateResult(id_, self._with_prior(self.outputs_for(live, inputs), prior))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        api = self.transport()
        try:
            live = self.read_remote(api, id_, props)
        except NotFoundError:
            live = None
        if live is None:
            return ReadResult(None, {})
        prior = self.inputs_of(props)
        observed = self.live_inputs(live)
        inputs: dict[str, Any] = {}
        for name, spec in self.all_fields().items():
            old = prior.get(name)
            if spec.managed and not spec.write_only and old is not None and name in observed:
                # A set the API lists in another order is the same set: keep the stored order, or
                # every refresh would show a reorder.
                same_set = spec.set_like and same(spec, old, observed[name])
                inputs[name] = old if same_set else observed[name]
            else:
                inputs[name] = old
        return ReadResult(id_, self._with_prior(self.outputs_for(live, inputs), props.get(PRIOR)), inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        old_inputs, new_inputs = self.inputs_of(olds), self.inputs_of(news)
        # Removed fields become their revert targets (written like any change; kept as managed).
        new_inputs, _dropped, warnings = self.removals(olds, new_inputs)
        for warning in warnings:
            progress.warn(warning)
        changed, _ = self.changed_fields(old_inputs, new_inputs)
        changed |= self.pending_changes(olds, new_inputs)
        if not changed:
            outs = {name: new_inputs.get(name) for name in self.all_fields()}
            outs.update({k: olds.get(k) for k in self.output_names})
            return UpdateResult(outs)
        api = self.transport()
        previous = {**old_inputs, **{k: olds.get(k) for k in self.output_names}}
        live = self.update_remote(api, id_, previous, new_inputs, changed)
        return UpdateResult(self._with_prior(self.outputs_for(live, new_inputs), olds.get(PRIOR)))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        api = self.transport()
        try:
            self.delete_remote(api, id_, self.inputs_of(props))
        except NotFoundError:
            pass

    # ---------------------------------------------------------------- helpers
    def _create_safely(self, api: Transport, inputs: Mapping[str, Any]) -> tuple[Any, bool]:
        """(live, recovered): create once; after an ambiguous failure look up before retrying."""
        return look_up_then_retry(lambda: self.create_remote(api, inputs), lambda: self.find_created(api, inputs),
                                  attempts=self.create_attempts, options=self.http)

    def _converge(self, api: Transport, live: Any, inputs: Mapping[str, Any],
                  assume: Optional[Mapping[str, Any]] = None) -> tuple[str, Any]:
        """Brings an existing (adopted) object to the declared inputs.

        A field the live object does not show counts as unknown and is written, unless ``assume``
        gives its current value (e.g. what our own create sent, or "leave it" where writing blind
        would be wrong)."""
        id_ = self.id_of(live)
        observed = self.live_inputs(live)
        current = {name: observed.get(name) for name in self.all_fields()}
        for name, value in (assume or {}).items():
            if name not in observed:
                current[name] = value
        changed, replaced = self.changed_fields(current, inputs)
        fields = self.all_fields()
        replaced = {n for n in replaced if current.get(n) is not None}  # unobservable: cannot tell
        if replaced:
            def shown(n: str, v: Any) -> str:
                return "(secret)" if fields[n].secret else repr(v)
            detail = ", ".join(f"{n} (live {shown(n, current.get(n))}, declared {shown(n, inputs.get(n))})"
                               for n in sorted(replaced))
            raise AdoptionRequiredError(
                f"The existing {self.kind} {self.describe(inputs)} ({id_}) differs in create-only "
                f"fields that cannot be updated: {detail}. Align the program or delete the object.")
        changed = {n for n in changed if not fields[n].replace}
        if changed:
            live = self.update_remote(api, id_, current, inputs, changed)
        return id_, live


def rule_failures(name: str, value: Any, rule: Callable[[Any], Optional[str]]) -> list[CheckFailure]:
    """A CheckFailure for input ``name`` when its known value breaks ``rule`` (which says why, or None)."""
    if value is None or contains_unknown(value):
        return []
    reason = rule(value)
    return [CheckFailure(name, f"'{name}' {reason}")] if reason else []


def unset(value: Any) -> bool:
    """None or an empty container: "nothing declared"."""
    return value is None or value == [] or value == {}


__all__ = ["DeclarativeProvider", "AdoptionRequiredError", "ADOPT", "ADOPT_HINT", "PRIOR", "REVISION", "rule_failures", "unset", "canonical"]
