"""Extract message ids and update the zh_CN catalogs (``make messages``);
``--check`` verifies them. The logic lives in :mod:`core.messages`."""

import sys

from core.messages import main

if __name__ == "__main__":
    sys.exit(main())
