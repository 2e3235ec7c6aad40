import sys

from scaffold._entry import main

sys.exit(main())
