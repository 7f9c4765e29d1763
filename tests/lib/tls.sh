# tls.sh - certificates made by the test, and a private Postfix that
# speaks TLS (STARTTLS on a submission port, implicit TLS on an smtps
# port), for integration tests.
#
#   . "$TOP/tests/lib/tls.sh"
#   tls_ca DIR NAME                a CA: DIR/NAME.key, DIR/NAME.crt
#   tls_cert DIR CA NAME           a server key and certificate signed by
#                                  DIR/CA (CN localhost; SAN DNS:localhost,
#                                  IP:127.0.0.1): DIR/NAME.{key,crt}
#   pf_tls PFDIR KEY CERT          smtpd_tls_* settings and the tlsmgr
#                                  service; TLS offered, not required
#   pf_submission PFDIR PORT       127.0.0.1:PORT, STARTTLS required
#                                  (smtpd_tls_security_level=encrypt),
#                                  AUTH only after it, relaying only for
#                                  authenticated clients
#   pf_smtps PFDIR PORT            127.0.0.1:PORT in implicit TLS
#                                  (smtpd_tls_wrappermode=yes), AUTH on,
#                                  relaying only for authenticated clients
#   pf_cert PFDIR KEY CERT         serve another key and certificate
#                                  (restarts a running Postfix: after a
#                                  reload, idle smtpd processes would
#                                  serve the old one for a while)
#   tls_peer_cert PORT [STARTTLS]  print the subject and issuer the server
#                                  on 127.0.0.1:PORT presents
#
# The certificates are for the tests only: 2048-bit RSA, SHA-256, valid
# for two days from one day back (clocks that disagree a little do not
# matter).  Nothing outside DIR and PFDIR is touched.  The submission
# services need SASL (tests/lib/sasl.sh) for a client to relay.

# _tls_openssl - openssl, quiet unless it fails
_tls_openssl() {
	local out rc=0
	out=$(openssl "$@" 2>&1) || rc=$?
	if [ $rc -ne 0 ]; then
		echo "tls.sh: openssl $1 failed:" >&2
		echo "$out" >&2
	fi
	return $rc
}

# tls_ca - a self-signed CA certificate and its key
tls_ca() {
	local dir=$1 name=$2
	mkdir -p "$dir" || return 1
	_tls_openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 \
	    -keyout "$dir/$name.key" -out "$dir/$name.crt" \
	    -subj "/O=edefter tests/CN=$name" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" || return 1
	chmod 0600 "$dir/$name.key"
}

# tls_cert - a server certificate for localhost and 127.0.0.1, signed by CA
tls_cert() {
	local dir=$1 ca=$2 name=$3
	cat >"$dir/$name.ext" <<-EOF || return 1
	basicConstraints = critical, CA:FALSE
	keyUsage = critical, digitalSignature, keyEncipherment
	extendedKeyUsage = serverAuth
	subjectAltName = DNS:localhost, IP:127.0.0.1
	EOF
	_tls_openssl req -new -newkey rsa:2048 -nodes -sha256 \
	    -keyout "$dir/$name.key" -out "$dir/$name.csr" \
	    -subj "/O=edefter tests/CN=localhost" || return 1
	_tls_openssl x509 -req -in "$dir/$name.csr" -sha256 -days 2 \
	    -CA "$dir/$ca.crt" -CAkey "$dir/$ca.key" -CAcreateserial \
	    -extfile "$dir/$name.ext" -out "$dir/$name.crt" || return 1
	# smtpd reads the key after dropping to postfix
	chmod 0640 "$dir/$name.key" && chgrp postfix "$dir/$name.key"
}

# pf_tls - TLS for PFDIR's smtpd (offered, not required on the main port)
pf_tls() {
	local dir
	dir=$(_pf_abs "$1") || return 1
	grep -q '^tlsmgr ' "$dir/etc/master.cf" ||
	    echo 'tlsmgr    unix  -       -       n       1000?   1       tlsmgr' \
	    >>"$dir/etc/master.cf" || return 1
	pf_set "$dir" \
	    "smtpd_tls_cert_file = $3" \
	    "smtpd_tls_key_file = $2" \
	    "smtpd_tls_security_level = may" \
	    "smtpd_tls_loglevel = 1" \
	    "smtpd_tls_received_header = yes" \
	    "smtpd_tls_session_cache_database =" \
	    "tls_random_source = dev:/dev/urandom"
}

# pf_cert - serve another key and certificate
pf_cert() {
	local dir running=
	dir=$(_pf_abs "$1") || return 1
	if _pf_master_pid "$dir" >/dev/null; then
		running=1
		pf_stop "$dir" || return 1
	fi
	pf_set "$dir" "smtpd_tls_cert_file = $3" "smtpd_tls_key_file = $2" ||
	    return 1
	[ -z "$running" ] || pf_start "$dir"
}

# _pf_service - add an smtpd on 127.0.0.1:PORT with -o overrides
_pf_service() {
	local dir=$1 port=$2 name=$3
	shift 3
	postconf -c "$dir/etc" -M "127.0.0.1:$port/inet=127.0.0.1:$port inet n - n - - smtpd -o syslog_name=postfix/$name $*" ||
	    return 1
	_pf_cool "$dir"
}

# pf_submission - STARTTLS required, AUTH after it, relay for AUTH only
pf_submission() {
	local dir
	dir=$(_pf_abs "$1") || return 1
	_pf_service "$dir" "$2" submission \
	    -o smtpd_tls_security_level=encrypt \
	    -o smtpd_sasl_auth_enable=yes \
	    -o smtpd_tls_auth_only=yes \
	    -o smtpd_client_restrictions=permit_sasl_authenticated,reject \
	    -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
}

# pf_smtps - implicit TLS (wrapper mode), AUTH on, relay for AUTH only
pf_smtps() {
	local dir
	dir=$(_pf_abs "$1") || return 1
	_pf_service "$dir" "$2" smtps \
	    -o smtpd_tls_wrappermode=yes \
	    -o smtpd_sasl_auth_enable=yes \
	    -o smtpd_client_restrictions=permit_sasl_authenticated,reject \
	    -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
}

# tls_peer_cert - the subject and issuer of the server's certificate
tls_peer_cert() {
	local port=$1 starttls=${2:+-starttls smtp}
	# shellcheck disable=SC2086
	openssl s_client -connect "127.0.0.1:$port" $starttls \
	    -servername localhost </dev/null 2>/dev/null |
	    openssl x509 -noout -subject -issuer
}
