"""Runs exported models in a fresh interpreter that cannot import explorer.

Given folders holding model.py, weights.safetensors and inputs.safetensors, it
computes each model's output and the gradients of a fixed weighted sum of it,
and writes them to results.safetensors in the same folder.
"""

import importlib.util
import sys

from safetensors.torch import save_file


class NoExplorer:
    """Refuse any import of the explorer package: exported code must stand alone."""

    def find_spec(self, name, path=None, target=None):
        if name == "explorer" or name.startswith("explorer."):
            raise ImportError(f"exported code imported {name}")
        return None


sys.meta_path.insert(0, NoExplorer())


def run(folder):
    spec = importlib.util.spec_from_file_location(f"exported_{abs(hash(folder))}",
                                                  f"{folder}/model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.Network()
    model.load_state_dict(module.load_tensors(f"{folder}/weights.safetensors"))
    inputs = module.load_tensors(f"{folder}/inputs.safetensors")
    x = inputs["x"]
    if x.is_floating_point():
        x.requires_grad_(True)
    out = model(x)
    (out * inputs["projection"]).sum().backward()
    results = {"out": out.detach()}
    results.update({f"grad.{k}": p.grad for k, p in model.named_parameters()
                    if p.grad is not None})
    if x.grad is not None:
        results["grad_input"] = x.grad
    save_file(results, f"{folder}/results.safetensors")


if __name__ == "__main__":
    for folder in sys.argv[1:]:
        run(folder)
    print("ok")
