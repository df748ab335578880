"""share_watch.py - kill a process at a precise point of a transfer.

Transfers between two clients on 127.0.0.1 take a fraction of a second, too
fast for a shell loop to catch one in the middle.  This watcher polls in a
tight loop and sends SIGKILL the moment a condition holds:

  served WATCH_PID BYTES KILL_PID DEST TIMEOUT
      when the process WATCH_PID has read BYTES more than when the watcher
      started (rchar of /proc/PID/io counts the file a seeder reads to
      send it, pread(2) into its TLS stage), kill KILL_PID.
  written PART BYTES KILL_PID DEST TIMEOUT
      when PART holds BYTES of data, kill KILL_PID.  A downloader's .part
      is allocated at its full size up front and filled with zeros, so
      data is counted in 128 KiB blocks whose last 64 bytes are not all
      zero (the tests transfer random bytes).

It prints "ready" once it has its baseline (start the transfer after
that), then "killed AMOUNT DEST_EXISTED" (AMOUNT: bytes served or written
at the kill; DEST_EXISTED: 1 if DEST already existed, i.e. the transfer
had finished) or "timeout AMOUNT".  Exit status 0 when it killed.
"""
import os
import signal
import sys
import time


def rchar(pid):
    with open("/proc/%d/io" % pid) as f:
        for line in f:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    raise RuntimeError("no rchar")


BLOCK = 128 * 1024


def written(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return 0
    try:
        size, n = os.fstat(fd).st_size, 0
        for off in range(0, size, BLOCK):
            end = min(off + BLOCK, size)
            tail = os.pread(fd, min(64, end - off), end - min(64, end - off))
            if tail.strip(b"\0"):
                n += end - off
        return n
    finally:
        os.close(fd)


def main():
    mode = sys.argv[1]
    target, need, kill_pid = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    dest, timeout = sys.argv[5], float(sys.argv[6])
    if mode == "served":
        pid = int(target)
        base = rchar(pid)
        amount = lambda: rchar(pid) - base
    elif mode == "written":
        amount = lambda: written(target)
    else:
        sys.exit("unknown mode " + mode)
    print("ready", flush=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        a = amount()
        if a >= need:
            existed = os.path.exists(dest)
            os.kill(kill_pid, signal.SIGKILL)
            print("killed %d %d" % (a, 1 if existed else 0), flush=True)
            return 0
        time.sleep(0.0002)
    print("timeout %d" % amount(), flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
