#!/usr/bin/env python3
"""A stand-in for the API server's pods/NAME/portforward subresource over WebSocket, written from
the Kubernetes documentation and the kubelet's streaming server
(pkg/kubelet/cri/streaming/portforward/websocket.go, apimachinery wsstream): RFC 6455 upgrade with
subprotocol v4.channel.k8s.io; every message starts with a channel byte; port i has data channel 2i
and error channel 2i+1; the first message on each channel carries the port, uint16 little-endian;
a failed dial inside the pod is reported as text on the error channel, then the socket closes.

It serves plain HTTP on 127.0.0.1 (nginx in front gives TLS and checks the token) and connects
"inside the pod" to 127.0.0.1:TARGET for each pod given as POD=TARGET (TARGET 0: nothing listens).

usage: pfwd_stub.py PORT NAMESPACE POD=TARGET [POD=TARGET ...]
Runs until killed. Each tunnel starts its data with a ping and splits the first data message into
two frames (a continuation), as a real server may."""
import base64
import hashlib
import json
import re
import socket
import struct
import sys
import threading

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
PROTO = "v4.channel.k8s.io"


def status(code, reason, message):
    body = json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": message, "reason": reason, "code": code}).encode()
    return (b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
            b"Connection: close\r\n\r\n" % (code, reason.encode(), len(body))) + body


def frame(op, payload, fin=True):
    head = bytes([(0x80 if fin else 0) | op])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack(">H", n)
    else:
        head += bytes([127]) + struct.pack(">Q", n)
    return head + payload


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        got = sock.recv(n - len(buf))
        if not got:
            raise EOFError
        buf += got
    return buf


def read_frame(sock):
    """One client frame: (fin, opcode, unmasked payload). Client frames must be masked."""
    b0, b1 = recv_exact(sock, 2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack(">H", recv_exact(sock, 2))[0]
    elif n == 127:
        n = struct.unpack(">Q", recv_exact(sock, 8))[0]
    if not b1 & 0x80:
        raise ValueError("unmasked client frame")
    mask = recv_exact(sock, 4)
    data = recv_exact(sock, n)
    return b0 & 0x80, b0 & 0x0F, bytes(c ^ mask[i & 3] for i, c in enumerate(data))


class Tunnel:
    def __init__(self, client, pod, ns, port, target):
        self.client, self.pod, self.ns, self.port, self.target = client, pod, ns, port, target
        self.lock = threading.Lock()

    def send(self, data):
        with self.lock:
            self.client.sendall(data)

    def run(self):
        pb = struct.pack("<H", self.port)
        self.send(frame(2, b"\x00" + pb))
        self.send(frame(2, b"\x01" + pb))
        try:
            up = socket.create_connection(("127.0.0.1", self.target), timeout=5) if self.target else None
            if up is None:
                raise ConnectionRefusedError("connection refused")
        except OSError as e:
            msg = ("error forwarding port %d to pod %s, uid : failed to connect to localhost:%d inside "
                   "namespace %s: dial tcp4 127.0.0.1:%d: connect: %s"
                   % (self.port, self.pod, self.port, self.ns, self.port, getattr(e, "strerror", None) or e))
            self.send(frame(2, b"\x01" + msg.encode()))
            self.send(frame(8, struct.pack(">H", 1000)))
            return
        up.settimeout(None)
        threading.Thread(target=self.upstream, args=(up,), daemon=True).start()
        try:
            while True:
                fin, op, data = read_frame(self.client)
                if op == 8:
                    break
                if op == 9:
                    self.send(frame(10, data))
                elif op == 2 and data and data[0] == 0:
                    up.sendall(data[1:])
        except (EOFError, OSError, ValueError):
            pass
        try:
            up.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def upstream(self, up):
        first = True
        self.send(frame(9, b"are you there"))
        while True:
            data = up.recv(65536)
            if not data:
                break
            if first and len(data) > 4:
                # one message in two frames: a continuation must be read as the same channel
                self.send(frame(2, b"\x00" + data[:3], fin=False))
                self.send(frame(0, data[3:]))
                first = False
            else:
                self.send(frame(2, b"\x00" + data))
        up.close()
        try:
            self.send(frame(8, struct.pack(">H", 1000)))
            self.client.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def handle(client, ns, pods):
    try:
        head = b""
        while b"\r\n\r\n" not in head:
            got = client.recv(4096)
            if not got:
                return
            head += got
            if len(head) > 65536:
                return
        lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        method, target = lines[0].split(" ")[:2]
        hdr = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            hdr[k.strip().lower()] = v.strip()
        m = re.match(r"^/api/v1/namespaces/([^/]+)/pods/([^/]+)/portforward\?ports=(\d+)$", target)
        if method not in ("GET", "POST") or not m or m.group(1) != ns:
            client.sendall(status(404, "NotFound", "the server could not find the requested resource"))
            return
        pod, port = m.group(2), int(m.group(3))
        if pod not in pods:
            client.sendall(status(404, "NotFound", 'pods "%s" not found' % pod))
            return
        if hdr.get("upgrade", "").lower() != "websocket" or "sec-websocket-key" not in hdr:
            client.sendall(status(400, "BadRequest", "Upgrade request required"))
            return
        offered = [p.strip() for p in hdr.get("sec-websocket-protocol", "").split(",") if p.strip()]
        accept = base64.b64encode(hashlib.sha1((hdr["sec-websocket-key"] + GUID).encode()).digest())
        resp = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: " + accept + b"\r\n")
        if PROTO in offered:
            resp += b"Sec-WebSocket-Protocol: " + PROTO.encode() + b"\r\n"
        client.sendall(resp + b"\r\n")
        Tunnel(client, pod, ns, port, pods[pod] if port == 6060 else 0).run()
    except (OSError, ValueError) as e:
        print("pfwd_stub: %s" % e, file=sys.stderr)
    finally:
        client.close()


def main():
    port, ns = int(sys.argv[1]), sys.argv[2]
    pods = {}
    for arg in sys.argv[3:]:
        name, _, target = arg.partition("=")
        pods[name] = int(target)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(64)
    print("pfwd_stub: listening on 127.0.0.1:%d for %s" % (port, ", ".join(pods)), file=sys.stderr, flush=True)
    while True:
        client, _ = srv.accept()
        threading.Thread(target=handle, args=(client, ns, pods), daemon=True).start()


if __name__ == "__main__":
    main()
