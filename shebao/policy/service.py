"""The policy domain's service: the one calculator dispatch, used by the API, the CLI and the portal.

:func:`calculate` takes the calculator's kind, its inputs (a dict or the typed model of
:mod:`shebao.policy.schemas`) and a parameter set, and returns the calculator's JSON-ready dict.
Whatever a person typed wrong comes back as one exception, :class:`~shebao.policy.InputError`,
with the field at fault (``None`` when it is not one field) and a message in Chinese that names
the field as a person reads it, never its key. Each face words it once: the API answers 422 with
the field in ``loc``, the CLI prints one Chinese line and exits 1, the portal shows a form error.
Pure: no database session (the caller hands in the parameter set, e.g. from
:func:`shebao.policy.store.parameters_for`).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from pydantic import BaseModel, ValidationError

from shebao.policy.common import InputError
from shebao.policy.guide import check_inputs
from shebao.policy.paramset import ParameterSet, default_parameters
from shebao.policy.schemas import INPUTS, CalculatorInputs
from shebao.policy.tree import ParameterError

KINDS = tuple(INPUTS)

# kind → (module of shebao.policy, function); the calculators import lazily (NumPy stays unloaded
# for a retirement date)
_HOMES = {
    "pension": ("pension", "calc_pension"),
    "retirement": ("retirement", "calc_retirement"),
    "plan": ("guide", "calc_plan"),
    "backpay": ("guide", "calc_backpay"),
    "unemployment": ("unemployment", "calc_unemployment"),
    "injury": ("injury", "calc_injury"),
    "survivor": ("death", "calc_survivor"),
}


def _refusal(model: type[CalculatorInputs], exc: ValidationError) -> InputError:
    """The first refused field of a validation error, in Chinese (label and what it expects)."""
    error = exc.errors()[0]
    loc = [part for part in error.get("loc", ()) if isinstance(part, str)]
    field = loc[0] if loc else None
    info = model.model_fields.get(field) if field else None
    if info is None:
        return InputError("输入应为一个对象（字段名: 值）", field)
    shown = str(error.get("input"))
    shown = shown if len(shown) <= 40 else shown[:40] + "…"
    return InputError(f"{info.title}应为{info.description}，您填写的是“{shown}”", field)


def parse_inputs(kind: str, inputs: dict[str, Any] | BaseModel) -> CalculatorInputs:
    """The typed inputs of a calculator.

    Raises:
        InputError: unknown kind, or a field of the wrong shape (with the field).
    """
    model = INPUTS.get(kind)
    if model is None:
        raise InputError(f"未知的测算：{kind}")
    if isinstance(inputs, model):
        return inputs
    if isinstance(inputs, BaseModel):
        inputs = inputs.model_dump(exclude_unset=True)
    if not isinstance(inputs, dict):
        raise InputError("输入应为一个对象（字段名: 值）")
    try:
        return model.model_validate(inputs)
    except ValidationError as exc:
        raise _refusal(model, exc) from None


def calculate(kind: str, inputs: dict[str, Any] | BaseModel, params: ParameterSet | None = None) -> dict[str, Any]:
    """Run the citizens' calculator ``kind`` (one of :data:`KINDS`) on checked, typed inputs.

    Args:
        kind: ``pension``, ``retirement``, ``plan``, ``backpay``, ``unemployment``, ``injury`` or
            ``survivor``.
        inputs: a dict (as typed by a person or posted as JSON) or the kind's model of
            :mod:`shebao.policy.schemas`.
        params: the parameter set (default: the shipped tree).

    Returns:
        The calculator's JSON-ready result (amounts as 2-decimal strings, ``reasons``, ``trace``).

    Raises:
        InputError: the one error of a bad input, with ``field`` set where one field is at fault.
            An unusable parameter (e.g. an override that does not parse) is also reported this way.
    """
    typed = parse_inputs(kind, inputs)
    values = typed.model_dump(exclude_unset=True)
    module, name = _HOMES[kind]
    calculator = getattr(import_module(f"shebao.policy.{module}"), name)
    try:
        if kind in ("pension", "retirement"):  # plan and backpay check their own inputs; the others
            check_inputs(kind, values)         # (e.g. unemployment) their own, in their module
        return calculator(values, params or default_parameters())
    except InputError:
        raise
    except ParameterError as exc:
        raise InputError(str(exc)) from None
    except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
        # a malformed value the calculator did not word itself: still the person's input, never a 500
        raise InputError("输入有误，请核对填写的内容" + (f"：{exc}" if _chinese(str(exc)) else "")) from None


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


__all__ = ["KINDS", "calculate", "parse_inputs"]
