"""The examples gallery draws a picture of every example and opens the chosen one."""

from explorer.app.examples import list_examples
from explorer.app.gallery import THUMBNAIL, ZOO_TAB, ExamplesGallery
from explorer.app.render import thumbnail
from explorer.graph import check_graph, recipes
from explorer.graph.project import dumps


def test_gallery_draws_thumbnails_and_returns_the_choice(window, qtbot):
    gallery = ExamplesGallery(window)
    qtbot.addWidget(gallery)
    gallery.show()
    qtbot.waitUntil(gallery.thumbnails_done, timeout=20_000)
    assert gallery.list.count() == len(list_examples())
    first = gallery.list.item(0).icon().pixmap(THUMBNAIL).toImage()
    middle = first.height() // 2
    colours = {first.pixelColor(x, middle).name() for x in range(0, first.width(), 3)}
    assert len(colours) > 1  # a drawing, not the blank placeholder
    gallery.list.setCurrentRow(1)
    gallery._open_current()
    assert gallery.chosen is gallery.examples[1]
    assert window.files.open_example(gallery.chosen)
    assert len(window.document.graph) > 0


def test_a_thumbnail_shows_a_deep_network_whole_and_leaves_it_as_it_was(qapp):
    project = recipes.mlp(depth=20)
    before = dumps(project)
    image = thumbnail(project, THUMBNAIL).toImage()
    background = image.pixelColor(0, 0)

    def drawn(x0, x1, y0, y1):
        return any(image.pixelColor(x, y) != background
                   for x in range(x0, x1, 2) for y in range(y0, y1, 2))

    w, h = image.width(), image.height()
    assert drawn(0, w // 4, 0, h // 3)  # the first band starts top left...
    assert drawn(0, w // 4, 2 * h // 3, h)  # ...and a last band lies at the bottom
    assert dumps(project) == before  # the caller's layout is untouched


def test_the_model_zoo_opens_resnet18_with_its_published_count(window, qtbot):
    gallery = ExamplesGallery(window)
    qtbot.addWidget(gallery)
    gallery.tabs.setCurrentIndex(ZOO_TAB)
    titles = [gallery.zoo.item(i).text().splitlines()[0] for i in range(gallery.zoo.count())]
    assert titles == ["ResNet-18", "ResNet-34", "ResNet-50", "DenseNet-121", "MobileNetV2",
                      "EfficientNet-B0", "ViT-B/16", "GPT-2 small"]
    row = titles.index("ResNet-18")
    assert gallery.zoo.item(row).text().splitlines()[1] == "11,689,512 parameters"
    gallery.zoo.setCurrentRow(row)
    gallery._open_current()
    assert gallery.chosen is not None and gallery.chosen.title == "ResNet-18"
    assert window.files.open_example(gallery.chosen)
    graph = window.document.graph
    assert [n for n in graph.node_ids() if graph.node(n).kind == "ResidualConv"] == [
        f"layer{stage}_{i}" for stage in range(1, 5) for i in range(2)]  # blocks collapsed
    assert check_graph(graph).total_params == 11_689_512


def test_a_gallery_closed_before_its_pictures_are_drawn_stops_drawing_them(window, qtbot):
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    gallery = ExamplesGallery(window)
    gallery.deleteLater()  # the user closed it at once (a dialog run with exec() is deleted)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    for _ in range(5):  # its pending picture would have come now; pytest-qt fails on errors
        QApplication.processEvents()
    qtbot.wait(20)
