#!/usr/bin/python3
"""mime_decode - decode a message with Python's email package.

usage: mime_decode.py MESSAGE [--text FILE] [ORIGINAL...]

An independent reading of what mimew writes, for test_mimew.  Prints one
line per fact, the free-text value last on its line:

    subject TEXT            the decoded Subject
    from TEXT               the decoded From
    to TEXT                 the decoded To
    header NAME TEXT        Date, Message-ID, X-EDefter-*, Auto-Submitted
    text match|mismatch     the text part against FILE (LF line ends)
    attachments N
    att I SHA256 SIZE match|mismatch|- FILENAME
    ctname I NAME           Content-Type name=, RFC 2047 decoded
    defects N               every defect the parser noted

Attachment I is compared with ORIGINAL number I, when given.
"""
import email
import email.header
import email.policy
import hashlib
import sys


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def ctname(part):
    """Content-Type name= as Outlook reads it: RFC 2047 inside quotes."""
    raw = part.get_param('name', header='content-type')
    if raw is None:
        return ''
    if isinstance(raw, tuple):
        raw = email.utils.collapse_rfc2231_value(raw)
    raw = str(raw)
    if '=?' not in raw:
        return raw
    return str(email.header.make_header(email.header.decode_header(raw)))


def main(argv):
    args = argv[1:]
    text_file = None
    if '--text' in args:
        i = args.index('--text')
        text_file = args[i + 1]
        del args[i:i + 2]
    path, originals = args[0], args[1:]
    with open(path, 'rb') as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    defects = 0
    out = []
    for name in ('subject', 'from', 'to'):
        h = msg[name]
        defects += len(h.defects) if h is not None else 1
        out.append('%s %s' % (name, h))
    for name in ('Date', 'Message-ID', 'MIME-Version', 'Auto-Submitted',
                 'X-EDefter-Company', 'X-EDefter-Period'):
        out.append('header %s %s' % (name, msg[name]))
    if msg['date'] is not None and msg['date'].datetime is None:
        defects += 1
    for part in msg.walk():
        defects += len(part.defects)
    body = msg.get_body(preferencelist=('plain',))
    if text_file is not None:
        with open(text_file, 'rb') as f:
            want = f.read().decode('utf-8').replace('\r\n', '\n')
        got = body.get_content().replace('\r\n', '\n') if body else None
        out.append('text %s' % ('match' if got == want else 'mismatch'))
        if got != want:
            sys.stderr.write('text got %r\nwant %r\n' % (got, want))
    atts = list(msg.iter_attachments())
    out.append('attachments %d' % len(atts))
    for i, part in enumerate(atts):
        data = part.get_payload(decode=True)
        verdict = '-'
        if i < len(originals):
            with open(originals[i], 'rb') as f:
                verdict = 'match' if f.read() == data else 'mismatch'
        out.append('att %d %s %d %s %s' % (i, sha256(data), len(data),
                                           verdict, part.get_filename()))
        out.append('ctname %d %s' % (i, ctname(part)))
    out.append('defects %d' % defects)
    sys.stdout.buffer.write(('\n'.join(out) + '\n').encode('utf-8'))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
