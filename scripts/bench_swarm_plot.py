#!/usr/bin/env python3
"""bench_swarm_plot.py - the plots of scripts/bench_swarm.sh, with gnuplot.

    bench_swarm_plot.py DIR

DIR holds what bench_swarm.sh kept (SWARM_PLOTS): rounds.tsv, one line per
round (case, system, seeders, downloaders, file bytes, up and down Mbit/s,
T_min in s, the start t0 in epoch ms, and each downloader's done time in ms
after t0, comma-separated, "-" if never), and CASE-SYSTEM.tsv, the round's
interface counters (lab_counters_bg: t_ms, then HOST_tx and HOST_rx in
bytes for every host, sampled from outside the processes).

Per case (n4, n8, ... one seeder and N downloaders; s4, one downloader from
4 seeders) it writes two PNGs into DIR, one panel per system side by side,
same axes in every panel, the time axis in seconds from the start:
  CASE-received.png  each downloader's bytes received (MiB, frames as the
                     interface counts them, so ~1-2% over the file), the
                     file's size, T_min and the last downloader's done time (samples up to
                     TAIL_S = 0.5 s after it);
  CASE-upload.png    each host's upload rate (Mbit/s, over SMOOTH_S =
                     0.5 s windows): the seeder(s), every downloader, the
                     downloaders' mean, the uplink's rate, T_min.
The tracker's host is left out.  Needs gnuplot (pngcairo).

And, per round, a line of what the plots show of the downloaders' uplinks
(the swarm's scarce resource: at N = 16 they must carry ~94% of their
rate for the swarm to keep up with its seeder):
  ramp   when each downloader's uplink first carried half its rate
         (over SMOOTH_S), s from the start: min/median/max;
  idle   the share of samples, from that moment to 1 s before the first
         downloader was done, in which it carried under half: mean and
         max over the downloaders.
"""
import csv
import os
import subprocess
import sys
import tempfile

SMOOTH_S = 0.5
TAIL_S = 0.5
WIDTH_PER_PANEL = 620
HEIGHT = 520


def load_rounds(d):
    with open(os.path.join(d, "rounds.tsv"), newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for r in rows:
        for k in ("seeders", "downloaders", "file_bytes", "up_mbit",
                  "down_mbit", "t0_ms"):
            r[k] = int(r[k])
        r["tmin_s"] = float(r["tmin_s"])
        r["done_s"] = [None if x == "-" else int(x) / 1000
                       for x in r["done_ms"].split(",")]
    return rows


def load_samples(path, t0_ms):
    """(t_s list, {column: values since the last sample before t0})."""
    with open(path) as f:
        head = f.readline().rstrip("\n").split("\t")
        raw = []
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) != len(head) or not all(x.isdigit() for x in p):
                continue        # a line cut by the sampler's end
            raw.append([int(x) for x in p])
    if not raw:
        return [], {}
    base = raw[0]
    for r in raw:
        if r[0] <= t0_ms:
            base = r
    raw = [r for r in raw if r[0] >= base[0]]
    ts = [(r[0] - t0_ms) / 1000 for r in raw]
    cols = {h: [r[i] - base[i] for r in raw] for i, h in enumerate(head)
            if i > 0}
    return ts, cols


def cut(ts, cols, r):
    """The samples up to TAIL_S after the last downloader was done."""
    done = [x for x in r["done_s"] if x is not None]
    if len(done) < len(r["done_s"]) or not ts:
        return ts, cols
    n = sum(1 for t in ts if t <= max(done) + TAIL_S)
    return ts[:n], {h: v[:n] for h, v in cols.items()}


def rate(ts, vals, window):
    """Mbit/s over the last `window` seconds, at each sample."""
    out = []
    j = 0
    for i, t in enumerate(ts):
        while ts[j] < t - window - 1e-6:
            j += 1
        k = j if ts[j] < t else max(i - 1, 0)
        dt = t - ts[k]
        out.append((vals[i] - vals[k]) * 8 / dt / 1e6 if dt > 0 else 0.0)
    return out


def hosts(cols, prefix):
    names = sorted({c[:-3] for c in cols if c.startswith(prefix)},
                   key=lambda h: int(h[len(prefix):]))
    return names


def write_block(f, ts, ys):
    for t, y in zip(ts, ys):
        f.write("%.3f %.6f\n" % (t, y))
    f.write("\n\n")


def fmt_done(r):
    done = [x for x in r["done_s"] if x is not None]
    if len(done) == len(r["done_s"]) and done:
        last = max(done)
        return last, "last done %.1f s = %.2f x T_min" % (last, last / r["tmin_s"])
    return None, "%d of %d done" % (len(done), len(r["done_s"]))


def uplink_use(d, r):
    """The round's ramp/idle line (see the module's text), or None."""
    path = os.path.join(d, "%s-%s.tsv" % (r["case"], r["system"]))
    if not os.path.exists(path):
        return None
    ts, cols = load_samples(path, r["t0_ms"])
    done = [x for x in r["done_s"] if x is not None]
    if len(ts) < 3 or not done:
        return None
    half = r["up_mbit"] / 2
    end = min(done) - 1.0
    ramp, idle = [], []
    for h in hosts(cols, "D"):
        up = rate(ts, cols[h + "_tx"], SMOOTH_S)
        first = next((i for i, (t, x) in enumerate(zip(ts, up))
                      if t > 0 and x >= half), None)
        if first is None:
            return None
        ramp.append(ts[first])
        mid = [x for t, x in zip(ts[first:], up[first:]) if t <= end]
        if mid:
            idle.append(sum(x < half for x in mid) / len(mid))
    ramp.sort()
    return ("ramp %.1f/%.1f/%.1f s, idle mid-run mean %.1f%% max %.1f%%" %
            (ramp[0], ramp[len(ramp) // 2], ramp[-1],
             100 * sum(idle) / max(len(idle), 1),
             100 * max(idle, default=0)))


def plot_case(d, case, rounds, work):
    n = len(rounds)
    data = []
    tmax = 0.0
    fmib = rounds[0]["file_bytes"] / 2**20
    rxmax = fmib
    for r in rounds:
        path = os.path.join(d, "%s-%s.tsv" % (case, r["system"]))
        ts, cols = load_samples(path, r["t0_ms"])
        ts, cols = cut(ts, cols, r)
        data.append((r, ts, cols))
        if ts:
            tmax = max(tmax, ts[-1])
        tmax = max([tmax] + [x for x in r["done_s"] if x is not None])
        rxmax = max([rxmax] + [v / 2**20 for h in hosts(cols, "D")
                               for v in cols[h + "_rx"]])
    tmax = 1.04 * max(tmax, max(r["tmin_s"] for r in rounds) * 1.1)
    up = rounds[0]["up_mbit"]
    size = "%d,%d" % (WIDTH_PER_PANEL * n, HEIGHT)
    what = ("1 seeder, %d downloaders" % rounds[0]["downloaders"]
            if rounds[0]["downloaders"] > 1 else
            "%d seeders, 1 downloader" % rounds[0]["seeders"])
    common = (
        "set terminal pngcairo size %s font 'DejaVu Sans,10' noenhanced\n"
        "set grid\nset xrange [0:%.1f]\nset xlabel 'time since the start (s)'\n"
        % (size, tmax))

    # Received.
    g = [common, "set output '%s'\n" % os.path.join(d, case + "-received.png"),
         "set yrange [0:%.1f]\n" % (rxmax * 1.1),
         "set ylabel 'bytes received (MiB, interface frames)'\n",
         "set key bottom right box opaque\n",
         "set palette defined (0 '#9ecae1', 1 '#08306b')\nunset colorbox\n",
         "set multiplot layout 1,%d title '%s: %s MiB file, every host %d Mbit/s"
         " up, %d down; each downloader, from its interface counters (%s)'\n"
         % (n, case, ("%g" % fmib), up, rounds[0]["down_mbit"], "sampled every "
            + samp_period(data))]
    for i, (r, ts, cols) in enumerate(data):
        fn = os.path.join(work, "%s-%s-rx.dat" % (case, r["system"]))
        dls = hosts(cols, "D")
        with open(fn, "w") as f:
            for h in dls:
                write_block(f, ts, [v / 2**20 for v in cols[h + "_rx"]])
        last, title = fmt_done(r)
        g.append(marks(r, last, rxmax * 1.04))
        g.append("set title '%s: %s'\n" % (r["system"], title))
        nd = max(len(dls), 1)
        g.append(
            "plot for [i=0:%d] '%s' index i using 1:2:(%d > 1 ? i/%d. : 1)"
            " with lines lw 1.5 lc palette notitle, \\\n"
            "  NaN with lines lw 1.5 lc rgb '#2171b5' title '%s', \\\n"
            "  %.4f with lines dt 3 lw 1.5 lc rgb 'black' title 'the file (%g MiB)'\n"
            % (nd - 1, fn, nd, nd - 1,
               "each downloader (D1 light .. D%d dark)" % nd if nd > 1
               else "the downloader", fmib, fmib))
        clear_marks(g)
    g.append("unset multiplot\n")
    gnuplot("".join(g))

    # Upload.
    ymax = 1.25 * max([up] + [
        max(rate(ts, cols[h + "_tx"], SMOOTH_S) or [0])
        for r, ts, cols in data for h in hosts(cols, "S")])
    g = [common, "set output '%s'\n" % os.path.join(d, case + "-upload.png"),
         "set yrange [0:%.1f]\n" % ymax,
         "set ylabel 'upload rate (Mbit/s, over %g s)'\n" % SMOOTH_S,
         "set key outside below center horizontal box\nset bmargin 7\n",
         "set multiplot layout 1,%d title '%s: %s; each host upload rate, from its"
         " interface counters (sampled every %s)'\n"
         % (n, case, what, samp_period(data))]
    for r, ts, cols in data:
        fn = os.path.join(work, "%s-%s-tx.dat" % (case, r["system"]))
        dls, sds = hosts(cols, "D"), hosts(cols, "S")
        rates = {h: rate(ts, cols[h + "_tx"], SMOOTH_S) for h in dls + sds}
        with open(fn, "w") as f:
            for h in sds + dls:
                write_block(f, ts, rates[h])
            mean = [sum(rates[h][i] for h in dls) / len(dls)
                    for i in range(len(ts))] if dls else [0.0] * len(ts)
            write_block(f, ts, mean)
        ns, nd = len(sds), len(dls)
        last, title = fmt_done(r)
        g.append(marks(r, last, ymax * 0.95))
        g.append("set title '%s: %s'\n" % (r["system"], title))
        p = ["plot %g with lines dt 3 lw 1.5 lc rgb 'black' title 'uplink %d Mbit/s'"
             % (up, up)]
        if nd:
            p.append("for [i=%d:%d] '%s' index i using 1:2 with lines lw 0.8"
                     " lc rgb '#9ecae1' notitle" % (ns, ns + nd - 1, fn))
            p.append("NaN with lines lw 0.8 lc rgb '#9ecae1' title 'each downloader'")
            if nd > 1:
                p.append("'%s' index %d using 1:2 with lines lw 2.5"
                         " lc rgb '#08519c' title 'downloaders mean'" % (fn, ns + nd))
        p.append("for [i=0:%d] '%s' index i using 1:2 with lines lw 2"
                 " lc rgb '#d94801' title (i == 0 ? '%s' : '')"
                 % (ns - 1, fn, "seeder" if ns == 1 else "each seeder"))
        g.append(", \\\n  ".join(p) + "\n")
        clear_marks(g)
    g.append("unset multiplot\n")
    gnuplot("".join(g))


def samp_period(data):
    gaps = []
    for _, ts, _ in data:
        gaps += [b - a for a, b in zip(ts, ts[1:])]
    if not gaps:
        return "?"
    gaps.sort()
    return "%g s" % round(gaps[len(gaps) // 2], 2)


def marks(r, last, ylab):
    """T_min and the last done time as vertical lines."""
    s = ("set arrow 1 from %.3f, graph 0 to %.3f, graph 1 nohead dt 2 lw 1.5"
         " lc rgb '#238b45'\n"
         "set label 1 'T_min %.1f s' at %.3f, %.3f right offset -0.5,0"
         " tc rgb '#238b45'\n" % (r["tmin_s"], r["tmin_s"], r["tmin_s"],
                                  r["tmin_s"], ylab))
    if last is not None:
        s += ("set arrow 2 from %.3f, graph 0 to %.3f, graph 1 nohead dt 4"
              " lw 1.5 lc rgb '#cb181d'\n"
              "set label 2 'last done %.1f s' at %.3f, %.3f right offset -0.5,-1.2"
              " tc rgb '#cb181d'\n" % (last, last, last, last, ylab))
    return s


def clear_marks(g):
    g.append("unset arrow 1\nunset arrow 2\nunset label 1\nunset label 2\n")


def gnuplot(script):
    p = subprocess.run(["gnuplot"], input=script, text=True,
                       capture_output=True, check=False)
    if p.returncode != 0 or "error" in p.stderr.lower():
        sys.stderr.write(p.stderr)
        raise SystemExit("bench_swarm_plot: gnuplot failed")


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: bench_swarm_plot.py DIR")
    d = sys.argv[1]
    rounds = load_rounds(d)
    cases = []
    for r in rounds:
        if r["case"] not in cases:
            cases.append(r["case"])
    with tempfile.TemporaryDirectory() as work:
        for c in cases:
            plot_case(d, c, [r for r in rounds if r["case"] == c], work)
            print("  %s-received.png, %s-upload.png" % (c, c))
    for r in rounds:
        use = uplink_use(d, r) if r["case"].startswith("n") else None
        if use:
            print("  %-4s %-10s downloaders' uplinks: %s" % (r["case"],
                                                           r["system"], use))


if __name__ == "__main__":
    main()
