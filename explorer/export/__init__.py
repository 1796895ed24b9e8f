"""Export a graph (and its weights) as standalone PyTorch source, a training script, ONNX."""
