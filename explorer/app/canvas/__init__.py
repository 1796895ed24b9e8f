"""The canvas: a QGraphicsScene that projects the graph, and the view users edit it in."""
