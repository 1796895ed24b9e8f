"""The weights reader every exported model.py carries (without this docstring)."""


def load_tensors(path):
    """The tensors of a .safetensors file by name: weights saved by the app or train.py."""
    try:
        from safetensors.torch import load_file
    except ImportError:
        raise ImportError(
            "reading .safetensors weights needs the safetensors package: "
            "pip install safetensors"
        ) from None
    return load_file(str(path))
