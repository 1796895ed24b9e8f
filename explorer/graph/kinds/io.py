"""Where data enters the network, and the heads that say what it is trained to predict."""

from __future__ import annotations

from ..errors import ShapeError
from ..params import Param
from ..specs import TensorSpec, format_shape
from .base import INPUTS_OUTPUTS, MAX_SPATIAL, MAX_WIDTH, Context, NodeKind, describe_spec, register


def _vector_input(ctx: Context) -> TensorSpec:
    return TensorSpec((ctx["features"],))


def _image_input(ctx: Context) -> TensorSpec:
    return TensorSpec((ctx["channels"], ctx["height"], ctx["width"]))


def _token_input(ctx: Context) -> TensorSpec:
    return TensorSpec((ctx["length"],), "long", vocab=ctx["vocab"])


VECTOR_INPUT = NodeKind(
    name="VectorInput",
    title="Features input",
    category=INPUTS_OUTPUTS,
    id_prefix="input",
    description="Feeds each example in as a vector of numbers, e.g. the x, y of a 2-D point.",
    formula="x ∈ ℝᶠ",
    params=(Param("features", int, 2, "Numbers per example", min=1, max=MAX_WIDTH),),
    infer=_vector_input,
    n_inputs=0,
)

IMAGE_INPUT = NodeKind(
    name="ImageInput",
    title="Image input",
    category=INPUTS_OUTPUTS,
    id_prefix="input",
    description="Feeds each example in as an image: channels × height × width.",
    formula="x ∈ ℝ^(C×H×W)",
    params=(
        Param("channels", int, 3, "Colour channels (1 grey, 3 RGB)", min=1, max=4096),
        Param("height", int, 32, "Image height in pixels", min=1, max=MAX_SPATIAL),
        Param("width", int, 32, "Image width in pixels", min=1, max=MAX_SPATIAL),
    ),
    infer=_image_input,
    n_inputs=0,
)

TOKEN_INPUT = NodeKind(
    name="TokenInput",
    title="Token input",
    category=INPUTS_OUTPUTS,
    id_prefix="input",
    description="Feeds each example in as a sequence of token ids (whole numbers below vocab).",
    formula="x ∈ {0 … V−1}ᵀ",
    params=(
        Param("length", int, 16, "Tokens per sequence", min=1, max=65536),
        Param("vocab", int, 16, "Number of distinct token ids", min=2, max=MAX_WIDTH),
    ),
    infer=_token_input,
    n_inputs=0,
)


def _classification(ctx: Context) -> TensorSpec:
    x = ctx.x
    if x.dtype != "float" or x.rank not in (1, 2):
        raise ShapeError(
            f"A classification head needs class scores (K) or per-token scores (T×K), "
            f"but receives {describe_spec(x)}.",
            "Flatten or pool, then add a Linear layer with one output per class.",
        )
    if x.shape[-1] < 2:
        raise ShapeError(
            f"A classification head needs at least 2 class scores, but receives {x.shape[-1]}.",
            "Set the last Linear layer's out_features to the number of classes.",
        )
    return x


def _regression(ctx: Context) -> TensorSpec:
    if ctx.x.dtype != "float":
        raise ShapeError(
            "A regression head needs numbers, but receives token ids.",
            "Embed the tokens first (Embedding), then predict from the embedding.",
        )
    return ctx.x


def _segmentation(ctx: Context) -> TensorSpec:
    x = ctx.x
    if x.layout != "image":
        raise ShapeError(
            f"A segmentation head needs per-pixel class scores (K×H×W), "
            f"but receives {describe_spec(x)}.",
            "End the network with a 1×1 Conv2d that has one output channel per class.",
        )
    if x.shape[0] < 2:
        raise ShapeError(
            f"A segmentation head needs at least 2 class channels, "
            f"but receives {format_shape(x.shape)}.",
            "Set the last Conv2d's out_channels to the number of classes.",
        )
    return x


CLASSIFICATION = NodeKind(
    name="ClassificationOutput",
    title="Classification output",
    category=INPUTS_OUTPUTS,
    id_prefix="output",
    description="Trains the scores before it to pick the right class (softmax + cross-entropy).",
    formula="loss = −log softmax(z)[y]",
    params=(),
    infer=_classification,
    has_output=False,
)

REGRESSION = NodeKind(
    name="RegressionOutput",
    title="Regression output",
    category=INPUTS_OUTPUTS,
    id_prefix="output",
    description="Trains the numbers before it to match the targets (mean squared error).",
    formula="loss = mean((ŷ − y)²)",
    params=(),
    infer=_regression,
    has_output=False,
)

SEGMENTATION = NodeKind(
    name="SegmentationOutput",
    title="Segmentation output",
    category=INPUTS_OUTPUTS,
    id_prefix="output",
    description="Trains one class score map per class to label every pixel (cross-entropy).",
    formula="loss = mean over pixels of −log softmax(z[:, i, j])[y[i, j]]",
    params=(),
    infer=_segmentation,
    has_output=False,
)

INPUT_KINDS = ("VectorInput", "ImageInput", "TokenInput")
OUTPUT_KINDS = ("ClassificationOutput", "RegressionOutput", "SegmentationOutput")

register(VECTOR_INPUT, IMAGE_INPUT, TOKEN_INPUT, CLASSIFICATION, REGRESSION, SEGMENTATION)
