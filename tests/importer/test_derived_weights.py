"""Weights an import had to transform save back in the original's layout, and load from it.

Hugging Face's GPT-2 keeps its projections transposed (``Conv1D``) and its ViT
keeps query, key and value apart, where the editor's TransformerBlock holds
one stacked ``in_proj_weight``. ``project.weight_map`` records how each was
made (``t(...)``, ``cat(...)``), so trained weights save under Hugging Face's
names and a Hugging Face checkpoint loads into the graph. Small configurations,
random weights, nothing downloaded.
"""

import pytest
import torch

from explorer.compiler import build_model
from explorer.export.errors import ExportError
from explorer.export.original_weights import (
    from_original_layout,
    load_original_weights,
    read_checkpoint,
    save_original_weights,
    to_original_layout,
)
from explorer.graph import ArchitectureGraph, Project, TensorSpec
from explorer.graph.weight_recipes import Part, Recipe, RecipeError, parse_recipe
from explorer.importer.torch_import import example_input, import_module

TOKENS = TensorSpec((8,), "long", vocab=50)
IMAGE = TensorSpec((3, 16, 16))
TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def hf():
    return pytest.importorskip("transformers")


def gpt2(hf, seed: int):
    torch.manual_seed(seed)
    config = hf.GPT2Config(n_layer=2, n_embd=32, n_head=2, vocab_size=50, n_positions=16,
                           bos_token_id=0, eos_token_id=0)
    return hf.GPT2LMHeadModel(config).eval()


def vit(hf, seed: int):
    torch.manual_seed(seed)
    config = hf.ViTConfig(num_hidden_layers=2, hidden_size=32, intermediate_size=64,
                          num_attention_heads=2, image_size=16, patch_size=8, num_labels=3)
    return hf.ViTForImageClassification(config).eval()


@pytest.fixture(scope="module")
def imported_gpt2(hf):
    return import_module(gpt2(hf, seed=0), TOKENS)


@pytest.fixture(scope="module")
def imported_vit(hf):
    return import_module(vit(hf, seed=0), IMAGE)


def trained(imported) -> torch.nn.Module:
    """The compiled network with the imported weights, each then moved (as training would)."""
    model = build_model(imported.project.graph).eval()
    model.load_state_dict(imported.state_dict)
    torch.manual_seed(5)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.05 * torch.randn_like(parameter))
    return model


def largest_difference(ours: torch.nn.Module, theirs: torch.nn.Module, spec: TensorSpec) -> float:
    x = example_input(spec, seed=3, batch=2)
    with torch.no_grad():
        want, got = theirs(x).logits, ours(x)
    assert want.shape == got.shape and want.abs().max() > 0.01  # a real output
    return float((want - got).abs().max())


def test_gpt2_map_records_the_transposed_projections(imported_gpt2, hf):
    weight_map = imported_gpt2.project.weight_map
    assert weight_map["transformer_h_0.attn.mha.in_proj_weight"] == \
        "t(transformer.h.0.attn.c_attn.weight)"
    assert weight_map["transformer_h_1.fc2.weight"] == "t(transformer.h.1.mlp.c_proj.weight)"
    assert weight_map["transformer_h_0.attn.mha.in_proj_bias"] == \
        "transformer.h.0.attn.c_attn.bias"
    assert set(weight_map) == set(imported_gpt2.state_dict)  # every compiled weight
    named = {key for text in weight_map.values() for key in parse_recipe(text).keys}
    # lm_head.weight is the embedding's own tensor (tied), held once by the graph.
    assert named == set(gpt2(hf, seed=0).state_dict()) - {"lm_head.weight"}


def test_vit_map_stacks_separate_query_key_and_value(imported_vit, hf):
    weight_map = imported_vit.project.weight_map
    recipe = parse_recipe(weight_map["vit_layers_1.attn.mha.in_proj_weight"])
    assert weight_map["vit_layers_1.attn.mha.in_proj_weight"].startswith("cat(")
    assert len(recipe.keys) == 3 and not any(part.transposed for part in recipe.parts)
    original = vit(hf, seed=0).state_dict()
    assert all(key in original and ".1." in key and key.endswith(".weight")
               for key in recipe.keys)
    named = {key for text in weight_map.values() for key in parse_recipe(text).keys}
    assert named == set(original)


def test_trained_gpt2_saves_under_hugging_faces_names(imported_gpt2, hf, tmp_path):
    model = trained(imported_gpt2)
    path = tmp_path / "gpt2.safetensors"
    save_original_weights(model, path, imported_gpt2.project.weight_map)  # transposes only
    saved = read_checkpoint(path)
    saved["lm_head.weight"] = saved["transformer.wte.weight"]  # the tied head, stored once
    fresh = gpt2(hf, seed=1)
    fresh.load_state_dict(saved, strict=True)
    assert largest_difference(model, fresh, TOKENS) <= TOLERANCE


def test_trained_vit_saves_under_hugging_faces_names(imported_vit, hf, tmp_path):
    model = trained(imported_vit)
    fresh = vit(hf, seed=1)
    shapes = {key: tuple(value.shape) for key, value in fresh.state_dict().items()}
    path = tmp_path / "vit.safetensors"
    save_original_weights(model, path, imported_vit.project.weight_map, shapes)
    fresh.load_state_dict(read_checkpoint(path), strict=True)
    assert largest_difference(model, fresh, IMAGE) <= TOLERANCE


def test_without_the_original_shapes_query_key_and_value_split_evenly(imported_vit, hf):
    """``main.py weights --to original`` knows no shapes: a stack of q, k and v splits into
    equal parts, which is what the shapes would say."""
    state = trained(imported_vit).state_dict()
    weight_map = imported_vit.project.weight_map
    shapes = {key: tuple(value.shape) for key, value in vit(hf, seed=1).state_dict().items()}
    stacked = {key for key, text in weight_map.items() if text.startswith("cat(")}
    assert len(stacked) == 4  # in_proj_weight and in_proj_bias of two layers
    guessed = to_original_layout({key: state[key] for key in stacked}, weight_map)
    told = to_original_layout({key: state[key] for key in stacked}, weight_map, shapes)
    assert guessed.keys() == told.keys() and len(told) == 12
    for key, value in told.items():
        assert torch.equal(guessed[key], value), key


@pytest.mark.parametrize("name", ["gpt2", "vit"])
def test_a_hugging_face_checkpoint_loads_into_the_graph(name, imported_gpt2, imported_vit, hf):
    imported, theirs, spec = ((imported_gpt2, gpt2(hf, seed=2), TOKENS) if name == "gpt2"
                              else (imported_vit, vit(hf, seed=2), IMAGE))
    model = build_model(imported.project.graph).eval()
    load_original_weights(model, theirs.state_dict(), imported.project.weight_map)
    assert largest_difference(model, theirs, spec) <= TOLERANCE


def test_the_import_state_is_what_the_recipes_make(imported_vit, hf):
    """The importer and the loader make the same tensors from the same checkpoint."""
    model = build_model(imported_vit.project.graph)
    state = from_original_layout(model, vit(hf, seed=0).state_dict(),
                                 imported_vit.project.weight_map)
    assert state.keys() == imported_vit.state_dict.keys()
    for key, value in imported_vit.state_dict.items():
        assert torch.equal(state[key], value), key


# --- recipes on their own ---------------------------------------------------------------

@pytest.mark.parametrize("text", ["layer1.0.conv1.weight", "t(h.0.attn.c_attn.weight)",
                                  "cat(q.weight, k.weight, v.weight)", "cat(t(a.w), t(b.w))",
                                  "cat(t(a.w), b.w)"])
def test_a_recipe_reads_back_as_it_was_written(text):
    recipe = parse_recipe(text)
    assert str(recipe) == text
    assert parse_recipe(str(recipe)) == recipe


def test_a_name_that_is_no_recipe_is_a_key_whatever_it_holds():
    """ONNX initializers may be called anything; only t(...) and cat(...) are recipes."""
    assert parse_recipe("dense(1)/kernel:0").parts == (Part("dense(1)/kernel:0"),)
    with pytest.raises(RecipeError, match="cannot hold parentheses"):
        Recipe.of(("dense(1)", "b"))


def test_recipes_say_what_they_take():
    assert parse_recipe("t(x.weight)") == Recipe((Part("x.weight", True),))
    assert parse_recipe(" cat( a ,t(b) ) ") == Recipe((Part("a"), Part("b", True)))
    assert Recipe.of(("a", "b"), transpose=True).parts == (Part("a", True), Part("b", True))
    assert parse_recipe("x.weight").copied and not parse_recipe("t(x.weight)").copied


@pytest.mark.parametrize("text, problem", [
    ("cat(a.weight", "is not closed"),
    ("t(a.weight", "should be a key or t\\(key\\)"),
    ("t(a, b)", "should be a key or t\\(key\\)"),
    ("cat(a.weight)", "stacks a single tensor"),
    ("cat(a, , b)", "'' should be a key"),
    ("", "empty"),
])
def test_a_bad_recipe_is_refused_saying_why(text, problem):
    with pytest.raises(RecipeError, match=problem):
        parse_recipe(text)


def linear_net(out_features: int = 6) -> ArchitectureGraph:
    g = ArchitectureGraph()
    g.add_node("VectorInput", {"features": 3}, node_id="input_1")
    g.add_node("Linear", {"out_features": out_features}, node_id="fc")
    g.add_node("RegressionOutput", {}, node_id="out")
    g.connect("input_1", "fc", "in")
    g.connect("fc", "out", "in")
    return g


STACKED = {"fc.weight": "cat(t(a.weight), b.weight)", "fc.bias": "cat(a.bias, b.bias)"}


def test_tensors_go_through_a_recipe_and_back():
    torch.manual_seed(0)
    original = {"a.weight": torch.randn(3, 2), "b.weight": torch.randn(4, 3),
                "a.bias": torch.randn(2), "b.bias": torch.randn(4)}
    model = build_model(linear_net())
    state = from_original_layout(model, original, STACKED)
    assert torch.equal(state["fc.weight"], torch.cat([original["a.weight"].t(),
                                                      original["b.weight"]]))
    shapes = {key: tuple(value.shape) for key, value in original.items()}
    back = to_original_layout(state, STACKED, shapes)
    assert back.keys() == original.keys()
    for key, value in original.items():
        assert torch.equal(back[key], value), key


def test_a_shape_that_does_not_fit_is_named_with_its_key():
    model = build_model(linear_net())
    state = model.state_dict()
    wrong = {"a.weight": (3, 2), "b.weight": (4, 3), "a.bias": (2,), "b.bias": (5,)}
    with pytest.raises(ExportError, match=r"fc\.bias .*cat\(a\.bias, b\.bias\).* \(6,\)"):
        to_original_layout(state, STACKED, wrong)
    too_big = {"a.weight": torch.ones(3, 2), "b.weight": torch.ones(5, 3),
               "a.bias": torch.ones(2), "b.bias": torch.ones(4)}
    with pytest.raises(ExportError, match=r"fc\.weight .*cat\(t\(a\.weight\), b\.weight\)"):
        from_original_layout(model, too_big, STACKED)
    ragged = {**too_big, "b.weight": torch.ones(4, 2)}
    with pytest.raises(ExportError, match=r"fc\.weight .*differ beyond the first axis"):
        from_original_layout(model, ragged, STACKED)
    uneven = {"fc.weight": "cat(a.weight, b.weight, c.weight, d.weight)", "fc.bias": "x"}
    with pytest.raises(ExportError, match=r"fc\.weight .*cannot be split evenly"):
        to_original_layout({"fc.weight": torch.ones(6, 3)}, uneven)


def test_a_bad_recipe_in_the_map_is_named_with_its_key():
    model = build_model(linear_net())
    broken = {"fc.weight": "cat(a.weight", "fc.bias": "a.bias"}
    with pytest.raises(ExportError, match=r"weight map's entry for fc\.weight"):
        to_original_layout(model.state_dict(), broken)
    with pytest.raises(ExportError, match=r"weight map's entry for fc\.weight"):
        from_original_layout(model, {"a.weight": torch.ones(6, 3), "a.bias": torch.ones(6)},
                             broken)


def test_a_checkpoint_lacking_a_part_names_it():
    model = build_model(linear_net())
    with pytest.raises(ExportError, match=r"lacks b\.weight"):
        from_original_layout(model, {"a.weight": torch.ones(3, 2), "a.bias": torch.ones(2),
                                     "b.bias": torch.ones(4)}, STACKED)


def test_a_project_with_recipes_still_saves_and_loads(tmp_path):
    from explorer.graph.project import dumps, loads

    project = Project(linear_net(), weight_map=dict(STACKED))
    assert loads(dumps(project)).weight_map == STACKED
