"""Write the example projects in assets/examples from the recipes, with their settings.

Run after changing a recipe or a setting here: python scripts/make_examples.py
"""

from explorer.graph import recipes
from explorer.graph.demos import DEEP_MLP
from explorer.graph.examples import EXAMPLES_DIR, example_path
from explorer.graph.project import save

# The highway demonstration's settings (SGD, cosine decay, warm-up, He initialisation).
CLASSROOM_SGD = {k: v for k, v in DEEP_MLP.to_dict().items()
                 if k in ("optimizer", "lr", "momentum", "schedule", "warmup_steps",
                          "batch_size", "init")}


NAMES = {
    "residual_mlp_spirals": "Residual MLP on spirals",
    "mlp_moons": "Small MLP on two moons",
    "plain_mlp_deep": "Deep plain MLP (20 layers)",
    "highway_mlp_deep": "Deep highway MLP (20 layers)",
    "resnet20_shapes": "ResNet-20 on shapes",
    "densenet_shapes": "DenseNet on shapes",
    "transformer_parity": "Pre-LN transformer on parity",
    "unet_shape_masks": "U-Net segmenting shapes",
    "mbconv_shapes": "MBConv network on shapes",
}


def examples():
    yield "residual_mlp_spirals", recipes.residual_mlp(
        blocks=3, width=64, dataset="spirals", steps=1500, lr=3e-3), (
        "The classroom default. Two interleaved spirals cannot be split by a straight line; "
        "a stem layer and three residual blocks learn the boundary in a few seconds. Each "
        "block adds its input back to its output, so the signal (and its gradient) can skip "
        "the block's two layers.")
    yield "mlp_moons", recipes.mlp(depth=2, width=16, dataset="moons", steps=800, lr=1e-2), (
        "The smallest useful network: two hidden layers of 16 units separate two moons. "
        "Try one hidden layer, or Tanh instead of ReLU, and watch the boundary change.")
    yield "plain_mlp_deep", recipes.mlp(depth=20, width=71, dataset="spirals", steps=1500,
                                        **CLASSROOM_SGD), (
        "Twenty plain ReLU layers, 71 wide (the width Srivastava et al. used for plain nets). "
        "Deep plain stacks are hard to optimise: compare its loss with the highway network "
        "of the same depth and the same number of parameters per layer.")
    yield "highway_mlp_deep", recipes.highway_mlp(blocks=20, width=50, dataset="spirals",
                                                  steps=1500, **CLASSROOM_SGD), (
        "Twenty highway layers, 50 wide. Each layer's gate T decides how much of its new "
        "value to take and how much of its input to carry: y = H(x)·T(x) + x·(1 − T(x)). "
        "The gate bias starts negative (chosen for the depth), so the layers start by "
        "carrying their input and the network trains at a depth where a plain one stalls.")
    yield "resnet20_shapes", recipes.resnet_cifar(n=3, dataset="shapes", steps=2000,
                                                  batch_size=64), (
        "The CIFAR ResNet of He et al. with n = 3: 20 layers in three stages of 16, 32 and "
        "64 filters, here on generated 32×32 shape images. Where the channels double and "
        "the image halves, a 1×1 projection shortcut makes the shapes agree.")
    yield "densenet_shapes", recipes.densenet(blocks=3, layers=4, growth_rate=12,
                                              dataset="shapes", steps=2000), (
        "Three dense blocks joined by transition layers. Inside a block every layer sees "
        "the concatenation of all earlier feature maps and adds 12 channels: features are "
        "reused, not summed, so the channel count grows through each block.")
    yield "transformer_parity", recipes.transformer_classifier(
        depth=2, dim=64, heads=4, norm="pre", dataset="parity", steps=2000, lr=1e-3), (
        "A Pre-LN transformer: token embedding and learned positions, two blocks of "
        "self-attention and MLP (each in a residual connection, LayerNorm before each "
        "part), then mean pooling and a classifier. The task: is the number of 1s in the "
        "sequence even?")
    yield "unet_shape_masks", recipes.unet(depth=2, width=16, dataset="shape_masks",
                                           steps=1500, lr=3e-3), (
        "A small U-Net labels every pixel. The encoder halves the image twice; the decoder "
        "doubles it back and concatenates the encoder's maps at each size, so fine detail "
        "skips the bottleneck.")
    yield "mbconv_shapes", recipes.mbconv_net(dataset="shapes", steps=2000, lr=3e-3), (
        "Inverted residual blocks as in MobileNetV2 and EfficientNet: widen with a 1×1 "
        "convolution, filter each channel on its own, re-weight channels with "
        "squeeze-and-excitation, narrow again, and add the input when shapes match.")


if __name__ == "__main__":
    EXAMPLES_DIR.mkdir(parents=True, exist_ok=True)
    for name, project, notes in examples():
        project.name, project.notes = NAMES[name], notes
        save(project, example_path(name))
        print(f"wrote {example_path(name).name}: {project.name}")
