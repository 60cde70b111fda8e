"""Memory checks of compiled CPU code, through the C API of libmoec.so.

  cpu_memory.py flat LIBMOEC ARTIFACT
      After a warm-up 2,000-token generation (which touches the KV cache's
      pages), 1,000 generate calls on one session and another 2,000-token
      generation must keep the peak RSS within 1 MiB: no step leaks.
  cpu_memory.py limits MOEC_RUN ARTIFACT
      Runs moec-run under a range of address-space limits around the
      smallest that lets a 250-token prefill finish: every run must either
      give the unlimited run's tokens or end with exit 1 and an error line,
      never a signal; at least one must fail inside the compiled code with
      its "could not allocate" error.
"""

import ctypes
import resource
import subprocess
import sys


class GenerateOptions(ctypes.Structure):
    _fields_ = [("max_new_tokens", ctypes.c_size_t),
                ("temperature", ctypes.c_float),
                ("top_p", ctypes.c_float),
                ("seed", ctypes.c_uint64),
                ("stop_token_ids", ctypes.c_void_p),
                ("num_stop_token_ids", ctypes.c_size_t),
                ("on_token", ctypes.c_void_p),
                ("user_data", ctypes.c_void_p)]


def fail(message):
    print("cpu_memory: " + message, file=sys.stderr)
    sys.exit(1)


def peak_rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    fail("no VmHWM in /proc/self/status")


def check_flat(library, artifact):
    lib = ctypes.CDLL(library)
    lib.moec_last_error.restype = ctypes.c_char_p
    lib.moec_session_last_error.restype = ctypes.c_char_p
    session = ctypes.c_void_p()
    if lib.moec_session_open(artifact.encode(), b"cpu",
                             ctypes.byref(session)) != 0:
        fail("open: " + lib.moec_last_error().decode())

    def generate(count):
        options = GenerateOptions()
        lib.moec_generate_options_init(ctypes.byref(options))
        options.max_new_tokens = count
        options.num_stop_token_ids = 0  # no stop tokens: exactly `count`
        prompt = (ctypes.c_int64 * 4)(1, 17, 42, 5)
        out = (ctypes.c_int64 * count)()
        produced = ctypes.c_size_t()
        lib.moec_session_reset(session)
        if lib.moec_session_generate(session, prompt, 4, ctypes.byref(options),
                                     out, count, ctypes.byref(produced)) != 0:
            fail("generate: " + lib.moec_session_last_error(session).decode())
        if produced.value != count:
            fail(f"generated {produced.value} tokens, asked for {count}")

    generate(2000)
    base = peak_rss_kib()
    for _ in range(1000):
        generate(16)
    after_calls = peak_rss_kib()
    generate(2000)
    after_long = peak_rss_kib()
    lib.moec_session_close(session)
    print(f"peak RSS: {base} KiB after the warm-up, {after_calls} KiB after "
          f"1000 generate calls, {after_long} KiB after 2000 more tokens")
    if max(after_calls, after_long) - base > 1024:
        fail("the peak RSS grew by more than 1 MiB")
    print("flat: OK")


def run_limited(moec_run, artifact, prompt, limit_kib):
    def limit():
        if limit_kib:
            resource.setrlimit(resource.RLIMIT_AS,
                               (limit_kib * 1024, limit_kib * 1024))
    return subprocess.run(
        [moec_run, artifact, "--prompt-ids", prompt, "--max-new-tokens", "2"],
        preexec_fn=limit, capture_output=True, text=True, timeout=60)


def check_limits(moec_run, artifact):
    prompt = ",".join(str(i * 7 % 120 + 3) for i in range(250))
    reference = run_limited(moec_run, artifact, prompt, None)
    if reference.returncode != 0:
        fail("the unlimited run failed: " + reference.stderr)
    tokens = reference.stdout.splitlines()[0]
    # The smallest limit (in 256 KiB steps) at which the run succeeds.
    smallest = 4096
    while run_limited(moec_run, artifact, prompt, smallest).returncode != 0:
        smallest += 256
        if smallest > 1 << 20:
            fail("no limit below 1 GiB lets the run finish")
    in_code = 0
    for limit_kib in range(smallest - 2048, smallest + 256, 32):
        run = run_limited(moec_run, artifact, prompt, limit_kib)
        if run.returncode < 0:
            fail(f"limit {limit_kib} KiB: killed by signal {-run.returncode}:"
                 f" {run.stderr}")
        if run.returncode == 0:
            if run.stdout.splitlines()[0] != tokens:
                fail(f"limit {limit_kib} KiB: {run.stdout.splitlines()[0]}, "
                     f"expected {tokens}")
            continue
        error_lines = [line for line in run.stderr.splitlines()
                       if "error" in line]
        # Below some limit even the dynamic loader cannot map libc (127).
        if run.returncode not in (1, 127) or not error_lines:
            fail(f"limit {limit_kib} KiB: exit {run.returncode} without a "
                 f"clear error: {run.stderr}")
        if "the compiled code could not allocate" in run.stderr:
            in_code += 1
    print(f"limits: OK (smallest {smallest} KiB; {in_code} runs failed "
          "inside the compiled code with a clear error)")
    if in_code == 0:
        fail("no limit made the compiled code's allocation fail")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("flat", "limits"):
        fail("usage: cpu_memory.py flat LIBMOEC ARTIFACT | "
             "limits MOEC_RUN ARTIFACT")
    if sys.argv[1] == "flat":
        check_flat(sys.argv[2], sys.argv[3])
    else:
        check_limits(sys.argv[2], sys.argv[3])
