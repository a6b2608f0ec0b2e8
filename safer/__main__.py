import os
import sys

from .cli import main

try:
    sys.exit(main())
except BrokenPipeError:  # `python -m safer query ... | head`: the reader went away, which is not an error
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)
