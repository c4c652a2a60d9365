#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Gap analysis of the real-world rulesets (the tables of GAPS.md).

Usage: gaps.py REPORT.tsv      (REPORT from `test_rules_realworld DIR --report`)

Scans every NAME.rules of this folder for the tables, matches, targets,
commands and syntax it uses, keeps what dpfw's parser does not support
(SUPPORTED below: update it as features land), and prints markdown:
per file the kernel's verdict, dpfw's verdict and first error and the
unsupported features it uses; then features ranked by how many
kernel-accepted files use them, and a greedy order (each step the feature
that makes the most further files loadable on its own).
"""
import os
import re
import shlex
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

SUPPORTED_TABLES = {"filter", "nat", "raw", "mangle", "security"}
SUPPORTED_MATCHES = {"tcp", "udp", "multiport", "icmp", "icmp6", "icmpv6",
                     "state", "conntrack", "comment", "limit", "mark",
                     "connmark", "addrtype", "ttl", "hl", "length",
                     "iprange", "pkttype", "mac", "tcpmss", "tos",
                     "dscp", "set", "recent", "hashlimit", "connlimit", "string",
                     "statistic", "time", "policy", "owner", "helper",
                     "socket", "cgroup", "physdev", "ah", "esp", "connbytes"}
SUPPORTED_TARGETS = {"ACCEPT", "DROP", "RETURN", "REJECT", "LOG", "CT",
                     "NOTRACK", "SNAT", "DNAT", "MASQUERADE", "MARK",
                     "CONNMARK", "CHECKSUM", "TCPMSS", "TTL", "HL",
                     "TOS", "DSCP", "SET"}
OK_COMMANDS = {"-A", "--append", "-N", "--new-chain", "-P", "--policy",
               "-I", "--insert", "-F", "--flush", "-X", "--delete-chain",
               "-Z", "--zero", "-D", "--delete",
               # refused as iptables-restore refuses it (it crashes)
               "-R", "--replace"}
COMMANDS = {"-I": "-I", "--insert": "-I", "-F": "-F", "--flush": "-F",
            "-X": "-X", "--delete-chain": "-X", "-Z": "-Z", "--zero": "-Z",
            "-D": "-D", "--delete": "-D", "-R": "-R", "--replace": "-R",
            "-E": "-E", "--rename-chain": "-E"}


def features(path):
    """Unsupported features a file uses: {feature: first line}."""
    feats = {}

    def add(f, n):
        feats.setdefault(f, n)

    with open(path, "rb") as fh:
        raw = fh.read()
    # CRLF line ends: dpfw refuses them as iptables-restore does (no gap)
    text = raw.decode("utf-8", "replace")
    table = None
    chains = set()
    lines = text.split("\n")
    # chain names first (a chain may be used before its declaration)
    for ln in lines:
        s = ln.strip()
        if s.startswith(":"):
            chains.add(s[1:].split()[0] if len(s) > 1 else "")
        m = re.match(r"^(?:\[\d+:\d+\]\s*)?(?:-N|--new-chain)\s+(\S+)", s)
        if m:
            chains.add(m.group(1))
    for n, ln in enumerate(lines, 1):
        s = ln.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("*"):
            table = s[1:].strip()
            if table not in SUPPORTED_TABLES:
                add("table: %s" % table, n)
            continue
        if s == "COMMIT":
            continue
        if s.startswith(":"):
            # dpfw takes every chain line iptables-restore (nf_tables)
            # takes: ':NAME [0:0]', ':NAME - DROP [0:0]', trailing words
            continue
        try:
            toks = shlex.split(s)
        except ValueError:
            toks = s.split()
        if toks and re.match(r"^\[\d+:\d+\]$", toks[0]):
            toks = toks[1:]
        # -4/-6 prefixes: dpfw takes them as iptables-restore does
        while toks and toks[0] in ("-4", "-6", "--ipv4", "--ipv6"):
            toks = toks[1:]
        if not toks:
            continue
        if toks[0] in COMMANDS and toks[0] not in OK_COMMANDS:
            add("command: %s" % COMMANDS[toks[0]], n)
        elif toks[0] not in OK_COMMANDS:
            continue
        for i, t in enumerate(toks):
            nxt = toks[i + 1] if i + 1 < len(toks) else ""
            if t in ("-m", "--match") and nxt not in SUPPORTED_MATCHES:
                add("match: %s" % nxt, n)
            elif t in ("-j", "--jump", "-g", "--goto"):
                if nxt not in SUPPORTED_TARGETS and nxt not in chains:
                    add("target: %s" % nxt, n)
    return feats


def main():
    report = {}
    with open(sys.argv[1], encoding="utf-8", errors="replace", newline="\n") as fh:
        for ln in fh:
            cols = ln.rstrip("\n").split("\t")
            if len(cols) >= 5:
                report[cols[0]] = cols
    names = sorted(report)
    per_file = {}
    for name in names:
        per_file[name] = features(os.path.join(HERE, name))

    out = []
    out.append("| file | kernel | dpfw | dpfw's first error (or first dump difference) | unsupported features used |")
    out.append("|---|---|---|---|---|")
    for name in names:
        _, kernel, dpfw, agree, why = report[name][:5]
        why = re.sub(r"^refuses: ", "", why)
        why = re.sub(r"\S*/realworld/", "", why)
        if agree == "agrees":
            dpfw += ", same dump" if dpfw == "loads" else " (same line)"
        else:
            dpfw += " ✗"
        if kernel == "accepted" or agree != "agrees":
            feats = "; ".join(sorted(per_file[name]))
        else:
            feats = "—"
        out.append("| %s | %s | %s | %s | %s |" % (
            name, kernel, dpfw, why.replace("|", "\\|") or "—",
            feats.replace("|", "\\|") or "—"))
    print("\n".join(out))

    accepted = [n for n in names if report[n][1] == "accepted"]
    users = {}
    for name in accepted:
        for f in per_file[name]:
            users.setdefault(f, []).append(name)
    print()
    print("| rank | feature | kernel-accepted files using it | files it alone blocks | files |")
    print("|---|---|---|---|---|")
    ranked = sorted(users, key=lambda f: (-len(users[f]), f))
    for i, f in enumerate(ranked, 1):
        alone = [n for n in users[f] if len(per_file[n]) == 1]
        print("| %d | %s | %d | %d | %s |" % (
            i, f, len(users[f]), len(alone),
            ", ".join(n.split("-")[0] for n in users[f])))

    # greedy: each step the feature completing the most files
    print()
    print("| step | implement | files loading after it (of %d accepted) |" % len(accepted))
    print("|---|---|---|")
    done = set()
    loading = sum(1 for n in accepted if not per_file[n])
    print("| 0 | (today, by this scan) | %d |" % loading)
    step = 0
    remaining = set(users)
    while remaining:
        def gain(f):
            return sum(1 for n in accepted
                       if per_file[n] and set(per_file[n]) <= done | {f}
                       and not set(per_file[n]) <= done)
        best = max(sorted(remaining), key=lambda f: (gain(f), len(users[f])))
        done.add(best)
        remaining.discard(best)
        step += 1
        loading = sum(1 for n in accepted if set(per_file[n]) <= done)
        print("| %d | %s | %d |" % (step, best, loading))


if __name__ == "__main__":
    main()
