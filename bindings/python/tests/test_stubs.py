"""The type stubs agree with the runtime, and the package ships them."""

from __future__ import annotations

import ast
import inspect
import pathlib
from typing import Dict, List, Set

import pytest

import citypassport
from citypassport import _native

from helpers import City

PACKAGE = pathlib.Path(citypassport.__file__).parent
STUB = ast.parse((PACKAGE / "_native.pyi").read_text(encoding="utf-8"))
STUB_CLASSES: Dict[str, ast.ClassDef] = {
    node.name: node for node in STUB.body if isinstance(node, ast.ClassDef)
}


def _is_classvar(node: ast.AnnAssign) -> bool:
    return "ClassVar" in ast.unparse(node.annotation)


def _own(cls: ast.ClassDef) -> Dict[str, ast.AST]:
    """What a stub class declares itself: methods, properties and attributes."""
    names: Dict[str, ast.AST] = {}
    for node in cls.body:
        if isinstance(node, ast.FunctionDef):
            names[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
    return names


def _declared(cls: ast.ClassDef) -> Dict[str, ast.AST]:
    """A stub class's names, with those of its bases in the stub."""
    names: Dict[str, ast.AST] = {}
    for base in cls.bases:
        if isinstance(base, ast.Name) and base.id in STUB_CLASSES:
            names.update(_declared(STUB_CLASSES[base.id]))
    names.update(_own(cls))
    return names


def _public(names: Set[str]) -> Set[str]:
    return {n for n in names if not n.startswith("_")}


def test_the_stub_declares_exactly_the_module_names() -> None:
    stubbed = set(STUB_CLASSES)
    stubbed |= {
        node.target.id
        for node in STUB.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    assert _public(stubbed) | {"__version__"} == _public(set(dir(_native))) | {"__version__"}
    assert "__version__" in stubbed and isinstance(_native.__version__, str)


@pytest.mark.parametrize("name", sorted(STUB_CLASSES))
def test_each_stub_class_matches_the_runtime_class(name: str) -> None:
    runtime = getattr(_native, name)
    stub = STUB_CLASSES[name]
    declared = _declared(stub)

    # Everything the class defines itself is in the stub ...
    assert _public(set(vars(runtime))) <= set(declared), name

    # ... and everything the stub declares on the class exists, with the same
    # parameters; plain annotations of exceptions are instance attributes, checked below.
    for attribute, node in _own(stub).items():
        if isinstance(node, ast.AnnAssign) and not _is_classvar(node):
            assert issubclass(runtime, BaseException), f"{name}.{attribute}"
            continue
        assert hasattr(runtime, attribute), f"{name}.{attribute}"
        if isinstance(node, ast.FunctionDef) and not any(
            ast.unparse(d) == "property" for d in node.decorator_list
        ):
            _same_parameters(f"{name}.{attribute}", getattr(runtime, attribute), node)


def _parameters(node: ast.FunctionDef) -> List[str]:
    args = node.args
    names = [a.arg for a in args.posonlyargs + args.args if a.arg != "self"]
    if args.kwonlyargs:
        names += ["*"] + [a.arg for a in args.kwonlyargs]
    return names


def _same_parameters(where: str, function: object, node: ast.FunctionDef) -> None:
    if where.endswith(".__init__"):
        return
    signature = inspect.signature(function)  # type: ignore[arg-type]
    names: List[str] = []
    star = False
    for parameter in signature.parameters.values():
        if parameter.name == "self":
            continue
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and not star:
            names.append("*")
            star = True
        names.append(parameter.name)
    assert names == _parameters(node), where


def test_exception_attributes_in_the_stub_exist_on_raised_errors(sled_city: City) -> None:
    with pytest.raises(_native.InvalidInput) as invalid:
        sled_city.viewer.value("POP", "2026-M7")
    with pytest.raises(_native.Implausible) as implausible:
        sled_city.executor.save_draft("SHARE", "2025", "101")
    for error in (invalid.value, implausible.value):
        stub = STUB_CLASSES[type(error).__name__]
        for attribute, node in _own(stub).items():
            if isinstance(node, ast.AnnAssign) and not _is_classvar(node):
                assert isinstance(getattr(error, attribute), str), attribute


def test_the_package_exports_what_its_all_says() -> None:
    for name in citypassport.__all__:
        assert hasattr(citypassport, name), name
    public = {
        name
        for name, value in vars(citypassport).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert public == set(citypassport.__all__) - {"__version__"}


def test_the_wheel_ships_the_typing_files() -> None:
    assert (PACKAGE / "py.typed").is_file()
    assert (PACKAGE / "_native.pyi").is_file()


def test_public_methods_have_numpy_style_docs() -> None:
    for cls in (citypassport.Passport, citypassport.Session, citypassport.EntryReport):
        for name, member in vars(cls).items():
            if name.startswith("_") or not callable(member) and not isinstance(member, property):
                continue
            assert inspect.getdoc(member), f"{cls.__name__}.{name} has no docstring"
    doc = inspect.getdoc(citypassport.Session.save_draft) or ""
    for section in ("Parameters", "Returns", "Raises"):
        assert f"{section}\n----" in doc
