"""Start Architecture Explorer: the editor, or a command (``python main.py --help``)."""

import sys

from explorer.cli import main

if __name__ == "__main__":
    sys.exit(main())
