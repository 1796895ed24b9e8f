"""Imported modules kept whole: made from their own class, found by its dotted path.

An imported network's custom parts (the ``Module`` node kind) are not
rebuilt from our layers: the compiled network imports the original class
and calls it with the arguments recorded at import. A class defined in a
plain Python file (not an installed package) is loaded from that file, the
one the user named when importing. Only subclasses of ``torch.nn.Module``
are ever called, so a project file cannot make the build call anything
else (``subprocess.Popen``, say); like the original network, an imported
one does run the code of the file it came from.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import torch.nn as nn

from explorer.graph import NodeReport
from explorer.graph.kinds.opaque import init_arguments, is_class_path

from .errors import BuildError
from .module_spec import ModuleSpec


@dataclass(frozen=True)
class ImportedSpec(ModuleSpec):
    """A constructor call on an imported class: ``ctor`` is its dotted path."""

    source_file: str = ""

    def __post_init__(self) -> None:
        """Any class path is allowed, if it is one: it is printed as code when exported."""
        if not is_class_path(self.ctor):
            raise ValueError(f"{self.ctor!r} is not a class path such as package.module.Class")

    @property
    def is_block(self) -> bool:
        return False

    @property
    def module_name(self) -> str:
        return self.ctor.rpartition(".")[0]

    def instantiate(self) -> nn.Module:
        cls = import_class(self.ctor, self.source_file)
        try:
            module = cls(*self.args, **self.kwargs)
        except Exception as error:  # the user's own constructor: any failure is theirs
            raise BuildError(
                f"{self.ctor}({_arguments(self.kwargs)}) failed: "
                f"{type(error).__name__}: {error}",
                hint="Give the arguments it needs as a JSON object in its init_args "
                     "(the inspector), e.g. {\"channels\": 64}.",
            ) from None
        return module

    def source(self) -> str:
        return f"{self.ctor}({_arguments(self.kwargs)})"


def imported_module(p: Mapping[str, Any], report: NodeReport) -> ModuleSpec:
    """The ModuleSpec of a ``Module`` node: its class with the recorded arguments.

    The checker has already refused a class path or arguments that are not
    plain data (the kind's shape rule), so nothing here can become code.
    """
    kwargs = init_arguments(p["init_args"]) or {}
    return ImportedSpec(p["class_path"], (), kwargs, source_file=p["source_file"])


def import_class(path: str, source_file: str = "") -> type:
    """The class named ``package.module.Class``; BuildError saying why it cannot be found."""
    module_name, _, name = path.rpartition(".")
    if not module_name:
        raise BuildError(f"{path!r} is not a class path such as package.module.Class.")
    module = sys.modules.get(module_name)
    try:
        if module is None and source_file:
            module = _load_file(module_name, Path(source_file))
        elif module is None:
            module = importlib.import_module(module_name)
    except BuildError:
        raise
    except Exception as error:  # an ImportError, or whatever the module raised while loading
        raise BuildError(f"cannot import {module_name} for the imported module {name}: "
                         f"{type(error).__name__}: {error}",
                         hint="Install the package that defines it, or run from the folder "
                              "that holds its file.") from None
    cls = getattr(module, name, None)
    if not isinstance(cls, type):
        raise BuildError(f"{module_name} has no class {name}.",
                         hint="Was the class renamed since the network was imported?")
    if not issubclass(cls, nn.Module):  # checked before any call: a project file names it
        raise BuildError(f"{path} is not a torch module class, so it cannot be a part of "
                         "a network.", hint="Import the network again.")
    return cls


def _load_file(module_name: str, path: Path) -> ModuleType:
    """Load the Python file the network was imported from, under the name it had then."""
    if not path.is_file():
        raise BuildError(f"the file {path} that defines {module_name} is missing.",
                         hint="Put it back, or import the network again.")
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise BuildError(f"{path} cannot be loaded as Python.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def _arguments(kwargs: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in kwargs.items())
