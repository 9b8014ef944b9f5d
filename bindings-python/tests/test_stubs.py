"""The type stubs (_bangfu.pyi) say what the compiled module has, exactly.

Every public name of the module and of its classes must be in the stubs, and
every name in the stubs must exist; functions and methods must have the same
parameters (names, kinds, which have defaults) as the compiled signature.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

import bangfu
from bangfu import _bangfu

STUB = Path(bangfu.__file__).with_name("_bangfu.pyi")

Param = Tuple[str, str, bool]  # name, kind, has default

KINDS = {
    "posonly": inspect.Parameter.POSITIONAL_ONLY.name,
    "args": inspect.Parameter.POSITIONAL_OR_KEYWORD.name,
    "kwonly": inspect.Parameter.KEYWORD_ONLY.name,
}


def stub_params(fn: ast.FunctionDef) -> List[Param]:
    a = fn.args
    out: List[Param] = []
    positional = a.posonlyargs + a.args
    n_defaults = len(a.defaults)
    for i, arg in enumerate(positional):
        kind = KINDS["posonly"] if i < len(a.posonlyargs) else KINDS["args"]
        out.append((arg.arg, kind, i >= len(positional) - n_defaults))
    for arg, default in zip(a.kwonlyargs, a.kw_defaults):
        out.append((arg.arg, KINDS["kwonly"], default is not None))
    return out


def runtime_params(obj) -> List[Param]:
    sig = inspect.signature(obj)
    return [(p.name, p.kind.name, p.default is not inspect.Parameter.empty) for p in sig.parameters.values()]


def strip_self(params: List[Param]) -> List[Param]:
    return params[1:] if params and params[0][0] == "self" else params


def normalise(params: List[Param]) -> List[Param]:
    # pyo3 marks `self` positional-only; dunder methods take positional-only
    # arguments. Stubs write both as ordinary parameters.
    return [(n, KINDS["args"] if k == KINDS["posonly"] else k, d) for n, k, d in params]


def is_property(fn: ast.FunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "property" for d in fn.decorator_list)


def stub_tree() -> Tuple[Dict[str, ast.FunctionDef], Dict[str, Dict[str, ast.FunctionDef]], List[str]]:
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    functions: Dict[str, ast.FunctionDef] = {}
    classes: Dict[str, Dict[str, ast.FunctionDef]] = {}
    variables: List[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            functions[node.name] = node
        elif isinstance(node, ast.ClassDef):
            classes[node.name] = {n.name: n for n in node.body if isinstance(n, ast.FunctionDef)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            variables.append(node.target.id)
    return functions, classes, variables


FUNCTIONS, CLASSES, VARIABLES = stub_tree()
MODULE_PUBLIC = sorted(
    n for n in dir(_bangfu) if not (n.startswith("__") and n.endswith("__")) or n == "__version__"
)


def test_every_module_name_is_stubbed_and_every_stub_exists() -> None:
    stubbed = set(FUNCTIONS) | set(CLASSES) | set(VARIABLES)
    assert set(MODULE_PUBLIC) == stubbed


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_signatures_match(name: str) -> None:
    assert normalise(runtime_params(getattr(_bangfu, name))) == normalise(stub_params(FUNCTIONS[name]))


def class_members(cls) -> List[str]:
    return sorted(
        n
        for n in vars(cls)
        if not n.startswith("_") or n in {"__getitem__", "__contains__", "__len__"}
    )


@pytest.mark.parametrize("cls_name", sorted(CLASSES))
def test_class_members_match(cls_name: str) -> None:
    cls = getattr(_bangfu, cls_name)
    assert class_members(cls) == sorted(CLASSES[cls_name])


@pytest.mark.parametrize(
    "cls_name,member", [(c, m) for c, members in sorted(CLASSES.items()) for m in sorted(members)]
)
def test_method_signatures_and_properties_match(cls_name: str, member: str) -> None:
    cls = getattr(_bangfu, cls_name)
    stub = CLASSES[cls_name][member]
    runtime = inspect.getattr_static(cls, member)
    if is_property(stub):
        assert inspect.isgetsetdescriptor(runtime) or isinstance(runtime, property), member
        return
    assert not inspect.isgetsetdescriptor(runtime), f"{member} is a property at runtime"
    static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in stub.decorator_list)
    assert isinstance(runtime, staticmethod) == static, f"{member}: staticmethod in one only"
    expected = stub_params(stub)
    got = runtime_params(getattr(cls, member))
    if not static:
        expected, got = strip_self(expected), strip_self(got)
    assert normalise(got) == normalise(expected)


def test_package_reexports() -> None:
    for name in bangfu.__all__:
        assert hasattr(bangfu, name), name
    assert bangfu.RuleSet is _bangfu.RuleSet
    assert issubclass(bangfu.InputError, bangfu.BangfuError)
    assert issubclass(bangfu.RuleSetError, bangfu.BangfuError)
    assert issubclass(bangfu.EvaluationError, bangfu.BangfuError)
    assert Path(bangfu.__file__).with_name("py.typed").exists()
