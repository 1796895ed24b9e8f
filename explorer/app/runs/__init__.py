"""A run on screen, shared by the editor's training workspace and the classroom.

``RunSession`` drives one run process (planned off the UI thread, trained in
a process of its own) and collects its records into ``RunBuffers``; the loss
and gradient-flow panels plot those buffers, in the colours of
``plot_style`` and ``gradient_colours``. Nothing here knows the window, the
canvas, the workspace or the classroom: they are the ones that use it.
"""
