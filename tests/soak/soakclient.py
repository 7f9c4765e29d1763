#!/usr/bin/python3
"""soakclient.py - e-Defter sends with repeats, for tests/soak/soak.sh.

    soakclient.py --port PORT --keys N --until EPOCH --out FILE

N keys (company, period, recipient), each sent again and again by four
threads until EPOCH: a new message (a new Message-ID) every round, so
that every round after the first accepted one is a duplicate the milter
must refuse.  A 4xx (the milter restarting: Postfix tempfails) or a
dropped connection is retried with the same message, as a client's
queue would.  A key is done for a round once it got its 250 or a 550
duplicate refusal.
Writes the counts as JSON to FILE at the end.
"""

import argparse
import json
import random
import smtplib
import threading
import time
import uuid


def vkn(n):
    """vkn - a valid 10-digit tax number from a 9-digit base"""
    d = [int(c) for c in "%09d" % n]
    s = 0
    for p in range(1, 10):
        i = 10 - p
        c1 = (d[p - 1] + i) % 10
        c2 = 0 if c1 == 0 else ((c1 * 2 ** i) % 9 or 9)
        s += c2
    return "%09d%d" % (n, (10 - s % 10) % 10)


def message(key):
    cid, period, rcpt = key
    return ("From: soak@ofis.example\r\nTo: %s\r\n"
            "Subject: e-Defter %s %s\r\nMessage-ID: <soak.%s@ofis.example>\r\n"
            "X-EDefter-Company: %s\r\nX-EDefter-Period: %s\r\n\r\n"
            "soak\r\n" % (rcpt, cid, period, uuid.uuid4().hex, cid, period))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--keys", type=int, default=300)
    ap.add_argument("--until", type=float, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--pace", type=float, default=0.2,
                    help="seconds between one thread's sends")
    o = ap.parse_args()
    keys = [(vkn(700000000 + k // 12 * 13), "2024-%02d" % (k % 12 + 1),
             "r%d@dest.example" % (k % 3)) for k in range(o.keys)]
    counts = {"attempts": 0, "accepted": 0, "duplicate": 0, "tempfail": 0,
              "errors": 0, "keys": len(keys)}
    lock = threading.Lock()

    def count(what):
        with lock:
            counts[what] += 1

    def send(msg, rcpt):
        """send - one try: "accepted", "duplicate" or "retry" """
        count("attempts")
        try:
            with smtplib.SMTP("127.0.0.1", o.port, timeout=60) as s:
                s.sendmail("soak@ofis.example", [rcpt], msg.encode())
            return "accepted"
        except smtplib.SMTPDataError as e:
            if e.smtp_code == 550:
                return "duplicate"
            count("tempfail")
        except smtplib.SMTPResponseException as e:
            count("tempfail" if 400 <= e.smtp_code < 500 else "errors")
        except (OSError, smtplib.SMTPException):
            count("errors")
        return "retry"

    def worker(seed):
        rnd = random.Random(seed)
        while time.time() < o.until:
            order = keys[:]
            rnd.shuffle(order)
            for key in order:
                # a retry is the same message (the same Message-ID), as a
                # client's queue would send it again
                msg = message(key)
                while time.time() < o.until:
                    r = send(msg, key[2])
                    if r != "retry":
                        count(r)
                        break
                    time.sleep(0.5)
                else:
                    return
                time.sleep(o.pace)
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(o.out, "w") as f:
        json.dump(counts, f)


if __name__ == "__main__":
    main()
