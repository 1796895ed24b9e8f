"""check_against: a checked network against a dataset, in plain words that say what to set."""

import pytest

from explorer.graph import ArchitectureGraph, check_graph, recipes
from explorer.train.data import check_against, input_node_for, load_dataset


def problems(project_or_graph, name, options=None):
    graph = getattr(project_or_graph, "graph", project_or_graph)
    result = check_graph(graph)
    assert result.ok, result.errors  # the networks here are sound; only the fit is in question
    return check_against(load_dataset(name, options), result)


def chain(*nodes):
    """A straight graph from (kind, params) pairs."""
    graph = ArchitectureGraph()
    last = None
    for kind, params in nodes:
        node = graph.add_node(kind, params)
        if last is not None:
            graph.connect(last, node)
        last = node
    return graph


def only_node(graph, kind):
    (node,) = [n.id for n in graph.nodes() if n.kind == kind]
    return node


@pytest.mark.parametrize(
    ("recipe", "options", "dataset"),
    [
        (recipes.mlp, {}, "spirals"),
        (recipes.residual_mlp, {}, "spirals"),
        (recipes.highway_mlp, {"blocks": 3}, "spirals"),
        (recipes.resnet_cifar, {}, "shapes"),
        (recipes.transformer_classifier, {}, "parity"),
        (recipes.transformer_classifier, {"per_token": True}, "copy"),
        (recipes.unet, {}, "shape_masks"),
    ],
)
def test_recipes_fit_their_default_datasets(recipe, options, dataset):
    assert problems(recipe(**options), dataset) == []


def test_features_input_of_the_wrong_width():
    project = recipes.mlp()
    project.graph.set_params(only_node(project.graph, "VectorInput"), {"features": 3})
    assert problems(project, "spirals") == [
        "The Features input takes 3 numbers, but spirals gives 2: set features to 2."]


def test_too_many_class_scores():
    assert problems(recipes.mlp(classes=10), "spirals") == [
        "The Classification output receives 10 class scores, but spirals has 2 classes: "
        "set the last Linear layer's out_features to 2."]


def test_image_input_names_only_the_settings_that_differ():
    assert problems(recipes.resnet_cifar(), "digits") == [
        "The Image input takes 3×32×32 images, but digits gives 1×8×8: set channels to 1, "
        "height to 8 and width to 8."]
    assert problems(recipes.unet(), "shapes", {"channels": 1, "size": 16})[0] == (
        "The Image input takes 1×32×32 images, but shapes gives 1×16×16: set height to 16 "
        "and width to 16.")


def test_wrong_input_kind_says_which_to_use():
    found = problems(recipes.mlp(classes=10), "digits")
    assert found == [
        "digits gives 1×8×8 images, but the network starts with a Features input: use an "
        "Image input instead, with channels 1, height 8 and width 8 (or set the dataset's "
        "layout option to 'vector')."]
    assert problems(recipes.mlp(features=64, classes=10), "digits", {"layout": "vector"}) == []


def test_head_of_the_wrong_task():
    found = problems(recipes.mlp(features=1), "sine")
    assert found == [
        "sine is a regression task (1 number to predict), but the network ends in a "
        "Classification output: use a Regression output instead."]


def test_regression_head_with_too_many_numbers():
    graph = chain(("VectorInput", {"features": 1}), ("Linear", {"out_features": 3}),
                  ("RegressionOutput", {}))
    assert problems(graph, "sine") == [
        "The Regression output receives 3 numbers, but sine has 1 number to predict per "
        "example: set the last Linear layer's out_features to 1."]
    graph.set_params(only_node(graph, "Linear"), {"out_features": 1})
    assert problems(graph, "sine") == []


def test_per_token_task_with_a_pooled_head():
    assert problems(recipes.transformer_classifier(), "copy") == [
        "copy needs a class for every token (16×16 scores), but the Classification output "
        "receives one set of 2 scores per sequence: remove the pooling before the last "
        "Linear layer."]


def test_sequence_task_with_per_token_scores():
    assert problems(recipes.transformer_classifier(per_token=True), "parity") == [
        "parity needs one class per sequence, but the Classification output receives scores "
        "for every token (16×16): add a GlobalAvgPool before the last Linear layer."]


def test_token_input_length_and_vocabulary():
    project = recipes.transformer_classifier(per_token=True, vocab=8)
    project.graph.set_params(only_node(project.graph, "TokenInput"), {"length": 12})
    assert problems(project, "copy") == [
        "The Token input takes 12 tokens, but copy gives 16: set length to 16.",
        "The Token input knows 8 token ids, but copy uses 16: set vocab to 16.",
        "The Classification output receives 8 class scores per token, but copy has 16 "
        "classes: set the last Linear layer's out_features to 16."]


def test_a_larger_vocabulary_than_the_data_uses_is_fine():
    assert problems(recipes.transformer_classifier(), "parity", {"vocab": 2}) == []


def test_segmentation_classes():
    assert problems(recipes.unet(classes=5), "shape_masks") == [
        "The Segmentation output receives 5 score maps, but shape_masks has 3 pixel classes: "
        "set the last Conv2d's out_channels to 3."]


def test_segmentation_maps_of_the_wrong_size():
    graph = chain(("ImageInput", {"channels": 1, "height": 16, "width": 16}),
                  ("Conv2d", {"out_channels": 3, "stride": 2}), ("SegmentationOutput", {}))
    assert problems(graph, "shape_masks", {"size": 16}) == [
        "The Segmentation output receives 8×8 score maps, but the masks of shape_masks are "
        "16×16: the network must give back the input's height and width (upsample as often "
        "as it downsamples)."]


def test_classification_data_on_a_segmentation_network():
    found = problems(recipes.unet(channels=3), "shapes")
    assert found == [
        "shapes is a classification task (10 classes), but the network ends in a "
        "Segmentation output: use a Classification output instead."]


def test_graphs_without_input_or_output_leave_those_checks_to_the_checker():
    graph = chain(("Linear", {"out_features": 2}), ("ClassificationOutput", {}))
    result = check_graph(graph)
    assert not result.ok
    assert check_against(load_dataset("spirals"), result) == []


@pytest.mark.parametrize(
    ("name", "kind", "params"),
    [
        ("spirals", "VectorInput", {"features": 2}),
        ("digits", "ImageInput", {"channels": 1, "height": 8, "width": 8}),
        ("reverse", "TokenInput", {"length": 16, "vocab": 16}),
    ],
)
def test_input_node_for_a_dataset(name, kind, params):
    assert input_node_for(load_dataset(name)) == (kind, params)
