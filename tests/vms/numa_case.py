"""Case "numa" of tests/vms/vms_test.py: the four workload VMs on a simulated 4-node machine.

Two runs of the same four --deterministic VMs (md5, sort, arith, primes; one per node in
round-robin order): --numa nodes=4,policy=none (pages round-robin over the nodes, never moved)
and --numa nodes=4,policy=migrate+replicate. Checks: both runs exact (every result, status 0);
each VM's console log byte for byte the same in both runs and its guest instruction count the
same (the policy moves pages under the guest and the guest sees nothing: deterministic runs stay
deterministic); the policy run's profile shows migrations, replications and collapses, and
QMP query-numa during it answers with the machine and every VM on its own node; QMP numa-set-node
then puts VM primes's vCPU on node 0 mid-run (refusing a node the machine lacks); the policy run's
VMs on nodes 1-3 reach a larger share of local accesses than without the policy, and the run
without a policy moves nothing.
"""

import json
import time


def run(args, h):
    want = h.expected()
    names = ["md5", "sort", "arith", "primes"]
    vms = [h.linux_vm(args, n, n) for n in names]
    for v in vms:
        v["options"].append("--deterministic")
    runs = {}
    for policy in ("none", "migrate+replicate"):
        r = h.Run(args, "numa-" + policy.replace("+", "-"), vms, profile=True,
                  extra=["--numa", "nodes=4,policy=" + policy])
        if policy != "none":
            try:
                q = r.connect()
                h.check("banners", all(r.wait_log(n, r"Linux version", 1, 120) for n in names), "no kernel banner")
                info = q.run("query-numa")
                h.check("query-numa: the machine", info.get("enabled") is True and info.get("nodes") == 4 and
                        info.get("policy") == policy, repr(info))
                h.check("query-numa: each VM on its node",
                        [(v["vm"], v["node"]) for v in info.get("vms", [])] == list(zip(names, range(4))), repr(info))
                # a vCPU moved to another node mid-run (numa-set-node): the guest sees nothing (its
                # console and instruction count are checked against the run without a policy)
                q.run("numa-set-node", vm="primes", node=0)
                bad = q.cmd("numa-set-node", vm="primes", node=4)
                h.check("numa-set-node: no node 4 on 4 nodes", "error" in bad, repr(bad))
                moved = [v for v in q.run("query-numa")["vms"] if v["vm"] == "primes"]
                h.check("numa-set-node: primes on node 0", moved and moved[0]["node"] == 0 and
                        moved[0]["vcpu-nodes"] == [0], repr(moved))
            except (h.QMPError, OSError, KeyError) as e:
                h.check("qmp session", False, repr(e))
        rc = r.finish()
        h.check("%s: exit status 0" % policy, rc == 0, "status %d" % rc)
        h.check_results(r, names, want)
        runs[policy] = r
        if h.failures:
            r.dump()
    base, moved = runs["none"], runs["migrate+replicate"]
    for n in names:
        h.check("%s: same console with and without the policy" % n, base.log(n) == moved.log(n),
                "%d and %d bytes" % (len(base.log(n)), len(moved.log(n))))
    try:
        profs = {}
        for policy, r in runs.items():
            with open(r.profile) as f:
                profs[policy] = json.load(f)
        for n in names:
            a, b = profs["none"][n]["guest_insns"], profs["migrate+replicate"][n]["guest_insns"]
            h.check("%s: same instruction count" % n, a == b, "%d and %d" % (a, b))
        m0 = profs["none"]["md5"]["numa"]["machine"]
        m1 = profs["migrate+replicate"]["md5"]["numa"]["machine"]
        h.check("no policy: nothing moves", m0["migrations"] == 0 and m0["replications"] == 0, repr(m0))
        h.check("policy: migrations, replications and collapses",
                m1["migrations"] > 0 and m1["replications"] > 0 and m1["collapses"] > 0, repr(m1))
        for n in names[1:]:
            s = {}
            for policy in profs:
                v = profs[policy][n]["numa"]
                s[policy] = v["local"] / max(1, v["local"] + v["remote"])
            h.check("%s: more local accesses with the policy" % n, s["migrate+replicate"] > s["none"], repr(s))
            print("%s: local share %.1f%% without a policy, %.1f%% with migration and replication" %
                  (n, 100 * s["none"], 100 * s["migrate+replicate"]))
        print("policy run: %r" % m1)
    except (OSError, ValueError, KeyError) as e:
        h.check("profiles", False, repr(e))
