#!/usr/bin/python3
"""bench_swarm_lt.py - one libtorrent peer of scripts/bench_swarm.sh.

    bench_swarm_lt.py seed|get TORRENT SAVE_DIR LISTEN_IP GO_FILE LIMIT_S

Runs inside a lab host, with Debian's python3-libtorrent (so /usr/bin/python3,
not another Python without it).  DHT, local peer discovery, UPnP and NAT-PMP
are off: peers come from the tracker named in the torrent (opentracker on
the lab's tracker host) and from peer exchange.  Otherwise libtorrent's
defaults.

seed: adds the torrent over SAVE_DIR (which holds the file), prints "ready"
      once its data is checked and it is seeding.
get:  loads the torrent, prints "ready", waits for GO_FILE to exist, then
      adds it (the announce happens then) and prints "done EPOCH_MS" the
      moment it has every piece.
Both then go on seeding until killed, or LIMIT_S seconds after start.

    bench_swarm_lt.py exec GO_FILE LIMIT_S CMD [ARG...]

Prints "ready", waits for GO_FILE to exist (at most LIMIT_S seconds), then
becomes CMD (exec: same PID), so that another client (aria2c) starts at the
same moment as the libtorrent ones would.
"""
import os
import sys
import time

import libtorrent as lt


def wait_go(go, end):
    while not os.path.exists(go):
        if time.monotonic() > end:
            sys.exit("never told to go")
        time.sleep(0.005)


def main():
    if sys.argv[1:2] == ["exec"]:
        go, limit = sys.argv[2:4]
        print("ready", flush=True)
        wait_go(go, time.monotonic() + float(limit))
        os.execvp(sys.argv[4], sys.argv[4:])
    role, torrent, save, ip, go, limit = sys.argv[1:7]
    end = time.monotonic() + float(limit)
    ses = lt.session({
        "listen_interfaces": "%s:6881" % ip,
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "alert_mask": 0,
    })
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(torrent)
    atp.save_path = save
    if role == "get":
        print("ready", flush=True)
        wait_go(go, end)
    h = ses.add_torrent(atp)
    said = err = False
    while time.monotonic() < end:
        st = h.status()
        if not said and st.is_seeding:
            said = True
            if role == "seed":
                print("ready", flush=True)
            else:
                print("done %d" % int(time.time() * 1000), flush=True)
        if st.errc.value() != 0 and not err:
            err = True
            print("error %s" % st.errc.message(), flush=True)
        time.sleep(0.02 if not said else 0.5)


if __name__ == "__main__":
    main()
