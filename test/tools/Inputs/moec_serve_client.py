"""Drives moec-serve with curl, as an OpenAI client would.

usage: moec_serve_client.py MOEC_SERVE MOEC_RUN ARTIFACT WORKDIR

Starts `MOEC_SERVE ARTIFACT --port 0`, reads the port from its stderr, checks
every endpoint (shapes, usage, errors, streaming, concurrency, a client that
goes away mid-stream), then stops it with SIGTERM and checks it exits 0.
The completion text must equal moec-run's for the same prompt. Python's
standard library only; the HTTP client is curl. Exits 1 on any failure.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time

SERVE, RUN, ARTIFACT, WORK = sys.argv[1:5]
CURL = "curl"
failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message, file=sys.stderr)


def check(condition, message):
    if not condition:
        fail(message)
    return condition


def curl(path, body=None, method=None, extra=(), timeout=60):
    """Returns (status, body text) of one request."""
    args = [CURL, "-sS", "-o", "-", "-w", "\n%{http_code}", "--max-time",
            str(timeout)]
    if method:
        args += ["-X", method]
    if body is not None:
        args += ["-H", "Content-Type: application/json", "--data-binary", "@-"]
    args += list(extra) + [BASE + path]
    data = body if isinstance(body, bytes) or body is None else body.encode()
    proc = subprocess.run(args, input=data, capture_output=True)
    text = proc.stdout.decode("utf-8", "replace")
    head, _, code = text.rpartition("\n")
    try:
        return int(code), head
    except ValueError:
        return 0, text + proc.stderr.decode("utf-8", "replace")


def post_json(path, obj, **kw):
    status, text = curl(path, json.dumps(obj), **kw)
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def check_error(name, status, body, want_status, want_param=None, text=None):
    if not check(status == want_status,
                 f"{name}: status {status}, want {want_status}: {body}"):
        return
    if not check(isinstance(body, dict) and isinstance(body.get("error"), dict),
                 f"{name}: not an OpenAI error body: {body}"):
        return
    error = body["error"]
    check(set(error) >= {"message", "type", "param", "code"},
          f"{name}: error fields: {error}")
    if want_param is not None:
        check(error.get("param") == want_param,
              f"{name}: param {error.get('param')!r}, want {want_param!r}")
    if text is not None:
        check(text in error.get("message", ""),
              f"{name}: message {error.get('message')!r} lacks {text!r}")


def check_usage(name, body):
    usage = body.get("usage", {})
    ok = (isinstance(usage.get("prompt_tokens"), int) and
          usage.get("prompt_tokens", 0) > 0 and
          isinstance(usage.get("completion_tokens"), int) and
          usage.get("total_tokens") ==
          usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0))
    check(ok, f"{name}: usage {usage}")
    return usage


def stream(body, extra=(), timeout=60):
    """POSTs a streaming request with curl -N; returns (events, done)."""
    args = [CURL, "-sS", "-N", "--max-time", str(timeout), "-H",
            "Content-Type: application/json", "--data-binary",
            json.dumps(body)] + list(extra) + [BASE + "/v1/chat/completions"]
    proc = subprocess.run(args, capture_output=True)
    events, done = [], False
    for block in proc.stdout.decode("utf-8").split("\n\n"):
        if not block.strip():
            continue
        check(block.startswith("data: "), f"stream: not an SSE event: {block!r}")
        data = block[len("data: "):]
        if data == "[DONE]":
            done = True
            continue
        check(not done, "stream: an event after [DONE]")
        events.append(json.loads(data))
    return events, done


# --- Start the server ------------------------------------------------------
def start(name, *args):
    """Starts moec-serve ARTIFACT --port 0 ARGS; returns (process, log)."""
    global BASE
    log_path = os.path.join(WORK, name + ".log")
    log = open(log_path, "w")
    proc = subprocess.Popen([SERVE, ARTIFACT, "--port", "0"] + list(args),
                            stderr=log, stdout=subprocess.DEVNULL)
    port = None
    for _ in range(600):
        with open(log_path) as f:
            for line in f:
                if line.startswith("moec-serve: listening on http://"):
                    port = int(line.strip().rsplit(":", 1)[1])
        if port or proc.poll() is not None:
            break
        time.sleep(0.05)
    if not port:
        print("FAIL: moec-serve did not start:\n" + open(log_path).read(),
              file=sys.stderr)
        proc.kill()
        sys.exit(1)
    BASE = f"http://127.0.0.1:{port}"
    return proc, log_path


def stop_server(proc, log_path):
    """SIGTERM; the server must exit 0."""
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = "hung"
    check(code == 0, f"moec-serve exit status after SIGTERM: {code}")
    if failures:
        print(open(log_path).read(), file=sys.stderr)


server, log_path = start("serve", "--sessions", "2", "--max-prompt-tokens",
                         "64")
MODEL = os.path.splitext(os.path.basename(ARTIFACT))[0]

try:
    # --- /health, /v1/models ----------------------------------------------
    status, body = curl("/health")
    check(status == 200 and json.loads(body) == {"status": "ok"},
          f"/health: {status} {body}")
    status, body = curl("/v1/models")
    models = json.loads(body)
    check(status == 200 and models.get("object") == "list" and
          [m.get("id") for m in models.get("data", [])] == [MODEL] and
          models["data"][0].get("object") == "model",
          f"/v1/models: {status} {body}")

    # --- Completion, against moec-run --------------------------------------
    prompt, n = "hello world", 12
    status, body = post_json("/v1/completions",
                             {"model": MODEL, "prompt": prompt,
                              "max_tokens": n, "temperature": 0,
                              "unknown_field": {"ignored": True}})
    check(status == 200, f"completion: status {status}: {body}")
    run = subprocess.run([RUN, ARTIFACT, "--prompt", prompt,
                          "--max-new-tokens", str(n)], capture_output=True)
    expected = run.stdout.decode("utf-8")
    expected = expected[:-1] if expected.endswith("\n") else expected
    if status == 200:
        check(body.get("object") == "text_completion" and
              body.get("id", "").startswith("cmpl-") and
              isinstance(body.get("created"), int) and
              body.get("model") == MODEL, f"completion: shape {body}")
        choice = body["choices"][0]
        check(choice.get("index") == 0 and
              choice.get("finish_reason") in ("stop", "length"),
              f"completion: choice {choice}")
        check(choice.get("text") == expected,
              f"completion: text {choice.get('text')!r}, moec-run gives "
              f"{expected!r}")
        usage = check_usage("completion", body)
        check(usage.get("completion_tokens", 0) <= n,
              f"completion: {usage} for max_tokens {n}")
        if choice.get("finish_reason") == "length":
            check(usage.get("completion_tokens") == n,
                  f"completion: length with {usage}")

    # A stop string taken from the text cuts it there.
    if len(expected) > 4:
        stop = expected[2:4]
        status, body = post_json("/v1/completions",
                                 {"prompt": prompt, "max_tokens": n,
                                  "stop": [stop]})
        cut = expected[:expected.find(stop)]
        check(status == 200 and body["choices"][0]["text"] == cut and
              body["choices"][0]["finish_reason"] == "stop",
              f"stop string {stop!r}: want {cut!r}, got {body}")

    # --- Chat, plain and streamed ------------------------------------------
    chat = {"model": MODEL, "max_tokens": 16,
            "messages": [{"role": "system", "content": "be brief"},
                         {"role": "user", "content": "hi \"there\" \u00e9"}]}
    status, body = post_json("/v1/chat/completions", chat)
    content = None
    if check(status == 200, f"chat: status {status}: {body}"):
        check(body.get("object") == "chat.completion" and
              body.get("id", "").startswith("chatcmpl-") and
              body.get("model") == MODEL, f"chat: shape {body}")
        message = body["choices"][0].get("message", {})
        check(message.get("role") == "assistant" and
              isinstance(message.get("content"), str), f"chat: {message}")
        content = message.get("content")
        check_usage("chat", body)

    events, done = stream(dict(chat, stream=True))
    check(done, "stream: no [DONE]")
    if check(len(events) >= 2, f"stream: {len(events)} events"):
        check(all(e.get("object") == "chat.completion.chunk" and
                  e.get("id") == events[0].get("id") for e in events),
              "stream: chunk object or id")
        check(events[0]["choices"][0]["delta"].get("role") == "assistant",
              f"stream: first delta {events[0]['choices'][0]['delta']}")
        check(all(e["choices"][0]["finish_reason"] is None
                  for e in events[:-1]) and
              events[-1]["choices"][0]["finish_reason"] in ("stop", "length"),
              "stream: finish_reason only on the last chunk")
        streamed = "".join(e["choices"][0]["delta"].get("content", "")
                           for e in events)
        check(streamed == content,
              f"stream: deltas give {streamed!r}, non-streaming {content!r}")

    # --- 20 concurrent requests --------------------------------------------
    results = [None] * 20

    def one(i):
        if i % 2:
            results[i] = post_json("/v1/chat/completions", chat)
        else:
            results[i] = post_json("/v1/completions",
                                   {"prompt": prompt, "max_tokens": n})

    threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, (status, body) in enumerate(results):
        if not check(status == 200, f"concurrent {i}: {status} {body}"):
            continue
        got = (body["choices"][0]["message"]["content"] if i % 2
               else body["choices"][0]["text"])
        want = content if i % 2 else expected
        check(got == want, f"concurrent {i}: {got!r}, want {want!r}")

    # --- Errors ------------------------------------------------------------
    status, body = curl("/v1/chat/completions", "{\"messages\": [")
    check_error("malformed JSON", status, json.loads(body), 400)
    for path, field, value in [
            ("/v1/completions", "max_tokens", "ten"),
            ("/v1/chat/completions", "messages", 3),
            ("/v1/completions", "temperature", -1),
            ("/v1/completions", "stream", "yes"),
            ("/v1/completions", "stop", 5),
            ("/v1/completions", "prompt", None)]:
        request = {"prompt": "hi"} if path == "/v1/completions" else {}
        if path == "/v1/chat/completions":
            request = {"messages": [{"role": "user", "content": "hi"}]}
        request[field] = value
        status, body = post_json(path, request)
        check_error(f"{field}={value!r}", status, body, 400, field)
    status, body = post_json("/v1/completions", {"prompt": "a " * 200})
    check_error("long prompt", status, body, 400, "prompt", "the limit is 64")
    big = b'{"prompt": "' + b"a" * (9 << 20) + b'"}'
    status, body = curl("/v1/completions", big)
    check(status == 413, f"oversized body: status {status}")
    status, body = curl("/v1/nothing")
    check_error("unknown endpoint", status, json.loads(body), 404)
    status, body = curl("/v1/completions", method="GET")
    check(status in (404, 405), f"GET /v1/completions: {status}")

finally:
    stop_server(server, log_path)

# --- A client that goes away mid-stream, a full queue, SIGTERM mid-stream ---
# One session and no queue: a leaked session would answer 503 from then on.
# The delay per token makes a stream last long enough to walk away from.
server, log_path = start("slow", "--sessions", "1", "--max-queue", "0",
                         "--token-delay-ms", "20")
long_chat = {"messages": [{"role": "user", "content": "go on"}],
             "max_tokens": 100000, "stream": True}
try:
    background = threading.Thread(target=stream, args=(long_chat,),
                                  kwargs={"timeout": 1})
    background.start()
    time.sleep(0.4)
    status, body = post_json("/v1/completions", {"prompt": prompt,
                                                 "max_tokens": 2})
    check_error("busy server", status, body, 503)
    background.join()
    time.sleep(0.3)
    status, body = curl("/health", timeout=10)
    check(status == 200, f"/health after a disconnect: {status} {body}")
    check("generation cancelled" in open(log_path).read(),
          "the disconnect did not cancel the generation")
    status, body = post_json("/v1/completions",
                             {"prompt": prompt, "max_tokens": n}, timeout=30)
    check(status == 200 and body["choices"][0]["text"] == expected,
          f"completion after a disconnect: {status} {body}")
    # SIGTERM while a stream runs: the generation is cancelled, exit 0.
    background = threading.Thread(target=stream, args=(long_chat,),
                                  kwargs={"timeout": 20})
    background.start()
    time.sleep(0.4)
finally:
    stop_server(server, log_path)
background.join()

if failures:
    print(f"{len(failures)} failure(s)", file=sys.stderr)
    sys.exit(1)
print("moec-serve: all checks passed")
