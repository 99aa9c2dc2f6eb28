"""A local server that speaks Twilio's wire format for the one call edgeshop makes, for the tests.

Written from Twilio's Messages API reference: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`
with HTTP Basic auth (the account SID and its auth token) and a form-encoded body (`To`, `From`,
`Body`); a created message answers 201 with the Message resource (`sid` "SM" + 32 hex digits,
`status` "queued"); errors answer `{"code", "message", "more_info", "status"}`: 20003 for
credentials that do not authenticate (401), 21604 / 21603 / 21602 for a missing `To` / `From` /
`Body`, 21211 for a `To` that is not an E.164 number, 21617 for a body over 1,600 characters
(400).

Control endpoints for the tests live under `/_test/`: `GET /_test/messages` lists the messages
created, `POST /_test/fail?to=NUMBER` makes every send to that number fail with 503 (a provider
outage) until `POST /_test/recover?to=NUMBER` ends it (numbers apart: tests run side by side), and
`POST /_test/unsubscribe?to=NUMBER` makes that number one that replied STOP: Twilio refuses every
send to it with 21610 (400). Usage: fake_twilio.py PORT ACCOUNT_SID AUTH_TOKEN
[PARENT_PID] (prints "ready" once listening; exits when the parent process does).
"""

import base64
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
MESSAGES = []
FAILING = set()
STOPPED = set()
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")


def error(code, message, status):
    return status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_test/messages":
            with LOCK:
                return self.answer(200, {"messages": list(MESSAGES)})
        self.answer(*error(20404, "The requested resource was not found", 404))

    def do_POST(self):
        url = urllib.parse.urlparse(self.path)
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length).decode()
        if url.path == "/_test/unsubscribe":
            with LOCK:
                STOPPED.add(urllib.parse.parse_qs(url.query).get("to", [""])[0])
            return self.answer(200, {"stopped": sorted(STOPPED)})
        if url.path in ("/_test/fail", "/_test/recover"):
            to = urllib.parse.parse_qs(url.query).get("to", [""])[0]
            with LOCK:
                if url.path == "/_test/fail":
                    FAILING.add(to)
                else:
                    FAILING.discard(to)
            return self.answer(200, {"failing": sorted(FAILING)})
        match = re.fullmatch(r"/2010-04-01/Accounts/([^/]+)/Messages\.json", url.path)
        if not match:
            return self.answer(*error(20404, "The requested resource was not found", 404))
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if match.group(1) != ACCOUNT_SID or self.headers.get("authorization") != expected:
            return self.answer(*error(20003, "Authenticate", 401))
        if not self.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return self.answer(*error(20001, "Unsupported content type", 400))
        form = {k: v[0] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}
        to, sender, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
        if not to:
            return self.answer(*error(21604, "A 'To' phone number is required.", 400))
        if not sender:
            return self.answer(*error(21603, "A 'From' phone number is required.", 400))
        if not body:
            return self.answer(*error(21602, "Message body is required.", 400))
        if not E164.match(to):
            return self.answer(*error(21211, f"Invalid 'To' Phone Number: {to}", 400))
        if len(body) > 1600:
            return self.answer(*error(21617, "The concatenated message body exceeds the 1600 character limit.", 400))
        with LOCK:
            if to in FAILING:
                return self.answer(*error(20503, "Service unavailable", 503))
            if to in STOPPED:
                return self.answer(*error(21610, "Attempt to send to unsubscribed recipient", 400))
            message = {
                "sid": "SM" + secrets.token_hex(16),
                "account_sid": ACCOUNT_SID,
                "to": to,
                "from": sender,
                "body": body,
                "status": "queued",
                "num_segments": str((len(body) + 152) // 153 if len(body) > 160 else 1),
                "direction": "outbound-api",
                "date_created": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
            }
            MESSAGES.append(message)
        self.answer(201, message)


def watch_parent(pid):
    while True:
        try:
            os.kill(pid, 0)
        except OSError:
            os._exit(0)
        time.sleep(1)


if __name__ == "__main__":
    port, ACCOUNT_SID, AUTH_TOKEN = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    if len(sys.argv) > 4:
        threading.Thread(target=watch_parent, args=(int(sys.argv[4]),), daemon=True).start()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print("ready", flush=True)
    server.serve_forever()
