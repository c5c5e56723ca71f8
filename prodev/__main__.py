import sys

from prodev.cli import main

sys.exit(main())
