"""Live training in the editor: run controls, live panels, gradients on the canvas, history.

``TrainingWorkspace`` adds it all to a window through the seams it is
given (notices, docks, menus, the canvas; see ``explorer/app/seams.py``),
and offers the classroom what it may ask (``EditorRuns``). Nothing here
imports torch until a run starts: runs are planned and started off the UI
thread, and train in their own process.
"""
