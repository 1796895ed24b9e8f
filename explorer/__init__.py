"""Architecture Explorer: build neural networks visually, train them, export PyTorch."""

__version__ = "0.1.0"
