# tests/fetch/upstream.py - misbehaving upstreams for tests/integration/t_fetch_errors.sh, put
# behind nginx as a pod's port: python3 tests/fetch/upstream.py READY_FILE SPEC... where each SPEC
# is LISTEN_PORT:MODE:ARG:TARGET_PORT and serves plain HTTP on 127.0.0.1:LISTEN_PORT, fetching
# every GET from 127.0.0.1:TARGET_PORT (a Go fixture) and answering it
#   delay:SECONDS  after SECONDS, whole and well framed;
#   cutcl:FRACTION with the whole body's Content-Length, but only FRACTION of the body, then closes
#                  (a truncation HTTP can see);
#   cuteof:FRACTION without Content-Length (HTTP/1.0, the end is the close), FRACTION of the body
#                  cut in the middle of a line (a truncation HTTP cannot see).
# READY_FILE is written once every port listens.
import http.server, socket, sys, threading, time, urllib.request

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        mode, arg, target = self.server.spec
        if mode == "delay":
            time.sleep(float(arg))
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (target, self.path), timeout=30) as r:
                body, code = r.read(), r.status
        except urllib.error.HTTPError as e:
            body, code = e.read(), e.code
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        if mode in ("delay", "cutcl"):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode in ("cutcl", "cuteof") and code == 200:
            cut = int(len(body) * float(arg))
            if mode == "cuteof":
                # inside a line, not at its end
                while cut > 0 and body[cut - 1:cut] == b"\n":
                    cut -= 1
            body = body[:cut]
        try:
            self.wfile.write(body)
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close_connection = True

    def log_message(self, *a):
        pass

servers = []
for spec in sys.argv[2:]:
    port, mode, arg, target = spec.split(":")
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
    srv.daemon_threads = True
    srv.spec = (mode, arg, int(target))
    servers.append(srv)
for srv in servers:
    threading.Thread(target=srv.serve_forever, daemon=True).start()
open(sys.argv[1], "w").write("ready\n")
threading.Event().wait()
