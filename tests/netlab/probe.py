#!/usr/bin/env python3
"""probe.py - small network probes for the lab's own checks (t_lab_net.sh).

  probe.py sink ADDR PORT            accept one TCP connection, read to EOF;
                                     print "ready" once listening, then
                                     "bytes N seconds S" (from first byte)
  probe.py send ADDR PORT SECONDS    connect, send for SECONDS, close
  probe.py connect ADDR PORT TIMEOUT print connected | refused | timeout |
                                     unreachable | error:<errno name>
  probe.py udprecv ADDR PORT SECONDS [MOST]
                                     print "ready", then "got N" datagrams
                                     (after SECONDS, or once MOST came)
  probe.py udpsend ADDR PORT N       send N datagrams, 10 ms apart

Every mode is bounded in time.
"""
import errno
import socket
import sys
import time


def sink(addr, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(1)
    s.settimeout(30)
    print("ready", flush=True)
    c, _ = s.accept()
    c.settimeout(30)
    n, t0 = 0, None
    while True:
        b = c.recv(1 << 20)
        if not b:
            break
        if t0 is None:
            t0 = time.monotonic()
        n += len(b)
    dt = time.monotonic() - t0 if t0 else 0.0
    print("bytes %d seconds %.3f" % (n, dt), flush=True)


def send(addr, port, secs):
    c = socket.create_connection((addr, port), timeout=10)
    buf = b"\x5a" * 65536
    end = time.monotonic() + secs
    while time.monotonic() < end:
        c.sendall(buf)
    c.close()


def connect(addr, port, timeout):
    c = socket.socket()
    c.settimeout(timeout)
    try:
        c.connect((addr, port))
        print("connected")
    except socket.timeout:
        print("timeout")
    except ConnectionRefusedError:
        print("refused")
    except OSError as e:
        if e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            print("unreachable")
        else:
            print("error:%s" % errno.errorcode.get(e.errno, e.errno))


def udprecv(addr, port, secs, most=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    print("ready", flush=True)
    n, end = 0, time.monotonic() + secs
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            s.recv(2048)
            n += 1
        except socket.timeout:
            break
        if n == most:
            break
    print("got %d" % n, flush=True)


def udpsend(addr, port, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(n):
        try:
            s.sendto(b"probe", (addr, port))
        except OSError:
            pass
        time.sleep(0.01)


def main():
    m, a = sys.argv[1], sys.argv[2:]
    if m == "sink":
        sink(a[0], int(a[1]))
    elif m == "send":
        send(a[0], int(a[1]), float(a[2]))
    elif m == "connect":
        connect(a[0], int(a[1]), float(a[2]))
    elif m == "udprecv":
        udprecv(a[0], int(a[1]), float(a[2]), int(a[3]) if len(a) > 3 else 0)
    elif m == "udpsend":
        udpsend(a[0], int(a[1]), int(a[2]))
    else:
        sys.exit("unknown mode " + m)


if __name__ == "__main__":
    main()
