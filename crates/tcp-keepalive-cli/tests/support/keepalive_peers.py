"""Loopback connections with known keepalive settings, held by this process
(not by the test), for `tcp-keepalive inspect` to read.

Prints one JSON line: {"pid", "listen", "clients": {name: local port}}. Then
obeys stdin, one command per line, until it closes:
  options  -> one JSON line: every socket's keepalive options, by "name/side"
  ping     -> each client sends a byte, its server side reads it: "ok" or an error
  close    -> closes every socket, prints "closed"
  open N S -> opens N more connections with the settings named S: "opened"
  stall    -> opens one more connection whose client sends until its buffers
              are full while the server side never reads (a zero window);
              prints the client's local port
With an argument N, opens N plain connections instead (for the benchmark).
"""
import json
import resource
import socket
import sys

TCP_USER_TIMEOUT = getattr(socket, "TCP_USER_TIMEOUT", 18)

SETTINGS = {
    "off": [],
    "defaults": [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)],
    "tuned": [
        (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),
        (socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 7),
        (socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 3),
        (socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 4),
    ],
    "user_timeout": [(socket.IPPROTO_TCP, TCP_USER_TIMEOUT, 20000)],
    "tuned_user_timeout": [
        (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),
        (socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 5),
        (socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 2),
        (socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 9),
        (socket.IPPROTO_TCP, TCP_USER_TIMEOUT, 10000),
    ],
}

OPTIONS = [
    (socket.SOL_SOCKET, socket.SO_KEEPALIVE),
    (socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
    (socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
    (socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
    (socket.IPPROTO_TCP, TCP_USER_TIMEOUT),
]


def connect(listener, settings):
    client = socket.socket()
    for level, option, value in settings:
        client.setsockopt(level, option, value)
    client.connect(listener.getsockname())
    server, _ = listener.accept()
    return client, server


def main():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if len(sys.argv) > 1:
        count = int(sys.argv[1])
        pairs = {str(i): connect(listener, []) for i in range(count)}
    else:
        pairs = {name: connect(listener, s) for name, s in SETTINGS.items()}
    clients = {name: c.getsockname()[1] for name, (c, _) in pairs.items()}
    print(json.dumps({"pid": __import__("os").getpid(), "listen": listener.getsockname()[1], "clients": clients}), flush=True)
    stalled = []  # kept open, outside `pairs`: options and ping leave them alone
    for line in sys.stdin:
        command = line.strip()
        if command == "options":
            options = {}
            for name, (client, server) in pairs.items():
                for side, sock in (("client", client), ("server", server)):
                    options[f"{name}/{side}"] = [sock.getsockopt(l, o) for l, o in OPTIONS]
            print(json.dumps(options), flush=True)
        elif command == "ping":
            try:
                for client, server in pairs.values():
                    client.sendall(b"x")
                    server.settimeout(5)
                    assert server.recv(1) == b"x"
                print("ok", flush=True)
            except Exception as e:  # the test shows what failed
                print(f"ping failed: {e!r}", flush=True)
        elif command.startswith("open "):
            _, count, name = command.split()
            for i in range(int(count)):
                pairs[f"{name}-{len(pairs)}"] = connect(listener, SETTINGS[name])
            print("opened", flush=True)
        elif command == "stall":
            client, server = connect(listener, [])
            client.setblocking(False)
            try:
                while True:
                    client.send(b"x" * 65536)
            except BlockingIOError:
                pass
            stalled.append((client, server))
            print(client.getsockname()[1], flush=True)
        elif command == "close":
            for client, server in pairs.values():
                client.close()
                server.close()
            print("closed", flush=True)


if __name__ == "__main__":
    main()
