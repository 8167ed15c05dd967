"""`python -m youyi_xl` is the same as the `youyi-xl` command."""
import sys

from .cli import main

if __name__ == "__main__":   # guarded: Windows starts reading workers by re-importing __main__
    sys.exit(main())
