-- common.lua - helpers for the edefter-milter miltertest scripts.
-- A failed expectation prints what failed and exits 1: a bare error()
-- inside miltertest ends the run without a message.

SOCK = os.getenv("MILTER_SOCK")

function fail(what)
	io.stderr:write("FAILED: " .. what .. "\n")
	os.exit(1)
end

function expect(cond, what)
	if not cond then fail(what) end
end

-- step - run one protocol step; a step the milter negotiated away is
-- reported, not fatal to the interpreter
function step(what, f, ...)
	local ok, err = pcall(f, ...)
	expect(ok, what .. ": " .. tostring(err))
	expect(err == nil, what .. ": " .. tostring(err))
end

-- open - a connection from ip; daemon sets {daemon_name}
function open(ip, daemon)
	local conn = mt.connect(SOCK, 100, 0.05)
	expect(conn ~= nil, "connect to " .. tostring(SOCK))
	if daemon ~= nil then
		mt.macro(conn, SMFIC_CONNECT, "{daemon_name}", daemon)
	end
	step("conninfo", mt.conninfo, conn, "client.example", ip)
	expect(mt.getreply(conn) == SMFIR_CONTINUE, "conninfo reply")
	return conn
end

-- envelope - MAIL FROM with queue id (and SASL user), then RCPT TOs
function envelope(conn, qid, rcpts, auth)
	if auth ~= nil then
		mt.macro(conn, SMFIC_MAIL, "i", qid, "{auth_authen}", auth)
	else
		mt.macro(conn, SMFIC_MAIL, "i", qid)
	end
	step("mailfrom", mt.mailfrom, conn, "<ofis@ofis.example>")
	expect(mt.getreply(conn) == SMFIR_CONTINUE, "mailfrom reply")
	for _, r in ipairs(rcpts) do
		step("rcptto " .. r, mt.rcptto, conn, r)
		expect(mt.getreply(conn) == SMFIR_CONTINUE, "rcpt reply " .. r)
	end
end

-- headers - send headers and EOH; the reply to EOH
function headers(conn, list)
	for _, h in ipairs(list) do
		step("header " .. h[1], mt.header, conn, h[1], h[2])
		expect(mt.getreply(conn) == SMFIR_CONTINUE, "header reply " .. h[1])
	end
	step("eoh", mt.eoh, conn)
	return mt.getreply(conn)
end

function body(conn, text)
	step("body", mt.bodystring, conn, text)
	return mt.getreply(conn)
end

-- eom_has - mt.eom_check that reports a bad call instead of dying
-- silently; MT_SMTPREPLY compares the whole "code xcode text" reply
function eom_has(conn, op, ...)
	local ok, r = pcall(mt.eom_check, conn, op, ...)
	expect(ok, "mt.eom_check: " .. tostring(r))
	return r
end

function eom(conn)
	step("eom", mt.eom, conn)
	return mt.getreply(conn)
end

-- edefter_headers - the scanner's labels plus ordinary headers
function edefter_headers(id, period, msgid)
	return {
		{ "From", "Ofis <ofis@ofis.example>" },
		{ "To", "firma@firma.example" },
		{ "Subject", "e-Defter" },
		{ "Message-ID", msgid },
		{ "X-EDefter-Company", id },
		{ "X-EDefter-Period", period },
		{ "X-EDefter-Company-Name", "=?UTF-8?B?w5ZybmVrIEEuxZ4u?=" },
	}
end

-- send - one whole labelled message; the end-of-message reply
function send(conn, qid, rcpts, id, period, msgid)
	envelope(conn, qid, rcpts)
	expect(headers(conn, edefter_headers(id, period, msgid)) ==
	    SMFIR_CONTINUE, "eoh of an e-Defter send continues")
	if not mt.test_option(conn, SMFIP_NOBODY) then
		body(conn, "files attached\r\n")
	end
	return eom(conn)
end
