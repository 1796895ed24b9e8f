"""Finding the network to import, building it, and remembering how its parts were made.

``PATH.py:Name`` loads that one file (never anything else the user did not
name) and ``package.module:factory`` imports that module; ``Name`` may be a
module class (called with no arguments) or a function that returns a module.
While it runs, the ``__init__`` of every module class defined there, or in a
library other than torch, is wrapped to record the arguments each instance
was made with, so a part kept whole (an opaque ``Module`` node) can be made
again from its class.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import json
import keyword
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import torch.nn as nn

from explorer.graph import TensorSpec

from .errors import ImportFailure

INPUT_SYNTAX = ("CxHxW for an image (3x224x224), F for a feature vector (64), "
                "tokens:LENGTH:VOCAB for token ids (tokens:128:30000)")


@dataclass
class Loaded:
    """The built network and what is known of how its parts were made."""

    module: nn.Module
    source_file: str = ""  # the file the classes came from, "" for an installed package
    module_name: str = ""  # the name that file (or package module) is known by
    init_args: dict[int, dict[str, Any] | None] = field(default_factory=dict)  # id(part) -> args
    keep: list[nn.Module] = field(default_factory=list)  # keeps the ids above unique

    def arguments_of(self, part: nn.Module) -> dict[str, Any] | None:
        """The recorded constructor arguments (None: not recorded or not plain data)."""
        return self.init_args.get(id(part))


def parse_input(text: str) -> TensorSpec:
    """An --input value as a per-example spec; ImportFailure with the syntax when it is not one."""
    text = text.strip().replace("×", "x")
    try:
        if text.startswith("tokens:"):
            length, vocab = (int(p) for p in text.split(":")[1:])
            if length >= 1 and vocab >= 2:
                return TensorSpec((length,), "long", vocab=vocab)
        else:
            dims = tuple(int(p) for p in text.split("x"))
            if len(dims) in (1, 3) and all(d >= 1 for d in dims):
                return TensorSpec(dims)
    except ValueError:
        pass
    raise ImportFailure(f"--input {text!r} is not a shape this program can feed.",
                        f"Give {INPUT_SYNTAX}.")


def load(target: str) -> Loaded:
    """Build the network ``target`` names (``PATH.py:Name`` or ``package.module:factory``)."""
    where, sep, name = target.rpartition(":")
    if not sep or not where or not name:
        raise ImportFailure(f"{target!r} does not say what to import.",
                            "Write PATH.py:Name or package.module:factory.")
    if where.endswith(".py"):
        module, source_file = _load_file(Path(where)), str(Path(where).resolve())
    else:
        module, source_file = _import_module(where), ""
    factory = getattr(module, name, None)
    if factory is None:
        raise ImportFailure(f"{where} has no {name!r}.",
                            _suggest(module) or "Check the name after the colon.")
    if not callable(factory):
        raise ImportFailure(f"{where}:{name} is a {type(factory).__name__}, not a class or "
                            "function that makes a module.")
    loaded = Loaded(nn.Module(), source_file, module.__name__)
    with _recording(module, loaded):
        try:
            built = factory()
        except Exception as error:  # the user's code: whatever it raises is reported
            raise ImportFailure(f"{where}:{name}() raised {type(error).__name__}: "
                                f"{_one_line(error)}") from None
    if not isinstance(built, nn.Module):
        raise ImportFailure(f"{where}:{name}() returned a {type(built).__name__}, not a "
                            "torch.nn.Module.")
    loaded.module = built
    return loaded


def _load_file(path: Path) -> ModuleType:
    """Run exactly this file as a module named after it (nothing beside it is imported)."""
    if not path.is_file():
        raise ImportFailure(f"there is no file {path}.")
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportFailure(f"{path} cannot be loaded as Python.")
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(name)
    sys.modules[name] = module  # dataclasses and pickling look classes up here
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        if previous is not None:
            sys.modules[name] = previous
        else:
            sys.modules.pop(name, None)
        raise ImportFailure(f"{path} raised {type(error).__name__} while loading: "
                            f"{_one_line(error)}") from None
    return module


def _module_name(path: Path) -> str:
    """The name the file is known by: its stem, unless another module has that name.

    A file called ``torch.py`` or ``json.py`` must not stand in for the real
    module (for this program or for the exported code), so it gets a name of its own.
    """
    stem = path.stem if path.stem.isidentifier() and not keyword.iskeyword(path.stem) \
        else "network"
    known = sys.modules.get(stem)
    if known is not None:
        same = Path(getattr(known, "__file__", None) or "").resolve() == path.resolve()
        return stem if same else f"imported_{stem}"
    try:
        found = importlib.util.find_spec(stem)
    except (ImportError, ValueError):
        found = None
    if found is not None and (found.origin is None
                              or Path(found.origin).resolve() != path.resolve()):
        return f"imported_{stem}"
    return stem


def _import_module(name: str) -> ModuleType:
    """Import ``name`` as ``python -m`` would find it: installed, or under the current folder."""
    folder = os.getcwd()
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        raise ImportFailure(f"there is no module {error.name or name!r} to import.",
                            "Install its package, or give the path of a .py file.") from None
    except Exception as error:
        raise ImportFailure(f"importing {name} raised {type(error).__name__}: "
                            f"{_one_line(error)}") from None
    finally:
        if added and folder in sys.path:
            sys.path.remove(folder)


@contextmanager
def _recording(module: ModuleType, loaded: Loaded) -> Iterator[None]:
    """Wrap ``__init__`` of the module classes made while the factory runs: those defined in
    ``module`` and those of the libraries it uses (einops' ``Rearrange``, say)."""
    originals: dict[type, Callable] = {}
    for cls in _recorded_classes(module):
        original = vars(cls)["__init__"]
        try:
            cls.__init__ = _recorder(cls, original, loaded)  # type: ignore[misc]
        except (TypeError, ValueError):  # no signature to read, or a class that cannot change
            continue
        originals[cls] = original
    try:
        yield
    finally:
        for cls, original in originals.items():
            cls.__init__ = original  # type: ignore[misc]


_UNWRAPPED_PACKAGES = {"torch", "explorer", "builtins"}  # packages whose classes are not wrapped


def _recorded_classes(module: ModuleType) -> list[type]:
    """The classes whose ``__init__`` makes module objects: those defined in ``module`` or in
    a library loaded so far (a mixin's, where a module class inherits its ``__init__``, as
    einops' ``Rearrange`` does). Not torch's layers (read back from their attributes) nor
    this program's (its blocks are read by ``own_blocks``, from the user's file)."""
    owners: dict[type, None] = {}
    seen: set[type] = set()
    todo: list[type] = [nn.Module]
    while todo:
        subclasses: list[type] = todo.pop().__subclasses__()
        for cls in subclasses:
            if cls in seen:
                continue
            seen.add(cls)
            todo.append(cls)
            owner = next(c for c in cls.__mro__ if "__init__" in vars(c))
            home = (owner.__module__ or "").split(".")[0]
            if owner.__module__ == module.__name__ or home not in _UNWRAPPED_PACKAGES:
                owners[owner] = None
    return list(owners)


def _recorder(cls: type, original: Callable, loaded: Loaded) -> Callable:
    signature = inspect.signature(original)

    @functools.wraps(original)
    def __init__(self: nn.Module, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        # The call that made the object: its class's __init__ is this one (its own, or
        # inherited), not a subclass's __init__ calling super().__init__ with other arguments.
        if type(self).__init__ is __init__:
            loaded.init_args[id(self)] = _plain_arguments(signature, self, args, kwargs)
            loaded.keep.append(self)

    return __init__


def _plain_arguments(signature: inspect.Signature, owner: object, args: tuple,
                     kwargs: dict) -> dict[str, Any] | None:
    """The call's arguments by name, if all are plain JSON data; else None."""
    try:
        bound = signature.bind(owner, *args, **kwargs)
    except TypeError:
        return None
    values: dict[str, Any] = {}
    for name, value in list(bound.arguments.items())[1:]:
        kind = signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            if value:
                return None
        elif kind is inspect.Parameter.VAR_KEYWORD:
            values.update(value)
        else:
            values[name] = value
    return values if is_plain(values) else None


def is_plain(value: Any) -> bool:
    """Whether ``value`` survives a trip through JSON unchanged (tuples would become lists)."""
    try:
        return bool(json.loads(json.dumps(value, allow_nan=False)) == value)
    except (TypeError, ValueError):
        return False


def _suggest(module: ModuleType) -> str:
    names = [n for n, v in vars(module).items() if not n.startswith("_") and
             ((isinstance(v, type) and issubclass(v, nn.Module) and v.__module__ ==
               module.__name__) or (inspect.isfunction(v) and v.__module__ == module.__name__))]
    return f"It defines: {', '.join(sorted(names)[:8])}." if names else ""


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= 300 else text[:297] + "..."
