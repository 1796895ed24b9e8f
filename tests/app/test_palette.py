"""The palette lists every kind by category, finds them by name, and drags them out."""

from PySide6.QtCore import Qt

from explorer.app.kind_search import KIND_MIME_TYPE, find_kinds
from explorer.app.palette import Palette, kind_mime_data, kind_tooltip
from explorer.app.quick_add import QuickAddPopup
from explorer.graph import CATEGORIES, all_kinds, get_kind


def test_every_kind_is_listed_under_its_category_in_order(qtbot):
    palette = Palette()
    qtbot.addWidget(palette)
    assert set(palette.items) == {k.name for k in all_kinds()}
    titles = [palette.tree.topLevelItem(i).text(0)
              for i in range(palette.tree.topLevelItemCount())]
    assert titles == list(CATEGORIES)
    for name, item in palette.items.items():
        assert item.parent().text(0) == get_kind(name).category
        assert not item.icon(0).isNull()


def test_tooltips_explain_the_kind(qtbot):
    kind = get_kind("Highway")
    tip = kind_tooltip(kind)
    assert kind.title in tip and "Srivastava" in tip and kind.formula in tip
    assert "gate" in tip.lower()
    palette = Palette()
    qtbot.addWidget(palette)
    assert palette.items["Highway"].toolTip(0) == tip


def test_search_filters_and_enter_adds_the_best_match(qtbot):
    palette = Palette()
    qtbot.addWidget(palette)
    palette.search.setText("residual")
    visible = palette.visible_kinds()
    assert "ResidualMLP" in visible and "ResidualConv" in visible and "ReLU" not in visible
    with qtbot.waitSignal(palette.add_requested) as added:
        palette.search.returnPressed.emit()
    assert added.args[0].startswith("Residual")
    palette.search.setText("zzzz")
    assert palette.visible_kinds() == []


def test_search_ranks_title_matches_first():
    assert find_kinds("add")[0].name == "Add"
    assert find_kinds("conv")[0].name == "Conv2d"
    assert len(find_kinds("")) == len(all_kinds())


def test_the_drag_carries_the_kind_name(qtbot):
    data = kind_mime_data("Conv2d")
    assert bytes(data.data(KIND_MIME_TYPE).data()).decode() == "Conv2d"


def test_double_click_after_a_selected_node_adds_and_wires(window):
    from explorer.graph import recipes

    window.document.replace(recipes.mlp(depth=1))
    graph = window.document.graph
    graph.disconnect(graph.in_edges("output_1")[0])
    window.scene.select_nodes(["linear_2"])
    item = window.palette_panel.items["Dropout"]
    window.palette_panel.tree.itemActivated.emit(item, 0)
    new = window.scene.selected_node_ids()
    assert len(new) == 1 and graph.node(new[0]).kind == "Dropout"
    assert graph.edge_into(new[0], "in").src == "linear_2"
    assert graph.node(new[0]).position[0] > graph.node("linear_2").position[0]


def test_quick_add_popup_filters_and_moves_with_arrows(qtbot):
    popup = QuickAddPopup()
    qtbot.addWidget(popup)
    popup.open_at(popup.pos(), "norm")
    assert popup.current_kind() in {"BatchNorm", "LayerNorm", "GroupNorm"}
    first = popup.current_kind()
    qtbot.keyClick(popup.search, Qt.Key.Key_Down)
    assert popup.current_kind() != first
    with qtbot.waitSignal(popup.chosen):
        qtbot.keyClick(popup.search, Qt.Key.Key_Return)
