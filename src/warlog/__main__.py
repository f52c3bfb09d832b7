import sys

from warlog.cli.main import main

sys.exit(main())
