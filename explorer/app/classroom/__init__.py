"""The classroom in the editor: experiments, depth sweeps, demonstrations, lesions, presenting.

A teacher picks a demonstration (or builds a depth sweep), watches its
variants train one after another with the same data, seed, optimizer and
budget, and compares their curves and final figures in one window. After
training, a lesion study switches each block off in turn; presentation mode
turns the editor into a clean, large canvas with the live panels beside it.

Nothing here loads torch on the UI thread: variants train in their own
processes (the live-training ``RunSession``), and lesion studies and memory
measurements run on worker threads.
"""
