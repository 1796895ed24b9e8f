"""Source files copied, as text, into exported projects. They import torch and nothing else."""
