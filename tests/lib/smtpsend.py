#!/usr/bin/python3
"""smtpsend.py - submit prepared messages over SMTP with smtplib, for tests.

    smtpsend.py [--parallel N] [--timeout S] PORT < JOBS

Every line of JOBS is one message:

    FILE SENDER RCPT[,RCPT...]

FILE holds the message (CRLF or LF line ends; smtplib sends CRLF).  Each
message goes through its own connection to 127.0.0.1:PORT with
smtplib.SMTP.sendmail(): one after the other in the order given, or
with --parallel N, each in a thread of its own, up to N at once.
One line per job is printed on stdout, in the order of JOBS:

    FILE ok CODE TEXT                       accepted (CODE of the final reply)
    FILE partial CODE TEXT                  some recipients refused at RCPT
    FILE EXCEPTION CODE TEXT                smtplib raised it, e.g.
                                            SMTPDataError 550 5.7.1 ...
                                            SMTPSenderRefused 451 4.7.1 ...

TEXT is the server's reply text on one line.  The exit status is 0 when
every job got an answer (accepted or refused), 1 when a job could not
talk to the server at all (connection refused, dropped, timed out).
"""

import argparse
import smtplib
import sys
import threading


def one_line(text):
    """one_line - a reply text (bytes or str) as one line"""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(str(text).split())


class SMTP(smtplib.SMTP):
    """SMTP - smtplib.SMTP that keeps the reply to the end of DATA"""

    last_data = None

    def data(self, msg):
        self.last_data = super().data(msg)
        return self.last_data


def send(port, timeout, path, sender, rcpts):
    """send - submit one message; return (result line, answered?)"""
    with open(path, "rb") as f:
        msg = f.read()
    try:
        with SMTP("127.0.0.1", port, local_hostname="smtpsend.test",
                  timeout=timeout) as s:
            refused = s.sendmail(sender, rcpts, msg)
            code, text = s.last_data
            if refused:
                parts = ["%s=%d" % (r, c) for r, (c, _) in sorted(refused.items())]
                return "partial %d %s [refused %s]" % (
                    code, one_line(text), " ".join(parts)), True
            return "ok %d %s" % (code, one_line(text)), True
    except smtplib.SMTPRecipientsRefused as e:
        parts = ["%s=%d %s" % (r, c, one_line(t))
                 for r, (c, t) in sorted(e.recipients.items())]
        return "SMTPRecipientsRefused 0 " + "; ".join(parts), True
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
            smtplib.SMTPHeloError) as e:
        return "%s %d %s" % (type(e).__name__, e.smtp_code,
                             one_line(e.smtp_error)), True
    except smtplib.SMTPResponseException as e:
        return "%s %d %s" % (type(e).__name__, e.smtp_code,
                             one_line(e.smtp_error)), True
    except (OSError, smtplib.SMTPException) as e:
        return "%s 0 %s" % (type(e).__name__, one_line(e)), False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--parallel", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("port", type=int)
    opts = ap.parse_args()

    jobs = []
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if len(words) != 3:
            sys.exit("smtpsend.py: bad job line: %r" % line)
        jobs.append((words[0], words[1], words[2].split(",")))

    results = [None] * len(jobs)
    if opts.parallel <= 1:
        # One after the other, in the order given.
        results = [send(opts.port, opts.timeout, *job) for job in jobs]
    else:
        run_parallel(opts, jobs, results)

    ok = True
    for (path, _, _), (line, answered) in zip(jobs, results):
        print(path, line)
        ok = ok and answered
    sys.exit(0 if ok else 1)


def run_parallel(opts, jobs, results):
    """run_parallel - every job in a thread of its own, N at a time"""
    sem = threading.Semaphore(opts.parallel)
    start = threading.Event()

    def run(i):
        start.wait()
        with sem:
            results[i] = send(opts.port, opts.timeout, *jobs[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    start.set()		# all at once, as far as the semaphore lets them
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
