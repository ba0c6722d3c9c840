#!/usr/bin/env python3
"""Counting Loki push endpoint for bench/forward_bench.sh: answers every POST /loki/api/v1/push
with 204 and counts requests and body bytes. It does not decode (the e2e tests' Loki receiver,
tests/e2e/loki_receiver.h, checks the wire format); here only the agent's cost is measured, and
Loki itself is not installable on this machine. Usage: forward_loki_sink.py PORT"""
import http.server
import sys


class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    requests = 0
    body_bytes = 0

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        Sink.requests += 1
        Sink.body_bytes += length
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        body = f"requests {Sink.requests}\nbytes {Sink.body_bytes}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
