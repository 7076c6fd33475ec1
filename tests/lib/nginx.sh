# tests/lib/nginx.sh - nginx over real HTTPS on 127.0.0.1 for integration tests, with a CA made
# at test time. Source it from bash; everything lives in $WORK (no root-owned config, logs or
# temp paths are touched):
#
#     . tests/lib/nginx.sh
#
# nginx_certs DIR
#     Makes a throwaway CA (DIR/ca.crt, DIR/ca.key), a server certificate for 127.0.0.1 and
#     localhost signed by it (DIR/server.crt, DIR/server.key) and a client certificate
#     (DIR/client.crt, DIR/client.key, CN=leakscope-test) with openssl.
#
# nginx_start PORT SERVER_CONF [HTTP_CONF]
#     Runs nginx in the foreground of a background job (-c $WORK/nginx/nginx.conf -p
#     $WORK/nginx, pid file and error log there) with one HTTPS server on 127.0.0.1:PORT
#     whose body (locations, ifs, ...) is the file SERVER_CONF; the certificates must exist
#     in $WORK/certs (nginx_certs). HTTP_CONF, when given, is included at the http level
#     (for map blocks). Waits until it answers and sets NGINX_PID and NGINX_PORT.
#     Client certificates are asked for (optional) and checked against the CA; a location can
#     test $ssl_client_verify.
#
# nginx_stop
#     Stops that nginx by NGINX_PID and waits for it. Safe to call twice.

NGINX_PID=
NGINX_PORT=

nginx_certs() {
    local dir=$1
    mkdir -p "$dir" || return 1
    (
        cd "$dir" || exit 1
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=leakscope test CA" \
            -keyout ca.key -out ca.crt 2>/dev/null || exit 1
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
            -keyout server.key -out server.csr 2>/dev/null || exit 1
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
            -extfile server.ext -out server.crt 2>/dev/null || exit 1
        openssl req -newkey rsa:2048 -nodes -subj "/CN=leakscope-test" \
            -keyout client.key -out client.csr 2>/dev/null || exit 1
        printf 'extendedKeyUsage=clientAuth\n' >client.ext
        openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
            -extfile client.ext -out client.crt 2>/dev/null || exit 1
    ) || { echo "nginx_certs: openssl failed" >&2; return 1; }
}

nginx_start() {
    local port=$1 body=$2 http=${3:-} dir=$WORK/nginx i
    mkdir -p "$dir/logs" "$dir/tmp" || return 1
    [ -n "$http" ] || { http=$dir/empty.conf; : >"$http"; }
    cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 256; }
http {
    access_log $dir/logs/access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    default_type application/json;
    include $http;
    server {
        listen 127.0.0.1:$port ssl;
        ssl_certificate $WORK/certs/server.crt;
        ssl_certificate_key $WORK/certs/server.key;
        ssl_client_certificate $WORK/certs/ca.crt;
        ssl_verify_client optional;
        include $body;
    }
}
EOF
    nginx -e "$dir/logs/error.log" -c "$dir/nginx.conf" -p "$dir" &
    NGINX_PID=$!
    NGINX_PORT=$port
    for i in $(seq 1 100); do
        if curl -s -o /dev/null --max-time 2 --cacert "$WORK/certs/ca.crt" "https://127.0.0.1:$port/"; then
            return 0
        fi
        if ! kill -0 "$NGINX_PID" 2>/dev/null; then
            echo "nginx_start: nginx exited: $(tail -n 3 "$dir/logs/error.log" | tr '\n' ' ')" >&2
            NGINX_PID=
            return 1
        fi
        sleep 0.1
    done
    echo "nginx_start: nginx not answering on port $port" >&2
    nginx_stop
    return 1
}

nginx_stop() {
    if [ -n "$NGINX_PID" ]; then
        kill "$NGINX_PID" 2>/dev/null
        wait "$NGINX_PID" 2>/dev/null
        NGINX_PID=
    fi
    return 0
}
