#!/bin/sh
# zeek-agree.sh: run `synfin --format zeek` on every trace of the Zeek
# corpus that has rows in expected.tsv and compare with Zeek's own
# conn.log verdicts, as multisets per (trace, 5-tuple as Zeek oriented
# it).  Prints the agreement per trace and per conn_state, every row that
# differs, and the headline figures (llc.pcap counted apart).
#
# usage: SYNFIN=path/to/synfin zeek-agree.sh [CORPUS_DIR] [-v]
# Exit status 1 when a headline figure is under its target (95 % for
# conn_state, 85 % for history), 2 on a usage or input error.
set -u
: "${SYNFIN:?set SYNFIN to the synfin binary}"
corpus=${1:-../shared/corpus/zeek}
[ -f "$corpus/expected.tsv" ] || {
	echo "zeek-agree.sh: $corpus/expected.tsv not found" >&2
	exit 2
}
command -v python3 >/dev/null 2>&1 || {
	echo "zeek-agree.sh: python3 is needed" >&2
	exit 2
}
export SYNFIN
exec python3 - "$corpus" <<'EOF'
import collections
import ipaddress
import os
import subprocess
import sys

corpus = sys.argv[1]
synfin = os.environ["SYNFIN"]
TARGET_STATE, TARGET_HIST = 95.0, 85.0
APART = "llc.pcap"


def addr(a):
    try:
        return str(ipaddress.ip_address(a))
    except ValueError:
        return a


expected = collections.OrderedDict()
with open(os.path.join(corpus, "expected.tsv")) as f:
    head = f.readline().rstrip("\n").split("\t")
    for line in f:
        v = dict(zip(head, line.rstrip("\n").split("\t")))
        key = (addr(v["orig_h"]), v["orig_p"], addr(v["resp_h"]), v["resp_p"])
        expected.setdefault(v["trace"], []).append(
            (key, v["conn_state"], v["history"], v["orig_pkts"],
             v["resp_pkts"]))


def run(trace):
    path = os.path.join(corpus, "traces", trace)
    p = subprocess.run([synfin, "--no-progress", "--format", "zeek", path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    rows, fields = [], []
    for line in p.stdout.splitlines():
        if line.startswith("#fields"):
            fields = line.split("\t")[1:]
            continue
        if line.startswith("#") or not line:
            continue
        v = dict(zip(fields, line.split("\t")))
        key = (addr(v["id.orig_h"]), v["id.orig_p"], addr(v["id.resp_h"]),
               v["id.resp_p"])
        rows.append((key, v["conn_state"], v["history"], v["orig_pkts"],
                     v["resp_pkts"]))
    return rows, p.returncode, p.stderr.strip()


def match(exp, got, field):
    """Pair rows equal on field, exact (state, history) pairs first;
    return one flag per expected row."""
    ok = [False] * len(exp)
    used = [False] * len(got)
    for exact in (True, False):
        for i, e in enumerate(exp):
            if ok[i]:
                continue
            for j, g in enumerate(got):
                if used[j] or g[field] != e[field]:
                    continue
                if exact and (g[1], g[2]) != (e[1], e[2]):
                    continue
                ok[i] = used[j] = True
                break
    return ok


tot = collections.Counter()
per_state = collections.defaultdict(collections.Counter)
per_trace = []
diffs = []
for trace, exp in expected.items():
    got, rc, err = run(trace)
    apart = trace == APART
    byk_e = collections.defaultdict(list)
    byk_g = collections.defaultdict(list)
    for r in exp:
        byk_e[r[0]].append(r)
    for r in got:
        byk_g[r[0]].append(r)
    t = collections.Counter()
    for key, es in byk_e.items():
        gs = byk_g.get(key, [])
        st = match(es, gs, 1)
        hi = match(es, gs, 2)
        for e, s_ok, h_ok in zip(es, st, hi):
            t["rows"] += 1
            t["state"] += s_ok
            t["hist"] += h_ok
            if not apart:
                per_state[e[1]]["rows"] += 1
                per_state[e[1]]["state"] += s_ok
                per_state[e[1]]["hist"] += h_ok
            if s_ok and h_ok:
                continue
            rev = (key[2], key[3], key[0], key[1])
            if gs:
                mine = ", ".join("%s %s" % (g[1], g[2]) for g in gs)
            elif rev in byk_g:
                mine = "reversed: " + ", ".join(
                    "%s %s" % (g[1], g[2]) for g in byk_g[rev])
            else:
                mine = "not found"
            diffs.append((trace, key, e[1], e[2], mine))
    if rc != 0:
        t["exit"] = rc
    per_trace.append((trace, t, err if rc != 0 else ""))
    bucket = "apart" if apart else "main"
    for k in ("rows", "state", "hist"):
        tot[bucket + k] += t[k]


def pct(a, b):
    return 100.0 * a / b if b else 0.0


print("Agreement per trace (rows: Zeek's TCP rows; state/history: rows "
      "synfin matched)")
print("%-52s %5s %6s %8s" % ("trace", "rows", "state", "history"))
for trace, t, err in per_trace:
    mark = ""
    if t["state"] != t["rows"] or t["hist"] != t["rows"]:
        mark = "  *"
    if t.get("exit"):
        mark += "  (exit %d: %s)" % (t["exit"], err.splitlines()[0]
                                      if err else "")
    print("%-52s %5d %6d %8d%s" % (trace, t["rows"], t["state"], t["hist"],
                                   mark))
print()
print("Agreement per conn_state (Zeek's code; %s apart)" % APART)
print("%-8s %5s %6s %8s" % ("state", "rows", "state", "history"))
for st in sorted(per_state, key=lambda s: -per_state[s]["rows"]):
    c = per_state[st]
    print("%-8s %5d %6d %8d" % (st, c["rows"], c["state"], c["hist"]))
print()
print("Disagreements (trace, Zeek's tuple: Zeek's conn_state history | "
      "synfin's rows for that tuple)")
for trace, key, zs, zh, mine in diffs:
    print("%s %s:%s > %s:%s: %s %s | %s" % (trace, key[0], key[1], key[2],
                                           key[3], zs, zh, mine))
print()
m, a = tot["mainrows"], tot["apartrows"]
ps, ph = pct(tot["mainstate"], m), pct(tot["mainhist"], m)
print("Headline: %d of Zeek's TCP connections outside %s" % (m, APART))
print("  same conn_state: %d/%d = %.1f %% (target %.0f %%)" %
      (tot["mainstate"], m, ps, TARGET_STATE))
print("  same history:    %d/%d = %.1f %% (target %.0f %%)" %
      (tot["mainhist"], m, ph, TARGET_HIST))
print("%s apart: conn_state %d/%d = %.1f %%, history %d/%d = %.1f %%" %
      (APART, tot["apartstate"], a, pct(tot["apartstate"], a),
       tot["aparthist"], a, pct(tot["aparthist"], a)))
sys.exit(0 if ps >= TARGET_STATE and ph >= TARGET_HIST else 1)
EOF
