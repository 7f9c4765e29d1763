#!/usr/bin/python3
"""e2esink.py - read what smtp-sink captured, for the end-to-end tests.

    e2esink.py index SINKDIR
        one line per captured message and envelope recipient, oldest
        message first:  FILE COMPANY PERIOD MSGID RCPT
        COMPANY and PERIOD are the message's own X-EDefter-Company and
        X-EDefter-Period ("-" when absent: a bounce, a notice), MSGID its
        Message-ID without <>, RCPT the envelope recipient (X-Rcpt-Args)
        lowercased.
    e2esink.py files FILE
        "NAME SHA256" of every attachment, decoded
    e2esink.py verify SINKDIR LEDGERDUMP MODE KEY...
        MODE once: every KEY (ID/YYYY-MM/rcpt) was delivered exactly once
        MODE window: at least once, and every delivery of a key carries
        the same Message-ID (a resubmission of the same message, the
        documented window)
        Both: the ledger (edefterctl dump --format json) holds the key
        with the Message-ID that was delivered, and nothing was delivered
        for another recipient of the same company and period.  Prints one
        line per key, "bad ..." lines for every violation, and exits 1
        when there is any.

smtp-sink writes a message while it arrives: read its files only once the
relaying Postfix's queue is empty.
"""

import email
import email.policy
import glob
import hashlib
import json
import os
import re
import sys


def messages(sinkdir):
    """messages - (file, parsed message) for every capture, oldest first"""
    files = glob.glob(os.path.join(sinkdir, "msg.*"))
    files.sort(key=lambda f: (os.stat(f).st_mtime_ns, f))
    for f in files:
        with open(f, "rb") as fp:
            yield f, email.message_from_binary_file(
                fp, policy=email.policy.compat32)


def bare_id(value):
    """bare_id - a Message-ID without <> and white space, or "-" """
    if value is None:
        return "-"
    return str(value).strip().strip("<>") or "-"


def rcpts_of(msg):
    """rcpts_of - the envelope recipients smtp-sink saw, lowercased"""
    out = []
    for v in msg.get_all("X-Rcpt-Args") or []:
        m = re.match(r"\s*<([^>]*)>", str(v))
        if m:
            out.append(m.group(1).lower())
    return out


def index(sinkdir):
    """index - one tuple per message and envelope recipient"""
    rows = []
    for f, m in messages(sinkdir):
        company = str(m.get("X-EDefter-Company", "-")).strip() or "-"
        period = str(m.get("X-EDefter-Period", "-")).strip() or "-"
        msgid = bare_id(m.get("Message-ID"))
        for r in rcpts_of(m) or ["-"]:
            rows.append((f, company, period, msgid, r))
    return rows


def cmd_index(args):
    for row in index(args[0]):
        print(" ".join(row))
    return 0


def cmd_files(args):
    with open(args[0], "rb") as fp:
        m = email.message_from_binary_file(fp, policy=email.policy.default)
    for part in m.iter_attachments():
        data = part.get_payload(decode=True) or b""
        print(part.get_filename(), hashlib.sha256(data).hexdigest())
    return 0


def cmd_verify(args):
    sinkdir, dump, mode, keys = args[0], args[1], args[2], args[3:]
    if mode not in ("once", "window"):
        sys.exit("e2esink.py: MODE is once or window")
    ledger = {}
    with open(dump, encoding="utf-8") as fp:
        for line in fp:
            if line.strip():
                o = json.loads(line)
                k = "%s/%s/%s" % (o["companyId"], o["period"],
                                  o["recipientEmail"].lower())
                ledger[k] = bare_id(o.get("messageId"))
    got = {}
    for f, company, period, msgid, rcpt in index(sinkdir):
        got.setdefault("%s/%s/%s" % (company, period, rcpt), []).append(
            (f, msgid))
    bad = 0
    periods = set()
    for k in keys:
        k = k.lower()
        periods.add(k.rsplit("/", 1)[0])
        d = got.get(k, [])
        ids = []
        for _, i in d:
            if i not in ids:
                ids.append(i)
        print("%s deliveries=%d msgids=%d ledger=%s" % (
            k, len(d), len(ids), "yes" if k in ledger else "no"))
        if not d:
            print("bad %s: never delivered" % k)
            bad += 1
            continue
        if mode == "once" and len(d) != 1:
            print("bad %s: delivered %d times: %s" % (
                k, len(d), " ".join("%s<%s>" % x for x in d)))
            bad += 1
        if len(ids) > 1:
            print("bad %s: delivered under %d Message-IDs: %s" % (
                k, len(ids), " ".join("%s<%s>" % x for x in d)))
            bad += 1
        if k not in ledger:
            print("bad %s: not in the ledger" % k)
            bad += 1
        elif ledger[k] != ids[0]:
            print("bad %s: the ledger has <%s>, delivered was <%s>" % (
                k, ledger[k], ids[0]))
            bad += 1
    wanted = set(k.lower() for k in keys)
    for k, d in sorted(got.items()):
        if k.rsplit("/", 1)[0] in periods and k not in wanted:
            print("bad %s: delivered to a recipient not expected (%d)" % (
                k, len(d)))
            bad += 1
    return 1 if bad else 0


def main():
    cmds = {"index": (cmd_index, 1), "files": (cmd_files, 1),
            "verify": (cmd_verify, 3)}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds or \
            len(sys.argv) - 2 < cmds[sys.argv[1]][1]:
        sys.exit(__doc__)
    sys.exit(cmds[sys.argv[1]][0](sys.argv[2:]))


if __name__ == "__main__":
    main()
