#!/usr/bin/env python3
"""Build a synthetic e-Defter share for the scanner benchmark.

    gen_share.py ROOT COMPANIES MONTHS [--csv FILE] [--ledger-json FILE]
                 [--jobs N]

ROOT/<VKN> <company name>/<YYYY>/<MM>/ gets, for each of COMPANIES
companies and MONTHS months from 2020-01, one complete period of five
files with GIB's names: <VKN>-<YYYYMM>-Y-000000.zip, ...-K-000000.zip,
GIB-<VKN>-<YYYYMM>-YB-000000.zip, GIB-...-KB-000000.zip and
<VKN>-<YYYYMM>-DR-000000.xml.  Contents are tiny: every zip is a whole
zip (one stored member), the XML a line.  Company names are Turkish
(UTF-8), ids pass the VKN check.

--csv writes the companies file (vkn;name;emails, one address each).
--ledger-json writes, as JSON lines for `edefterctl import`, a record
for every period and address: the ledger after everything was sent.
Prints the number of files and directories made."""
import argparse
import io
import json
import os
import sys
import zipfile
from multiprocessing import Pool

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import edfids  # noqa: E402

WORDS1 = ["Örnek", "Güneş", "Çınar", "Doğu", "Ilgaz", "Şahin", "Öztürk",
          "Yıldız", "Akdeniz", "Ege", "Karadeniz", "Başkent", "Üçgen",
          "Gökkuşağı", "Işık", "Ağaç"]
WORDS2 = ["Tekstil", "Gıda", "İnşaat", "Otomotiv", "Lojistik", "Kimya",
          "Yazılım", "Mobilya", "Turizm", "Tarım", "Enerji", "Ambalaj"]
FORMS = ["San. ve Tic. A.Ş.", "Ltd. Şti.", "A.Ş.", "Tic. Ltd. Şti."]


def company_name(i):
    return "%s %s %s" % (WORDS1[i % len(WORDS1)],
                         WORDS2[(i // len(WORDS1)) % len(WORDS2)],
                         FORMS[(i // 7) % len(FORMS)])


def folder_name(vkn, i):
    # what an office names a folder: no dots at the end, no slashes
    return "%s %s" % (vkn, company_name(i).replace(".", "").strip())


def email(vkn):
    return "muhasebe@%s.firma.example" % vkn


def tiny_zip(member):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_STORED) as z:
        z.writestr(member, "<edefter/>\n")
    return b.getvalue()


ZIP = tiny_zip("defter.xml")
XML = b"<?xml version=\"1.0\"?><edefter/>\n"


def months(n):
    for k in range(n):
        yield 2020 + k // 12, k % 12 + 1


def build(args):
    root, first, last, nmonths = args
    nfiles = ndirs = 0
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
    for i in range(first, last):
        vkn = edfids.vkn(i)
        cdir = os.path.join(root, folder_name(vkn, i))
        os.mkdir(cdir)
        ndirs += 1
        year_made = set()
        for y, m in months(nmonths):
            ydir = os.path.join(cdir, "%04d" % y)
            if y not in year_made:
                os.mkdir(ydir)
                year_made.add(y)
                ndirs += 1
            pdir = os.path.join(ydir, "%02d" % m)
            os.mkdir(pdir)
            ndirs += 1
            ym = "%04d%02d" % (y, m)
            for name, data in (
                    ("%s-%s-Y-000000.zip" % (vkn, ym), ZIP),
                    ("%s-%s-K-000000.zip" % (vkn, ym), ZIP),
                    ("GIB-%s-%s-YB-000000.zip" % (vkn, ym), ZIP),
                    ("GIB-%s-%s-KB-000000.zip" % (vkn, ym), ZIP),
                    ("%s-%s-DR-000000.xml" % (vkn, ym), XML)):
                fd = os.open(os.path.join(pdir, name), flags, 0o644)
                os.write(fd, data)
                os.close(fd)
                nfiles += 1
    return nfiles, ndirs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("companies", type=int)
    ap.add_argument("months", type=int)
    ap.add_argument("--csv")
    ap.add_argument("--ledger-json")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    os.makedirs(a.root, exist_ok=True)
    step = max(1, a.companies // (a.jobs * 8))
    parts = [(a.root, s, min(a.companies, s + step), a.months)
             for s in range(0, a.companies, step)]
    with Pool(a.jobs) as p:
        done = p.map(build, parts)
    nfiles = sum(d[0] for d in done)
    ndirs = sum(d[1] for d in done)
    if a.csv:
        with open(a.csv, "w", encoding="utf-8") as f:
            f.write("vkn;name;emails\n")
            for i in range(a.companies):
                f.write("%s;%s;%s\n" % (edfids.vkn(i), company_name(i),
                                        email(edfids.vkn(i))))
    if a.ledger_json:
        with open(a.ledger_json, "w") as f:
            for i in range(a.companies):
                vkn = edfids.vkn(i)
                for y, m in months(a.months):
                    f.write(json.dumps({
                        "companyId": vkn, "companyName": company_name(i),
                        "year": y, "month": m,
                        "sentDate": "%04d-%02d-20T09:00:00.000Z" % (
                            y + (m == 12), m % 12 + 1),
                        "recipientEmail": email(vkn)},
                        ensure_ascii=False, separators=(",", ":")))
                    f.write("\n")
    print("files=%d dirs=%d" % (nfiles, ndirs))


if __name__ == "__main__":
    main()
