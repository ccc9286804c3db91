import sys

from local_aws.cli import main

sys.exit(main())
