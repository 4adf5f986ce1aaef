"""A local stand-in for Bedrock's Converse API (scripts/lambda-watch).

Answers POST /model/<model id>/converse with Converse's real response shape: a
forced `report_findings` tool call, stopReason, usage and metrics. Usage:
python bedrock_fake.py HOST PORT
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

ANSWER = {
    "output": {
        "message": {
            "role": "assistant",
            "content": [
                {
                    "toolUse": {
                        "toolUseId": "tooluse_watch",
                        "name": "report_findings",
                        "input": {
                            "findings": [
                                {
                                    "file": "main.tf",
                                    "line": 3,
                                    "severity": "high",
                                    "title": "Public log bucket",
                                    "message": "Access logs become world-readable.",
                                }
                            ]
                        },
                    }
                }
            ],
        }
    },
    "stopReason": "tool_use",
    "usage": {"inputTokens": 900, "outputTokens": 60, "totalTokens": 960},
    "metrics": {"latencyMs": 12},
}


class Converse(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("content-length", 0))
        request = json.loads(self.rfile.read(length) or b"{}")
        ok = self.path.endswith("/converse") and request.get("toolConfig")
        body = json.dumps(ANSWER if ok else {"message": "bad request"}).encode()
        self.send_response(200 if ok else 400)
        if not ok:
            self.send_header("x-amzn-errortype", "ValidationException")
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    HTTPServer((sys.argv[1], int(sys.argv[2])), Converse).serve_forever()
