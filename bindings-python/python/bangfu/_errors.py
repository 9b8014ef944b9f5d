"""The exceptions bangfu raises.

One base class, :class:`BangfuError`, with a subclass per kind of problem,
each carrying its problems as data (stable codes and locations), so callers
can ``except bangfu.BangfuError`` and still tell a bad rule file from a bad
row. The compiled module raises these classes; it never lets a Rust panic
reach Python (an internal failure is a ``BangfuError`` with code
``internal_error``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

__all__ = [
    "BangfuError",
    "RuleSetError",
    "InputError",
    "ReformError",
    "EvaluationError",
    "ArgumentError",
    "ArgumentTypeError",
    "UnknownNameError",
]


class BangfuError(Exception):
    """Base class of every error bangfu raises.

    ``code`` is a stable snake-case code such as ``rule_set_invalid``,
    ``too_small`` or ``no_rules_in_force``.
    """

    code: str

    def __init__(self, message: str = "", code: str = "bangfu_error") -> None:
        super().__init__(message)
        self.code = code

    @property
    def message(self) -> str:
        """The message, as shown by ``str(error)``."""
        return str(self.args[0]) if self.args else ""


class RuleSetError(BangfuError):
    """A rule set does not load: every diagnostic found, not just the first.

    ``diagnostics`` is a list of dicts with the keys ``code`` (``E0011``),
    ``name`` (``type-mismatch``), ``severity`` (``error``), ``message``,
    ``file``, ``line``, ``column`` (1-based, ``None`` when the problem has no
    place), ``source_line`` and ``help``.
    """

    diagnostics: List[Dict[str, Any]]

    def __init__(self, message: str = "", diagnostics: Sequence[Dict[str, Any]] = ()) -> None:
        super().__init__(message, "rule_set_invalid")
        self.diagnostics = list(diagnostics)


class InputError(BangfuError, ValueError):
    """A case or a table does not fit the rules' inputs.

    ``errors`` is a list of dicts with the keys ``code`` (``missing``,
    ``wrong_type``, ``invalid_money``, ``too_small``, ``date_after_as_of``…),
    ``loc`` (a path such as ``members[1].birth_date``), ``msg`` and ``input``
    (the offending value as text, or ``None``). Errors about table rows also
    carry ``table``, ``row`` and ``household``. ``code`` is the first error's.
    """

    errors: List[Dict[str, Any]]

    def __init__(self, message: str = "", errors: Sequence[Dict[str, Any]] = ()) -> None:
        errors = list(errors)
        super().__init__(message, str(errors[0].get("code", "invalid_input")) if errors else "invalid_input")
        self.errors = errors


class ReformError(InputError, RuleSetError):
    """A reform does not fit the rule set: every override that names no
    parameter or whose value does not fit, each at its place
    (``overrides.dibao_standard``), with code ``invalid_reform``.

    An input error of the reform (``errors`` as :class:`InputError`) that
    leaves the rule set unloaded (also a :class:`RuleSetError`, without
    diagnostics of the rule files).
    """

    def __init__(self, message: str = "", errors: Sequence[Dict[str, Any]] = ()) -> None:
        BangfuError.__init__(self, message, "invalid_reform")
        self.errors = list(errors)
        self.diagnostics = []


class EvaluationError(BangfuError):
    """A valid case cannot be evaluated, e.g. no rules are in force on the date.

    ``code`` is one of ``no_rules_in_force``, ``unknown_program``,
    ``unknown_entity``, ``wrong_entity``, ``overflow``, ``population_mismatch`` (or
    ``internal_error``); ``details`` holds the error's fields.
    """

    details: Optional[Dict[str, Any]]

    def __init__(
        self, message: str = "", code: str = "evaluation_error", details: Optional[Dict[str, Any]] = None
    ) -> None:
        super().__init__(message, code)
        self.details = details


class ArgumentError(BangfuError, ValueError):
    """An argument of a call has a value bangfu does not accept: a date that
    does not exist, ``lang="fr"``, ``errors="ignore"``.

    ``argument`` names the argument (``date``, ``lang``, ``errors``…); the code
    is ``invalid_argument``. Also a ``ValueError``, as Python's own functions
    raise for such values.
    """

    argument: str

    def __init__(self, message: str = "", argument: str = "", code: str = "invalid_argument") -> None:
        super().__init__(message, code)
        self.argument = argument


class ArgumentTypeError(ArgumentError, TypeError):
    """An argument of a call has a type bangfu does not accept (a number where
    a program's name is expected, a ``datetime`` where a ``date`` is). Code
    ``wrong_type``; also a ``TypeError``.
    """

    def __init__(self, message: str = "", argument: str = "") -> None:
        super().__init__(message, argument, "wrong_type")


class UnknownNameError(BangfuError, KeyError):
    """A name that the rule set or the outcome does not have: a parameter, a
    program not evaluated, an outcome key. Code ``unknown_name``; ``name`` is
    the name asked for. Also a ``KeyError``.
    """

    name: str

    def __init__(self, message: str = "", name: str = "") -> None:
        super().__init__(message, "unknown_name")
        self.name = name

    def __str__(self) -> str:
        # KeyError would show the repr of the message; show it as written.
        return self.message
