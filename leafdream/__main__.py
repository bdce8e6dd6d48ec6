import sys

from leafdream.commands.cli import main

sys.exit(main())
