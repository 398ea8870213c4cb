# Start as many processes as the machine allows, each in its own session, each sleeping for ever.
import os
import sys

for _ in range(200):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        os.setsid()
        sys.argv[:] = ["@@TOKEN@@"]
        try:
            os.execv(sys.executable, [sys.executable, "-c", "import time\nwhile True: time.sleep(1)",
                                      "@@TOKEN@@"])
        finally:
            os._exit(0)

# @@ANSWERS@@
