"""`python -m youyi_xl` is the same as the `youyi-xl` command."""
import sys

from .cli import main

sys.exit(main())
