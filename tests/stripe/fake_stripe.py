"""A local server that speaks Stripe's wire format for the calls edgeshop makes, for the tests.

Written from Stripe's API reference: form-encoded bodies with bracketed keys, the secret key as a
bearer token, `Idempotency-Key` (same key + same parameters -> the first answer again with
`Idempotent-Replayed: true`; same key + other parameters -> `idempotency_error`), error objects
`{"error": {"type", "message", "param"}}`, Checkout Session and Refund objects, and webhook
deliveries signed `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "t.payload")>`.

Control endpoints for the tests live under `/_test/`: deliver an event to the shop, check a
signature with Stripe's official library (`stripe.Webhook.construct_event`), list the API calls
received. Usage: fake_stripe.py PORT [PARENT_PID] (prints "ready" once listening; exits when the
parent process does).
"""

import hashlib
import hmac
import json
import secrets
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
SESSIONS = {}  # id -> session object
REFUSALS = {}  # customer email -> the Stripe error its next session creation gets (what Stripe says of an amount under its minimum, say)
INTENTS = {}  # payment intent id -> {"amount", "currency", "refunded"}
IDEMPOTENCY = {}  # key -> (params, status, body)
REQUESTS = []  # what the shop sent: method, path, idempotency key, params


def new_id(prefix):
    return f"{prefix}_{secrets.token_hex(12)}"


def parse_form(body):
    """`a[b][0][c]=1` -> nested dicts and lists, like Stripe's parser."""
    out = {}
    for key, value in urllib.parse.parse_qsl(body, keep_blank_values=True, strict_parsing=False):
        parts = key.replace("]", "").split("[")
        node = out
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return out


def as_list(d):
    if not isinstance(d, dict):
        return []
    return [d[k] for k in sorted(d, key=lambda k: int(k) if k.isdigit() else 1 << 30)]


def error(status, kind, message, param=None):
    body = {"error": {"type": kind, "message": message}}
    if param:
        body["error"]["param"] = param
    return status, body


def create_session(params, base):
    refusal = REFUSALS.pop(params.get("customer_email"), None)
    if refusal:
        return error(400, "invalid_request_error", refusal, "line_items")
    for required in ("mode", "success_url", "line_items"):
        if required not in params:
            return error(400, "invalid_request_error", f"Missing required param: {required}.", required)
    if params["mode"] != "payment":
        return error(400, "invalid_request_error", "Invalid mode.", "mode")
    items = as_list(params["line_items"])
    if not items:
        return error(400, "invalid_request_error", "line_items must not be empty.", "line_items")
    total, currency = 0, None
    for i, item in enumerate(items):
        price = item.get("price_data", {})
        try:
            unit, quantity = int(price["unit_amount"]), int(item["quantity"])
        except (KeyError, ValueError):
            return error(400, "invalid_request_error", "Invalid line item.", f"line_items[{i}]")
        if unit < 0 or quantity < 1:
            return error(400, "invalid_request_error", "Invalid amount or quantity.", f"line_items[{i}]")
        if not price.get("product_data", {}).get("name"):
            return error(400, "invalid_request_error", "Missing product name.", f"line_items[{i}][price_data][product_data][name]")
        if currency and price.get("currency") != currency:
            return error(400, "invalid_request_error", "All line items must use the same currency.", f"line_items[{i}]")
        currency = price.get("currency")
        total += unit * quantity
    now = int(time.time())
    expires_at = int(params.get("expires_at", now + 86400))
    if not (now + 1800 - 5 <= expires_at <= now + 86400):
        return error(400, "invalid_request_error", "The `expires_at` timestamp must be between 30 minutes and 24 hours from now.", "expires_at")
    sid = new_id("cs_test")
    session = {
        "id": sid,
        "object": "checkout.session",
        "amount_subtotal": total,
        "amount_total": total,
        "currency": currency,
        "customer_email": params.get("customer_email"),
        "client_reference_id": params.get("client_reference_id"),
        "metadata": params.get("metadata", {}),
        "mode": "payment",
        "payment_intent": None,
        "payment_status": "unpaid",
        "status": "open",
        "success_url": params["success_url"],
        "cancel_url": params.get("cancel_url"),
        "url": f"{base}/c/pay/{sid}",
        "expires_at": expires_at,
        "created": now,
        "livemode": False,
    }
    SESSIONS[sid] = session
    return 200, session


def create_refund(params):
    pi = params.get("payment_intent")
    intent = INTENTS.get(pi)
    if not intent:
        return error(400, "invalid_request_error", f"No such payment_intent: '{pi}'", "payment_intent")
    remaining = intent["amount"] - intent["refunded"]
    amount = int(params.get("amount", remaining))
    if amount <= 0 or amount > remaining:
        return error(400, "invalid_request_error", f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})", "amount")
    intent["refunded"] += amount
    return 200, {"id": new_id("re"), "object": "refund", "amount": amount, "currency": intent["currency"], "payment_intent": pi, "status": "succeeded", "created": int(time.time())}


def expire_session(sid):
    # Stripe expires an open session only; a complete or expired one is refused.
    session = SESSIONS.get(sid)
    if not session:
        return error(404, "invalid_request_error", f"No such checkout.session: '{sid}'")
    if session.get("status") != "open":
        return error(400, "invalid_request_error", f"Only Checkout Sessions with a status of open can be expired.")
    session["status"] = "expired"
    return 200, session


def sign(secret, payload, timestamp):
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def event_for(kind, session_id, overrides):
    session = SESSIONS[session_id]
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if not session["payment_intent"]:
            session["payment_intent"] = new_id("pi")
            INTENTS[session["payment_intent"]] = {"amount": session["amount_total"], "currency": session["currency"], "refunded": 0}
        session["status"] = "complete"
        session["payment_status"] = overrides.pop("payment_status", "paid")
    elif kind == "checkout.session.async_payment_failed":
        session["status"] = "complete"
        session["payment_status"] = "unpaid"
    elif kind == "checkout.session.expired":
        session["status"] = "expired"
    if kind == "refund.updated" and overrides.get("status") in ("failed", "canceled"):
        # A refund that failed gives its amount back to the payment, as Stripe's does.
        INTENTS[session["payment_intent"]]["refunded"] -= int(overrides.get("amount", 0))
    obj = dict(session)
    if kind == "charge.refunded":
        intent = INTENTS[session["payment_intent"]]
        obj = {"id": new_id("ch"), "object": "charge", "amount": intent["amount"], "amount_refunded": intent["refunded"], "currency": intent["currency"],
               "payment_intent": session["payment_intent"], "refunded": intent["refunded"] >= intent["amount"], "metadata": session["metadata"]}
    obj.update(overrides)
    return {"id": new_id("evt"), "object": "event", "api_version": "2024-06-20", "created": int(time.time()), "livemode": False, "type": kind, "data": {"object": obj}}


def deliver(req):
    if "payload" in req:
        # A replay: exactly the bytes delivered before.
        payload = req["payload"]
        event = json.loads(payload)
    else:
        with LOCK:
            event = event_for(req["type"], req["session_id"], dict(req.get("overrides", {})))
        payload = json.dumps(event, separators=(",", ":"))
    timestamp = int(time.time()) + int(req.get("timestamp_offset", 0))
    header = req.get("header") or sign(req["secret"], payload, timestamp)
    headers = {"content-type": "application/json", "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}
    if header != "absent":
        headers["stripe-signature"] = header
    r = urllib.request.Request(req["webhook_url"], data=payload.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            status, body = resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read().decode()
    return 200, {"status": status, "body": body, "payload": payload, "header": header, "event": event}


def verify(req):
    import stripe  # the official library, from PyPI

    try:
        event = stripe.Webhook.construct_event(req["payload"], req["header"], req["secret"], tolerance=300)
        return 200, {"ok": True, "id": event["id"], "type": event["type"]}
    except Exception as e:  # SignatureVerificationError, ValueError
        return 200, {"ok": False, "error": f"{type(e).__name__}: {e}"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, extra=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", new_id("req"))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        return self.rfile.read(int(self.headers.get("content-length") or 0)).decode()

    def do_GET(self):
        if self.path == "/_test/requests":
            with LOCK:
                return self.reply(200, {"requests": REQUESTS})
        if self.path.startswith("/v1/checkout/sessions/"):
            session = SESSIONS.get(self.path.rsplit("/", 1)[1])
            return self.reply(*((200, session) if session else error(404, "invalid_request_error", "No such checkout.session")))
        self.reply(*error(404, "invalid_request_error", f"Unrecognized request URL (GET: {self.path})."))

    def do_POST(self):
        raw = self.body()
        if self.path.startswith("/_test/"):
            req = json.loads(raw or "{}")
            if self.path == "/_test/deliver":
                return self.reply(*deliver(req))
            if self.path == "/_test/refuse_next_session":
                with LOCK:
                    REFUSALS[req["email"]] = req["message"]
                return self.reply(200, {})
            if self.path == "/_test/verify":
                return self.reply(*verify(req))
            return self.reply(404, {})
        auth = self.headers.get("authorization", "")
        if not auth.startswith("Bearer sk_test_"):
            return self.reply(*error(401, "invalid_request_error", "Invalid API Key provided."))
        if not self.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return self.reply(*error(400, "invalid_request_error", "Content-Type must be application/x-www-form-urlencoded."))
        params = parse_form(raw)
        key = self.headers.get("idempotency-key")
        with LOCK:
            REQUESTS.append({"method": "POST", "path": self.path, "idempotency_key": key, "params": params})
            if key and key in IDEMPOTENCY:
                first_params, status, body = IDEMPOTENCY[key]
                if first_params != params:
                    return self.reply(*error(400, "idempotency_error", "Keys for idempotent requests can only be used with the same parameters they were first used with."))
                return self.reply(status, body, {"idempotent-replayed": "true"})
            base = f"http://{self.headers.get('host')}"
            if self.path == "/v1/checkout/sessions":
                status, body = create_session(params, base)
            elif self.path == "/v1/refunds":
                status, body = create_refund(params)
            elif self.path.startswith("/v1/checkout/sessions/") and self.path.endswith("/expire"):
                status, body = expire_session(self.path.split("/")[4])
            else:
                status, body = error(404, "invalid_request_error", f"Unrecognized request URL (POST: {self.path}).")
            if key and status < 500:
                IDEMPOTENCY[key] = (params, status, body)
        self.reply(status, body)


def exit_with(parent):
    """The test process owns this server: when it is gone, so is the server."""
    import os

    while True:
        time.sleep(0.5)
        try:
            os.kill(parent, 0)
        except OSError:
            os._exit(0)


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    if len(sys.argv) > 2:
        threading.Thread(target=exit_with, args=(int(sys.argv[2]),), daemon=True).start()
    print("ready", flush=True)
    server.serve_forever()
