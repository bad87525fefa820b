"""Read a YAML policy, check it, and report problems with file, line and column.

The only I/O in ``sphere.policy``: ``load_policy`` reads the path it is given. Parsing
uses ruamel.yaml's round-trip loader because it keeps the position of every key,
value and list item; lines and columns in ``PolicyError`` are 1-based. Schema and
consistency problems found while compiling (shadowed rules, allow outcomes outside a
purpose's declaration) are reported at the rule that causes them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import NoReturn, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from sphere.domain import DataCategory, Duty, LegalBasis, Outcome, Purpose
from sphere.domain.risk import RiskAction, RiskLevel
from sphere.errors import PolicyError
from sphere.policy import yaml_places
from sphere.policy.compiler import DEFAULT_RULE
from sphere.policy.engine import Policy
from sphere.policy.model import ART6_BASES, ART9_BASES, Position, PurposeSpec, Rule, SourceMarks
from sphere.policy.space import AXIS_BY_NAME, FACT_NAMES, FactValue
from sphere.policy.yaml_places import type_name

E = TypeVar("E", bound=StrEnum)

_TOP_KEYS = ("version", "description", "purposes", "rules", "reidentification")
_PURPOSE_KEYS = (
    "dpv",
    "legal_basis",
    "special_category_basis",
    "data_categories",
    "retention_days",
    "dpia_required",
    "balancing_test",
    "legitimate_interest_override",
    "description",
)
# Purposes that profile people for marketing or personalised advertising: ``profiling``,
# or a purpose whose DPV term says so. The CJEU held that such processing cannot rest on
# legitimate interest as a rule (C-252/21, Meta v Bundeskartellamt, paras. 115-118);
# consent (Art. 6(1)(a)) is the basis. Plain direct marketing may rest on legitimate
# interest (Recital 47; §7(3) UWG for e-mail) and is not caught. A policy may still choose
# Art. 6(1)(f) only with ``legitimate_interest_override`` carrying a balancing test of
# substance (WP217, EDPB Guidelines 1/2024).
ADVERTISING_PURPOSES = frozenset({Purpose.PROFILING})
ADVERTISING_DPV = frozenset(
    {
        "dpv:PersonalisedAdvertising",
        "dpv:TargetedAdvertising",
        "dpv:PersonalisedMarketing",
        "dpv:CreatePersonalizedRecommendations",
    }
)
OVERRIDE_FIELDS = ("interest", "necessity", "impact", "safeguards", "reasonable_expectations")
OVERRIDE_MIN_WORDS = 12  # a field of substance, not a one-liner
_RULE_KEYS = ("id", "when", "outcome", "duties", "reason", "article", "description")
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def default_policy_path() -> Path:
    """The documented default policy shipped inside the package."""
    return Path(str(resources.files("sphere.policy").joinpath("default_policy.yaml")))


def default_policy() -> Policy:
    """Load and compile the shipped default policy."""
    return load_policy(default_policy_path())


def load_policy(path: Path) -> Policy:
    """Read, check and compile the policy at ``path``; raise ``PolicyError`` with its place."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError("file not found", file=source) from None
    except UnicodeDecodeError as exc:
        raise PolicyError(f"not UTF-8 text (byte {exc.start})", file=source) from None
    except OSError as exc:
        raise PolicyError(f"cannot read file ({exc.strerror})", file=source) from None
    return load_policy_text(text, source=source)


def load_policy_text(text: str, *, source: str = "<policy>", strict: bool = True) -> Policy:
    """Check and compile a policy given as YAML text; ``source`` names it in errors.

    Loading costs tens of milliseconds (YAML, checks, the compiled table) and every
    page that reads the policy in force would pay it; a ``Policy`` is immutable, so the
    last few loads are remembered by (text, source) — a pure memo, no I/O. Errors are
    not remembered: a broken draft is checked again each time.

    ``strict=False`` is for the version in force, applied under earlier checks: a purpose
    that profiles for advertising on legitimate interest without an override (C-252/21)
    becomes a warning on the policy instead of an error, so an upgrade does not stop the
    cockpit and ingestion; the findings show it, and enrichment builds no scores on
    legitimate interest whatever the policy says (``marketing``)."""
    return _load_cached(text, source, strict)


@functools.lru_cache(maxsize=8)
def _load_cached(text: str, source: str, strict: bool = True) -> Policy:
    reader = _Reader(source, strict=strict)
    data = reader.parse(text)
    version = reader.version(data)
    purposes = reader.purposes(data)
    rules = reader.rules(data)
    reid = reader.reidentification(data)
    return Policy(
        version=version,
        purposes=purposes,
        rules=rules,
        source=source,
        text=text,
        reidentification=reid,
        warnings=reader.warnings,
    )


def _choices(values: Iterable[object]) -> str:
    return ", ".join(str(v).lower() if isinstance(v, bool) else str(v) for v in values)


def _first_content_position(text: str) -> Position:
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and stripped != "---":
            return number, len(line) - len(line.lstrip()) + 1
    return 1, 1


class _Reader:
    """Walks the round-trip YAML tree; every problem raises ``PolicyError`` at its place."""

    def __init__(self, source: str, *, strict: bool = True) -> None:
        self.source = source
        self.strict = strict
        self.warnings: list[str] = []

    # -- positions -------------------------------------------------------------------
    def fail(self, message: str, at: Position | None) -> NoReturn:
        line, column = at if at is not None else (None, None)
        raise PolicyError(message, file=self.source, line=line, column=column)

    node_at = staticmethod(yaml_places.node_at)

    key_at = staticmethod(yaml_places.key_at)

    value_at = staticmethod(yaml_places.value_at)

    item_at = staticmethod(yaml_places.item_at)

    # -- generic checks --------------------------------------------------------------
    def parse(self, text: str) -> CommentedMap:
        if not text.strip():
            self.fail("the policy file is empty", (1, 1))
        try:
            data = YAML(typ="rt").load(text)
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = (exc.problem or exc.context or "syntax error").strip()
            at = (mark.line + 1, mark.column + 1) if mark is not None else None
            self.fail(f"not valid YAML: {problem}", at)
        except YAMLError as exc:
            self.fail(f"not valid YAML: {type(exc).__name__}", None)
        if data is None:
            self.fail("the policy file is empty (only comments)", (1, 1))
        if not isinstance(data, CommentedMap):
            self.fail(
                f"the policy must be a mapping with keys {_choices(_TOP_KEYS)}, "
                f"not {type_name(data)}",
                _first_content_position(text),
            )
        self.known_keys(data, _TOP_KEYS, "the policy")
        return data

    def known_keys(self, node: CommentedMap, allowed: tuple[str, ...], owner: str) -> None:
        for key in node:
            if key not in allowed:
                self.fail(
                    f"{owner}: unknown field '{key}' (expected one of: {_choices(allowed)})",
                    self.key_at(node, key),
                )

    def required(self, node: CommentedMap, key: str, owner: str, at: Position) -> object:
        if key not in node:
            self.fail(f"{owner} is missing '{key}'", at)
        return node[key]

    def text(self, node: CommentedMap, key: str, owner: str) -> str:
        value = node[key]
        if not isinstance(value, str):
            self.fail(
                f"{owner}: '{key}' must be a string, not {type_name(value)}",
                self.value_at(node, key),
            )
        if not value.strip():
            self.fail(f"{owner}: '{key}' must not be blank", self.value_at(node, key))
        return str(value).strip()

    def enum_value(self, enum: type[E], value: object, what: str, at: Position) -> E:
        if not isinstance(value, str):
            self.fail(f"{what} must be a string, not {type_name(value)}", at)
        try:
            return enum(value)
        except ValueError:
            self.fail(f"unknown {what} '{value}' (one of: {_choices(m.value for m in enum)})", at)

    def enum_list(
        self, enum: type[E], node: CommentedMap, key: str, what: str
    ) -> list[tuple[E, Position]]:
        """A value or a non-empty list of values, each with its position."""
        value = node[key]
        if isinstance(value, CommentedSeq):
            if not value:
                self.fail(f"'{key}' must not be an empty list", self.value_at(node, key))
            return [
                (self.enum_value(enum, item, what, self.item_at(value, i)), self.item_at(value, i))
                for i, item in enumerate(value)
            ]
        at = self.value_at(node, key)
        return [(self.enum_value(enum, value, what, at), at)]

    # -- sections --------------------------------------------------------------------
    def version(self, data: CommentedMap) -> str:
        self.required(data, "version", "the policy", self.node_at(data))
        value = data["version"]
        if not isinstance(value, str):
            self.fail(
                f"'version' must be a string (quote it), not {type_name(value)}",
                self.value_at(data, "version"),
            )
        return self.text(data, "version", "the policy")

    def purposes(self, data: CommentedMap) -> dict[Purpose, PurposeSpec]:
        node = self.required(data, "purposes", "the policy", self.node_at(data))
        if not isinstance(node, CommentedMap):
            self.fail(
                f"'purposes' must be a mapping of purpose to declaration, not {type_name(node)}",
                self.value_at(data, "purposes"),
            )
        result: dict[Purpose, PurposeSpec] = {}
        for key, body in node.items():
            purpose = self.enum_value(Purpose, key, "purpose", self.key_at(node, key))
            result[purpose] = self.purpose(purpose, body, self.key_at(node, key))
        return result

    def purpose(self, purpose: Purpose, body: object, at: Position) -> PurposeSpec:
        owner = f"purpose '{purpose}'"
        if not isinstance(body, CommentedMap):
            self.fail(f"{owner} must be a mapping, not {type_name(body)}", at)
        self.known_keys(body, _PURPOSE_KEYS, owner)
        for key in ("legal_basis", "data_categories", "retention_days", "dpia_required"):
            self.required(body, key, owner, at)
        marks = [(key, self.value_at(body, key)) for key in body]

        basis = self.enum_value(
            LegalBasis, body["legal_basis"], "legal_basis", self.value_at(body, "legal_basis")
        )
        if basis not in ART6_BASES:
            self.fail(
                f"{owner}: legal_basis must be a GDPR Art. 6(1) basis "
                f"({_choices(sorted(ART6_BASES))}); put Art. 9(2) exceptions under "
                "'special_category_basis'",
                self.value_at(body, "legal_basis"),
            )
        special = None
        if "special_category_basis" in body:
            at_special = self.value_at(body, "special_category_basis")
            special = self.enum_value(
                LegalBasis, body["special_category_basis"], "special_category_basis", at_special
            )
            if special not in ART9_BASES:
                self.fail(
                    f"{owner}: special_category_basis must be a GDPR Art. 9(2) "
                    f"exception ({_choices(sorted(ART9_BASES))})",
                    at_special,
                )

        categories = [
            c for c, _ in self.enum_list(DataCategory, body, "data_categories", "data category")
        ]

        days = body["retention_days"]
        if isinstance(days, bool) or not isinstance(days, int):
            self.fail(
                f"{owner}: 'retention_days' must be an integer, not {type_name(days)}",
                self.value_at(body, "retention_days"),
            )
        if days <= 0:
            self.fail(
                f"{owner}: 'retention_days' must be positive", self.value_at(body, "retention_days")
            )

        dpia = body["dpia_required"]
        if not isinstance(dpia, bool):
            self.fail(
                f"{owner}: 'dpia_required' must be true or false, not {type_name(dpia)}",
                self.value_at(body, "dpia_required"),
            )

        balancing = None
        if "balancing_test" in body:
            balancing = self.text(body, "balancing_test", owner)
        elif basis is LegalBasis.LEGITIMATE_INTEREST:
            self.fail(
                f"{owner} rests on legitimate interest (GDPR Art. 6(1)(f)) but records "
                "no 'balancing_test'",
                self.value_at(body, "legal_basis"),
            )
        dpv = self.text(body, "dpv", owner) if "dpv" in body else ""
        override = None
        advertising = purpose in ADVERTISING_PURPOSES or (dpv or purpose.dpv) in ADVERTISING_DPV
        if basis is LegalBasis.LEGITIMATE_INTEREST and advertising:
            if self.strict or "legitimate_interest_override" in body:
                override = self.override(body, owner)
            else:
                self.warnings.append(
                    f"{owner} profiles people for marketing or personalised advertising on "
                    "legitimate interest without a documented balancing test; that needs "
                    "consent (GDPR Art. 6(1)(a); CJEU C-252/21) — apply a corrected policy"
                )
        elif "legitimate_interest_override" in body:
            self.fail(
                f"{owner}: 'legitimate_interest_override' only applies to profiling or "
                "personalised advertising on legitimate interest",
                self.key_at(body, "legitimate_interest_override"),
            )
        description = self.text(body, "description", owner) if "description" in body else ""
        return PurposeSpec(
            purpose=purpose,
            legal_basis=basis,
            special_category_basis=special,
            data_categories=tuple(dict.fromkeys(categories)),
            retention_days=int(days),
            dpia_required=bool(dpia),
            dpv=dpv,
            balancing_test=balancing,
            legitimate_interest_override=override,
            description=description,
            marks=SourceMarks(self.source, tuple(marks)),
        )

    def override(self, body: CommentedMap, owner: str) -> tuple[tuple[str, str], ...]:
        """The documented balancing test that lets a marketing/advertising purpose rest on
        legitimate interest; refused unless every field is there and of substance."""
        if "legitimate_interest_override" not in body:
            self.fail(
                f"{owner} profiles people for marketing or personalised advertising and rests "
                "on legitimate interest; that needs consent (GDPR Art. 6(1)(a); CJEU C-252/21 "
                "Meta v Bundeskartellamt) — or an explicit 'legitimate_interest_override' with "
                f"{', '.join(OVERRIDE_FIELDS)}",
                self.value_at(body, "legal_basis"),
            )
        node = body["legitimate_interest_override"]
        where = f"{owner}.legitimate_interest_override"
        if not isinstance(node, CommentedMap):
            self.fail(
                f"{where} must be a mapping with {', '.join(OVERRIDE_FIELDS)}",
                self.value_at(body, "legitimate_interest_override"),
            )
        for key in node:
            if key not in OVERRIDE_FIELDS:
                self.fail(f"{where}: unknown key {key!r}", self.key_at(node, key))
        fields: list[tuple[str, str]] = []
        for name in OVERRIDE_FIELDS:
            if name not in node:
                self.fail(
                    f"{where} is missing '{name}' (a balancing test states the interest, "
                    "necessity, impact on the person, safeguards and reasonable expectations)",
                    self.key_at(body, "legitimate_interest_override"),
                )
            text = self.text(node, name, where)
            if len(text.split()) < OVERRIDE_MIN_WORDS:
                self.fail(
                    f"{where}.{name} is too thin to document a balancing test (at least "
                    f"{OVERRIDE_MIN_WORDS} words, GDPR Art. 5(2), Art. 6(1)(f))",
                    self.value_at(node, name),
                )
            if any(text == other for _, other in fields):
                self.fail(
                    f"{where}.{name} repeats another field; each must say something of its own",
                    self.value_at(node, name),
                )
            fields.append((name, text))
        return tuple(fields)

    def reidentification(self, data: CommentedMap) -> dict[RiskLevel, RiskAction] | None:
        """Optional ``reidentification:`` mapping of risk level to action for posts stored
        without a link to their author (docs/anonymisation.md); absent = the defaults."""
        if "reidentification" not in data:
            return None
        node = data["reidentification"]
        if not isinstance(node, CommentedMap):
            self.fail(
                f"'reidentification' must be a mapping of risk level to action, "
                f"not {type_name(node)}",
                self.value_at(data, "reidentification"),
            )
        result: dict[RiskLevel, RiskAction] = {}
        for key in node:
            level = self.enum_value(RiskLevel, key, "risk level", self.key_at(node, key))
            result[level] = self.enum_value(
                RiskAction, node[key], "risk action", self.value_at(node, key)
            )
        return result

    def rules(self, data: CommentedMap) -> list[Rule]:
        node = self.required(data, "rules", "the policy", self.node_at(data))
        if not isinstance(node, CommentedSeq):
            self.fail(
                f"'rules' must be a list, not {type_name(node)}", self.value_at(data, "rules")
            )
        seen: dict[str, Position] = {}
        rules = []
        for index, body in enumerate(node):
            at = self.item_at(node, index)
            rule = self.rule(index, body, at)
            id_at = rule.marks.at("id")
            if rule.id in seen:
                self.fail(
                    f"duplicate rule id '{rule.id}' (first defined at line {seen[rule.id][0]})",
                    id_at,
                )
            seen[rule.id] = id_at or at
            rules.append(rule)
        return rules

    def rule(self, index: int, body: object, at: Position) -> Rule:
        owner = f"rule #{index + 1}"
        if not isinstance(body, CommentedMap):
            self.fail(f"{owner} must be a mapping, not {type_name(body)}", at)
        self.required(body, "id", owner, at)
        rule_id = self.text(body, "id", owner)
        if not _RULE_ID.match(rule_id):
            self.fail(
                f"{owner}: id '{rule_id}' may only use a-z, 0-9, '.', '_' and '-'",
                self.value_at(body, "id"),
            )
        if rule_id == DEFAULT_RULE.id:
            self.fail(
                f"rule id '{rule_id}' is reserved for the fail-closed default",
                self.value_at(body, "id"),
            )
        owner = f"rule '{rule_id}'"
        self.known_keys(body, _RULE_KEYS, owner)
        for key in ("outcome", "reason", "article"):
            self.required(body, key, owner, at)
        marks: list[tuple[str, Position]] = [("rule", at)]
        marks += [(key, self.value_at(body, key)) for key in body if key != "when"]

        outcome = self.enum_value(
            Outcome, body["outcome"], "outcome", self.value_at(body, "outcome")
        )
        reason = self.text(body, "reason", owner)
        article = self.text(body, "article", owner)

        duties: list[Duty] = []
        if "duties" in body:
            duties = [d for d, _ in self.enum_list(Duty, body, "duties", "duty")]
        if outcome is Outcome.ALLOW_WITH_DUTIES and not duties:
            self.fail(
                f"{owner}: outcome allow_with_duties needs a non-empty 'duties' list "
                f"({_choices(m.value for m in Duty)})",
                self.value_at(body, "outcome"),
            )
        if duties and outcome is not Outcome.ALLOW_WITH_DUTIES:
            self.fail(
                f"{owner}: 'duties' only apply to outcome allow_with_duties, not {outcome}",
                self.key_at(body, "duties"),
            )

        when: list[tuple[str, tuple[FactValue, ...]]] = []
        if "when" in body and body["when"] is not None:
            conditions = body["when"]
            if not isinstance(conditions, CommentedMap):
                self.fail(
                    f"{owner}: 'when' must be a mapping of fact to value(s), not "
                    f"{type_name(conditions)}",
                    self.value_at(body, "when"),
                )
            marks.append(("when", self.key_at(body, "when")))
            for fact in conditions:
                if fact not in FACT_NAMES:
                    self.fail(
                        f"{owner}: unknown fact '{fact}' (one of: {_choices(FACT_NAMES)})",
                        self.key_at(conditions, fact),
                    )
                marks.append((f"when.{fact}", self.value_at(conditions, fact)))
                when.append((str(fact), self.fact_values(owner, conditions, str(fact))))
            when.sort(key=lambda item: FACT_NAMES.index(item[0]))
        return Rule(
            id=rule_id,
            outcome=outcome,
            reason=reason,
            article=article,
            when=tuple(when),
            duties=tuple(dict.fromkeys(duties)),
            marks=SourceMarks(self.source, tuple(marks)),
        )

    def fact_values(self, owner: str, conditions: CommentedMap, fact: str) -> tuple[FactValue, ...]:
        axis = AXIS_BY_NAME[fact]
        raw = conditions[fact]
        if isinstance(raw, CommentedSeq):
            if not raw:
                self.fail(
                    f"{owner}: fact '{fact}' has an empty list (omit it to match any value)",
                    self.value_at(conditions, fact),
                )
            items = [(item, self.item_at(raw, i)) for i, item in enumerate(raw)]
        else:
            items = [(raw, self.value_at(conditions, fact))]
        values: list[FactValue] = []
        for item, at in items:
            if isinstance(axis.values[0], bool):
                if not isinstance(item, bool):
                    self.fail(
                        f"{owner}: fact '{fact}' takes true or false, not {type_name(item)}", at
                    )
                values.append(item)
                continue
            if not isinstance(item, str):
                self.fail(
                    f"{owner}: fact '{fact}' takes a string or a list of strings, "
                    f"not {type_name(item)}",
                    at,
                )
            match = [v for v in axis.values if not isinstance(v, bool) and v.value == item]
            if not match:
                self.fail(
                    f"{owner}: unknown value '{item}' for fact '{fact}' "
                    f"(one of: {_choices(axis.values)})",
                    at,
                )
            values.append(match[0])
        return tuple(dict.fromkeys(values))
