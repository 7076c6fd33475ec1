# tests/lib/hook_stub.py - a stand-in for a chat webhook (Slack's incoming webhooks) for the test of
# `leakscope respond --notify`: python3 tests/lib/hook_stub.py PORT OUT serves plain HTTP on
# 127.0.0.1:PORT and appends each POST as one JSON line {"path", "type", "auth", "body"} to OUT,
# answering 200 "ok". It exits by itself after 300 s, so a test that dies cannot leave it behind.
import http.server, json, sys, threading
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace")
        with open(sys.argv[2], "a") as f:
            f.write(json.dumps({"path": self.path, "type": self.headers.get("Content-Type"),
                                "auth": self.headers.get("Authorization"), "body": body}) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
threading.Timer(300, srv.shutdown).start()
srv.serve_forever()
