# tests/lib/kproxy.py - a stand-in for `kubectl proxy` for integration tests (started by
# kube_proxy_start in tests/lib/kproxy.sh): python3 tests/lib/kproxy.py PORT serves plain HTTP on
# 127.0.0.1:PORT, and /api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH is fetched from
# 127.0.0.1:PORT/PATH (the pod's port taken as a local one); anything else is a 404.
import http.server, re, sys, urllib.error, urllib.request
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        m = re.match(r"^/api/v1/namespaces/[^/]+/pods/[^/:]+:(\d+)/proxy(/.*)$", self.path)
        body, code = b"", 404
        if m:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%s%s" % m.groups(), timeout=30) as r:
                    body, code = r.read(), r.status
            except urllib.error.HTTPError as e:
                body, code = e.read(), e.code
            except OSError as e:
                body, code = str(e).encode(), 502
        try:
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
