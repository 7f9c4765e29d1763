# sasl.sh - SMTP AUTH for a private Postfix (tests/lib/postfix.sh) through
# Cyrus SASL with a private sasldb, for integration tests.
#
#   . "$TOP/tests/lib/sasl.sh"
#   pf_sasl PFDIR                  smtpd_sasl_type cyrus with a private
#                                  PFDIR/etc/sasl/smtpd.conf: auxprop
#                                  sasldb at PFDIR/etc/sasl/sasldb2,
#                                  PLAIN and LOGIN
#   pf_sasl_user PFDIR USER        add or change USER (name@realm, or a
#                                  bare name in the realm of myhostname);
#                                  the password is read from standard
#                                  input (one line), never given on a
#                                  command line
#   pf_sasl_users PFDIR            list the users in the sasldb
#
# Needs saslpasswd2 (Debian sasl2-bin) and the sasldb, PLAIN and LOGIN
# plugins (libsasl2-modules-db, libsasl2-modules).  Nothing outside PFDIR
# is read or written, and no daemon is started: smtpd reads the sasldb
# itself (pwcheck_method auxprop), saslauthd is not involved.
#
# Debian's Postfix reads smtpd.conf from $config_directory/sasl and
# ignores cyrus_sasl_config_path (set too, for other builds).
#
# A client logs in as name@realm (Postfix's sasl_username and the
# milter's {auth_authen} are then that), or with a bare name, which is
# looked up in the realm of myhostname (smtpd_sasl_local_domain).

# pf_sasl_realm - the realm users are stored in
pf_sasl_realm() {
	postconf -c "$1/etc" -h myhostname
}

# pf_sasl - Cyrus SASL with a private config and sasldb
pf_sasl() {
	local dir
	dir=$(_pf_abs "$1") || return 1
	mkdir -p "$dir/etc/sasl" || return 1
	chmod 0755 "$dir/etc/sasl" || return 1
	cat >"$dir/etc/sasl/smtpd.conf" <<-EOF || return 1
	pwcheck_method: auxprop
	auxprop_plugin: sasldb
	sasldb_path: $dir/etc/sasl/sasldb2
	mech_list: PLAIN LOGIN
	log_level: 3
	EOF
	pf_set "$dir" \
	    "smtpd_sasl_type = cyrus" \
	    "smtpd_sasl_path = smtpd" \
	    "cyrus_sasl_config_path = $dir/etc/sasl" \
	    "smtpd_sasl_local_domain = \$myhostname" \
	    "smtpd_sasl_security_options = noanonymous" \
	    "smtpd_sasl_tls_security_options = noanonymous" \
	    "smtpd_sasl_authenticated_header = yes" \
	    "smtpd_sasl_auth_enable = no"
}

# pf_sasl_user - add or change a user, the password from stdin
pf_sasl_user() {
	local dir name=${2%@*} realm=${2##*@}
	dir=$(_pf_abs "$1") || return 1
	if [ "$name" = "$2" ]; then
		realm=$(pf_sasl_realm "$dir") || return 1
	fi
	saslpasswd2 -f "$dir/etc/sasl/sasldb2" -c -p -u "$realm" "$name" ||
	    return 1
	# smtpd reads it as postfix
	chown postfix:postfix "$dir/etc/sasl/sasldb2" &&
	    chmod 0600 "$dir/etc/sasl/sasldb2"
}

# pf_sasl_users - the users in the sasldb
pf_sasl_users() {
	local dir
	dir=$(_pf_abs "$1") || return 1
	sasldblistusers2 -f "$dir/etc/sasl/sasldb2"
}
