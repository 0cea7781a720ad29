# A connected socket handed to a child: the parent connects to argv[1]
# (host:port) and sends a request's first line; a child python started
# by subprocess with pass_fds sends the rest, reads the whole response and
# prints its length.
import socket
import subprocess
import sys

CHILD = """
import socket, sys
s = socket.socket(fileno=int(sys.argv[1]))
s.sendall(b"Host: x\\r\\n\\r\\n")
n = 0
while True:
    d = s.recv(65536)
    if not d:
        break
    n += len(d)
print(n)
"""

host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)))
s.sendall(b"GET /file HTTP/1.1\r\n")
subprocess.run([sys.executable, "-c", CHILD, str(s.fileno())], pass_fds=[s.fileno()], check=True)
s.close()
