"""The examples gallery draws a picture of every example and opens the chosen one."""

from explorer.app.examples import list_examples
from explorer.app.gallery import THUMBNAIL, ExamplesGallery


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
