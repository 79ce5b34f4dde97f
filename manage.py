#!/usr/bin/env python
"""Django's command-line utility; `jishi` is the same thing, installed as a console script."""

from jishi.cli import main

if __name__ == "__main__":
    main()
