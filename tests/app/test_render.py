"""Headless diagrams: PNG and SVG files of a project, and clear errors for bad input."""

import pytest
from PySide6.QtGui import QImage

from explorer.app import render_to_file
from explorer.app.render import export_diagram
from explorer.graph import ProjectFileError, recipes
from explorer.graph.project import save


@pytest.fixture
def project_file(tmp_path):
    path = tmp_path / "unet.archx.json"
    save(recipes.unet(), path)
    return path


def test_png_is_drawn_at_twice_the_canvas_size(qtbot, project_file, tmp_path):
    out = tmp_path / "unet.png"
    render_to_file(str(project_file), str(out))
    image = QImage(str(out))
    assert not image.isNull()
    assert image.width() > 2000 and image.width() > image.height()
    corner = image.pixelColor(2, 2)
    grid = [image.pixelColor(x, y) for x in range(0, image.width(), 25)
            for y in range(0, image.height(), 25)]
    drawn = sum(colour != corner for colour in grid)
    assert drawn > len(grid) // 20  # nodes and wires, not just background


def test_svg_holds_the_node_names(qtbot, project_file, tmp_path):
    out = tmp_path / "unet.svg"
    render_to_file(str(project_file), str(out))
    text = out.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    assert "concat_1" in text and "conv_1" in text


def test_unknown_suffix_and_bad_project_are_explained(qtbot, project_file, tmp_path):
    with pytest.raises(ValueError, match=r"use \.png or \.svg"):
        render_to_file(str(project_file), str(tmp_path / "x.gif"))
    bad = tmp_path / "bad.archx.json"
    bad.write_text("[]")
    with pytest.raises(ProjectFileError, match="one JSON object"):
        render_to_file(str(bad), str(tmp_path / "x.png"))
    with pytest.raises(OSError, match="folder does not exist"):
        render_to_file(str(project_file), str(tmp_path / "missing" / "x.png"))


def test_exporting_leaves_the_graph_unobserved(qtbot, tmp_path):
    project = recipes.mlp()
    export_diagram(project, tmp_path / "a.png")
    for signal in (project.graph.events.node_added, project.graph.events.changed):
        assert len(signal) == 0


def test_an_svg_of_ids_and_labels_with_control_characters_is_well_formed_xml(qtbot, tmp_path):
    import xml.etree.ElementTree as ET

    project = recipes.mlp(depth=1)
    graph = project.graph
    linear = next(n.id for n in graph.nodes() if n.kind == "Linear")
    graph.set_label(linear, "<b>&amp;\x01\"q\"\x0b")
    graph.add_node("ReLU", node_id="odd\x02id<&>", position=(0, 400))
    path = tmp_path / "odd.archx.json"
    save(project, path)
    out = tmp_path / "odd.svg"
    render_to_file(str(path), str(out))
    root = ET.parse(out).getroot()  # raises on anything that is not well-formed
    text = " ".join(t for t in root.itertext())
    assert '<b>&amp;"q"' in text and "oddid<&>" in text
