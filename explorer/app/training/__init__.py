"""Live training in the editor: run controls, live panels, gradients on the canvas, history.

``TrainingWorkspace(window)`` adds it all to a main window. Nothing here
imports torch until a run starts: runs are planned and started off the UI
thread, and train in their own process.
"""
