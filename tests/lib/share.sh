# share.sh - build e-Defter folders for the scanner tests.
#
#   mkfiles DIR NAME...     real small zips for *.zip names, XML otherwise
#   mkperiod DIR ID YYYYMM  a complete period: Y, K, GIB-YB, GIB-KB, DR
#   scan_conf NAME [extra lines]  writes $T/NAME.conf for a share at
#                           $T/NAME.share (ShareType any), ledger
#                           $T/NAME.ledger, state $T/NAME.state,
#                           companies $T/NAME.csv, SettleSeconds 0
#   mail_of FILE            the parsed message: subject, headers, and
#                           "name sha256" per attachment

mkfiles() {
	local dir=$1
	shift
	mkdir -p "$dir" &&
	/usr/bin/python3 - "$dir" "$@" <<-\PY
	import os, sys, zipfile
	d = sys.argv[1]
	for n in sys.argv[2:]:
	    p = os.path.join(d, n)
	    if n.lower().endswith(".zip"):
	        with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
	            z.writestr(n[:-4] + ".xml", ("<defter>%s</defter>\n" % n) * 50)
	    else:
	        with open(p, "w") as f:
	            f.write("<defter>%s</defter>\n" % n)
	PY
}

mkperiod() {
	local dir=$1 id=$2 ym=$3
	mkfiles "$dir" "$id-$ym-Y-000000.zip" "$id-$ym-K-000000.zip" \
	    "GIB-$id-$ym-YB-000000.zip" "GIB-$id-$ym-KB-000000.zip" \
	    "$id-$ym-DR-000000.xml"
}

scan_conf() {
	local name=$1
	shift
	mkdir -p "$T/$name.share" "$T/$name.state"
	{
		echo "LedgerPath $T/$name.ledger"
		echo "ShareRoot $T/$name.share"
		echo "ShareType any"
		echo "Companies $T/$name.csv"
		echo "From Mali Müşavirlik Bürosu <edefter@ofis.example>"
		echo "StateDir $T/$name.state"
		for line in "$@"; do echo "$line"; done
		printf '%s\n' "$@" | grep -q "^SettleSeconds" ||
		    echo "SettleSeconds 0"
	} >"$T/$name.conf"
}

mail_of() {
	/usr/bin/python3 - "$1" <<-\PY
	import email, email.policy, hashlib, sys
	m = email.message_from_binary_file(open(sys.argv[1], "rb"),
	                                   policy=email.policy.default)
	print("subject", m["Subject"])
	for h in ("X-EDefter-Company", "X-EDefter-Period", "To", "Message-ID",
	          "Auto-Submitted"):
	    print(h.lower(), m[h])
	for part in m.iter_attachments():
	    data = part.get_payload(decode=True)
	    print("file", part.get_filename(), hashlib.sha256(data).hexdigest())
	body = m.get_body(("plain",))
	print("text", body.get_content().replace("\n", "|"))
	PY
}

sha_of() {
	sha256sum "$1" | cut -d" " -f1
}
