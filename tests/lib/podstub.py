# tests/lib/podstub.py - a `kubectl proxy` stand-in whose pods answer with bodies the test chose:
# python3 tests/lib/podstub.py PORT DIR serves plain HTTP on 127.0.0.1:PORT. Each file DIR/NAME.metrics
# or DIR/NAME.debug1 makes a Running pod NAME (namespace default, containerPort 6060) in the pod list
# at /api/v1/namespaces/default/pods; .../pods/NAME:PORT/proxy/metrics answers DIR/NAME.metrics and
# .../proxy/debug/pprof/goroutine answers DIR/NAME.debug1 (404 when the file is absent). A file
# DIR/NAME.slow makes that pod's answers wait that many seconds first.
import http.server, json, os, re, sys, time
DIR = sys.argv[2]
def pods():
    names = sorted({f.rsplit(".", 1)[0] for f in os.listdir(DIR) if f.endswith((".metrics", ".debug1"))})
    return [{"metadata": {"name": n, "namespace": "default"}, "status": {"phase": "Running"},
             "spec": {"containers": [{"name": "app", "ports": [{"containerPort": 6060}]}]}} for n in names]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?")[0]
        body, code = b"not found", 404
        if path == "/api/v1/namespaces/default/pods":
            body, code = json.dumps({"kind": "PodList", "items": pods()}).encode(), 200
        m = re.match(r"^/api/v1/namespaces/default/pods/([^/:]+)(?::\d+)?/proxy(/.*)$", path)
        if m:
            name, rest = m.groups()
            ext = "metrics" if rest == "/metrics" else "debug1" if rest == "/debug/pprof/goroutine" else None
            f = os.path.join(DIR, "%s.%s" % (name, ext))
            slow = os.path.join(DIR, name + ".slow")
            if os.path.exists(slow):
                time.sleep(float(open(slow).read()))
            if ext and os.path.exists(f):
                body, code = open(f, "rb").read(), 200
        try:
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
