"""The canvas: a QGraphicsScene that projects the graph, and the view users edit it in.

The rest of the editor sees it through ``canvas.Canvas`` (pointing at nodes,
colouring them, the canvas commands of the menus), typed by the seams it
uses; the canvas imports neither the training workspace nor the classroom.
"""
