#!/usr/bin/python3
"""smtpsink.py - a scriptable SMTP server for submission tests.

    smtpsink.py --dir DIR --port PORT --mode MODE
                [--lifetime SECONDS] [--max-connections N] [--no-pipelining]
                [--rcpt-rule GLOB=REPLY]...

Listens on 127.0.0.1:PORT only.  Once listening it writes DIR/smtpsink.pid
and then DIR/ready, so a test can wait for the marker instead of sleeping.
It exits by itself after --lifetime seconds (default 120) or after
--max-connections connections have ended (default: no limit).

Every message received (up to the final ".") is stored as DIR/NNN.eml,
dot-unstuffed, exactly as sent otherwise; DIR/NNN.env holds the envelope
and the reply given:

    mail <sender>
    rcpt <recipient>        (one line per RCPT)
    reply 250 2.0.0 ...     ("reply none" when the connection was dropped)

Both files are complete before the reply is sent.  DIR/session.log has a
C:/S: transcript of every connection.

Modes (the reply to the end of DATA):
    ok            250
    451-then-250  451 4.3.0 for the first message, 250 for later ones
    drop-after-dot  no reply: the connection is closed after the "."
    reject-dup    550 5.7.1 duplicate message
    550           550 5.7.1 message refused (permanent)

--rcpt-rule GLOB=REPLY answers RCPT TO for an address (lowercased, no
brackets) matching the shell glob with REPLY (e.g. "550 5.1.1 no such
user" or "451 4.2.2 mailbox full") instead of 250; the first matching
rule wins.  Such a recipient is not taken.

Nothing is printed on stdout; errors go to stderr.
"""

import argparse
import fnmatch
import os
import socket
import sys
import threading
import time

MODES = ("ok", "451-then-250", "drop-after-dot", "reject-dup", "550")
HOSTNAME = "smtpsink.test"
MAX_SIZE = 52428800


class Sink:
    """Shared state: the options, the message counter, the transcript."""

    def __init__(self, opts):
        self.opts = opts
        self.lock = threading.Lock()
        self.seq = 0
        self.data_seen = 0
        self.conn_done = 0
        self.log = open(os.path.join(opts.dir, "session.log"), "a",
                        encoding="utf-8", errors="replace")

    def note(self, cid, direction, line):
        """note - append one transcript line"""
        if isinstance(line, bytes):
            line = line.decode("utf-8", "replace")
        with self.lock:
            self.log.write("%d %s: %s\n" % (cid, direction, line.rstrip("\r\n")))
            self.log.flush()

    def next_message(self):
        """next_message - number the next message, count DATA phases"""
        with self.lock:
            self.seq += 1
            self.data_seen += 1
            return self.seq, self.data_seen

    def final_reply(self, nth):
        """final_reply - what to answer after the Nth message, or None"""
        mode = self.opts.mode
        if mode == "ok":
            return "250 2.0.0 Ok: queued as SINK%03d" % nth
        if mode == "451-then-250":
            if nth == 1:
                return "451 4.3.0 Error: try again later"
            return "250 2.0.0 Ok: queued as SINK%03d" % nth
        if mode == "drop-after-dot":
            return None
        if mode == "reject-dup":
            return "550 5.7.1 duplicate message: already delivered"
        return "550 5.7.1 message refused"

    def store(self, seq, sender, rcpts, data, reply):
        """store - write NNN.env and NNN.eml, each renamed into place"""
        base = os.path.join(self.opts.dir, "%03d" % seq)
        env = ["mail " + sender] + ["rcpt " + r for r in rcpts]
        env.append("reply " + (reply if reply else "none"))
        write_file(base + ".env", ("\n".join(env) + "\n").encode("utf-8",
                                                                 "replace"))
        write_file(base + ".eml", data)


def write_file(path, data):
    """write_file - create PATH with DATA atomically"""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def strip_arg(arg, keyword):
    """strip_arg - the address of "FROM:<a> ..." or "TO:<a> ...", or None"""
    if not arg.upper().startswith(keyword):
        return None
    rest = arg[len(keyword):].strip()
    if rest.startswith("<"):
        end = rest.find(">")
        if end < 0:
            return None
        return rest[:end + 1]
    return rest.split(" ")[0] if rest else None


class Session:
    """One SMTP connection, answered in the way the mode says."""

    def __init__(self, sink, conn, cid):
        self.sink = sink
        self.conn = conn
        self.cid = cid
        self.rfile = conn.makefile("rb")
        self.sender = None
        self.rcpts = []
        self.greeted = False

    def send(self, line):
        self.sink.note(self.cid, "S", line)
        self.conn.sendall(line.encode("ascii") + b"\r\n")

    def readline(self):
        line = self.rfile.readline(65536)
        if not line:
            raise EOFError
        return line

    def reset(self):
        self.sender = None
        self.rcpts = []

    def run(self):
        self.send("220 %s ESMTP smtpsink" % HOSTNAME)
        while True:
            raw = self.readline()
            self.sink.note(self.cid, "C", raw)
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            if not self.command(verb, arg.strip()):
                return

    def command(self, verb, arg):
        """command - answer one command; False ends the session"""
        if verb == "EHLO":
            self.greeted = True
            self.reset()
            lines = [HOSTNAME, "8BITMIME", "SIZE %d" % MAX_SIZE,
                     "ENHANCEDSTATUSCODES"]
            if not self.sink.opts.no_pipelining:
                lines.append("PIPELINING")
            for text in lines[:-1]:
                self.send("250-" + text)
            self.send("250 " + lines[-1])
        elif verb == "HELO":
            self.greeted = True
            self.reset()
            self.send("250 " + HOSTNAME)
        elif verb == "MAIL":
            addr = strip_arg(arg, "FROM:")
            if self.sender is not None:
                self.send("503 5.5.1 Error: nested MAIL command")
            elif addr is None:
                self.send("501 5.5.4 Syntax: MAIL FROM:<address>")
            else:
                self.sender = addr
                self.send("250 2.1.0 Ok")
        elif verb == "RCPT":
            addr = strip_arg(arg, "TO:")
            if self.sender is None:
                self.send("503 5.5.1 Error: need MAIL command")
            elif addr is None:
                self.send("501 5.5.4 Syntax: RCPT TO:<address>")
            else:
                plain = addr.strip("<>").lower()
                for rule in self.sink.opts.rcpt_rule:
                    glob, _, reply = rule.partition("=")
                    if fnmatch.fnmatchcase(plain, glob.lower()):
                        self.send(reply)
                        break
                else:
                    self.rcpts.append(addr)
                    self.send("250 2.1.5 Ok")
        elif verb == "DATA":
            if not self.rcpts:
                self.send("503 5.5.1 Error: need RCPT command")
            else:
                return self.data()
        elif verb == "RSET":
            self.reset()
            self.send("250 2.0.0 Ok")
        elif verb == "NOOP":
            self.send("250 2.0.0 Ok")
        elif verb == "VRFY":
            self.send("252 2.0.0 Cannot VRFY")
        elif verb == "QUIT":
            self.send("221 2.0.0 Bye")
            return False
        else:
            self.send("502 5.5.2 Error: command not recognized")
        return True

    def data(self):
        """data - take the message up to ".", store it, give the final reply"""
        self.send("354 End data with <CR><LF>.<CR><LF>")
        chunks = []
        while True:
            raw = self.readline()
            if raw in (b".\r\n", b".\n"):
                break
            if raw.startswith(b"."):
                raw = raw[1:]
            chunks.append(raw)
        self.sink.note(self.cid, "C", "<message, %d bytes>."
                       % sum(len(c) for c in chunks))
        seq, nth = self.sink.next_message()
        reply = self.sink.final_reply(nth)
        self.sink.store(seq, self.sender, self.rcpts, b"".join(chunks), reply)
        self.reset()
        if reply is None:
            self.sink.note(self.cid, "S", "<connection dropped>")
            return False
        self.send(reply)
        return True


def serve_connection(sink, conn, cid):
    """serve_connection - run one session to its end, then close it"""
    try:
        conn.settimeout(sink.opts.lifetime)
        Session(sink, conn, cid).run()
    except (EOFError, OSError):
        pass
    finally:
        try:
            conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        conn.close()
        with sink.lock:
            sink.conn_done += 1


def main():
    parser = argparse.ArgumentParser(description="scriptable SMTP sink")
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", required=True, choices=MODES)
    parser.add_argument("--lifetime", type=float, default=120.0)
    parser.add_argument("--max-connections", type=int, default=0)
    parser.add_argument("--no-pipelining", action="store_true")
    parser.add_argument("--rcpt-rule", action="append", default=[])
    opts = parser.parse_args()

    os.makedirs(opts.dir, exist_ok=True)
    deadline = time.monotonic() + opts.lifetime
    sink = Sink(opts)

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        srv.bind(("127.0.0.1", opts.port))
    except OSError as e:
        print("smtpsink: cannot listen on 127.0.0.1:%d: %s" % (opts.port, e),
              file=sys.stderr)
        return 1
    srv.listen(16)
    srv.settimeout(0.1)
    write_file(os.path.join(opts.dir, "smtpsink.pid"),
               b"%d\n" % os.getpid())
    write_file(os.path.join(opts.dir, "ready"), b"")

    accepted = 0
    while time.monotonic() < deadline:
        limit = opts.max_connections
        if limit and accepted >= limit:
            with sink.lock:
                if sink.conn_done >= limit:
                    break
            time.sleep(0.05)
            continue
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        accepted += 1
        threading.Thread(target=serve_connection, args=(sink, conn, accepted),
                         daemon=True).start()
    srv.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
