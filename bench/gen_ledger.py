#!/usr/bin/env python3
"""Write ledger records for `edefterctl import`, as JSON lines.

    gen_ledger.py COUNT OUTPREFIX [CHUNK] [JOBS]

Record i is company vkn(i % 2000), period 2020-01 + (i // 2000) % 60,
recipient r<i // 120000>@firma<i % 2000>.example: COUNT distinct keys
(bench/milter_client.c's `dup' mode computes the same keys).  Writes
OUTPREFIX.000, OUTPREFIX.001, ... of CHUNK records each, JOBS at a time,
and prints their names in order."""
import os
import sys
from multiprocessing import Pool

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import edfids  # noqa: E402

COMPANIES = 2000
MONTHS = 60
IDS = edfids.vkns(COMPANIES)
FMT = ('{"companyId":"%s","year":%d,"month":%d,'
       '"sentDate":"%04d-%02d-15T10:%02d:%02d.000Z",'
       '"recipientEmail":"r%d@firma%d.example"}\n')


def write_chunk(args):
    name, first, last = args
    out = []
    for i in range(first, last):
        c = i % COMPANIES
        m = (i // COMPANIES) % MONTHS
        y, mo = 2020 + m // 12, m % 12 + 1
        out.append(FMT % (IDS[c], y, mo, y, mo, i // 60 % 60, i % 60,
                          i // (COMPANIES * MONTHS), c))
    with open(name, "w") as f:
        f.write("".join(out))
    return name


def main():
    count = int(sys.argv[1])
    prefix = sys.argv[2]
    chunk = int(sys.argv[3]) if len(sys.argv) > 3 else 250000
    jobs = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    parts = [("%s.%03d" % (prefix, k), s, min(count, s + chunk))
             for k, s in enumerate(range(0, count, chunk))]
    with Pool(jobs) as p:
        for name in p.imap(write_chunk, parts):
            print(name, flush=True)


if __name__ == "__main__":
    main()
