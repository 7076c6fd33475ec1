# tests/lib/answer.py - an HTTP server that answers every GET as files in a directory say, reread on
# each request so a test can change them between runs: python3 tests/lib/answer.py PORT DIR serves
# plain HTTP on 127.0.0.1:PORT with DIR/status (default 200), DIR/headers (one "Name: value" a line),
# DIR/body (raw bytes, default empty) and, when DIR/delay holds SECONDS, a wait of that long before
# the answer (the first line of the path after it is logged to DIR/requests).
import http.server, os, sys, time
DIR = sys.argv[2]
def read(name, default=b""):
    try:
        with open(os.path.join(DIR, name), "rb") as f:
            return f.read()
    except OSError:
        return default
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def do_GET(self):
        with open(os.path.join(DIR, "requests"), "a") as f:
            f.write(self.path + "\n")
        delay = read("delay").strip()
        if delay:
            time.sleep(float(delay))
        body = read("body")
        try:
            self.send_response(int(read("status", b"200")))
            for line in read("headers").decode().splitlines():
                if ":" in line:
                    k, v = line.split(":", 1)
                    self.send_header(k.strip(), v.strip())
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
